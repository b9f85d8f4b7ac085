"""The order of credential sources for a scoped URL, with fake netrc/keyring."""

from __future__ import annotations

from pip_scoped_auth.core.resolver import AuthState, Decision, Lookup, Source
from pip_scoped_auth.core.scopes import Credentials

P1 = "http://gl.test/api/v4/projects/1/packages/pypi"
P2 = "http://gl.test/api/v4/projects/2/packages/pypi"


def resolve(state: AuthState, *args: object, **kwargs: object) -> object:
    """``state.resolve`` reduced to what is sent, or ``None`` where pip decides."""
    decision = state.resolve(*args, **kwargs)  # type: ignore[arg-type]
    return None if decision is None else decision.credentials


class Sources:
    def __init__(
        self, netrc: Credentials | None = None, keyring: dict[str, Credentials] | None = None
    ) -> None:
        self.netrc_answer = netrc
        self.keyring_answers = keyring or {}
        self.keyring_calls: list[tuple[str, str | None]] = []

    def lookup(self) -> Lookup:
        def keyring(url: str, username: str | None) -> Credentials | None:
            self.keyring_calls.append((url, username))
            return self.keyring_answers.get(url)

        return Lookup(netrc=lambda url: self.netrc_answer, keyring=keyring)


def test_outside_every_scope_defers_to_pip() -> None:
    state = AuthState()
    assert (
        resolve(
            state,
            ["http://u:t@gl.test/api/v4/projects/1/packages/pypi/simple"],
            "http://gl.test/other",
            None,
            None,
            Sources().lookup(),
        )
        is None
    )


def test_url_credentials_defer_to_pip() -> None:
    state = AuthState()
    urls = ["http://u:t@gl.test/api/v4/projects/1/packages/pypi/simple"]
    assert resolve(state, urls, f"{P1}/files/x", "v", "w", Sources().lookup()) is None


def test_index_credentials_beat_learned_and_netrc() -> None:
    state = AuthState()
    urls = ["http://u1:t1@gl.test/api/v4/projects/1/packages/pypi/simple"]
    entry = state.entry_for(urls, f"{P1}/files/x")
    assert entry is not None
    state.store.put(entry.scope, "u1", "stale")
    answer = resolve(
        state, urls, f"{P1}/files/x", None, None, Sources(netrc=("n", "netrc")).lookup()
    )
    assert answer == ("u1", "t1")


def test_learned_credentials_stay_in_their_scope() -> None:
    state = AuthState()
    urls = [f"{P1}/simple", f"{P2}/simple"]
    e1 = state.entry_for(urls, f"{P1}/simple/pkg/")
    assert e1 is not None
    state.learn(e1, "__token__", "T1")
    sources = Sources()
    assert resolve(state, urls, f"{P1}/files/x", None, None, sources.lookup()) == (
        "__token__",
        "T1",
    )
    # Scope 2 learned nothing: it gets nothing, not scope 1's token.
    assert resolve(state, urls, f"{P2}/files/x", None, None, sources.lookup()) == (None, None)


def test_netrc_fills_only_a_scope_without_its_own() -> None:
    state = AuthState()
    urls = ["http://u1:t1@gl.test/api/v4/projects/1/packages/pypi/simple", f"{P2}/simple"]
    sources = Sources(netrc=("n", "netrc"))
    assert resolve(state, urls, f"{P1}/files/x", None, None, sources.lookup()) == ("u1", "t1")
    assert resolve(state, urls, f"{P2}/files/x", None, None, sources.lookup()) == ("n", "netrc")
    assert resolve(
        state, urls, f"{P2}/files/x", None, None, sources.lookup(), allow_netrc=False
    ) == (None, None)


def test_keyring_is_asked_by_index_url_once_per_run() -> None:
    state = AuthState()
    urls = ["http://__token__@gl.test/api/v4/projects/1/packages/pypi/simple"]
    sources = Sources(keyring={f"{P1}/simple": ("__token__", "K1")})
    assert resolve(state, urls, f"{P1}/files/x", None, None, sources.lookup()) == (
        "__token__",
        None,
    )
    assert sources.keyring_calls == []  # keyring only when pip allows it (after a 401)
    for _ in range(3):
        got = resolve(
            state, urls, f"{P1}/files/x", None, None, sources.lookup(), allow_keyring=True
        )
        assert got == ("__token__", "K1")
    assert sources.keyring_calls == [(f"{P1}/simple", "__token__")]


def test_index_list_is_read_live() -> None:
    state = AuthState()
    first = ["http://a:1@gl.test/api/v4/projects/1/packages/pypi/simple"]
    assert resolve(state, first, f"{P1}/files/x", None, None, Sources().lookup()) == ("a", "1")
    second = ["http://b:2@gl.test/api/v4/projects/1/packages/pypi/simple"]
    assert resolve(state, second, f"{P1}/files/x", None, None, Sources().lookup()) == ("b", "2")
    first.append("http://c:3@gl.test/api/v4/projects/2/packages/pypi/simple")
    assert resolve(state, first, f"{P2}/files/x", None, None, Sources().lookup()) == ("c", "3")


def test_decisions_name_their_source_and_never_show_the_secret() -> None:
    state = AuthState()
    urls = ["http://u1:s3cr3t@gl.test/api/v4/projects/1/packages/pypi/simple", f"{P2}/simple"]
    decision = state.resolve(urls, f"{P1}/files/x", None, None, Sources().lookup())
    assert isinstance(decision, Decision) and decision.source == Source.INDEX_URL
    assert (
        "s3cr3t" not in decision.describe() and "projects/1/packages/pypi/" in decision.describe()
    )
    none = state.resolve(urls, f"{P2}/files/x", None, None, Sources().lookup())
    assert none is not None and none.source == Source.NONE
    netrc = state.resolve(urls, f"{P2}/files/x", None, None, Sources(netrc=("n", "pw")).lookup())
    assert netrc is not None and netrc.source == Source.NETRC and "pw" not in netrc.describe()


def test_keyring_service_names_most_specific_first() -> None:
    state = AuthState()
    for configured, variant in (
        (f"{P1}/simple", f"{P1}/simple/"),
        (f"{P1}/simple/", f"{P1}/simple"),
    ):
        urls = [configured.replace("http://", "http://__token__@")]
        entry = state.entry_for(urls, f"{P1}/files/x")
        assert entry is not None
        assert state.keyring_services(entry, "gl.test") == (configured, variant, "gl.test")


def test_keyring_finds_the_trailing_slash_spelling_then_the_host() -> None:
    urls = [f"{P1}/simple", f"{P2}/simple"]
    sources = Sources(keyring={f"{P1}/simple/": ("u1", "K1"), "gl.test": ("h", "host")})
    state = AuthState()
    first = resolve(state, urls, f"{P1}/x/", None, None, sources.lookup(), allow_keyring=True)
    second = resolve(state, urls, f"{P2}/x/", None, None, sources.lookup(), allow_keyring=True)
    assert (first, second) == (("u1", "K1"), ("h", "host"))
    assert sources.keyring_calls == [
        (f"{P1}/simple", None),
        (f"{P1}/simple/", None),
        (f"{P2}/simple", None),
        (f"{P2}/simple/", None),
        ("gl.test", None),
    ]


def test_named_user_asks_keyring_before_sending_and_before_netrc() -> None:
    urls = [f"{P1}/simple".replace("http://", "http://__token__@"), f"{P2}/simple"]
    sources = Sources(netrc=("n", "netrc"), keyring={f"{P1}/simple": ("__token__", "K1")})
    state = AuthState()
    for _ in range(3):
        got = resolve(
            state, urls, f"{P1}/files/x", None, None, sources.lookup(), keyring_for_named_user=True
        )
        assert got == ("__token__", "K1")
    # Index 2 names no user: it gets the host's netrc entry and no keyring lookup.
    assert resolve(
        state, urls, f"{P2}/files/x", None, None, sources.lookup(), keyring_for_named_user=True
    ) == ("n", "netrc")
    assert sources.keyring_calls == [(f"{P1}/simple", "__token__")]


def test_named_user_without_keyring_permission_sends_the_user_alone() -> None:
    urls = [f"{P1}/simple".replace("http://", "http://__token__@")]
    sources = Sources(keyring={f"{P1}/simple": ("__token__", "K1")})
    state = AuthState()
    got = resolve(state, urls, f"{P1}/files/x", None, None, sources.lookup(), allow_netrc=False)
    assert got == ("__token__", None)
    assert sources.keyring_calls == []


def test_an_index_that_never_challenges_costs_no_keyring_lookup() -> None:
    urls = [f"{P1}/simple"]
    sources = Sources(keyring={f"{P1}/simple": ("u", "K")})
    state = AuthState()
    for _ in range(3):
        got = resolve(
            state, urls, f"{P1}/x/", None, None, sources.lookup(), keyring_for_named_user=True
        )
        assert got == (None, None)
    assert sources.keyring_calls == []


def test_keyring_misses_are_remembered_for_the_run() -> None:
    urls = [f"{P1}/simple"]
    sources = Sources()
    state = AuthState()
    for _ in range(3):
        got = resolve(state, urls, f"{P1}/x/", None, None, sources.lookup(), allow_keyring=True)
        assert got == (None, None)
    assert len(sources.keyring_calls) == 3  # each service name once: URL, URL/, host
