"""The link → page map on its own: origins, metadata files, first page wins, bounds."""

from __future__ import annotations

import pytest

from pip_scoped_auth.core.decision import PipSources, Source
from pip_scoped_auth.core.provenance import Provenance
from pip_scoped_auth.core.resolver import AuthState
from pip_scoped_auth.core.secrets import Login

PAGE = "http://gl.test:8000/api/v4/projects/my-group%2Fp1/packages/pypi/simple/pkg/"
FILE = "http://gl.test:8000/api/v4/projects/323/packages/pypi/files/ab12/pkg-1.0-py3-none-any.whl"


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("http://gl.test/x", "http://gl.test"),
        ("HTTPS://GL.test:443/x", "https://gl.test"),
        ("http://u:p@gl.test:8000/x", "http://gl.test:8000"),
        ("http://[::1]:8000/x", "http://[::1]:8000"),
        ("http://[::1]/x", "http://[::1]"),
    ],
)
def test_a_page_keeps_its_origin(url: str, origin: str) -> None:
    prov = Provenance()
    prov.page_fetched(url, None)
    page = prov.page(url)
    assert page is not None and str(page.origin) == origin


def test_only_http_urls_are_pages() -> None:
    prov = Provenance()
    for url in ("file:///tmp/x", "no scheme"):
        prov.page_fetched(url, Login.of("u", "p"))
        assert prov.page(url) is None and not prov.credentialed_hosts


def test_link_inherits_the_credentials_its_page_was_read_with() -> None:
    prov = Provenance()
    prov.page_fetched(PAGE, Login.of("gitlab+deploy-token-1", "T1"))
    assert prov.link_listed(FILE + "#sha256=ab12", PAGE)
    (found,) = prov.pages_listing(FILE)
    assert found.login == Login.of("gitlab+deploy-token-1", "T1")
    # PEP 658 metadata of a listed file follows the file.
    (meta,) = prov.pages_listing(FILE + ".metadata")
    assert meta.login == Login.of("gitlab+deploy-token-1", "T1")


def test_anonymous_pages_give_anonymous_links() -> None:
    prov = Provenance()
    prov.page_fetched(PAGE, None)
    prov.link_listed(FILE, PAGE)
    (found,) = prov.pages_listing(FILE)
    assert found.login is None


def test_links_to_another_origin_inherit_nothing() -> None:
    prov = Provenance()
    prov.page_fetched(PAGE, Login.of("u", "T1"))
    assert not prov.link_listed("http://cdn.test/files/pkg.whl", PAGE)
    assert not prov.link_listed("https://gl.test:8000/files/pkg.whl", PAGE)
    assert prov.pages_listing("http://cdn.test/files/pkg.whl") == ()


def test_unknown_pages_record_nothing() -> None:
    prov = Provenance()
    assert not prov.link_listed(FILE, PAGE)
    assert prov.pages_listing(FILE) == () and len(prov) == 0


def test_every_page_that_lists_a_file_is_kept_in_order() -> None:
    prov = Provenance()
    other = PAGE.replace("p1", "p2")
    prov.page_fetched(PAGE, Login.of("u", "T1"))
    prov.page_fetched(other, Login.of("u", "T2"))
    prov.link_listed(FILE, PAGE)
    prov.link_listed(FILE, other)
    prov.link_listed(FILE, PAGE)  # listed again by the same page: no duplicate
    assert [p.login for p in prov.pages_listing(FILE)] == [Login.of("u", "T1"), Login.of("u", "T2")]


def test_lookup_ignores_fragment_userinfo_and_host_case() -> None:
    prov = Provenance()
    prov.page_fetched(PAGE, Login.of("u", "T1"))
    prov.link_listed(FILE + "#sha256=ab12", PAGE)
    assert prov.pages_listing(FILE.replace("gl.test", "GL.TEST")) != ()
    assert prov.pages_listing(FILE.replace("http://", "http://x:y@")) != ()


def test_the_map_is_bounded() -> None:
    prov = Provenance(link_limit=10)
    prov.page_fetched(PAGE, Login.of("u", "T1"))
    for i in range(100):
        prov.link_listed(f"http://gl.test:8000/files/{i}.whl", PAGE)
    assert 5 <= len(prov) <= 10
    assert prov.pages_listing("http://gl.test:8000/files/99.whl") != ()
    assert prov.pages_listing("http://gl.test:8000/files/0.whl") == ()


def test_resolver_puts_provenance_before_path_scopes() -> None:
    prov = Provenance()
    state = AuthState(prov)
    urls = [
        "http://u1:T1@gl.test:8000/api/v4/groups/10/-/packages/pypi/simple",
        "http://u2:T2@gl.test:8000/api/v4/projects/323/packages/pypi/simple",
    ]
    group_page = "http://gl.test:8000/api/v4/groups/10/-/packages/pypi/simple/pkg/"
    prov.page_fetched(group_page, Login.of("u1", "T1"))
    prov.link_listed(FILE, group_page)
    lookup = PipSources(netrc=lambda url: None, keyring=lambda url, user: None)
    decision = state.resolve(urls, FILE, None, None, lookup)
    assert decision is not None and decision.source == Source.PAGE
    assert decision.credentials == ("u1", "T1")
    assert "T1" not in decision.describe() and "groups/10" in decision.describe()
    # A file nobody listed still follows the path scope.
    other = FILE.replace("ab12", "cd34")
    decision = state.resolve(urls, other, None, None, lookup)
    assert decision is not None and decision.credentials == ("u2", "T2")
