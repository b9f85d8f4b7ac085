"""Secrets as a type: a token or password that cannot print.

Every credential the package keeps is a :class:`Login`, whose password is a
:class:`Secret`. Neither ``repr``, ``str`` nor ``format`` shows the value, and
pickling refuses, so a ``%r`` in a log call, a pytest failure dump or a crash
reporter that prints locals cannot leak it. The value leaves the type only
through :meth:`Secret.reveal`, at the one place that hands credentials back
to pip (``pip_layer``). uv's ``DisplaySafeUrl`` is the model.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import NoReturn

__all__ = ["Login", "Secret"]

_HIDDEN = "****"


class Secret:
    """A string that never prints; compare and hash it without revealing it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The value itself: only for handing credentials back to pip."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({_HIDDEN!r})"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled")


class Login:
    """A username and password pair as pip sends it; either part may be missing.

    ``repr`` shows the username only where a password goes with it: a lone
    username may itself be a token (``https://TOKEN@host/``), which is how pip
    redacts it too.
    """

    __slots__ = ("password", "username")

    def __init__(self, username: str | None, password: Secret | None) -> None:
        self.username = username
        self.password = password

    @classmethod
    def of(cls, username: str | None, password: str | None) -> Login:
        """From pip's plain ``(username, password)`` pair."""
        return cls(username, Secret(password) if password is not None else None)

    @property
    def complete(self) -> bool:
        return self.username is not None and self.password is not None

    @property
    def empty(self) -> bool:
        return self.username is None and self.password is None

    def reveal(self) -> tuple[str | None, str | None]:
        """pip's ``(username, password)``: only at the boundary back to pip."""
        return self.username, self.password.reveal() if self.password is not None else None

    def fingerprint(self) -> bytes:
        """A digest that identifies this login (to skip a rejected one) without keeping it."""
        user, password = self.reveal()
        data = f"{user is None}:{user or ''}\0{password is None}:{password or ''}"
        return hashlib.blake2b(data.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def shown(self) -> str:
        """One phrase for logs and the CLI, never the secret."""
        if self.username is None:
            return "no credentials"
        if self.password is None:
            return "a username (not shown)"
        return f"user {self.username!r} with a password"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Login):
            return NotImplemented
        return self.username == other.username and self.password == other.password

    def __hash__(self) -> int:
        return hash((self.username, self.password))

    def __repr__(self) -> str:
        if self.password is None:
            user = "None" if self.username is None else repr(_HIDDEN)
            return f"Login(username={user}, password=None)"
        return f"Login(username={self.username!r}, password={self.password!r})"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Login cannot be pickled")


#: No credentials at all.
NOBODY = Login(None, None)
