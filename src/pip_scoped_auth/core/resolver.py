"""Which credentials a request URL gets: the scoped replacement for pip's lookup.

No pip imports: pip's netrc and keyring access come in as callables
(:class:`Lookup`), so the order of sources is unit-testable on its own.

Order for a request URL (first answer wins):

1. credentials embedded in the request URL itself (left to pip: ``None``);
2. provenance: if an index page listed this URL (or the file whose PEP 658
   ``.metadata`` it is), the credentials that page was read with, or none if
   it was read anonymously (:mod:`pip_scoped_auth.core.provenance`);

and then, for a URL under a configured index's scope:

3. credentials embedded in that index's URL;
4. credentials learned for that scope earlier in the run (a 401 answered by
   keyring or the prompt), if the usernames agree;
5. keyring *before sending*, only where the index URL names a username
   without a password (that spelling says "the password is in keyring"), and
   only where pip would use keyring at all;
6. netrc (when pip allows it): host-level by design, so it only ever fills a
   scope that has nothing of its own;
7. keyring (when pip allows it, i.e. after a 401), asked by the index URL as
   configured, then with/without its trailing slash (pip 23.1+ asks with
   one), then by the host, the way pip does;
8. the username alone, if the index URL names one, and nothing more.

Keyring can be slow or hang on a headless machine, so apart from rule 5 it is
asked only after a challenge, each service name at most once per run (misses
included): an index that never challenges causes no keyring lookup at all.

pip's per-host ``passwords`` cache is never consulted for a scoped URL: that
cache is the bug. Outside every scope and every recorded page the answer is
``None``, meaning "ask pip".
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from pip_scoped_auth.core.provenance import Provenance
from pip_scoped_auth.core.scopes import Credentials, CredentialStore, IndexEntry, ScopeTable
from pip_scoped_auth.core.urls import netloc_of, without_userinfo

__all__ = ["AuthState", "Decision", "Lookup", "Source"]


class Source:
    """Where a decision's credentials came from (for logs, ``explain`` and tests)."""

    INDEX_URL = "index-url"
    LEARNED = "learned"
    NETRC = "netrc"
    KEYRING = "keyring"
    USERNAME_ONLY = "username-only"
    NONE = "none"
    PAGE = "page"


class Decision(NamedTuple):
    """The answer for one URL: what to send, and which rule decided it.

    Never printed whole: :meth:`describe` is the redacted form.
    """

    username: str | None
    password: str | None
    source: str
    entry: IndexEntry | None
    #: For :data:`Source.PAGE`: the page (URL without credentials) that listed the file.
    page: str | None = None

    @property
    def credentials(self) -> Credentials:
        return self.username, self.password

    def describe(self) -> str:
        """One log line's worth, without the secret."""
        if self.username is None:
            who = "no credentials"
        elif self.password is None:
            # As pip's redact_netloc: a username without a password may be a token.
            who = "a username (not shown)"
        else:
            who = f"user {self.username!r} with a password"
        if self.page is not None:
            return f"listed on {self.page}: {who}, as that page was read"
        where = f"scope {self.entry.scope}" if self.entry is not None else "no scope"
        return f"{where}: {who} from {self.source}"


@dataclass(frozen=True)
class Lookup:
    """pip's own credential sources, bridged by the adapter."""

    netrc: Callable[[str], Credentials | None]
    keyring: Callable[[str, str | None], Credentials | None]


class AuthState:
    """Per ``MultiDomainBasicAuth`` state: the scope table and what was learned.

    The table is rebuilt whenever pip swaps its ``index_urls`` list (it does,
    mid-run, when a requirements file carries ``--index-url``), detected by
    the list's identity and length so the check costs nothing per request.
    """

    def __init__(self, provenance: Provenance | None = None) -> None:
        self.provenance = provenance
        self._lock = threading.Lock()
        self._source: object = None
        self._source_len = -1
        self._table = ScopeTable()
        self.store = CredentialStore()
        self._keyring_answers: dict[tuple[str, str | None], Credentials | None] = {}

    def table(self, index_urls: Sequence[str] | None) -> ScopeTable:
        with self._lock:
            size = len(index_urls) if index_urls else 0
            if index_urls is not self._source or size != self._source_len:
                self._table = ScopeTable.from_urls(index_urls or ())
                self._source = index_urls
                self._source_len = size
            return self._table

    def entry_for(self, index_urls: Sequence[str] | None, url: str) -> IndexEntry | None:
        return self.table(index_urls).lookup(url)

    def learn(self, entry: IndexEntry, username: str, password: str) -> None:
        """Remember credentials that a server accepted for a URL of this scope."""
        if not entry.has_credentials:
            self.store.put(entry.scope, username, password)

    def keyring_key(self, entry: IndexEntry) -> str:
        """The keyring service name for an index: its URL as configured, without auth."""
        return without_userinfo(entry.url)

    def keyring_services(self, entry: IndexEntry, netloc: str) -> tuple[str, ...]:
        """Service names asked for a scope, most specific first.

        The URL as configured is what a user types into ``keyring set`` and
        what the shim saves under; pip 23.1+ itself asks with a trailing
        slash and pip 22.x without, so entries saved by either pip are found
        too. The bare host comes last: a host-level entry is a fallback for
        scopes without one of their own, as in pip.
        """
        key = self.keyring_key(entry)
        variant = key[:-1] if key.endswith("/") else f"{key}/"
        return tuple(dict.fromkeys((key, variant, netloc)))

    def _keyring(
        self, lookup: Lookup, entry: IndexEntry, netloc: str, username: str | None
    ) -> Credentials | None:
        """Ask keyring by index URL, then by host, caching answers for the run.

        Keyring can be slow (a subprocess, a D-Bus round trip), so each
        question is asked once per run, misses included.
        """
        for service in self.keyring_services(entry, netloc):
            key = (service, username)
            with self._lock:
                known = key in self._keyring_answers
                answer = self._keyring_answers.get(key)
            if not known:
                answer = lookup.keyring(service, username)
                with self._lock:
                    self._keyring_answers[key] = answer
            if answer and answer[0] is not None and answer[1] is not None:
                return answer
        return None

    def resolve(
        self,
        index_urls: Sequence[str] | None,
        url: str,
        username: str | None,
        password: str | None,
        lookup: Lookup,
        *,
        allow_netrc: bool = True,
        allow_keyring: bool = False,
        keyring_for_named_user: bool = False,
    ) -> Decision | None:
        """The decision for ``url`` (given without auth), or ``None`` to defer to pip.

        ``keyring_for_named_user`` is rule 5: pip would use keyring in this
        run (so asking before the first request only saves a 401 round trip).
        """
        if username is not None and password is not None:
            return None
        page = self.provenance.lookup(url) if self.provenance is not None else None
        if page is not None:
            creds = page.credentials or (None, None)
            if username is None or username == creds[0]:
                entry = self.entry_for(index_urls, url)
                return Decision(*creds, Source.PAGE, entry, page.url)
        entry = self.entry_for(index_urls, url)
        if entry is None:
            return None
        if entry.has_credentials and username in (None, entry.username):
            return Decision(entry.username, entry.password, Source.INDEX_URL, entry)
        username = username if username is not None else entry.username
        learned = self.store.get(entry.scope)
        if learned is not None and username in (None, learned[0]):
            return Decision(*learned, Source.LEARNED, entry)
        netloc = netloc_of(url)
        named_user = entry.username is not None and username == entry.username
        if named_user and (allow_keyring or keyring_for_named_user):
            found = self._keyring(lookup, entry, netloc, username)
            if found:
                return Decision(*found, Source.KEYRING, entry)
        if allow_netrc:
            found = lookup.netrc(url)
            if found:
                return Decision(*found, Source.NETRC, entry)
        if allow_keyring and not named_user:
            found = self._keyring(lookup, entry, netloc, username)
            if found:
                return Decision(*found, Source.KEYRING, entry)
        if username is not None:
            return Decision(username, None, Source.USERNAME_ONLY, entry)
        return Decision(None, None, Source.NONE, entry)
