"""The order of credential sources for a URL, with fake netrc/keyring (no pip, no network)."""

from __future__ import annotations

from pip_scoped_auth.core.decision import Decision, PipSources, Source
from pip_scoped_auth.core.keyring_cache import keyring_services
from pip_scoped_auth.core.provenance import Provenance
from pip_scoped_auth.core.resolver import AuthState
from pip_scoped_auth.core.scopes import AuthInfo
from pip_scoped_auth.core.secrets import NOBODY, Login

P1 = "http://gl.test/api/v4/projects/1/packages/pypi"
P2 = "http://gl.test/api/v4/projects/2/packages/pypi"


def resolve(state: AuthState, *args: object, **kwargs: object) -> object:
    """``state.resolve`` reduced to what is sent, or ``None`` where pip decides."""
    decision = state.resolve(*args, **kwargs)  # type: ignore[arg-type]
    return None if decision is None else decision.credentials


class Sources:
    def __init__(
        self,
        netrc: AuthInfo | None = None,
        keyring: dict[str, AuthInfo] | None = None,
        slash_first: bool = True,
    ) -> None:
        self.netrc_answer = netrc
        self.keyring_answers = keyring or {}
        self.keyring_calls: list[tuple[str, str | None]] = []
        self.slash_first = slash_first

    def pips(self) -> PipSources:
        def keyring(url: str, username: str | None) -> AuthInfo | None:
            self.keyring_calls.append((url, username))
            return self.keyring_answers.get(url)

        return PipSources(
            netrc=lambda url: self.netrc_answer,
            keyring=keyring,
            keyring_slash_first=self.slash_first,
        )


def test_an_origin_without_scopes_is_left_to_pip() -> None:
    state = AuthState()
    urls = ["http://u:t@gl.test/api/v4/projects/1/packages/pypi/simple"]
    assert resolve(state, urls, "http://other.test/x", None, None, Sources().pips()) is None


def test_outside_every_scope_on_a_scoped_host_gets_netrc_or_nothing() -> None:
    """Never pip's common-path guess, never another index's token (issue 11)."""
    state = AuthState()
    urls = ["http://u:t@gl.test/api/v4/projects/1/packages/pypi/simple"]
    outside = "http://gl.test/fl/"
    assert resolve(state, urls, outside, None, None, Sources().pips()) == (None, None)
    netrc = Sources(netrc=("n", "netrc"))
    assert resolve(state, urls, outside, None, None, netrc.pips()) == ("n", "netrc")
    decision = state.resolve(urls, outside, None, None, Sources().pips())
    assert decision is not None and decision.entry is None and decision.source == Source.NONE


def test_learned_outside_a_scope_stays_in_its_own_directory() -> None:
    """RFC 7617: a login learned for /fl/x.whl covers /fl/ and below, nothing else."""
    state = AuthState()
    urls = [f"{P1}/simple"]
    state.learn(None, "http://gl.test/fl/x.whl", Login.of("f", "F"))
    lookup = Sources().pips()
    assert resolve(state, urls, "http://gl.test/fl/y.whl", None, None, lookup) == ("f", "F")
    assert resolve(state, urls, "http://gl.test/fl/sub/z", None, None, lookup) == ("f", "F")
    assert resolve(state, urls, "http://gl.test/other/z", None, None, lookup) == (None, None)
    assert resolve(state, urls, f"{P1}/files/x", None, None, lookup) == (None, None)


def test_url_credentials_defer_to_pip() -> None:
    state = AuthState()
    urls = ["http://u:t@gl.test/api/v4/projects/1/packages/pypi/simple"]
    assert resolve(state, urls, f"{P1}/files/x", "v", "w", Sources().pips()) is None


def test_index_credentials_beat_learned_and_netrc() -> None:
    state = AuthState()
    urls = ["http://u1:t1@gl.test/api/v4/projects/1/packages/pypi/simple"]
    entry = state.entry_for(urls, f"{P1}/files/x")
    assert entry is not None
    state.store.put(entry.scope, Login.of("u1", "stale"))
    answer = resolve(state, urls, f"{P1}/files/x", None, None, Sources(netrc=("n", "netrc")).pips())
    assert answer == ("u1", "t1")


def test_a_rejected_login_is_never_sent_to_that_url_again() -> None:
    state = AuthState()
    urls = ["http://u1:t1@gl.test/api/v4/projects/1/packages/pypi/simple"]
    url = f"{P1}/files/x"
    state.reject(url, Login.of("u1", "t1").fingerprint())
    netrc = Sources(netrc=("n", "netrc"))
    assert resolve(state, urls, url, None, None, netrc.pips()) == ("n", "netrc")
    # Then rule 8: the index URL's username alone, as pip sends it.
    assert resolve(state, urls, url, None, None, Sources().pips()) == ("u1", None)
    # Only that URL: its neighbour still gets the index's token.
    assert resolve(state, urls, f"{P1}/files/y", None, None, netrc.pips()) == ("u1", "t1")


def test_learned_credentials_stay_in_their_scope() -> None:
    state = AuthState()
    urls = [f"{P1}/simple", f"{P2}/simple"]
    e1 = state.entry_for(urls, f"{P1}/simple/pkg/")
    assert e1 is not None
    state.learn(e1, f"{P1}/simple/pkg/", Login.of("__token__", "T1"))
    sources = Sources()
    assert resolve(state, urls, f"{P1}/files/x", None, None, sources.pips()) == (
        "__token__",
        "T1",
    )
    # Scope 2 learned nothing: it gets nothing, not scope 1's token.
    assert resolve(state, urls, f"{P2}/files/x", None, None, sources.pips()) == (None, None)


def test_netrc_fills_only_a_scope_without_its_own() -> None:
    state = AuthState()
    urls = ["http://u1:t1@gl.test/api/v4/projects/1/packages/pypi/simple", f"{P2}/simple"]
    sources = Sources(netrc=("n", "netrc"))
    assert resolve(state, urls, f"{P1}/files/x", None, None, sources.pips()) == ("u1", "t1")
    assert resolve(state, urls, f"{P2}/files/x", None, None, sources.pips()) == ("n", "netrc")
    assert resolve(state, urls, f"{P2}/files/x", None, None, sources.pips(), allow_netrc=False) == (
        None,
        None,
    )


def test_keyring_is_asked_in_pips_own_spelling_once_per_run() -> None:
    state = AuthState()
    urls = ["http://__token__@gl.test/api/v4/projects/1/packages/pypi/simple"]
    sources = Sources(keyring={f"{P1}/simple/": ("__token__", "K1")})
    assert resolve(state, urls, f"{P1}/files/x", None, None, sources.pips()) == (
        "__token__",
        None,
    )
    assert sources.keyring_calls == []  # keyring only when pip allows it (after a 401)
    for _ in range(3):
        got = resolve(state, urls, f"{P1}/files/x", None, None, sources.pips(), allow_keyring=True)
        assert got == ("__token__", "K1")
    assert sources.keyring_calls == [(f"{P1}/simple/", "__token__")]
    assert state.keyring.lookups == 1


def test_older_pips_spelling_comes_first_for_older_pips() -> None:
    state = AuthState()
    urls = [f"{P1}/simple"]
    sources = Sources(keyring={f"{P1}/simple": ("u", "K")}, slash_first=False)
    got = resolve(state, urls, f"{P1}/x/", None, None, sources.pips(), allow_keyring=True)
    assert got == ("u", "K")
    assert sources.keyring_calls == [(f"{P1}/simple", None)]


def test_keyring_answer_for_another_user_is_not_used() -> None:
    """A backend holding one token per host answers for 324's user when asked for 323's."""
    state = AuthState()
    urls = ["http://gitlab+deploy-token-323@gl.test/api/v4/projects/1/packages/pypi/simple"]
    sources = Sources(keyring={"gl.test": ("gitlab+deploy-token-324", "T324")})
    decision = state.resolve(urls, f"{P1}/files/x", None, None, sources.pips(), allow_keyring=True)
    assert decision is not None and decision.source == Source.USERNAME_ONLY
    assert decision.credentials == ("gitlab+deploy-token-323", None)
    # The note says so without naming either user: a username may be a token.
    assert decision.detail is not None and "another user" in decision.detail
    assert "deploy-token" not in decision.describe() and "T324" not in decision.describe()


def test_index_list_is_read_live() -> None:
    state = AuthState()
    first = ["http://a:1@gl.test/api/v4/projects/1/packages/pypi/simple"]
    assert resolve(state, first, f"{P1}/files/x", None, None, Sources().pips()) == ("a", "1")
    second = ["http://b:2@gl.test/api/v4/projects/1/packages/pypi/simple"]
    assert resolve(state, second, f"{P1}/files/x", None, None, Sources().pips()) == ("b", "2")
    first.append("http://c:3@gl.test/api/v4/projects/2/packages/pypi/simple")
    assert resolve(state, first, f"{P2}/files/x", None, None, Sources().pips()) == ("c", "3")


def test_decisions_name_their_source_and_never_show_the_secret() -> None:
    state = AuthState()
    urls = ["http://u1:s3cr3t@gl.test/api/v4/projects/1/packages/pypi/simple", f"{P2}/simple"]
    decision = state.resolve(urls, f"{P1}/files/x", None, None, Sources().pips())
    assert isinstance(decision, Decision) and decision.source == Source.INDEX_URL
    for text in (decision.describe(), repr(decision), str(decision), f"{decision}"):
        assert "s3cr3t" not in text
    assert "projects/1/packages/pypi/" in decision.describe()
    none = state.resolve(urls, f"{P2}/files/x", None, None, Sources().pips())
    assert none is not None and none.source == Source.NONE
    netrc = state.resolve(urls, f"{P2}/files/x", None, None, Sources(netrc=("n", "pw")).pips())
    assert netrc is not None and netrc.source == Source.NETRC and "pw" not in netrc.describe()


def test_keyring_service_names_in_pips_order() -> None:
    assert keyring_services(f"{P1}/simple", "gl.test") == (
        f"{P1}/simple/",
        f"{P1}/simple",
        "gl.test",
    )
    assert keyring_services(f"{P1}/simple/", "gl.test") == (f"{P1}/simple/", "gl.test")
    assert keyring_services(f"{P1}/simple", "gl.test", slash_first=False) == (
        f"{P1}/simple",
        f"{P1}/simple/",
        "gl.test",
    )


def test_keyring_finds_the_configured_spelling_then_the_host() -> None:
    urls = [f"{P1}/simple", f"{P2}/simple"]
    sources = Sources(keyring={f"{P1}/simple": ("u1", "K1"), "gl.test": ("h", "host")})
    state = AuthState()
    first = resolve(state, urls, f"{P1}/x/", None, None, sources.pips(), allow_keyring=True)
    second = resolve(state, urls, f"{P2}/x/", None, None, sources.pips(), allow_keyring=True)
    assert (first, second) == (("u1", "K1"), ("h", "host"))
    assert sources.keyring_calls == [
        (f"{P1}/simple/", None),
        (f"{P1}/simple", None),
        (f"{P2}/simple/", None),
        (f"{P2}/simple", None),
        ("gl.test", None),
    ]


def test_named_user_asks_keyring_before_sending_and_before_netrc() -> None:
    urls = [f"{P1}/simple".replace("http://", "http://__token__@"), f"{P2}/simple"]
    sources = Sources(netrc=("n", "netrc"), keyring={f"{P1}/simple/": ("__token__", "K1")})
    state = AuthState()
    for _ in range(3):
        got = resolve(
            state, urls, f"{P1}/files/x", None, None, sources.pips(), keyring_for_named_user=True
        )
        assert got == ("__token__", "K1")
    # Index 2 names no user: it gets the host's netrc entry and no keyring lookup.
    assert resolve(
        state, urls, f"{P2}/files/x", None, None, sources.pips(), keyring_for_named_user=True
    ) == ("n", "netrc")
    assert sources.keyring_calls == [(f"{P1}/simple/", "__token__")]


def test_named_user_without_keyring_permission_sends_the_user_alone() -> None:
    urls = [f"{P1}/simple".replace("http://", "http://__token__@")]
    sources = Sources(keyring={f"{P1}/simple/": ("__token__", "K1")})
    state = AuthState()
    got = resolve(state, urls, f"{P1}/files/x", None, None, sources.pips(), allow_netrc=False)
    assert got == ("__token__", None)
    assert sources.keyring_calls == []


def test_an_index_that_never_challenges_costs_no_keyring_lookup() -> None:
    urls = [f"{P1}/simple"]
    sources = Sources(keyring={f"{P1}/simple/": ("u", "K")})
    state = AuthState()
    for _ in range(3):
        got = resolve(
            state, urls, f"{P1}/x/", None, None, sources.pips(), keyring_for_named_user=True
        )
        assert got == (None, None)
    assert sources.keyring_calls == []


def test_keyring_misses_are_remembered_for_the_run() -> None:
    urls = [f"{P1}/simple"]
    sources = Sources()
    state = AuthState()
    for _ in range(3):
        got = resolve(state, urls, f"{P1}/x/", None, None, sources.pips(), allow_keyring=True)
        assert got == (None, None)
    assert len(sources.keyring_calls) == 3  # each service name once: URL/, URL, host
    assert len(set(sources.keyring_calls)) == 3


# ------------------------------------------------------ several listing pages

DEVPI = "http://dp.test"
BOB, ALICE = f"{DEVPI}/bob/dev/+simple", f"{DEVPI}/alice/dev/+simple"
FILE = f"{DEVPI}/alice/dev/+f/abc/pkg_a-1.0-py3-none-any.whl"


def _inherited(first: str) -> tuple[AuthState, list[str], PipSources]:
    """devpi ``bob/dev`` with ``bases=alice/dev``: both pages list alice's file."""
    prov = Provenance()
    state = AuthState(prov)
    tokens = {BOB: ("bob", "B"), ALICE: ("alice", "A")}
    urls = [u.replace("http://", f"http://{tokens[u][0]}:{tokens[u][1]}@") for u in (BOB, ALICE)]
    order = [BOB, ALICE] if first == BOB else [ALICE, BOB]
    for index in order:
        page = f"{index}/pkg-a/"
        prov.page_fetched(page, Login.of(*tokens[index]))
        prov.link_listed(FILE, page)
    return state, urls, Sources().pips()


def test_the_page_whose_scope_contains_the_file_comes_first() -> None:
    for first in (BOB, ALICE):
        state, urls, lookup = _inherited(first)
        decision = state.resolve(urls, FILE, None, None, lookup)
        assert decision is not None and decision.source == Source.PAGE
        assert decision.credentials == ("alice", "A"), first
        assert decision.detail is not None and "own index scope" in decision.detail


def test_after_a_rejection_the_next_listing_page_is_tried_then_nothing_rejected() -> None:
    state, urls, lookup = _inherited(BOB)
    state.reject(FILE, Login.of("alice", "A").fingerprint())
    second = state.resolve(urls, FILE, None, None, lookup)
    assert second is not None and second.credentials == ("bob", "B")
    assert second.detail is not None and "candidate 2 of 2" in second.detail
    state.reject(FILE, Login.of("bob", "B").fingerprint())
    third = state.resolve(urls, FILE, None, None, lookup)
    assert third is not None and third.source != Source.PAGE
    assert third.credentials not in (("alice", "A"), ("bob", "B"))


def test_an_anonymous_listing_page_is_a_candidate_too() -> None:
    prov = Provenance()
    state = AuthState(prov)
    page = "http://h.test/public/simple/pkg/"
    prov.page_fetched(page, None)
    prov.link_listed("http://h.test/public/files/x.whl", page)
    urls = ["http://u:T@h.test/private/simple"]
    decision = state.resolve(urls, "http://h.test/public/files/x.whl", None, None, Sources().pips())
    assert decision is not None and decision.source == Source.PAGE
    assert decision.login == NOBODY
