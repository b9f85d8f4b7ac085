"""Which credentials a request URL gets: the scoped replacement for pip's sources.

No pip imports: pip's netrc and keyring access come in as callables
(:class:`PipSources`), so the order of sources is unit-testable on its own.

Order for a request URL (first answer wins; a login a server already
rejected for this very URL with 401 or 403 is skipped wherever it turns up):

1. credentials embedded in the request URL itself (left to pip: ``None``);
2. provenance: the pages that listed this URL (or the file whose PEP 658
   ``.metadata`` it is), each with the login it was read with (none for a
   public page): first the page whose own index scope contains the URL, then
   the page pip built its link from (the first to list it), then the others;

and then, for a URL under a configured index's scope:

3. credentials embedded in that index's URL;
4. credentials learned for that scope earlier in the run (a 401 answered by
   keyring or the prompt), if the usernames agree;
5. keyring *before sending*, only where the index URL names a username
   without a password (that spelling says "the password is in keyring"), and
   only where pip would use keyring at all;
6. netrc (when pip allows it): host-level by design, so it only ever fills a
   scope that has nothing of its own;
7. keyring (when pip allows it, i.e. after a 401), by the index URL in the
   spelling this pip uses itself first, then as configured, then by host; an
   answer for another user than the index URL names is not used;
8. the username alone, if the index URL names one, and nothing more.

A URL outside every index scope, on an origin where the shim knows scopes (or
read a page with credentials), gets what was learned for its own directory
after a 401, else netrc, else (after a 401) keyring by its directory, else
nothing: never pip's guess of an index by common path, never pip's per-host
cache. Only on an origin with no scope at all is the answer ``None``: "ask
pip", exactly as without the shim.

Keyring can be slow or hang on a headless machine, so apart from rule 5 it is
asked only after a challenge, each service name at most once per run (misses
included): an index that never challenges causes no keyring lookup at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from pip_scoped_auth.core.provenance import PageAuth, Provenance, url_key
from pip_scoped_auth.core.scopes import AuthInfo, CredentialStore, IndexEntry, ScopeTable
from pip_scoped_auth.core.secrets import NOBODY, Login
from pip_scoped_auth.core.urls import (
    Scope,
    directory_of,
    netloc_of,
    request_location,
)

__all__ = ["AuthState", "Decision", "PipSources", "Source", "keyring_services"]


class Source(Enum):
    """Where a decision's credentials came from, with the rule numbers of the module docstring.

    The one place a rule's number and wording live: ``pip -v`` prints the
    value (``from netrc``), ``explain`` prints :attr:`why` with the numbers,
    and a test holds ``docs/credential-sources.md`` to the same numbers.
    """

    PAGE = "page"
    INDEX_URL = "index-url"
    LEARNED = "learned"
    KEYRING = "keyring"
    NETRC = "netrc"
    USERNAME_ONLY = "username-only"
    NONE = "none"

    @property
    def rules(self) -> tuple[int, ...]:
        return _RULES[self][0]

    @property
    def why(self) -> str:
        """Why this source won, for ``explain``, ending with its rule numbers."""
        rules, text, aside = _RULES[self]
        numbers = " and ".join(str(n) for n in rules)
        ref = f"rule {numbers}" if len(rules) == 1 else f"rules {numbers}"
        return f"{text} ({ref}{'; ' + aside if aside else ''})"


_RULES: dict[Source, tuple[tuple[int, ...], str, str]] = {
    Source.PAGE: (
        (2,),
        "an index page listed this URL; it inherits that page's credentials",
        "",
    ),
    Source.INDEX_URL: ((3,), "the index URL carries a username and password", ""),
    Source.LEARNED: ((4,), "credentials accepted earlier in this run for this scope", ""),
    Source.KEYRING: ((5, 7), "keyring has credentials stored under {service}", ""),
    Source.NETRC: (
        (6,),
        "netrc has an entry for this host and the scope has no credentials of its own",
        "netrc is per host by design",
    ),
    Source.USERNAME_ONLY: (
        (8,),
        "the index URL names a user but no password: pip sends no password and may "
        "prompt after a 401",
        "",
    ),
    Source.NONE: (
        (8,),
        "no source has credentials for this URL: the request goes without any, and a "
        "401 is left to pip's keyring and prompt",
        "",
    ),
}


@dataclass(frozen=True)
class Decision:
    """The answer for one URL: what to send, and which rule decided it.

    Its ``repr`` is safe (a :class:`Login` never prints its password);
    :meth:`describe` is the one-line form for logs and the CLI.
    """

    login: Login
    source: Source
    #: The index scope that contains the URL; None outside every scope.
    entry: IndexEntry | None
    #: For :data:`Source.PAGE`: the page (URL without credentials) that listed the file.
    page: str | None = None
    #: Why this candidate (page order, a keyring answer set aside), for ``-v`` and ``explain``.
    detail: str | None = None

    @property
    def credentials(self) -> AuthInfo:
        """pip's plain pair: only for handing back to pip."""
        return self.login.reveal()

    def describe(self) -> str:
        """One log line's worth, without the secret."""
        who = self.login.shown()
        note = f" ({self.detail})" if self.detail else ""
        if self.page is not None:
            return f"listed on {self.page}: {who}, as that page was read{note}"
        if self.entry is None:
            return f"outside every index scope on this host: {who} from {self.source.value}{note}"
        return f"scope {self.entry.scope}: {who} from {self.source.value}{note}"


@dataclass(frozen=True)
class PipSources:
    """pip's own credential sources, bridged by the pip layer (plain pairs in, never kept)."""

    netrc: Callable[[str], AuthInfo | None]
    keyring: Callable[[str, str | None], AuthInfo | None]
    #: pip 23.1+ asks keyring by the index URL with one trailing slash; older pips as configured.
    keyring_slash_first: bool = True


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
        self._keyring_answers: dict[tuple[str, str | None], Login | None] = {}
        #: URL key -> fingerprints of logins a server answered 401/403 to for that URL.
        self._rejected: dict[bytes, set[bytes]] = {}
        #: Keyring questions actually asked this run (misses included).
        self.keyring_lookups = 0
        #: Header fingerprint -> the login the shim handed to pip for it.
        self._handed_out: dict[bytes, Login] = {}

    def __repr__(self) -> str:
        return f"AuthState({self._table!r}, learned={self.store!r})"

    def table(self, index_urls: Sequence[str] | None) -> ScopeTable:
        size = len(index_urls) if index_urls else 0
        if index_urls is not self._source or size != self._source_len:
            self._table = ScopeTable.from_urls(index_urls or ())
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
        found = self._handed_out.get(sent)
        if found is not None:
            return found
        return next((login for login in others if login.fingerprint() == sent), None)

    def _rejected_for(self, url: str) -> set[bytes]:
        return self._rejected.get(url_key(url), set())

    # -------------------------------------------------------------- keyring

    def _keyring(
        self,
        sources: PipSources,
        services: Sequence[str],
        username: str | None,
        index_user: str | None = None,
    ) -> tuple[Login | None, str | None]:
        """Ask keyring under ``services`` in order; each question once per run.

        Returns the login found (or None) and a note when an answer was set
        aside: a backend that holds one token per host may answer for another
        user than the one the index URL names (``index_user``). A username
        named only by the request URL is a hint to keyring, as in pip.
        """
        note = None
        for service in services:
            key = (service, username)
            if key in self._keyring_answers:
                answer = self._keyring_answers[key]
            else:
                self.keyring_lookups += 1
                found = sources.keyring(service, username)
                answer = Login.of(found[0], found[1]) if found else None
                self._keyring_answers[key] = answer
            if answer is None or not answer.complete:
                continue
            if index_user is not None and answer.username != index_user:
                # Neither username is shown: one may be a token (``TOKEN@host``).
                note = (
                    f"keyring answered for another user than the index URL names, "
                    f"under {service}: not used"
                )
                continue
            return answer, None
        return None, note

    # -------------------------------------------------------------- resolve

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
            found, note = self._keyring(sources, services, username, entry.username)
            if found is not None and usable(found, same_user=False):
                return Decision(found, Source.KEYRING, entry)
        if allow_netrc:
            netrc = _netrc(sources, url)
            if netrc is not None and usable(netrc, same_user=False):
                return Decision(netrc, Source.NETRC, entry, detail=note)
        if allow_keyring and not named_user:
            found, note = self._keyring(sources, services, username, entry.username)
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
            found, _note = self._keyring(sources, [s for s in services if s], username)
            if found is not None and usable(found, same_user=False):
                return Decision(found, Source.KEYRING, None)
        if username is not None:
            return Decision(Login(username, None), Source.USERNAME_ONLY, None)
        return Decision(NOBODY, Source.NONE, None)


def keyring_services(base_url: str, netloc: str, slash_first: bool = True) -> tuple[str, ...]:
    """Service names asked for a scope, in the order this pip asks them.

    pip 23.1+ asks by the index URL with one trailing slash, older pips by
    the URL as configured; the other spelling comes next (entries saved by
    the other pip, or by ``pip-scoped-auth login``), the bare host last: a
    host-level entry is a fallback for scopes without one of their own.
    """
    slashed = base_url.rstrip("/") + "/"
    spellings = (slashed, base_url) if slash_first else (base_url, slashed)
    return tuple(dict.fromkeys((*spellings, netloc)))


class _Usable(Protocol):
    def __call__(self, login: Login, *, same_user: bool = True) -> bool: ...


def _netrc(sources: PipSources, url: str) -> Login | None:
    found = sources.netrc(url)
    return Login.of(found[0], found[1]) if found else None


def _scope_contains(table: ScopeTable, page: PageAuth, location: Scope) -> bool:
    """Whether the index that owns ``page`` has a scope containing ``location``."""
    owner = table.entry_for(page.url)
    return owner is not None and owner.scope.contains(location)
