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

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Optional

from pip_scoped_auth.core.urls import Origin, Scope, index_scope, request_location, split_userinfo

__all__ = ["CredentialStore", "Credentials", "IndexEntry", "ScopeTable"]

#: ``(username, password)``; either may be ``None`` (pip's ``AuthInfo``).
Credentials = tuple[Optional[str], Optional[str]]


@dataclass(frozen=True)
class IndexEntry:
    """One configured index: where it is, its scope, and any URL credentials."""

    url: str
    scope: Scope
    username: str | None
    password: str | None

    @property
    def has_credentials(self) -> bool:
        return self.username is not None and self.password is not None


@dataclass
class ScopeTable:
    """Longest-prefix lookup from request URL to configured index.

    Lookup walks the request's own path prefixes from longest to shortest and
    probes a dict, so its cost grows with URL depth, not with the number of
    configured indexes. Where two indexes share a scope, the first one listed
    wins (pip lists ``--index-url`` before ``--extra-index-url``).
    """

    entries: dict[Scope, IndexEntry] = field(default_factory=dict)

    @classmethod
    def from_urls(cls, urls: Iterable[str]) -> ScopeTable:
        table = cls()
        for url in urls:
            table.add(url)
        return table

    def add(self, url: str) -> IndexEntry | None:
        if not isinstance(url, str):
            return None
        scope = index_scope(url)
        if scope is None:
            return None
        username, password = split_userinfo(url)
        entry = IndexEntry(url=url, scope=scope, username=username, password=password)
        return self.entries.setdefault(scope, entry)

    def lookup(self, url: str) -> IndexEntry | None:
        """The index whose scope contains ``url`` most specifically, if any."""
        location = request_location(url)
        if location is None:
            return None
        return self.lookup_location(location)

    def lookup_location(self, location: Scope) -> IndexEntry | None:
        if not self.entries:
            return None
        segments = location.segments
        for n in range(len(segments), -1, -1):
            entry = self.entries.get(Scope(location.origin, segments[:n]))
            if entry is not None:
                return entry
        return None

    def scopes_on(self, origin: Origin) -> Sequence[Scope]:
        return [scope for scope in self.entries if scope.origin == origin]


class CredentialStore:
    """Credentials learned during a run (401 retries, keyring, prompt), by scope.

    pip keeps these in ``passwords[netloc]``, so the last index to answer a
    challenge on a host decides what every other index on that host gets. Here
    each scope keeps its own. Thread-safe because pip may download in
    parallel one day, and a torn read here would mean a wrong token sent.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_scope: dict[Scope, tuple[str, str]] = {}

    def get(self, scope: Scope) -> tuple[str, str] | None:
        with self._lock:
            return self._by_scope.get(scope)

    def put(self, scope: Scope, username: str, password: str) -> None:
        with self._lock:
            self._by_scope[scope] = (username, password)

    def forget(self, scope: Scope) -> None:
        with self._lock:
            self._by_scope.pop(scope, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._by_scope)
