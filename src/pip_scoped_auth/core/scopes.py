"""Index scopes and the credential store keyed by them.

Pure logic: nothing here imports pip, so the rules can be unit-tested (and
fuzzed) without a pip installation, and a new pip release never touches them.

A *scope* is an index URL reduced to what identifies "its" files: the origin
(scheme, lower-cased host, explicit port) and the path without a final
``simple``/``+simple`` segment. GitLab serves
``/api/v4/projects/323/packages/pypi/simple`` and links files under
``/api/v4/projects/323/packages/pypi/files/...``; devpi serves
``/root/dev/+simple`` and files under ``/root/dev/+f/...``. The scope is the
smallest prefix both share, so a file request can be matched to the index that
listed it without guessing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Optional

from pip_scoped_auth.core.location import Origin, Scope, longest_prefix
from pip_scoped_auth.core.secrets import NOBODY, Login
from pip_scoped_auth.core.urls import (
    index_scope,
    request_location,
    split_userinfo,
    without_userinfo,
)

if TYPE_CHECKING:
    from pip_scoped_auth.core.provenance import Provenance

__all__ = ["AuthInfo", "CredentialStore", "IndexEntry", "ScopeTable"]

#: ``(username, password)``; either may be ``None`` (pip's ``AuthInfo``): the
#: plain form pip hands over and takes back, never kept by this package.
AuthInfo = tuple[Optional[str], Optional[str]]


class IndexEntry:
    """One configured index: its URL without credentials, its scope, its URL login."""

    __slots__ = ("login", "scope", "url")

    def __init__(self, url: str, scope: Scope, login: Login = NOBODY) -> None:
        self.url = url
        self.scope = scope
        self.login = login

    @property
    def username(self) -> str | None:
        return self.login.username

    @property
    def has_credentials(self) -> bool:
        return self.login.complete

    def __repr__(self) -> str:
        return f"IndexEntry(url={self.url!r}, scope={str(self.scope)!r}, login={self.login!r})"


class ScopeTable:
    """Longest-prefix lookup from request URL to configured index.

    Lookup walks the request's own path prefixes from longest to shortest and
    probes a dict, so its cost grows with URL depth, not with the number of
    configured indexes. Where two indexes share a scope, the first one listed
    wins (pip lists ``--index-url`` before ``--extra-index-url``).
    """

    __slots__ = ("entries", "hosts", "locks", "origins")

    def __init__(self) -> None:
        self.entries: dict[Scope, IndexEntry] = {}
        #: Origins with at least one scope.
        self.origins: set[Origin] = set()
        #: Hosts with at least one scope: there the shim decides every request,
        #: on every scheme and port, so pip's per-netloc fallbacks never run there.
        self.hosts: set[str] = set()
        #: Which index a lock file pins a file to (``pylock.toml``): see :meth:`_locked`.
        self.locks: Provenance | None = None

    @classmethod
    def from_urls(cls, urls: Iterable[str], locks: Provenance | None = None) -> ScopeTable:
        table = cls()
        table.locks = locks
        for url in urls:
            table.add(url)
        return table

    def add(self, url: str) -> IndexEntry | None:
        if not isinstance(url, str):
            return None
        scope = index_scope(url)
        if scope is None:
            return None
        entry = IndexEntry(without_userinfo(url), scope, Login.of(*split_userinfo(url)))
        self.origins.add(scope.origin)
        self.hosts.add(scope.origin.host)
        return self.entries.setdefault(scope, entry)

    def entry_for(self, url: str) -> IndexEntry | None:
        """The index whose scope contains ``url`` most specifically, if any."""
        location = request_location(url)
        if location is None:
            return None
        return self.lookup_location(location)

    def lookup_location(self, location: Scope) -> IndexEntry | None:
        """The most specific scope of ``location``'s origin; for an https URL with
        none, the most specific scope of the plain-http origin it upgrades."""
        for origin in (location.origin, location.origin.downgraded()):
            if origin is None or origin not in self.origins:
                continue
            entry = longest_prefix(self.entries, Scope(origin, location.segments))
            if entry is not None:
                return entry
        return self._locked(location)

    def _locked(self, location: Scope) -> IndexEntry | None:
        """For a file no scope contains: the index a lock file pins it to, if configured here.

        pip fetches a ``pylock.toml``'s files without reading an index page;
        the lock's ``packages.index`` names their index. It counts where it is
        one of these indexes (compared without credentials), on the file's
        own origin, so the file gets what that index's scope gets.
        """
        index = self.locks.locked_index(location) if self.locks is not None else None
        scope = index_scope(index) if index is not None else None
        if scope is None or scope.origin != location.origin:
            return None
        return self.entries.get(scope)

    def scopes_on(self, origin: Origin) -> list[Scope]:
        return [scope for scope in self.entries if scope.origin == origin]

    def __repr__(self) -> str:
        return f"ScopeTable({list(self.entries.values())!r})"


class CredentialStore:
    """Credentials learned during a run (401 retries, keyring, prompt), by scope.

    pip keeps these in ``passwords[netloc]``, so the last index to answer a
    challenge on a host decides what every other index on that host gets. Here
    each scope keeps its own: an index scope, or for a URL outside every index
    scope the directory it was learned for (RFC 7617's protection space: that
    directory and below, nothing else on the host).

    pip calls its auth object from one thread (checked for pip 22.0 to 26.3),
    so no lock: a lock nothing contends for would only be a test that cannot fail.
    """

    __slots__ = ("_by_scope",)

    def __init__(self) -> None:
        self._by_scope: dict[Scope, Login] = {}

    def get(self, scope: Scope) -> Login | None:
        return self._by_scope.get(scope)

    def within(self, location: Scope) -> Login | None:
        """The login learned for the longest scope that contains ``location``."""
        return longest_prefix(self._by_scope, location)

    def put(self, scope: Scope, login: Login) -> None:
        self._by_scope[scope] = login

    def __len__(self) -> int:
        return len(self._by_scope)

    def __repr__(self) -> str:
        return f"CredentialStore({ {str(s): v for s, v in self._by_scope.items()}!r})"
