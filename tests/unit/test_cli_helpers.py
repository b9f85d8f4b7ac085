"""Pure parts of the CLI: URL redaction, keyring policy, pip option spelling."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pip_scoped_auth.cli import build_parser
from pip_scoped_auth.cli.keyring_cmds import service_name
from pip_scoped_auth.core.decision import Decision, Source
from pip_scoped_auth.core.scopes import ScopeTable
from pip_scoped_auth.core.secrets import Login
from pip_scoped_auth.core.urls import redact_url
from pip_scoped_auth.pip_layer.compat import keyring_allowed
from pip_scoped_auth.pip_layer.config import IndexOptions


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://h.example/simple", "https://h.example/simple"),
        ("https://u:s3cret@h.example:8443/a/simple", "https://u:****@h.example:8443/a/simple"),
        ("https://glpat-token@h.example/simple", "https://****@h.example/simple"),
        ("https://u:p%40ss@h.example/x?q=1#f", "https://u:****@h.example/x?q=1#f"),
        ("https://[::1", "<URL not shown: unparsable>"),
    ],
)
def test_redact_url_follows_pips_rules(url: str, shown: str) -> None:
    assert redact_url(url) == shown


@given(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="@/?#[]"),
        min_size=6,
    )
)
def test_redact_url_never_shows_the_password(secret: str) -> None:
    from urllib.parse import quote

    encoded = quote(secret, safe="")
    shown = redact_url(f"https://user:{encoded}@h.example/simple")
    assert encoded not in shown and shown.startswith("https://user:****@")


def test_login_service_is_the_resolvers_keyring_key() -> None:
    url = "https://u@h.example/a/simple"
    entry = ScopeTable().add(url)
    assert entry is not None
    assert service_name(url) == entry.url == "https://h.example/a/simple"


def test_decision_describe_hides_a_lone_username() -> None:
    entry = ScopeTable().add("https://tok@h.example/simple")
    assert entry is not None
    text = Decision(Login("tok", None), Source.USERNAME_ONLY, entry).describe()
    assert "tok" not in text


class _Pip22Auth:
    """pip < 23.1: keyring only when prompting, no ``use_keyring``."""

    def __init__(self, prompting: bool) -> None:
        self.prompting = prompting


class _Pip23Auth:
    """pip 23.1+: ``use_keyring`` from prompting and ``--keyring-provider``."""

    def __init__(self, prompting: bool, provider: str) -> None:
        self.prompting = prompting
        self._keyring_provider = provider

    @property
    def use_keyring(self) -> bool:
        return self.prompting or self._keyring_provider not in ["auto", "disabled"]


@pytest.mark.parametrize(
    ("auth", "expected"),
    [
        (_Pip22Auth(prompting=True), True),
        (_Pip22Auth(prompting=False), False),
        (_Pip23Auth(prompting=False, provider="auto"), False),
        (_Pip23Auth(prompting=False, provider="import"), True),
        (_Pip23Auth(prompting=True, provider="disabled"), False),
        (_Pip23Auth(prompting=True, provider="auto"), True),
    ],
)
def test_keyring_allowed_matches_pip(auth: object, expected: bool) -> None:
    assert keyring_allowed(auth) is expected


def test_keyring_allowed_reads_the_installed_pips_session() -> None:
    """The policy comes from pip's own auth object, the one pip's session carries."""
    auth_module = pytest.importorskip("pip._internal.network.auth")
    auth = auth_module.MultiDomainBasicAuth(prompting=False)
    assert keyring_allowed(auth) is False
    auth.prompting = True
    assert keyring_allowed(auth) is True


def test_index_options_spell_pips_command_line() -> None:
    options = IndexOptions(
        index_url="https://a/simple", extra_index_urls=("https://b/simple",), no_index=True
    )
    assert options.pip_args() == [
        "--index-url",
        "https://a/simple",
        "--extra-index-url",
        "https://b/simple",
        "--no-index",
    ]


def test_parser_takes_pip_index_options_after_the_url() -> None:
    args = build_parser().parse_args(
        ["explain", "https://h/x", "-i", "https://h/simple", "-r", "r.txt", "-r", "s.txt"]
    )
    assert (args.url, args.index_url, args.requirement) == (
        "https://h/x",
        "https://h/simple",
        ["r.txt", "s.txt"],
    )
