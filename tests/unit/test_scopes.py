"""The scope rules, on their own: no pip, no network."""

from __future__ import annotations

import pytest

from pip_scoped_auth.core.scopes import CredentialStore, ScopeTable
from pip_scoped_auth.core.secrets import Login
from pip_scoped_auth.core.urls import (
    Origin,
    index_scope,
    request_location,
    split_userinfo,
)

GL = "http://gl.test:8000/api/v4/projects"


def test_scope_drops_final_simple_and_makes_port_explicit() -> None:
    scope = index_scope("HTTPS://GL.Test/api/v4/projects/323/packages/pypi/simple/")
    assert scope is not None
    assert scope.origin == Origin("https", "gl.test", 443)
    assert scope.segments == ("api", "v4", "projects", "323", "packages", "pypi")
    assert str(scope) == "https://gl.test/api/v4/projects/323/packages/pypi/"


def test_devpi_plus_simple_is_dropped() -> None:
    scope = index_scope("http://devpi.test:3141/root/dev/+simple/")
    assert scope is not None and scope.segments == ("root", "dev")


def test_only_a_final_simple_segment_is_dropped() -> None:
    scope = index_scope("http://h.test/simple/packages")
    assert scope is not None and scope.segments == ("simple", "packages")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://h.test/x", "https://h.test:443/x"),
        ("http://h.test/x", "http://H.TEST:80/x/"),
        ("http://h.test/a/%7euser", "http://h.test/a/~user"),
        ("http://h.test/a/./b/../c", "http://h.test/a/c"),
        ("http://h.test/a?x=1#frag", "http://h.test/a"),
    ],
)
def test_equivalent_urls_have_equal_locations(a: str, b: str) -> None:
    assert request_location(a) == request_location(b)


def test_encoded_slash_stays_inside_its_segment() -> None:
    loc = request_location("http://h.test/api/v4/projects/my-group%2Fmy-project/packages")
    assert loc is not None
    assert loc.segments[3] == "my-group%2Fmy-project"


@pytest.mark.parametrize(
    "url",
    ["file:///opt/simple", "not a url", "http://:@/", "http://h.test:99999/x", "", "ftp://h.test/"],
)
def test_unscoped_urls_give_none(url: str) -> None:
    assert index_scope(url) is None


def test_longest_scope_wins_on_segment_boundaries() -> None:
    table = ScopeTable.from_urls(
        [
            "http://u1:t1@gl.test:8000/api/v4/projects/12/packages/pypi/simple",
            "http://u2:t2@gl.test:8000/api/v4/projects/123/packages/pypi/simple",
            "http://u3:t3@gl.test:8000/api/v4/simple",
        ]
    )
    hit = table.entry_for("http://gl.test:8000/api/v4/projects/123/packages/pypi/files/ab/x.whl")
    assert hit is not None and hit.login.reveal() == ("u2", "t2")
    hit = table.entry_for("http://gl.test:8000/api/v4/projects/12/packages/pypi/files/ab/x.whl")
    assert hit is not None and hit.login.reveal() == ("u1", "t1")
    # /projects/1234 is not under /projects/123: it falls back to the /api/v4 scope.
    hit = table.entry_for("http://gl.test:8000/api/v4/projects/1234/packages/pypi/files/ab/x.whl")
    assert hit is not None and hit.login.reveal() == ("u3", "t3")


def test_no_scope_across_origins() -> None:
    table = ScopeTable.from_urls(["http://u:t@gl.test:8000/api/v4/projects/1/packages/pypi/simple"])
    for url in (
        "https://gl.test:8000/api/v4/projects/1/packages/pypi/files/x",
        "http://gl.test:8001/api/v4/projects/1/packages/pypi/files/x",
        "http://other.test:8000/api/v4/projects/1/packages/pypi/files/x",
        "http://gl.test:8000/api/v4/projects/2/packages/pypi/files/x",
    ):
        assert table.entry_for(url) is None, url


def test_first_listed_index_wins_a_shared_scope() -> None:
    table = ScopeTable.from_urls(["http://a:1@h.test/p/simple", "http://b:2@h.test/p/simple/"])
    hit = table.entry_for("http://h.test/p/files/x")
    assert hit is not None and hit.login.reveal() == ("a", "1")


def test_garbage_in_the_index_list_is_ignored() -> None:
    table = ScopeTable.from_urls(
        ["", "::::", "http://h.test:bad/x", 42, "http://u:t@h.test/ok/simple"]
    )  # type: ignore[list-item]
    assert len(table.entries) == 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://h.test/x", (None, None)),
        ("http://user@h.test/x", ("user", None)),
        ("http://user:@h.test/x", ("user", "")),
        ("http://us%40er:p%3Aw%2Fd@h.test/x", ("us@er", "p:w/d")),
        ("http://a:b@c@h.test/x", ("a", "b@c")),
    ],
)
def test_split_userinfo_matches_pip(url: str, expected: tuple[str | None, str | None]) -> None:
    assert split_userinfo(url) == expected


def test_credential_store_is_per_scope() -> None:
    store = CredentialStore()
    a = index_scope(f"{GL}/1/packages/pypi/simple")
    b = index_scope(f"{GL}/2/packages/pypi/simple")
    assert a is not None and b is not None
    store.put(a, Login.of("u", "one"))
    store.put(b, Login.of("u", "two"))
    assert store.get(a) == Login.of("u", "one")
    assert store.get(b) == Login.of("u", "two")
    assert len(store) == 2
