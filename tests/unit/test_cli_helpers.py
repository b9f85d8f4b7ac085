"""Pure parts of the CLI: URL redaction, keyring policy, pip option spelling."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pip_scoped_auth.cli import build_parser, redact_url, strip_auth
from pip_scoped_auth.pip_config import IndexOptions, keyring_allowed
from pip_scoped_auth.resolver import Decision, Source
from pip_scoped_auth.scopes import ScopeTable


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


def test_strip_auth_is_the_resolvers_keyring_key() -> None:
    assert strip_auth("https://u@h.example/a/simple") == "https://h.example/a/simple"


def test_decision_describe_hides_a_lone_username() -> None:
    entry = ScopeTable().add("https://tok@h.example/simple")
    assert entry is not None
    text = Decision("tok", None, Source.USERNAME_ONLY, entry).describe()
    assert "tok" not in text


@pytest.mark.parametrize(
    ("version", "no_input", "provider", "expected"),
    [
        ((22, 3), False, "auto", True),
        ((22, 3), True, "auto", False),
        ((23, 1), True, "auto", False),
        ((23, 1), True, "import", True),
        ((26, 3), False, "disabled", False),
    ],
)
def test_keyring_allowed_matches_pip(
    version: tuple[int, ...], no_input: bool, provider: str, expected: bool
) -> None:
    assert keyring_allowed(version, no_input, provider) is expected


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
