"""Least privilege on a shared host: the shim decides every request there (issue 11).

A small registry on one host:port in which every top-level path prefix is its
own tenant: ``/a/`` accepts only token A, ``/bob/`` only B, ``/fl/`` nobody's
(public). No credential answers 401 with a Basic challenge; another tenant's
answers 401 or 403 (both are tried, as registries differ). The request log
says which tenant's credential each request carried, so every test asserts
what the server saw, and every scenario also runs on stock pip.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pip_scoped_auth.core.versions import version_tuple
from pip_scoped_auth.demo.wheels import build_wheel
from tests.support.cli import cli
from tests.support.keyring_backend import TestKeyring
from tests.support.pip_versions import NEWEST_PIP, OLDEST_PIP, pips
from tests.support.pipenvs import MakePip, PipEnv, PipResult

#: Who a request's credential belongs to, when it is nobody's we know.
NOBODY, UNKNOWN = "none", "unknown"


@dataclass
class Tenants:
    """One host, one tenant per path prefix, each with its own Basic credential."""

    server: HTTPServer
    #: prefix -> names whose credential it accepts (empty: public).
    accept: dict[str, set[str]] = field(default_factory=dict)
    #: name -> (username, secret)
    logins: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: page path -> link targets (paths on this host, or absolute URLs).
    pages: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    wrong_status: int = 403
    seen: list[tuple[str, str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.server.expect_request("").respond_with_handler(self.handle)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def tenant(self, prefix: str, username: str = "user", public: bool = False) -> None:
        self.accept[prefix] = set() if public else {prefix}
        if not public:
            self.logins[prefix] = (username, secrets.token_urlsafe(12))

    def index_url(self, prefix: str, with_secret: bool = True, username: str | None = None) -> str:
        user, secret = self.logins[prefix]
        userinfo = f"{username or user}:{secret}" if with_secret else (username or user)
        return f"http://{userinfo}@127.0.0.1:{self.server.port}/{prefix}/simple"

    def wheel(self, path_dir: str, name: str, version: str = "1.0") -> str:
        """A wheel served at ``/{path_dir}/{filename}``; returns its path."""
        filename, data = build_wheel(name, version)
        path = f"/{path_dir}/{filename}"
        self.files[path] = data
        return path

    def page(self, prefix: str, project: str, *links: str) -> None:
        self.pages[f"/{prefix}/simple/{project}/"] = list(links)

    def secret_values(self) -> list[str]:
        return [secret for _user, secret in self.logins.values()]

    def who(self, request: Request) -> str:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return NOBODY
        # By the secret alone: a token sent under another user's name is still that token.
        secret = base64.b64decode(header[6:]).decode("latin1").partition(":")[2]
        for name, (_user, known) in self.logins.items():
            if secret == known:
                return name
        return UNKNOWN

    def handle(self, request: Request) -> Response:
        path = request.path
        prefix = path.split("/")[1]
        who = self.who(request)
        status = self._status(prefix, who)
        self.seen.append((path, who, status))
        if status == 401:
            return Response("login", 401, {"WWW-Authenticate": 'Basic realm="tenants"'})
        if status != 200:
            return Response("refused", status)
        if path in self.redirects:
            self.seen[-1] = (path, who, 302)
            return Response(status=302, headers={"Location": self.redirects[path]})
        page = self.pages.get(path if path.endswith("/") else path + "/")
        if page is not None:
            anchors = "".join(f'<a href="{link}">{link.rsplit("/", 1)[-1]}</a>\n' for link in page)
            return Response(f"<html><body>\n{anchors}</body></html>", content_type="text/html")
        if path in self.files:
            return Response(self.files[path], content_type="application/octet-stream")
        self.seen[-1] = (path, who, 404)
        return Response("not found", 404)

    def _status(self, prefix: str, who: str) -> int:
        accepted = self.accept.get(prefix)
        if accepted is None or not accepted:
            return 200
        if who in accepted:
            return 200
        return 401 if who in (NOBODY, UNKNOWN) else self.wrong_status

    def requests_to(self, prefix: str) -> list[tuple[str, str, int]]:
        return [entry for entry in self.seen if entry[0].startswith(f"/{prefix}/")]

    def describe(self) -> str:
        return "\n".join(
            f"  {status} {path}  credential of: {who}" for path, who, status in self.seen
        )

    def assert_least_privilege(self) -> None:
        """No request carried a credential its path's tenant does not accept, public paths none."""
        for path, who, _status in self.seen:
            prefix = path.split("/")[1]
            if who == NOBODY:
                continue
            assert who in self.accept.get(prefix, set()), f"{who} sent to {path}\n{self.describe()}"


@pytest.fixture
def tenants(httpserver: HTTPServer) -> Tenants:
    httpserver.clear()
    return Tenants(httpserver)


def _pip(make_pip: MakePip, version: str, tenants: Tenants, shim: bool = True) -> PipEnv:
    pip = make_pip(version, shim=shim)
    pip.secrets.extend(tenants.secret_values())
    return pip


# ------------------------------------------------- outside every index scope


def _index_and_find_links(tenants: Tenants, find_links_public: bool) -> list[str]:
    tenants.tenant("a")
    tenants.tenant("fl", public=find_links_public)
    tenants.page("a", "pkg-a", tenants.wheel("a/files", "pkg-a"))
    fl_wheel = tenants.wheel("fl/files", "flpkg")
    tenants.pages["/fl/"] = [fl_wheel]
    return ["--index-url", tenants.index_url("a"), "--find-links", f"{tenants.base}/fl/"]


@pytest.mark.parametrize("pip_version", pips())
def test_a_public_find_links_page_on_the_index_host_gets_nothing_of_the_index(
    tenants: Tenants, make_pip: MakePip, pip_version: str
) -> None:
    args = _index_and_find_links(tenants, find_links_public=True)
    result = _pip(make_pip, pip_version, tenants).install("pkg-a", "flpkg", "--no-input", *args)
    assert result.returncode == 0, f"{result.redacted()}\n{tenants.describe()}"
    fl = tenants.requests_to("fl")
    assert fl and all(who == NOBODY for _path, who, _status in fl), tenants.describe()
    assert {who for _p, who, _s in tenants.requests_to("a")} == {"a"}, tenants.describe()


def test_stock_pip_sends_the_index_token_to_a_find_links_page(
    tenants: Tenants, make_pip: MakePip
) -> None:
    args = _index_and_find_links(tenants, find_links_public=True)
    result = _pip(make_pip, NEWEST_PIP, tenants, shim=False).install(
        "pkg-a", "flpkg", "--no-input", *args
    )
    assert result.returncode == 0, result.redacted()
    assert any(who == "a" for _p, who, _s in tenants.requests_to("fl")), tenants.describe()


@pytest.mark.parametrize("pip_version", pips())
def test_a_find_links_page_that_needs_another_credential_never_sees_the_index_token(
    tenants: Tenants, make_pip: MakePip, pip_version: str
) -> None:
    args = _index_and_find_links(tenants, find_links_public=False)
    result = _pip(make_pip, pip_version, tenants).install("pkg-a", "--no-input", *args)
    # pip warns about the page it could not read and installs pkg-a from the index.
    assert result.returncode == 0, f"{result.redacted()}\n{tenants.describe()}"
    fl = tenants.requests_to("fl")
    assert fl and {(who, status) for _p, who, status in fl} == {(NOBODY, 401)}, tenants.describe()
    tenants.assert_least_privilege()


def test_stock_pip_sends_the_index_token_to_a_private_find_links_page(
    tenants: Tenants, make_pip: MakePip
) -> None:
    args = _index_and_find_links(tenants, find_links_public=False)
    _pip(make_pip, NEWEST_PIP, tenants, shim=False).install("pkg-a", "--no-input", *args)
    assert ("a", 403) in {(w, s) for _p, w, s in tenants.requests_to("fl")}, tenants.describe()


def _direct_url(tenants: Tenants) -> list[str]:
    tenants.tenant("a")
    tenants.tenant("direct", public=True)
    tenants.page("a", "pkg-a", tenants.wheel("a/files", "pkg-a"))
    path = tenants.wheel("direct", "dpkg")
    return ["pkg-a", f"dpkg @ {tenants.base}{path}", "--index-url", tenants.index_url("a")]


@pytest.mark.parametrize("pip_version", pips())
def test_a_direct_url_on_the_index_host_gets_nothing_of_the_index(
    tenants: Tenants, make_pip: MakePip, pip_version: str
) -> None:
    args = _direct_url(tenants)
    result = _pip(make_pip, pip_version, tenants).install("--no-input", *args)
    assert result.returncode == 0, f"{result.redacted()}\n{tenants.describe()}"
    direct = tenants.requests_to("direct")
    assert direct and all(who == NOBODY for _p, who, _s in direct), tenants.describe()


def test_stock_pip_sends_the_index_token_to_a_direct_url(
    tenants: Tenants, make_pip: MakePip
) -> None:
    args = _direct_url(tenants)
    result = _pip(make_pip, NEWEST_PIP, tenants, shim=False).install("--no-input", *args)
    assert result.returncode == 0, result.redacted()
    assert any(who == "a" for _p, who, _s in tenants.requests_to("direct")), tenants.describe()


# ----------------------------------------------- a file listed by two pages


def _inheritance(tenants: Tenants, wrong_status: int, alice_lists_it: bool) -> dict[str, str]:
    """``bob`` inherits from ``alice`` (devpi ``bases=``): bob's page lists alice's file."""
    tenants.wrong_status = wrong_status
    tenants.tenant("bob", username="bob")
    tenants.tenant("alice", username="alice")
    path = tenants.wheel("alice/files", "pkg-a")
    tenants.page("bob", "pkg-a", path)
    if alice_lists_it:
        tenants.page("alice", "pkg-a", path)
    return {"bob": tenants.index_url("bob"), "alice": tenants.index_url("alice")}


def _install_two(pip: PipEnv, urls: dict[str, str], first: str, *extra: str) -> PipResult:
    second = "alice" if first == "bob" else "bob"
    return pip.install(
        "pkg-a", "--no-input", "--index-url", urls[first], "--extra-index-url", urls[second], *extra
    )


@pytest.mark.parametrize("alice_lists_it", [True, False], ids=["both-list", "only-bob-lists"])
@pytest.mark.parametrize("first", ["bob", "alice"])
@pytest.mark.parametrize(
    ("pip_version", "wrong_status"),
    # 403 on every pip of the selection; 401 (a registry that challenges a
    # wrong token) on the oldest and newest, which is where pip's 401 path differs.
    [(OLDEST_PIP, 401), (NEWEST_PIP, 401)],
)
def test_a_file_listed_by_two_pages_answering_401(
    tenants: Tenants,
    make_pip: MakePip,
    pip_version: str,
    wrong_status: int,
    first: str,
    alice_lists_it: bool,
) -> None:
    test_a_file_listed_by_two_pages_gets_its_own_scopes_credential(
        tenants, make_pip, pip_version, first, alice_lists_it, wrong_status
    )


@pytest.mark.parametrize("alice_lists_it", [True, False], ids=["both-list", "only-bob-lists"])
@pytest.mark.parametrize("first", ["bob", "alice"])
@pytest.mark.parametrize("pip_version", pips())
def test_a_file_listed_by_two_pages_gets_its_own_scopes_credential(
    tenants: Tenants,
    make_pip: MakePip,
    pip_version: str,
    first: str,
    alice_lists_it: bool,
    wrong_status: int = 403,
) -> None:
    urls = _inheritance(tenants, wrong_status, alice_lists_it)
    result = _install_two(_pip(make_pip, pip_version, tenants), urls, first)
    assert result.returncode == 0, f"{result.redacted()}\n{tenants.describe()}"
    files = [(who, status) for path, who, status in tenants.seen if path.startswith("/alice/files")]
    if alice_lists_it:
        # alice's own page lists it: her credential goes first, nothing else is tried.
        assert files == [("alice", 200)], tenants.describe()
    else:
        # Only bob's page lists it: bob's credential is refused once, then the
        # file's own scope (alice's index) answers; bob's is never sent again.
        assert files == [("bob", wrong_status), ("alice", 200)], tenants.describe()
    for prefix in ("bob", "alice"):
        pages = [who for path, who, _s in tenants.requests_to(prefix) if "/simple/" in path]
        assert pages and set(pages) == {prefix}, tenants.describe()


@pytest.mark.parametrize("first", ["bob", "alice"])
def test_explain_agrees_with_what_the_install_does(
    tenants: Tenants, make_pip: MakePip, first: str
) -> None:
    """``explain FILE`` names the credential the install then sends for that file, and why."""
    urls = _inheritance(tenants, 403, alice_lists_it=True)
    pip = _pip(make_pip, NEWEST_PIP, tenants)
    second = "alice" if first == "bob" else "bob"
    options = ["--index-url", urls[first], "--extra-index-url", urls[second]]
    file_url = tenants.base + next(p for p in tenants.files if p.startswith("/alice/files/"))
    explained = cli(pip, "explain", file_url, *options)
    assert explained.returncode == 0, explained.redacted()
    assert "First request: scope" in explained.stdout, explained.stdout
    assert "/alice/: user 'alice' with a password from index-url" in explained.stdout
    result = pip.install("pkg-a", "--no-input", *options)
    assert result.returncode == 0, result.redacted()
    files = [(who, status) for path, who, status in tenants.seen if path.startswith("/alice/files")]
    assert files == [("alice", 200)], tenants.describe()
    decided = [line for line in result.output.splitlines() if "pip-scoped-auth: listed on" in line]
    assert any(
        "/alice/simple/pkg-a/: user 'alice' with a password" in line
        and "its own index scope lists it" in line
        for line in decided
    ), result.redacted()


#: What stock pip sends for alice's file (listed by both pages), by pip and order.
STOCK_INHERITANCE = {
    (OLDEST_PIP, "bob"): [("alice", 200)],
    # pip 22.x: the per-host cache holds the last page's token, bob's.
    (OLDEST_PIP, "alice"): [("bob", 403)],
    # pip 23.1+ guesses the index by the longest common path: alice's.
    (NEWEST_PIP, "bob"): [("alice", 200)],
    (NEWEST_PIP, "alice"): [("alice", 200)],
}


@pytest.mark.parametrize("first", ["bob", "alice"])
# Newest first on purpose: exactly EDGE_PIPS would put this on every pip of the selection.
@pytest.mark.parametrize("pip_version", [NEWEST_PIP, OLDEST_PIP])
def test_inheritance_on_stock_pip(
    tenants: Tenants, make_pip: MakePip, pip_version: str, first: str
) -> None:
    """What stock pip does with bob's page listing alice's file (shown, not a goal)."""
    urls = _inheritance(tenants, 403, alice_lists_it=True)
    _install_two(_pip(make_pip, pip_version, tenants, shim=False), urls, first)
    files = [(who, status) for path, who, status in tenants.seen if path.startswith("/alice/files")]
    assert files == STOCK_INHERITANCE[pip_version, first], tenants.describe()


# ------------------------------------------------------------ redirects


@dataclass
class Blob:
    """A second origin (``localhost``) that wants its own netrc credential."""

    server: HTTPServer
    login: tuple[str, str] = ("blob-user", secrets.token_urlsafe(12))
    seen: list[tuple[str, str]] = field(default_factory=list)

    def handle(self, request: Request) -> Response:
        header = request.headers.get("Authorization", "")
        sent = NOBODY
        if header.startswith("Basic "):
            pair = tuple(base64.b64decode(header[6:]).decode().partition(":")[::2])
            sent = "netrc" if pair == self.login else UNKNOWN
        self.seen.append((request.path, sent))
        if sent != "netrc":
            return Response("login", 401, {"WWW-Authenticate": 'Basic realm="blob"'})
        _name, data = build_wheel("pkg-a", "1.0")
        return Response(data, content_type="application/octet-stream")


@pytest.fixture
def blob() -> Iterator[Blob]:
    server = HTTPServer(host="localhost", port=0)
    server.start()
    found = Blob(server)
    server.expect_request("").respond_with_handler(found.handle)
    try:
        yield found
    finally:
        server.clear()
        if server.is_running():
            server.stop()


def _redirect_out_of_scope(tenants: Tenants) -> list[str]:
    tenants.tenant("a")
    tenants.accept["cdn"] = {"a"}  # a same-host path that checks the token it is sent
    path = tenants.wheel("cdn", "pkg-a")
    listed = "/a/files/" + path.rsplit("/", 1)[1]
    tenants.page("a", "pkg-a", listed)
    tenants.redirects[listed] = f"{tenants.base}{path}"
    return ["pkg-a", "--no-input", "--index-url", tenants.index_url("a")]


@pytest.mark.parametrize("shim", [True, False], ids=["shim", "stock"])
@pytest.mark.parametrize("pip_version", pips())
def test_a_same_origin_redirect_out_of_every_scope_keeps_the_redirected_credential(
    tenants: Tenants, make_pip: MakePip, pip_version: str, shim: bool
) -> None:
    args = _redirect_out_of_scope(tenants)
    result = _pip(make_pip, pip_version, tenants, shim=shim).install(*args)
    assert result.returncode == 0, f"{result.redacted()}\n{tenants.describe()}"
    assert [(w, s) for _p, w, s in tenants.requests_to("cdn")] == [("a", 200)], tenants.describe()


@pytest.mark.parametrize("shim", [True, False], ids=["shim", "stock"])
@pytest.mark.parametrize("pip_version", pips())
def test_a_cross_origin_redirect_keeps_netrc_for_the_new_host_only(
    tenants: Tenants, blob: Blob, make_pip: MakePip, pip_version: str, shim: bool, tmp_path: Path
) -> None:
    tenants.tenant("a")
    filename, _data = build_wheel("pkg-a", "1.0")
    listed = f"/a/files/{filename}"
    tenants.page("a", "pkg-a", listed)
    tenants.redirects[listed] = f"http://localhost:{blob.server.port}/blob/{filename}"
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine localhost login {blob.login[0]} password {blob.login[1]}\n")
    pip = _pip(make_pip, pip_version, tenants, shim=shim)
    pip.secrets.append(blob.login[1])
    result = pip.install(
        "pkg-a", "--no-input", "--index-url", tenants.index_url("a"), env={"NETRC": str(netrc)}
    )
    assert result.returncode == 0, f"{result.redacted()}\n{tenants.describe()}\n{blob.seen}"
    assert blob.seen == [(f"/blob/{filename}", "netrc")], blob.seen


# -------------------------------------------------------------- keyring


def _keyring_args(pip_version: str) -> list[str]:
    if version_tuple(pip_version) < (23, 1):
        return []  # before 23.1 pip asks keyring only when it may prompt
    return ["--keyring-provider", "import", "--no-input"]


def _keyring_for_another_user(
    tenants: Tenants, make_pip: MakePip, pip_version: str, shim: bool, tmp_path: Path
) -> PipResult:
    """Index ``a`` names 323's user; the keyring backend answers any user with 324's token."""
    tenants.tenant("a", username="gitlab+deploy-token-323")
    tenants.tenant("b", username="gitlab+deploy-token-324")
    tenants.page("a", "pkg-a", tenants.wheel("a/files", "pkg-a"))
    keyring = TestKeyring(tmp_path / "keyring.json")
    keyring.set(f"127.0.0.1:{tenants.server.port}", *tenants.logins["b"])
    return _pip(make_pip, pip_version, tenants, shim=shim).install(
        "pkg-a",
        "--index-url",
        tenants.index_url("a", with_secret=False),
        *_keyring_args(pip_version),
        env={**keyring.env(), "SCOPED_TEST_KEYRING_IGNORE_USERNAME": "1"},
    )


@pytest.mark.parametrize("pip_version", pips())
def test_a_keyring_answer_for_another_user_is_not_used(
    tenants: Tenants, make_pip: MakePip, pip_version: str, tmp_path: Path
) -> None:
    """A backend holding one token per host answers for 324's user when asked for 323's."""
    result = _keyring_for_another_user(tenants, make_pip, pip_version, True, tmp_path)
    assert not [e for e in tenants.seen if e[1] == "b"], tenants.describe()
    assert result.returncode != 0, tenants.describe()
    # Said in -v, naming neither user: a username standing alone may be a token.
    assert "another user" in result.output and "not used" in result.output
    assert "deploy-token-32" not in result.output


def test_stock_pip_sends_a_keyring_answer_for_another_user(
    tenants: Tenants, make_pip: MakePip, tmp_path: Path
) -> None:
    result = _keyring_for_another_user(tenants, make_pip, NEWEST_PIP, False, tmp_path)
    assert result.returncode != 0
    assert any(who == "b" for _p, who, _s in tenants.requests_to("a")), tenants.describe()
