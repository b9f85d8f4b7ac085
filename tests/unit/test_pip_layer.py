"""The pip layer in-process, against the pip installed in this environment.

Fast checks of each rule as pip itself calls the hooks: pip's own
``MultiDomainBasicAuth``, ``Link`` and vendored requests objects, with fake
responses instead of a server (the integration suite runs the real thing).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import pip_scoped_auth

auth_module = pytest.importorskip("pip._internal.network.auth")
link_module = pytest.importorskip("pip._internal.models.link")
requests = pytest.importorskip("pip._vendor.requests")

HOST = "http://reg.test"
A = f"{HOST}/a/simple"
B = f"{HOST}/b/simple"


@pytest.fixture(autouse=True)
def shim(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """The shim active in this process; nobody's netrc or keyring."""
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    pip_scoped_auth.activate()
    assert pip_scoped_auth.is_active()
    yield


def _auth(*index_urls: str) -> Any:
    auth = auth_module.MultiDomainBasicAuth(prompting=False, index_urls=list(index_urls))
    return auth


def _with(url: str, user: str, secret: str) -> str:
    return url.replace("http://", f"http://{user}:{secret}@")


def _basic(user: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


def _response(url: str, status: int, authorization: str | None = None, html: bool = False) -> Any:
    request = requests.Request("GET", url).prepare()
    if authorization is not None:
        request.headers["Authorization"] = authorization
    resp = requests.Response()
    resp.status_code = status
    resp.url = url
    resp.request = request
    resp._content = b"<html></html>" if html else b""
    resp.headers["Content-Type"] = "text/html" if html else "application/octet-stream"
    return resp


class _Connection:
    """Stands in for requests' adapter: records what a retry sent, answers 200."""

    def __init__(self) -> None:
        self.sent: list[str | None] = []

    def send(self, request: Any, **kwargs: Any) -> Any:
        self.sent.append(request.headers.get("Authorization"))
        return _response(request.url, 200, request.headers.get("Authorization"))


class _Raw:
    def release_conn(self) -> None:
        return None


def test_each_scope_gets_its_own_credentials_and_pips_cache_is_not_written() -> None:
    auth = _auth(_with(A, "ua", "TA"), _with(B, "ub", "TB"))
    url, user, password = auth._get_url_and_credentials(f"{HOST}/b/files/x.whl")
    assert (url, user, password) == (f"{HOST}/b/files/x.whl", "ub", "TB")
    assert auth.passwords == {}


def test_outside_every_scope_on_a_scoped_host_gets_nothing() -> None:
    auth = _auth(_with(A, "ua", "TA"))
    assert auth._get_url_and_credentials(f"{HOST}/fl/page/") == (f"{HOST}/fl/page/", None, None)
    assert auth._get_new_credentials(f"{HOST}/fl/x.whl", allow_keyring=True) == (None, None)


def test_outside_every_scope_netrc_is_still_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine reg.test login n password NETRC\n")
    monkeypatch.setenv("NETRC", str(netrc))
    auth = _auth(_with(A, "ua", "TA"))
    assert auth._get_url_and_credentials(f"{HOST}/fl/")[1:] == ("n", "NETRC")


def test_a_host_without_scopes_is_pips_own() -> None:
    """Stock behaviour there: pip caches URL credentials per host, as its own tests expect."""
    auth = _auth(_with(A, "ua", "TA"))
    got = auth._get_url_and_credentials("http://u:p@other.test/x")
    assert got == ("http://other.test/x", "u", "p")
    assert auth.passwords["other.test"] == ("u", "p")


def test_a_listed_file_gets_its_pages_login_and_the_next_page_after_a_403() -> None:
    """devpi ``bases=``: bob's page and alice's page list alice's file."""
    alice, bob = f"{HOST}/alice/+simple", f"{HOST}/bob/+simple"
    auth = _auth(_with(bob, "bob", "TB"), _with(alice, "alice", "TA"))
    file_url = f"{HOST}/alice/+f/ab/pkg-1.0.whl"
    for index, login in ((bob, ("bob", "TB")), (alice, ("alice", "TA"))):
        page = f"{index}/pkg/"
        # pip asks for the page's credentials, sends them, and hooks the answer.
        assert auth._get_url_and_credentials(page)[1:] == login
        auth.handle_401(_response(page, 200, _basic(*login), html=True))
        link_module.Link(file_url, comes_from=page)
    # alice's own scope lists it: her login, although bob's page listed it first.
    assert auth._get_url_and_credentials(file_url)[1:] == ("alice", "TA")
    # A 403 to alice's login: the retry carries the next candidate, bob's.
    refused = _response(file_url, 403, _basic("alice", "TA"))
    refused.connection, refused.raw = _Connection(), _Raw()
    answer = auth.handle_401(refused)
    assert refused.connection.sent == [_basic("bob", "TB")]
    assert answer.status_code == 200 and answer.history == [refused]
    # And a fresh request to that URL never sends the rejected login again.
    assert auth._get_url_and_credentials(file_url)[1:] == ("bob", "TB")


def test_pips_own_exceptions_pass_through_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    """``raise ... from None`` would drop pip's ``__cause__`` and set ``__suppress_context__``."""
    cause = KeyError("netrc parse")

    def broken_netrc(url: str) -> None:
        raise ValueError("pip's own failure") from cause

    monkeypatch.setattr(auth_module, "get_netrc_auth", broken_netrc)
    auth = _auth(_with(A, "ua", "TA"))
    with pytest.raises(ValueError, match="pip's own failure") as raised:
        # Another host: pip's own method runs, and its netrc lookup raises.
        auth._get_url_and_credentials("http://other.test/x")
    assert raised.value.__cause__ is cause
    assert raised.value.__suppress_context__ is True  # as ``from cause`` sets it, not us
    assert pip_scoped_auth.is_active()


def _redirect(auth: Any, source: str, target: str, sent: str | None) -> Any:
    session = requests.Session()
    session.auth = auth
    auth._get_url_and_credentials(source)  # the shim has seen this auth object
    response = _response(source, 302, sent)
    prepared = requests.Request("GET", target).prepare()
    if sent is not None:
        prepared.headers["Authorization"] = sent
    session.rebuild_auth(prepared, response)
    return prepared.headers.get("Authorization")


def test_a_same_origin_redirect_into_another_scope_gets_that_scopes_login() -> None:
    auth = _auth(_with(A, "ua", "TA"), _with(B, "ub", "TB"))
    got = _redirect(auth, f"{HOST}/a/files/x", f"{HOST}/b/files/x", _basic("ua", "TA"))
    assert got == _basic("ub", "TB")


def test_a_same_origin_redirect_out_of_every_scope_keeps_the_redirected_login() -> None:
    auth = _auth(_with(A, "ua", "TA"))
    got = _redirect(auth, f"{HOST}/a/files/x", f"{HOST}/cdn/x", _basic("ua", "TA"))
    assert got == _basic("ua", "TA")


def test_a_cross_origin_redirect_carries_netrc_for_the_new_host_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    auth = _auth(_with(A, "ua", "TA"))
    got = _redirect(auth, f"{HOST}/a/files/x", "https://blob.test/x", _basic("ua", "TA"))
    assert got is None
    netrc = tmp_path / "netrc"
    netrc.write_text("machine blob.test login n password BLOB\n")
    monkeypatch.setenv("NETRC", str(netrc))
    got = _redirect(auth, f"{HOST}/a/files/x", "https://blob.test/x", _basic("ua", "TA"))
    assert got == _basic("n", "BLOB")


def test_nothing_the_shim_keeps_prints_a_secret() -> None:
    """Every object of the package's types reachable from pip's auth object is display-safe."""
    import gc

    secret = "s3cr3t-" + base64.b32encode(__import__("os").urandom(10)).decode()
    auth = _auth(_with(A, "ua", secret))
    auth._get_url_and_credentials(f"{HOST}/a/files/x.whl")
    page = f"{A}/pkg/"
    auth.handle_401(_response(page, 200, _basic("ua", secret), html=True))
    link_module.Link(f"{HOST}/a/files/y.whl", comes_from=page)
    ours = [
        obj
        for obj in gc.get_objects()
        if type(obj).__module__.startswith("pip_scoped_auth.")
        and not isinstance(obj, type)
        and not callable(obj)
    ]
    assert ours, "the shim keeps no objects?"
    for obj in ours:
        for text in (repr(obj), str(obj), f"{obj}"):
            assert secret not in text, type(obj)


# ------------------------------------------------- issue 19: copies, schemes


def test_an_armed_auth_object_deep_copies_and_pickles_as_stock() -> None:
    """The shim's state is not on pip's object: a copy starts afresh, from its index URLs."""
    import copy
    import pickle

    secret = "s3cr3t-" + base64.b32encode(__import__("os").urandom(10)).decode()
    auth = _auth(_with(A, "ua", secret), _with(B, "ub", "TB"))
    assert auth._get_url_and_credentials(f"{HOST}/a/files/x")[1:] == ("ua", secret)
    pickled = pickle.loads(pickle.dumps(auth))  # noqa: S301 - our own bytes
    for clone in (copy.deepcopy(auth), pickled):
        assert clone._get_url_and_credentials(f"{HOST}/b/files/x")[1:] == ("ub", "TB")
        assert clone._get_url_and_credentials(f"{HOST}/c/files/x")[1:] == (None, None)
    # Nothing of the shim's rides along: the bytes hold what stock pip's object holds.
    stock_fields = {k for k in vars(auth) if not k.startswith("_pip_scoped_auth")}
    assert set(vars(pickled)) == stock_fields


def test_an_https_credential_is_never_handed_to_http_on_that_host() -> None:
    """pip's netloc fallbacks never run on a host with a scope, on any scheme or port."""
    auth = _auth("https://a:1@reg.test/x/simple")
    assert auth._get_url_and_credentials("https://reg.test/x/files/f")[1:] == ("a", "1")
    for url in (
        "http://reg.test/elsewhere/f",
        "http://reg.test/x/files/f",
        "https://reg.test:8443/x/f",
    ):
        assert auth._get_url_and_credentials(url)[1:] == (None, None), url
    assert auth.passwords == {}


def test_an_http_scope_covers_its_https_upgrade_only() -> None:
    auth = _auth("http://a:1@reg.test/x/simple")
    assert auth._get_url_and_credentials("https://reg.test/x/files/f")[1:] == ("a", "1")
    assert auth._get_url_and_credentials("https://reg.test:8443/x/files/f")[1:] == (None, None)
    got = _redirect(auth, "http://reg.test/x/simple/", "https://reg.test/x/simple/", None)
    assert got == _basic("a", "1")
    down = _auth("https://a:1@reg.test/x/simple")
    got = _redirect(
        down, "https://reg.test/x/simple/", "http://reg.test/x/simple/", _basic("a", "1")
    )
    assert got is None


def test_a_colon_in_the_username_is_rejected_by_whole_header_and_never_loops() -> None:
    """The header is compared whole: ``a:b`` / ``pw`` is not mistaken for ``a`` / ``b:pw``."""
    auth = _auth("http://a%3Ab:pw@reg.test/x/simple")
    url = f"{HOST}/x/simple/pkg/"
    assert auth._get_url_and_credentials(url)[1:] == ("a:b", "pw")
    refused = _response(url, 401, _basic("a:b", "pw"))

    class _Always401(_Connection):
        def send(self, request: Any, **kwargs: Any) -> Any:
            self.sent.append(request.headers.get("Authorization"))
            return _response(request.url, 401, request.headers.get("Authorization"))

    refused.connection, refused.raw = _Always401(), _Raw()
    answer = auth.handle_401(refused)
    assert answer.status_code == 401
    assert refused.connection.sent == []  # the rejected login is not sent again


def test_unpatch_all_restores_pip_exactly_and_a_second_patch_works() -> None:
    """truststore's inject/extract pair: unpatch leaves pip's objects as imported."""
    from pip_scoped_auth.core import notice
    from pip_scoped_auth.pip_layer import patching

    cls = auth_module.MultiDomainBasicAuth
    names = ("_get_url_and_credentials", "_get_new_credentials", "handle_401")
    pip_scoped_auth.deactivate()
    originals = {name: cls.__dict__[name] for name in names}
    link_init = link_module.Link.__dict__["__init__"]
    pip_scoped_auth.activate()
    assert all(cls.__dict__[name] is not originals[name] for name in names)
    runtime = patching.runtime_of("pip")
    assert runtime is not None
    runtime.stood_down = True
    notice.warn_once("test: spend the warning line")
    pip_scoped_auth.deactivate()
    assert {name: cls.__dict__[name] for name in names} == originals
    assert link_module.Link.__dict__["__init__"] is link_init
    assert patching.runtime_of("pip") is None and notice._warned is False
    pip_scoped_auth.activate()
    fresh = patching.runtime_of("pip")
    assert fresh is not None and not fresh.stood_down
    assert _auth(_with(A, "ua", "TA"))._get_url_and_credentials(f"{HOST}/a/x")[1:] == ("ua", "TA")
