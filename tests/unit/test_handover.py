"""The hand-over of logins from a parent pip to a child pip: encoding, scoping, argv rewriting."""

from __future__ import annotations

import json
import os
import sys
from types import SimpleNamespace
from typing import Any

import pytest

from pip_scoped_auth.core.decision import PipSources, Source
from pip_scoped_auth.core.handover import ENV_VAR, Handover, known_login
from pip_scoped_auth.core.provenance import Provenance
from pip_scoped_auth.core.resolver import AuthState
from pip_scoped_auth.core.secrets import Login
from pip_scoped_auth.pip_layer import build, children, patching

SECRET = "glpat-handover-secret-1"
P1 = "http://gl.test/api/v4/projects/my-group%2Fp1/packages/pypi/simple"
P2 = "http://gl.test/api/v4/projects/my-group%2Fp2/packages/pypi/simple"
NO_SOURCES = PipSources(netrc=lambda url: None, keyring=lambda url, user: None)


def test_round_trip_and_nothing_printable() -> None:
    handover = Handover([(P1, Login.of("deploy", SECRET)), (P2, Login.of(SECRET, None))])
    again = Handover.decode(handover.encode())
    assert again.login_for(P1) == Login.of("deploy", SECRET)
    assert again.login_for(P2 + "/") == Login.of(SECRET, None)
    assert SECRET not in repr(handover) and SECRET not in repr(again)


def test_userinfo_in_a_key_is_dropped() -> None:
    handover = Handover([(f"http://u:{SECRET}@gl.test/x/simple", Login.of("u", SECRET))])
    (url,) = json.loads(handover.encode())["logins"]
    assert SECRET not in url and url == "http://gl.test/x/simple"


@pytest.mark.parametrize(
    "text",
    [
        "not json " + SECRET,
        json.dumps({"version": 99, "logins": {}}),
        json.dumps({"version": 1, "logins": {P1: {"username": 1, "password": SECRET}}}),
        json.dumps({"version": 1, "logins": [SECRET]}),
    ],
)
def test_malformed_values_raise_without_quoting_them(text: str) -> None:
    with pytest.raises(ValueError) as info:
        Handover.decode(text)
    assert SECRET not in str(info.value)


def test_exact_urls_only_never_a_prefix() -> None:
    handover = Handover([("http://gl.test/links/", Login.of("u", SECRET))])
    assert handover.login_for("http://GL.test:80/links") is not None
    assert handover.login_for("http://gl.test/links/other.whl") is None
    assert handover.login_for("https://gl.test/links/") is None


def _child_state(handover: Handover) -> AuthState:
    """An AuthState as the pip layer makes one in a child pip."""
    provenance = Provenance()
    state = AuthState(provenance)
    state.handover = handover.seed(provenance)
    return state


def test_a_handed_over_index_login_is_scoped_like_one_in_the_url() -> None:
    """The child sees index URLs without userinfo; the hand-over fills their scopes."""
    state = _child_state(Handover([(P1, Login.of("deploy", SECRET))]))
    urls = [P1, P2]
    inside = "http://gl.test/api/v4/projects/my-group%2Fp1/packages/pypi/simple/pkg/"
    decision = state.resolve(urls, inside, None, None, NO_SOURCES)
    assert decision is not None and decision.source == Source.INDEX_URL
    assert decision.login == Login.of("deploy", SECRET)
    other = "http://gl.test/api/v4/projects/my-group%2Fp2/packages/pypi/simple/pkg/"
    decision = state.resolve(urls, other, None, None, NO_SOURCES)
    assert decision is not None and decision.login.empty


def test_a_handed_over_page_login_is_for_that_page() -> None:
    """A ``--find-links`` page: its login, for that URL only (files follow by provenance)."""
    page = "http://gl.test/links/"
    state = _child_state(Handover([(page, Login.of("u", SECRET))]))
    decision = state.resolve([P1], page, None, None, NO_SOURCES)
    assert decision is not None and decision.login == Login.of("u", SECRET)
    assert decision.source == Source.PAGE and decision.page == page
    below = state.resolve([P1], page + "x-1.0.whl", None, None, NO_SOURCES)
    assert below is not None and below.login.empty


def test_known_login_never_asks_keyring() -> None:
    asked: list[str] = []

    def keyring(url: str, user: str | None) -> tuple[str, str] | None:
        asked.append(url)
        return ("deploy", SECRET)

    state = AuthState()
    url = "http://deploy@gl.test/api/v4/projects/1/packages/pypi/simple"
    entry = state.entry_for([url], url)
    assert entry is not None
    assert known_login(state, entry, "gl.test") is None and not asked
    sources = PipSources(netrc=lambda u: None, keyring=keyring)
    state.resolve([url], url + "/pkg/", None, None, sources, keyring_for_named_user=True)
    assert len(asked) == 1
    assert known_login(state, entry, "gl.test") == Login.of("deploy", SECRET)
    assert len(asked) == 1


# ------------------------------------------------------------- pip layer


class _Auth:
    """Stands in for pip's ``MultiDomainBasicAuth`` (weakly referenceable, as it is)."""

    def __init__(self, index_urls: list[str]) -> None:
        self.index_urls = index_urls


#: A pip root of its own, so these tests share no runtime with a patched pip.
ROOT = "fake-pip-for-handover-tests"


def _finder(index_urls: list[str], state: AuthState | None = None) -> Any:
    auth = _Auth(index_urls)
    if state is not None:
        patching.runtime_for(ROOT).auth_states[auth] = state
    session = SimpleNamespace(auth=auth)
    return SimpleNamespace(_link_collector=SimpleNamespace(session=session), auth=auth)


def _armed(monkeypatch: pytest.MonkeyPatch) -> None:
    hook = SimpleNamespace(__name__="_pip_scoped_auth_hook", find_spec=lambda *args: None)
    monkeypatch.setattr(sys, "meta_path", [hook, *sys.meta_path])


def test_rewrite_strips_every_url_and_hands_over_its_login(monkeypatch: pytest.MonkeyPatch) -> None:
    _armed(monkeypatch)
    first = f"http://deploy:{SECRET}@gl.test/api/v4/projects/1/packages/pypi/simple"
    links = f"https://{SECRET}@files.test/links/"
    cmd = [sys.executable, "runner", "install", "-i", first, "--find-links", links]
    cmd += ["--trusted-host", "gl.test", "--", f"pkg @ http://u:{SECRET}@x.test/p.whl"]
    plan = build._rewrite(cmd, _finder([first]), ROOT)
    assert plan is not None
    argv, handover = plan
    assert SECRET not in " ".join(argv[:-1])
    assert argv[-1] == cmd[-1]  # requirements are the user's own, as written
    assert argv[4] == "http://gl.test/api/v4/projects/1/packages/pypi/simple"
    assert handover.login_for(argv[4]) == Login.of("deploy", SECRET)
    assert handover.login_for("https://files.test/links/") == Login.of(SECRET, None)
    assert SECRET in handover.encode()


def test_rewrite_hands_over_what_keyring_answered(monkeypatch: pytest.MonkeyPatch) -> None:
    _armed(monkeypatch)
    url = "http://deploy@gl.test/api/v4/projects/1/packages/pypi/simple"
    state = AuthState()
    lookup = PipSources(netrc=lambda u: None, keyring=lambda u, user: ("deploy", SECRET))
    state.resolve([url], url + "/pkg/", None, None, lookup, keyring_for_named_user=True)
    plan = build._rewrite([sys.executable, "r", "install", "-i", url], _finder([url], state), ROOT)
    assert plan is not None
    argv, handover = plan
    assert "deploy" not in " ".join(argv)
    assert handover.login_for(argv[-1]) == Login.of("deploy", SECRET)


def test_a_stock_child_keeps_pip_s_own_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """A child that would not arm the shim needs its URLs as they are."""
    _armed(monkeypatch)
    url = f"http://deploy:{SECRET}@gl.test/simple"
    assert build._rewrite(["/other/venv/bin/python", "r", "-i", url], _finder([url]), ROOT) is None
    monkeypatch.setattr(sys, "meta_path", [f for f in sys.meta_path if not children._is_hook(f)])
    assert build._rewrite([sys.executable, "r", "-i", url], _finder([url]), ROOT) is None


def test_a_child_inside_pip_s_build_environment_is_scoped(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """pip 26.2 starts the child with PYTHONPATH on its build env's sitecustomize, which
    drops site-packages after start-up armed the hook: the hook loads the shim from its own
    directory, so the child gets its URLs without credentials like any scoped child."""
    _armed(monkeypatch)
    (tmp_path / "sitecustomize.py").write_text("")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    assert children.child_is_scoped(sys.executable)
    url = f"http://deploy:{SECRET}@gl.test/simple"
    rewritten = build._rewrite([sys.executable, "r", "-i", url], _finder([url]), ROOT)
    assert rewritten is not None and SECRET not in " ".join(rewritten[0])


def test_receive_takes_the_variable_out_of_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(children, "_received", [])
    value = Handover([(P1, Login.of("deploy", SECRET))]).encode()
    monkeypatch.setenv(ENV_VAR, value)
    assert children.receive().login_for(P1) == Login.of("deploy", SECRET)
    assert ENV_VAR not in os.environ
    assert children.receive().login_for(P1) is not None
