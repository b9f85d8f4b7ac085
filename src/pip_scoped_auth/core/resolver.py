"""Which credentials a request URL gets: the scoped replacement for pip's sources.

No pip imports: pip's netrc and keyring access come in as callables
(:class:`PipSources`), so the order of sources is unit-testable on its own.
The order and its rule numbers are written once, on
:class:`~pip_scoped_auth.core.decision.Source`.

A URL outside every index scope, on a host where the shim knows scopes (or
read a page with credentials), gets what was learned for its own directory
after a 401, else netrc, else (after a 401) keyring by its directory, else
nothing: never pip's guess of an index by common path, never pip's per-host
cache, on any scheme or port of that host. Only on a host with no scope at
all is the answer ``None``: "ask pip", exactly as without the shim.

Keyring can be slow or hang on a headless machine, so apart from rule 5 it is
asked only after a challenge, each question at most once per run (misses
included, :mod:`.keyring_cache`): an index that never challenges causes no
keyring lookup at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pip_scoped_auth.core.decision import Decision, PipSources, Source
from pip_scoped_auth.core.handover import Handover
from pip_scoped_auth.core.keyring_cache import KeyringCache, keyring_services
from pip_scoped_auth.core.location import Scope
from pip_scoped_auth.core.provenance import PageAuth, Provenance, url_key
from pip_scoped_auth.core.scopes import CredentialStore, IndexEntry, ScopeTable
from pip_scoped_auth.core.secrets import NOBODY, Login
from pip_scoped_auth.core.urls import directory_of, netloc_of, request_location

__all__ = ["AuthState"]


class AuthState:
    """Per ``MultiDomainBasicAuth`` state: the scope table and what was learned.

    The table is rebuilt whenever pip swaps its ``index_urls`` list (it does,
    mid-run, when a requirements file carries ``--index-url``), detected by
    the list's identity and length so the check costs nothing per request.
    """

    def __init__(self, provenance: Provenance | None = None) -> None:
        self.provenance = provenance
        self._source: object = None
        self._source_len = -1
        self._table = ScopeTable()
        self.store = CredentialStore()
        self.keyring = KeyringCache()
        self.handover = Handover()  # logins a parent pip handed to this one (core/handover.py)
        #: URL key -> fingerprints of logins a server answered 401/403 to for that URL.
        self._rejected: dict[bytes, set[bytes]] = {}
        #: Header fingerprint -> the login the shim handed to pip for it.
        self._handed_out: dict[bytes, Login] = {}

    def __repr__(self) -> str:
        return f"AuthState({self._table!r}, learned={self.store!r})"

    def table(self, index_urls: Sequence[str] | None) -> ScopeTable:
        size = len(index_urls) if index_urls else 0
        if index_urls is not self._source or size != self._source_len:
            self._table = self.handover.fill(
                ScopeTable.from_urls(index_urls or (), self.provenance)
            )
            self._source = index_urls
            self._source_len = size
        return self._table

    def entry_for(self, index_urls: Sequence[str] | None, url: str) -> IndexEntry | None:
        return self.table(index_urls).entry_for(url)

    def owns_host(self, index_urls: Sequence[str] | None, url: str) -> bool:
        """Whether the shim decides every request to ``url``'s host, on any scheme and port.

        True where the host has an index scope or a page read with
        credentials. Host, not origin: on another scheme or port of that host
        pip's own fallbacks (a guess by common path, a per-netloc cache filled
        from page URLs) would hand the scope's credential over, even from https
        down to plain http.
        """
        location = request_location(url)
        if location is None:
            return False
        host = location.origin.host
        if host in self.table(index_urls).hosts:
            return True
        return self.provenance is not None and host in self.provenance.credentialed_hosts

    # ------------------------------------------------------------- learning

    def learn(self, entry: IndexEntry | None, url: str, login: Login) -> None:
        """Remember a login a server accepted for ``url``: for its scope, or its own directory."""
        if entry is not None:
            if not entry.has_credentials:
                self.store.put(entry.scope, login)
            return
        directory = directory_of(url)
        if directory is not None:
            self.store.put(directory, login)

    def reject(self, url: str, sent: bytes) -> None:
        """A server answered 401/403 for ``url`` to the header with fingerprint ``sent``
        (:func:`~pip_scoped_auth.core.secrets.header_fingerprint`): not sent there again."""
        self._rejected.setdefault(url_key(url), set()).add(sent)

    def handed_out(self, login: Login) -> None:
        """Remember a login given to pip, so the header it becomes can be told apart later."""
        self._handed_out[login.fingerprint()] = login

    def identify(self, sent: bytes, *others: Login) -> Login | None:
        """The login whose header has fingerprint ``sent``: one the shim handed out, or
        one of ``others`` (what pip chose itself); ``None`` where it is none of those.

        Compares whole header values, never a decoded header split at ``:``.
        """
        if sent == NOBODY.fingerprint():
            return NOBODY
        return self._handed_out.get(sent) or next(
            (o for o in others if o.fingerprint() == sent), None
        )

    def _rejected_for(self, url: str) -> set[bytes]:
        return self._rejected.get(url_key(url), set())

    def resolve(
        self,
        index_urls: Sequence[str] | None,
        url: str,
        username: str | None,
        password: str | None,
        sources: PipSources,
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
        location = request_location(url)
        if location is None:
            return None
        table = self.table(index_urls)
        entry = table.lookup_location(location)
        rejected = self._rejected_for(url)

        def usable(login: Login, *, same_user: bool = True) -> bool:
            """Not rejected for this URL; for logins we hold, also the user the URL names.

            Keyring and netrc answers skip the user check, as in pip: a username
            named by the request URL alone is only a hint to them.
            """
            if login.fingerprint() in rejected:
                return False
            return not same_user or username is None or login.username == username

        page = self._page_decision(table, entry, location, url, usable)
        if page is not None:
            return page
        if entry is not None:
            return self._scope_decision(
                entry,
                url,
                username,
                sources,
                usable,
                allow_netrc,
                allow_keyring,
                keyring_for_named_user,
            )
        if not self.owns_host(index_urls, url):
            return None
        return self._outside_decision(
            url, location, username, sources, usable, allow_netrc, allow_keyring
        )

    def _page_decision(
        self,
        table: ScopeTable,
        entry: IndexEntry | None,
        location: Scope,
        url: str,
        usable: _Usable,
    ) -> Decision | None:
        pages = self.provenance.pages_listing(url) if self.provenance is not None else ()
        if not pages:
            return None
        own = [p for p in pages if _scope_contains(table, p, location)]
        ordered: list[tuple[PageAuth, str]] = [(p, "its own index scope lists it") for p in own]
        if pages[0] not in own:
            ordered.append((pages[0], "the page pip built its link from"))
        ordered += [(p, "another page that lists it") for p in pages[1:] if p not in own]
        seen: set[bytes] = set()
        candidates: list[tuple[PageAuth, str, Login]] = []
        for page, why in ordered:
            login = page.login or NOBODY
            if login.fingerprint() in seen:
                continue
            seen.add(login.fingerprint())
            candidates.append((page, why, login))
        for position, (page, why, login) in enumerate(candidates, 1):
            if usable(login):
                detail = (
                    why
                    if len(candidates) == 1
                    else f"{why}; candidate {position} of {len(candidates)}"
                )
                return Decision(login, Source.PAGE, entry, page.url, detail)
        return None

    def _scope_decision(
        self,
        entry: IndexEntry,
        url: str,
        username: str | None,
        sources: PipSources,
        usable: _Usable,
        allow_netrc: bool,
        allow_keyring: bool,
        keyring_for_named_user: bool,
    ) -> Decision:
        if entry.has_credentials and usable(entry.login):
            return Decision(entry.login, Source.INDEX_URL, entry)
        username = username if username is not None else entry.username
        learned = self.store.get(entry.scope)
        if learned is not None and usable(learned) and username in (None, learned.username):
            return Decision(learned, Source.LEARNED, entry)
        named_user = entry.username is not None and username == entry.username
        services = keyring_services(entry.url, netloc_of(url), sources.keyring_slash_first)
        note = None
        if named_user and (allow_keyring or keyring_for_named_user):
            found, note = self.keyring.ask(sources, services, username, entry.username)
            if found is not None and usable(found, same_user=False):
                return Decision(found, Source.KEYRING, entry)
        if allow_netrc:
            netrc = _netrc(sources, url)
            if netrc is not None and usable(netrc, same_user=False):
                return Decision(netrc, Source.NETRC, entry, detail=note)
        if allow_keyring and not named_user:
            found, note = self.keyring.ask(sources, services, username, entry.username)
            if found is not None and usable(found, same_user=False):
                return Decision(found, Source.KEYRING, entry)
        if username is not None:
            return Decision(Login(username, None), Source.USERNAME_ONLY, entry, detail=note)
        return Decision(NOBODY, Source.NONE, entry, detail=note)

    def _outside_decision(
        self,
        url: str,
        location: Scope,
        username: str | None,
        sources: PipSources,
        usable: _Usable,
        allow_netrc: bool,
        allow_keyring: bool,
    ) -> Decision:
        learned = self.store.within(location)
        if learned is not None and usable(learned):
            return Decision(learned, Source.LEARNED, None)
        if allow_netrc:
            netrc = _netrc(sources, url)
            if netrc is not None and usable(netrc, same_user=False):
                return Decision(netrc, Source.NETRC, None)
        if allow_keyring:
            # The host's own entry first (host-level, like netrc: what pip asks
            # too), then the URL's directory, where a prompt's answer is saved.
            directory = directory_of(url) or location
            base = directory.url
            services = (
                netloc_of(url),
                *keyring_services(base, "", sources.keyring_slash_first),
            )
            found, _note = self.keyring.ask(sources, [s for s in services if s], username)
            if found is not None and usable(found, same_user=False):
                return Decision(found, Source.KEYRING, None)
        if username is not None:
            return Decision(Login(username, None), Source.USERNAME_ONLY, None)
        return Decision(NOBODY, Source.NONE, None)


class _Usable(Protocol):
    def __call__(self, login: Login, *, same_user: bool = True) -> bool: ...


def _netrc(sources: PipSources, url: str) -> Login | None:
    found = sources.netrc(url)
    return Login.of(found[0], found[1]) if found else None


def _scope_contains(table: ScopeTable, page: PageAuth, location: Scope) -> bool:
    """Whether the index that owns ``page`` has a scope containing ``location``."""
    owner = table.entry_for(page.url)
    return owner is not None and owner.scope.contains(location)
