"""Logins a parent pip hands to a child pip: the one secret channel, encoded and decoded.

pip installs build dependencies with a child pip and, unpatched, passes it the
index URLs *with their credentials on the command line*, where every local
user can read them (``/proc/<pid>/cmdline``) and where pip prints them when
the child fails. With the shim, the child's command line carries each URL
without userinfo, and the logins travel in one environment variable
(:data:`ENV_VAR`), set for that child only, as JSON mapping each URL (as it
appears on the child's command line) to ``{"username": ..., "password": ...}``.
The child's shim reads and removes it at patch time and treats each login as
if it were written in that URL: an index URL's login fills that index's scope
(scoped exactly as in the parent), any other URL (a ``--find-links`` page)
gets it for that page only (as a page the parent read with it:
:meth:`Handover.seed`). Logins the parent got from keyring or the 401 prompt
go the same way (:func:`known_login`), so the child neither prompts nor asks
keyring again (pip issue 10665).

Pure: no pip, no ``os.environ`` (the pip layer reads and writes the variable).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from pip_scoped_auth.core.keyring_cache import keyring_services
from pip_scoped_auth.core.location import Scope
from pip_scoped_auth.core.scopes import ScopeTable
from pip_scoped_auth.core.secrets import Login
from pip_scoped_auth.core.urls import redact_url, request_location, without_userinfo

if TYPE_CHECKING:
    from pip_scoped_auth.core.provenance import Provenance
    from pip_scoped_auth.core.resolver import AuthState
    from pip_scoped_auth.core.scopes import IndexEntry

__all__ = ["ENV_VAR", "Handover", "known_login"]

#: The environment variable a child pip gets its logins in.
ENV_VAR = "PIP_SCOPED_AUTH_CHILD"

_VERSION = 1


class Handover:
    """Logins by URL (without userinfo), for one child pip or received from a parent.

    Its ``repr`` shows URLs and usernames the way :class:`Login` does, never a
    secret. Lookups compare normalised locations (origin, path segments), so a
    trailing slash or the host's case does not matter; never a prefix: a
    login handed over for a page is for that page (and, for an index URL, that
    index's scope) only.
    """

    __slots__ = ("_logins",)

    def __init__(self, logins: Iterable[tuple[str, Login]] = ()) -> None:
        #: location -> (URL without userinfo, login); the first login for a URL wins.
        self._logins: dict[Scope, tuple[str, Login]] = {}
        for url, login in logins:
            self.add(url, login)

    def add(self, url: str, login: Login) -> bool:
        """Hand ``login`` over for ``url``; False where the URL is not HTTP(S) or login is empty."""
        location = request_location(url)
        if location is None or login.empty:
            return False
        self._logins.setdefault(location, (without_userinfo(url), login))
        return True

    def __bool__(self) -> bool:
        return bool(self._logins)

    def __len__(self) -> int:
        return len(self._logins)

    def __repr__(self) -> str:
        shown = {redact_url(url): login for url, login in self._logins.values()}
        return f"Handover({shown!r})"

    def login_for(self, url: str) -> Login | None:
        """The login handed over for exactly this URL (normalised), if any."""
        location = request_location(url)
        if location is None:
            return None
        found = self._logins.get(location)
        return found[1] if found is not None else None

    def fill(self, table: ScopeTable) -> ScopeTable:
        """Give each index of ``table`` whose URL has no login the one handed over for it.

        An index URL that carries a login of its own (the user passed one to
        the child directly) keeps it.
        """
        if not self._logins:
            return table
        for entry in table.entries.values():
            if entry.login.empty:
                handed = self.login_for(entry.url)
                if handed is not None:
                    entry.login = handed
        return table

    def seed(self, provenance: Provenance) -> Handover:
        """Record each handed-over URL as a page read with its login that lists itself.

        So a ``--find-links`` page the parent read with a login is read with
        it here too, and the files it lists follow by provenance; exactly that
        URL, never a prefix. Returns ``self``.
        """
        for url, login in self._logins.values():
            provenance.page_fetched(url, login)
            provenance.link_listed(url, url)
        return self

    # ------------------------------------------------------------- encoding

    def encode(self) -> str:
        """The variable's value (holds the secrets: only ever for a child's environment)."""
        logins = {}
        for url, login in self._logins.values():
            username, password = login.reveal()
            logins[url] = {"username": username, "password": password}
        return json.dumps({"version": _VERSION, "logins": logins}, separators=(",", ":"))

    @classmethod
    def decode(cls, text: str) -> Handover:
        """Read the variable's value; raises ``ValueError`` (never quoting it) if malformed."""
        try:
            data = json.loads(text)
        except ValueError:
            raise ValueError("not JSON") from None
        if not isinstance(data, Mapping) or data.get("version") != _VERSION:
            raise ValueError("unknown format")
        logins = data.get("logins")
        if not isinstance(logins, Mapping):
            raise ValueError("no logins")
        handover = cls()
        for url, pair in logins.items():
            if not isinstance(url, str) or not isinstance(pair, Mapping):
                raise ValueError("bad entry")
            username, password = pair.get("username"), pair.get("password")
            if not all(v is None or isinstance(v, str) for v in (username, password)):
                raise ValueError("bad entry")
            handover.add(url, Login.of(username, password))
        return handover


def known_login(state: AuthState, entry: IndexEntry, netloc: str) -> Login | None:
    """What ``state`` already holds for ``entry``'s scope, asking no one (for a child pip).

    The index URL's own login, else one learned after a 401 (keyring, the
    prompt), else a keyring answer already given for this index's service
    names (rule 5): never a new keyring question.
    """
    if entry.has_credentials:
        return entry.login
    learned = state.store.get(entry.scope)
    if learned is not None and entry.username in (None, learned.username):
        return learned
    for service in keyring_services(entry.url, netloc):
        answer = state.keyring.answer(service, entry.username)
        if answer is not None and answer.complete and entry.username in (None, answer.username):
            return answer
    return None
