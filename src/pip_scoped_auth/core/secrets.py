"""Secrets as a type: a token or password that cannot print.

Every credential the package keeps is a :class:`Login`, whose password is a
:class:`Secret`. Neither ``repr``, ``str`` nor ``format`` shows the value, and
pickling refuses, so a ``%r`` in a log call, a pytest failure dump or a crash
reporter that prints locals cannot leak it. The value leaves the type only
through :meth:`Secret.reveal`, at the one place that hands credentials back
to pip (``pip_layer``). uv's ``DisplaySafeUrl`` is the model.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import NoReturn

__all__ = ["NOBODY", "Login", "Secret", "header_fingerprint"]

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


def header_fingerprint(value: str | bytes | None) -> bytes:
    """A digest of an ``Authorization`` header value as sent (``None``: no header).

    What the shim compares to decide "which login did this request carry":
    whole header values, never a decoded header split at ``:`` (a username
    may hold a ``:``, percent-encoded in the URL, and then no split is right).
    """
    if value is None:
        data = b""
    elif isinstance(value, bytes):
        data = b"h" + value
    else:
        data = b"h" + value.encode("latin1", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).digest()


class Login:
    """A username and password pair as pip sends it; either part may be missing.

    ``repr`` shows the username only where a non-empty password goes with it:
    a username that stands alone (no password, or the empty one pip sends as
    ``TOKEN:``) is often a token itself (GitLab, Artifactory and Azure accept
    ``https://TOKEN@host/``), so it is hidden wherever a password would be.
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

    @property
    def username_is_secret(self) -> bool:
        """A username that stands alone (no password, or an empty one): treat it as a token."""
        return self.username is not None and (self.password is None or not self.password.reveal())

    def basic_header(self) -> str | None:
        """The ``Authorization`` value requests' ``HTTPBasicAuth`` sends for this login.

        ``None`` for :data:`NOBODY` (pip sends no header then). A missing part
        is sent as the empty string, as pip does; like requests, the pair is
        encoded as Latin-1 (UTF-8 where Latin-1 cannot hold it, where requests
        itself would fail).
        """
        if self.empty:
            return None
        user, password = self.reveal()
        raw = f"{user or ''}:{password or ''}"
        try:
            data = raw.encode("latin1")
        except UnicodeEncodeError:
            data = raw.encode("utf-8", "surrogatepass")
        return "Basic " + base64.b64encode(data).decode("ascii")

    def reveal(self) -> tuple[str | None, str | None]:
        """pip's ``(username, password)``: only at the boundary back to pip."""
        return self.username, self.password.reveal() if self.password is not None else None

    def fingerprint(self) -> bytes:
        """A digest of the header this login sends: two logins that put the same
        bytes on the wire are the same login to a server (and to a rejection)."""
        return header_fingerprint(self.basic_header())

    def shown(self) -> str:
        """One phrase for logs and the CLI, never the secret (nor a username that stands alone)."""
        if self.username is None:
            return "no credentials" if self.password is None else "a password without a username"
        if self.username_is_secret:
            return "a username only (hidden)"
        return f"user {self.username!r} with a password"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Login):
            return NotImplemented
        return self.username == other.username and self.password == other.password

    def __hash__(self) -> int:
        return hash((self.username, self.password))

    def __repr__(self) -> str:
        user = repr(_HIDDEN) if self.username_is_secret else repr(self.username)
        return f"Login(username={user}, password={self.password!r})"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Login cannot be pickled")


#: No credentials at all.
NOBODY = Login(None, None)
