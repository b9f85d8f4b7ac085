"""Tests of the fake GitLab itself, using only ``urllib`` (no pip).

The integration tests trust this rig to say *which token authenticated each
request* and to refuse requests exactly as GitLab does; a wrong 401/404 here
would make pip behave differently than against a real GitLab, so every rule
the rig models is pinned down here.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from email.message import Message
from urllib.parse import unquote, urlsplit

import pytest
from pytest_httpserver import HTTPServer

from pip_scoped_auth.demo.registries.gitlab import REALM, FakeGitLab, PackageFile, Token
from pip_scoped_auth.demo.wheels import build_wheel
from tests.support.object_storage import ObjectStorage
from tests.support.upstream import UpstreamIndex

#: What pip >= 22.2 sends on simple pages.
PIP_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, "
    "text/html; q=0.01"
)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Surface 3xx answers instead of following them."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


# Plain openers: ignore any *_proxy variables of the environment. urllib's
# redirect handler copies every header, Authorization included, to the
# redirect target: exactly the leak the object store must refuse.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_NO_REDIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


@dataclass
class Reply:
    """An HTTP answer, whatever its status."""

    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        """Body decoded as UTF-8."""
        return self.body.decode()


def fetch(
    url: str,
    token: Token | None = None,
    username: str | None = None,
    secret: str | None = None,
    host: str | None = None,
    accept: str | None = None,
    follow: bool = True,
) -> Reply:
    """GET ``url`` with optional basic auth, returning errors as replies too."""
    request = urllib.request.Request(url)
    if accept is not None:
        request.add_header("Accept", accept)
    if token is not None or secret is not None:
        user = username if username is not None else (token.username if token else "x")
        password = secret if secret is not None else token.secret  # type: ignore[union-attr]
        raw = f"{user}:{password}".encode()
        request.add_header("Authorization", "Basic " + base64.b64encode(raw).decode())
    if host is not None:
        request.add_header("Host", host)
    try:
        with (_OPENER if follow else _NO_REDIRECT).open(request, timeout=5) as response:
            return Reply(response.status, response.headers, response.read())
    except urllib.error.HTTPError as err:
        with err:
            return Reply(err.code, err.headers, err.read())


@dataclass
class World:
    """A small GitLab instance shared by most tests."""

    gl: FakeGitLab
    pkg_a: PackageFile  # PyPIPackage1 in project 1
    pkg_b: PackageFile  # the identical wheel in project 2
    only_a: PackageFile  # Only.A in project 1, with Requires-Python
    deep: PackageFile  # in project 3 (subgroup)
    pub: PackageFile  # in public project 4


@pytest.fixture
def world(rig: FakeGitLab) -> World:
    """Groups 10 > 11 and 20, private projects 1, 2, 3 and public project 4."""
    rig.add_group(10, "my-group")
    rig.add_group(11, "sub", parent=10)
    rig.add_group(20, "other-group", public=True)
    rig.add_project(1, "my-group/proj-a", group=10)
    rig.add_project(2, "proj-b", group=10)
    rig.add_project(3, "proj-c", group=11)
    rig.add_project(4, "other-group/pub", group=20, public=True)
    return World(
        gl=rig,
        pkg_a=rig.add_package(1, "PyPIPackage1", "1.3.8"),
        pkg_b=rig.add_package(2, "PyPIPackage1", "1.3.8"),
        only_a=rig.add_package(1, "Only.A", "0.1", requires_python=">=3.8,<4"),
        deep=rig.add_package(3, "deep-pkg", "2.0", requires=["pypipackage1>=1"]),
        pub=rig.add_package(4, "pubpkg", "1.0"),
    )


def page_url(gl: FakeGitLab, project: int | str, name: str, **kw: object) -> str:
    """URL of a project's ``simple/<name>/`` page."""
    return f"{gl.project_index_url(project, **kw)}/{name}/"  # type: ignore[arg-type]


def hrefs(html_text: str) -> list[str]:
    """All ``href`` values of a simple page."""
    return re.findall(r'href="([^"]+)"', html_text)


# ------------------------------------------------------------------ auth rules


def test_anonymous_on_private_project_is_401_with_realm(world: World) -> None:
    gl = world.gl
    for url in (
        gl.project_index_url(1),
        page_url(gl, 1, "pypipackage1"),
        gl.base_url + world.pkg_a.path,
        gl.group_index_url(10),
    ):
        reply = fetch(url)
        assert reply.status == 401, url
        assert reply.headers["WWW-Authenticate"] == REALM
    assert all(not e.authorization_sent and e.token is None for e in gl.log)


def test_valid_token_without_access_is_404(world: World) -> None:
    gl = world.gl
    deploy_a = gl.project_deploy_token(1)
    assert fetch(page_url(gl, 1, "pypipackage1"), deploy_a).status == 200
    reply = fetch(page_url(gl, 2, "pypipackage1"), deploy_a)
    assert reply.status == 404
    assert "WWW-Authenticate" not in reply.headers
    assert fetch(gl.base_url + world.pkg_b.path, deploy_a).status == 404
    # A project deploy token cannot read any group, not even its own.
    assert fetch(gl.group_index_url(10), deploy_a).status == 404
    assert gl.log[1].token is deploy_a
    assert gl.log[1].project_id == 2


def test_unknown_token_is_401_on_private_and_anonymous_on_public(world: World) -> None:
    gl = world.gl
    reply = fetch(gl.project_index_url(1), secret="nope-not-a-token", username="someone")
    assert reply.status == 401
    assert reply.headers["WWW-Authenticate"] == REALM
    # GitLab finds no user for unknown basic credentials: a public project
    # is then served anonymously.
    assert fetch(gl.project_index_url(4), secret="nope-not-a-token").status == 200
    assert [e.token for e in gl.log] == [None, None]
    assert all(e.authorization_sent for e in gl.log)
    gl.reject_unknown_credentials = True
    assert fetch(gl.project_index_url(4), secret="nope-not-a-token").status == 401


def test_deploy_token_username_is_ignored_like_gitlab_unless_strict(world: World) -> None:
    gl = world.gl
    deploy_a = gl.project_deploy_token(1)
    assert deploy_a.username.startswith("gitlab+deploy-token-")
    url = page_url(gl, 1, "pypipackage1")
    assert fetch(url, deploy_a).status == 200
    assert fetch(url, deploy_a, username="somebody-else").status == 200
    assert gl.log[-1].token is deploy_a
    gl.strict_deploy_token_username = True
    reply = fetch(url, deploy_a, username="somebody-else")
    assert reply.status == 401
    assert reply.headers["WWW-Authenticate"] == REALM
    assert gl.log[-1].token is None
    assert gl.log[-1].auth_username == "somebody-else"
    assert fetch(url, deploy_a).status == 200


def test_job_token_needs_gitlab_ci_token_username(world: World) -> None:
    gl = world.gl
    job = gl.job_token([1, 3])
    assert job.username == "gitlab-ci-token"
    url = page_url(gl, 3, "deep-pkg")
    assert fetch(url, job).status == 200
    assert gl.log[-1].token is job
    assert fetch(page_url(gl, 2, "pypipackage1"), job).status == 404
    # Under another username the job token is never looked up: anonymous.
    assert fetch(url, job, username="__token__").status == 401
    assert gl.log[-1].token is None
    # gitlab-ci-token with a secret that is no job token: UnauthorizedError,
    # even on a public project.
    assert fetch(gl.project_index_url(4), username="gitlab-ci-token", secret="bogus").status == 401


def test_personal_access_token_any_username(world: World) -> None:
    gl = world.gl
    pat = gl.personal_access_token("alice", projects=[2])
    url = page_url(gl, 2, "pypipackage1")
    for username in ("__token__", "alice", "whoever", "gitlab-ci-token"):
        assert fetch(url, pat, username=username).status == 200, username
        assert gl.log[-1].token is pat
    assert fetch(page_url(gl, 1, "pypipackage1"), pat, username="__token__").status == 404
    assert fetch(page_url(gl, 4, "pubpkg"), pat).status == 200
    # Group membership grants the whole subtree.
    lead = gl.personal_access_token("lead", groups=[10])
    assert fetch(page_url(gl, 3, "deep-pkg"), lead).status == 200


def test_group_deploy_token_reaches_subgroup_projects(world: World) -> None:
    gl = world.gl
    gdt = gl.group_deploy_token(10)
    assert fetch(page_url(gl, 3, "deep-pkg"), gdt).status == 200
    assert fetch(gl.base_url + world.deep.path, gdt).status == 200
    assert fetch(gl.group_index_url(11), gdt).status == 200
    sub = gl.group_deploy_token(11)
    assert fetch(page_url(gl, 1, "pypipackage1"), sub).status == 404
    assert fetch(gl.group_index_url(10), sub).status == 404
    index = fetch(gl.group_index_url(10), gdt).text
    assert {"pypipackage1", "only-a", "deep-pkg"} <= {h.rsplit("/", 1)[1] for h in hrefs(index)}


def test_group_page_links_point_at_project_file_routes(world: World) -> None:
    gl = world.gl
    gdt = gl.group_deploy_token(10)
    reply = fetch(f"{gl.group_index_url(10)}/PyPIPackage1", gdt)
    assert reply.status == 200
    links = hrefs(reply.text)
    assert links == [
        f"{gl.base_url}{world.pkg_a.path}#sha256={world.pkg_a.sha256}",
        f"{gl.base_url}{world.pkg_b.path}#sha256={world.pkg_b.sha256}",
    ]
    for link in links:
        assert fetch(link.split("#")[0], gdt).status == 200
    assert [e.project_id for e in gl.file_requests()] == [1, 2]

    # Current GitLab (SimplePackageVersionsPresenter) links to the group route.
    gl.group_file_links = "group"
    links = hrefs(fetch(f"{gl.group_index_url(10)}/pypipackage1/", gdt).text)
    prefix = f"{gl.base_url}/api/v4/groups/10/-/packages/pypi/files/{world.pkg_a.sha256}/"
    assert links[0] == f"{prefix}{world.pkg_a.filename}#sha256={world.pkg_a.sha256}"
    assert fetch(links[0].split("#")[0], gdt).status == 200
    assert gl.file_requests()[-1].group_id == 10
    assert gl.file_requests()[-1].project_id == 1


def test_group_page_lists_only_projects_the_caller_can_read(world: World) -> None:
    gl = world.gl
    pat = gl.personal_access_token("bob", projects=[2])
    links = hrefs(fetch(f"{gl.group_index_url(10)}/pypipackage1/", pat).text)
    assert links == [f"{gl.base_url}{world.pkg_b.path}#sha256={world.pkg_b.sha256}"]
    # Only-A lives in project 1, which bob cannot read.
    assert fetch(f"{gl.group_index_url(10)}/only-a/", pat).status == 404


def test_encoded_path_project_ids(world: World) -> None:
    gl = world.gl
    deploy_a = gl.project_deploy_token(1)
    url = gl.project_index_url("my-group/proj-a")
    assert "/projects/my-group%2Fproj-a/packages/pypi/simple" in url
    assert fetch(url, deploy_a).status == 200
    page = fetch(page_url(gl, "my-group/proj-a", "pypipackage1"), deploy_a)
    assert page.status == 200
    # Links always carry the numeric id, as GitLab's presenter uses project.id.
    assert hrefs(page.text) == [f"{gl.base_url}{world.pkg_a.path}#sha256={world.pkg_a.sha256}"]
    assert gl.log[-1].project_id == 1
    assert gl.log[-1].path.startswith("/api/v4/projects/my-group%2Fproj-a/")
    assert fetch(page_url(gl, "my-group/proj-b", "pypipackage1"), deploy_a).status == 404
    assert fetch(gl.project_index_url("nope/nope")).status == 404
    sub_url = f"{gl.base_url}/api/v4/groups/my-group%2Fsub/-/packages/pypi/simple"
    assert fetch(sub_url, gl.group_deploy_token(10)).status == 200


def test_public_project_anonymous_read(world: World) -> None:
    gl = world.gl
    page = fetch(page_url(gl, 4, "pubpkg"))
    assert page.status == 200
    (link,) = hrefs(page.text)
    download = fetch(link.split("#")[0])
    assert download.status == 200
    assert download.body == world.pub.data
    (entry,) = gl.file_requests()
    assert (entry.status, entry.token, entry.authorization_sent) == (200, None, False)
    assert (entry.project_id, entry.content_type) == (4, "application/octet-stream")
    assert fetch(gl.group_index_url(20)).status == 200
    assert fetch(page_url(gl, 4, "pubpkg"), gl.project_deploy_token(1)).status == 200


def test_file_of_another_project_is_404(world: World) -> None:
    gl = world.gl
    pat = gl.personal_access_token("carol", projects=[1, 2])
    wrong = world.only_a.path.replace("/projects/1/", "/projects/2/")
    assert fetch(gl.base_url + wrong, pat).status == 404
    bad_sha = world.pkg_a.path.replace(world.pkg_a.sha256, "0" * 64)
    assert fetch(gl.base_url + bad_sha, pat).status == 404
    assert fetch(gl.base_url + world.only_a.path, pat).status == 200
    assert fetch(page_url(gl, 2, "only-a"), pat).status == 404


def test_pages_names_slashes_and_requires_python(world: World) -> None:
    gl = world.gl
    pat = gl.personal_access_token("dave", projects=[1])
    for name in ("only-a", "Only.A", "only_a/", "ONLY--A/"):
        reply = fetch(f"{gl.project_index_url(1)}/{name}", pat)
        assert reply.status == 200, name
        assert reply.headers["Content-Type"].startswith("text/html")
        assert 'data-requires-python="&gt;=3.8,&lt;4"' in reply.text
        assert gl.log[-1].package == "only-a"
        assert gl.log[-1].kind == "page"
    index = fetch(gl.project_index_url(1) + "/", pat).text
    assert f"{gl.project_index_url(1)}/pypipackage1" in hrefs(index)
    assert fetch(f"{gl.project_index_url(1)}/missing/", pat).status == 404


def test_links_use_the_host_the_client_used(world: World) -> None:
    gl = world.gl
    pat = gl.personal_access_token("erin", projects=[1])
    url = page_url(gl, 1, "pypipackage1", host="localhost")
    assert url.startswith(f"http://localhost:{gl.port}/")
    (link,) = hrefs(fetch(url, pat).text)
    assert link.startswith(f"http://localhost:{gl.port}/api/v4/projects/1/")
    assert gl.log[-1].host == f"localhost:{gl.port}"


def test_index_url_userinfo_survives_reserved_characters(rig: FakeGitLab) -> None:
    rig.add_project(5, "g/p")
    token = rig.project_deploy_token(5, secret="s3cr@t:/with?#%&bits", username="dep@loy/er")
    url = rig.project_index_url(5, token)
    parts = urlsplit(url)
    assert unquote(parts.username or "") == "dep@loy/er"
    assert unquote(parts.password or "") == "s3cr@t:/with?#%&bits"
    assert parts.hostname == "127.0.0.1"
    assert parts.port == rig.port
    assert parts.path == "/api/v4/projects/5/packages/pypi/simple"
    over = urlsplit(rig.project_index_url(5, token, username="__token__", host="localhost"))
    assert (over.username, over.hostname) == ("__token__", "localhost")
    assert rig.group_index_url(7) == f"{rig.base_url}/api/v4/groups/7/-/packages/pypi/simple"
    # Basic auth splits at the first colon, so colons in the secret are fine...
    assert fetch(rig.project_index_url(5), token).status == 200
    # ...but a colon in the username shifts the split and the secret is lost.
    assert fetch(rig.project_index_url(5), token, username="a:b").status == 401


# ------------------------------------------------------------------ the log


def test_log_entries_and_describe_log_hide_secrets(world: World, httpserver: HTTPServer) -> None:
    gl = world.gl
    deploy_a = gl.project_deploy_token(1, name="deploy-a", secret="TOPSECRET-aaaa@:/")
    deploy_b = gl.project_deploy_token(2, name="deploy-b")
    fetch(gl.project_index_url(1), deploy_a)
    fetch(page_url(gl, 1, "PyPIPackage1"), deploy_a)
    fetch(gl.base_url + world.pkg_b.path + "?x=1", deploy_b)
    fetch(gl.base_url + world.pkg_b.path, deploy_a)
    fetch(f"{gl.base_url}/favicon.ico")
    fetch(gl.project_index_url(1), username=deploy_b.secret, secret="")

    kinds = [(e.kind, e.status, e.token, e.project_id, e.package) for e in gl.log]
    assert kinds == [
        ("index", 200, deploy_a, 1, None),
        ("page", 200, deploy_a, 1, "pypipackage1"),
        ("file", 200, deploy_b, 2, "pypipackage1"),
        ("file", 404, deploy_a, 2, None),
        ("other", 404, None, None, None),
        ("index", 401, None, 1, None),
    ]
    assert gl.log[2].path == world.pkg_b.path
    assert gl.log[2].query == "x=1"
    assert gl.log[0].auth_username == deploy_a.username
    assert gl.requests(kind="page", package="PyPIPackage1") == [gl.log[1]]
    assert gl.requests(project=2) == gl.log[2:4]
    assert [e.token_name for e in gl.file_requests()] == ["deploy-b", "deploy-a"]

    text = gl.describe_log()
    blob = text + repr(gl.log) + repr(deploy_a) + str(deploy_b)
    for token in (deploy_a, deploy_b):
        assert token.secret not in blob
    assert "deploy-a" in text
    assert "deploy-b" in text
    assert "<secret of deploy-b>" in text

    gl.clear_log()
    assert gl.log == []
    assert gl.describe_log() == "(no requests)"
    httpserver.check()  # no handler errors, no pytest-httpserver assertions


def test_secrets_are_random_per_token(rig: FakeGitLab) -> None:
    rig.add_project(1, "g/p")
    a, b = rig.project_deploy_token(1), rig.project_deploy_token(1)
    assert a.secret != b.secret
    assert a.username != b.username
    assert a.name != b.name
    with pytest.raises(ValueError, match="collides"):
        rig.project_deploy_token(1, secret=a.secret)
    with pytest.raises(ValueError, match="no project"):
        rig.job_token([99])


# ------------------------------------------------------------------ wheels


def test_built_wheel_is_valid_and_record_verifies() -> None:
    filename, data = build_wheel(
        "PyPI-Package.1",
        "1.3.8",
        requires=["dep>=1", "other; extra == 'x'"],
        requires_python=">=3.8",
    )
    assert filename == "pypi_package_1-1.3.8-py3-none-any.whl"
    assert build_wheel("PyPIPackage1", "1.3.8")[0] == "pypipackage1-1.3.8-py3-none-any.whl"
    assert build_wheel("PyPI-Package.1", "1.3.8", ["dep>=1", "other; extra == 'x'"], ">=3.8") == (
        filename,
        data,
    )

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        dist_info = "pypi_package_1-1.3.8.dist-info"
        assert "pypi_package_1/__init__.py" in names
        assert "__version__ = '1.3.8'" in archive.read("pypi_package_1/__init__.py").decode()
        metadata = archive.read(f"{dist_info}/METADATA").decode()
        for line in (
            "Metadata-Version: 2.1",
            "Name: PyPI-Package.1",
            "Version: 1.3.8",
            "Requires-Dist: dep>=1",
            "Requires-Dist: other; extra == 'x'",
            "Requires-Python: >=3.8",
        ):
            assert line in metadata.splitlines()
        wheel = archive.read(f"{dist_info}/WHEEL").decode().splitlines()
        assert {"Wheel-Version: 1.0", "Root-Is-Purelib: true", "Tag: py3-none-any"} <= set(wheel)

        record_rows = archive.read(f"{dist_info}/RECORD").decode().splitlines()
        recorded = {}
        for row in record_rows:
            path, digest, size = row.split(",")
            recorded[path] = (digest, size)
        assert set(recorded) == set(names)
        assert recorded[f"{dist_info}/RECORD"] == ("", "")
        for path, (digest, size) in recorded.items():
            if path.endswith("/RECORD"):
                continue
            content = archive.read(path)
            expected = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=")
            assert digest == "sha256=" + expected.decode()
            assert int(size) == len(content)


def test_package_file_path_and_download_bytes(world: World) -> None:
    gl = world.gl
    assert world.pkg_a.filename == "pypipackage1-1.3.8-py3-none-any.whl"
    assert world.pkg_a.sha256 == world.pkg_b.sha256 == hashlib.sha256(world.pkg_a.data).hexdigest()
    assert world.pkg_a.path == (
        f"/api/v4/projects/1/packages/pypi/files/{world.pkg_a.sha256}/{world.pkg_a.filename}"
    )
    reply = fetch(gl.file_url(world.pkg_a), gl.project_deploy_token(1))
    assert reply.status == 200
    assert reply.body == world.pkg_a.data


# ------------------------------------------------- provenance modes (issue)


def wheel_metadata(data: bytes) -> bytes:
    """The METADATA member of a wheel."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return archive.read(name)


def test_encoded_path_routes_link_by_numeric_id(rig: FakeGitLab) -> None:
    rig.add_group(7, "my-group")
    rig.add_project(42, "my-project", group=7)
    f = rig.add_package(42, "enc-pkg", "1.0")
    token = rig.project_deploy_token(42)
    index_url = rig.project_index_url("my-group/my-project", token)
    assert index_url.endswith(
        f"@127.0.0.1:{rig.port}/api/v4/projects/my-group%2Fmy-project/packages/pypi/simple"
    )
    url = rig.project_index_url("my-group/my-project")
    numeric = f"{rig.base_url}/api/v4/projects/42/packages/pypi"
    assert hrefs(fetch(url, token).text) == [f"{numeric}/simple/enc-pkg"]
    file_link = f"{numeric}/files/{f.sha256}/{f.filename}#sha256={f.sha256}"
    assert hrefs(fetch(f"{url}/enc-pkg/", token).text) == [file_link]
    page = fetch(f"{url}/enc-pkg/", token, accept=PIP_ACCEPT)
    assert [e["url"] for e in json.loads(page.text)["files"]] == [file_link]
    assert [(e.kind, e.project_id) for e in rig.log] == [("index", 42), ("page", 42), ("page", 42)]
    # Group pages under an encoded group path link to the numeric group id.
    rig.add_group(8, "sub", parent=7)
    rig.add_project(43, "deeper", group=8)
    rig.add_package(43, "enc-pkg", "1.0")
    group_url = rig.group_index_url("my-group/sub")
    assert "/groups/my-group%2Fsub/-/packages/pypi/simple" in group_url
    gdt = rig.group_deploy_token(7)
    assert hrefs(fetch(group_url, gdt).text) == [
        f"{rig.base_url}/api/v4/groups/8/-/packages/pypi/simple/enc-pkg"
    ]
    assert hrefs(fetch(f"{group_url}/enc-pkg/", gdt).text)[0].startswith(
        f"{rig.base_url}/api/v4/projects/43/packages/pypi/files/"
    )
    rig.group_file_links = "group"
    assert hrefs(fetch(f"{group_url}/enc-pkg/", gdt).text)[0].startswith(
        f"{rig.base_url}/api/v4/groups/8/-/packages/pypi/files/"
    )
    assert rig.log[-1].group_id == 8


def test_pep691_json_pages(world: World) -> None:
    gl = world.gl
    pat = gl.personal_access_token("json", projects=[1])
    index = fetch(gl.project_index_url(1), pat, accept=PIP_ACCEPT)
    assert index.headers["Content-Type"] == "application/vnd.pypi.simple.v1+json; charset=utf-8"
    assert index.headers["Vary"] == "Accept"
    assert json.loads(index.text) == {
        "meta": {"api-version": "1.0"},
        "projects": [{"name": "only-a"}, {"name": "pypipackage1"}],
    }
    page = json.loads(fetch(page_url(gl, 1, "Only.A"), pat, accept=PIP_ACCEPT).text)
    f = world.only_a
    file_url = f"{gl.base_url}{f.path}#sha256={f.sha256}"
    assert page == {
        "meta": {"api-version": "1.0"},
        "name": "only-a",
        "files": [
            {
                "filename": f.filename,
                "url": file_url,
                "hashes": {"sha256": f.sha256},
                "requires-python": ">=3.8,<4",
            }
        ],
    }
    # GitLab omits a blank requires-python; "latest" also selects JSON.
    latest = "application/vnd.pypi.simple.latest+json"
    (entry,) = json.loads(fetch(page_url(gl, 1, "pypipackage1"), pat, accept=latest).text)["files"]
    assert "requires-python" not in entry
    group = fetch(f"{gl.group_index_url(10)}/pypipackage1/", pat, accept=PIP_ACCEPT)
    assert [e["url"] for e in json.loads(group.text)["files"]] == [
        f"{gl.base_url}{world.pkg_a.path}#sha256={world.pkg_a.sha256}"
    ]
    assert [e.content_type for e in gl.log] == ["application/vnd.pypi.simple.v1+json"] * 4
    # No JSON in Accept, or the knob off: HTML, as GitLab without the flag.
    assert fetch(page_url(gl, 1, "only-a"), pat).headers["Content-Type"].startswith("text/html")
    gl.json_pages = False
    html_page = fetch(page_url(gl, 1, "only-a"), pat, accept=PIP_ACCEPT)
    assert html_page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Vary" not in html_page.headers
    assert hrefs(html_page.text) == [file_url]
    assert gl.log[-1].content_type == "text/html"


def test_metadata_files_pep658(world: World) -> None:
    gl = world.gl
    deploy_a = gl.project_deploy_token(1)
    f = world.pkg_a
    metadata = wheel_metadata(f.data)
    digest = hashlib.sha256(metadata).hexdigest()
    assert (f.metadata, f.metadata_sha256) == (metadata, digest)
    meta_url = gl.file_url(f) + ".metadata"
    # Off by default: no attributes, and GitLab has no such file.
    assert "data-core-metadata" not in fetch(page_url(gl, 1, "pypipackage1"), deploy_a).text
    assert fetch(meta_url, deploy_a).status == 404
    assert gl.log[-1].kind == "metadata"

    gl.serve_metadata = True
    page = fetch(page_url(gl, 1, "pypipackage1"), deploy_a).text
    assert f'data-dist-info-metadata="sha256={digest}"' in page
    assert f'data-core-metadata="sha256={digest}"' in page
    (entry,) = json.loads(fetch(page_url(gl, 1, "pypipackage1"), deploy_a, accept=PIP_ACCEPT).text)[
        "files"
    ]
    assert entry["core-metadata"] == entry["dist-info-metadata"] == {"sha256": digest}

    gl.clear_log()
    reply = fetch(meta_url, deploy_a)
    assert (reply.status, reply.body) == (200, metadata)
    group_meta = f"{gl.base_url}/api/v4/groups/10/-/packages/pypi/files/{f.sha256}/{f.filename}"
    assert fetch(group_meta + ".metadata", gl.group_deploy_token(10)).body == metadata
    # Same auth rules as the file itself.
    assert fetch(meta_url).status == 401
    assert fetch(meta_url, gl.project_deploy_token(2)).status == 404
    entries = gl.metadata_requests()
    assert [(e.status, e.project_id, e.filename) for e in entries] == [
        (200, 1, f.filename),
        (200, 1, f.filename),
        (401, 1, f.filename),
        (404, 1, f.filename),
    ]
    assert gl.file_requests() == []
    # A non-wheel file has no METADATA to announce or serve.
    sdist = gl.add_file(1, "Only.A", "0.2", "only_a-0.2.tar.gz", b"not a wheel")
    assert sdist.metadata is None
    only_a_page = fetch(page_url(gl, 1, "only-a"), deploy_a).text
    assert only_a_page.count("data-core-metadata") == 1
    assert fetch(gl.file_url(sdist) + ".metadata", deploy_a).status == 404


def test_forwarding_to_upstream(world: World, upstream: UpstreamIndex) -> None:
    gl = world.gl
    up_file = upstream.add_package("numpyish", "2.0")
    assert upstream.simple_url == f"http://localhost:{upstream.httpserver.port}/simple"
    deploy_a = gl.project_deploy_token(1)
    assert fetch(page_url(gl, 1, "numpyish"), deploy_a).status == 404  # forwarding off
    gl.forward_to = upstream.simple_url
    assert gl.forward_unknown_packages  # the old boolean knob is an alias
    for url in (page_url(gl, 1, "numpyish"), f"{gl.group_index_url(10)}/numpyish"):
        reply = fetch(
            url, deploy_a if "projects" in url else gl.group_deploy_token(10), follow=False
        )
        assert reply.status == 302
        assert reply.headers["Location"] == f"{upstream.simple_url}/numpyish/"
        assert (gl.log[-1].status, gl.log[-1].location) == (302, f"{upstream.simple_url}/numpyish/")
    # Authentication still comes first; a package the project holds is served.
    assert fetch(page_url(gl, 1, "numpyish"), follow=False).status == 401
    assert fetch(page_url(gl, 2, "numpyish"), deploy_a, follow=False).status == 404
    assert fetch(page_url(gl, 1, "pypipackage1"), deploy_a, follow=False).status == 200

    # The upstream is a real, anonymous PEP 503 index on another origin.
    page = fetch(f"{upstream.simple_url}/numpyish/")
    (link,) = hrefs(page.text)
    assert (
        link
        == f"{upstream.base_url}/files/{up_file.sha256}/{up_file.filename}#sha256={up_file.sha256}"
    )
    assert fetch(link.split("#")[0], secret="leaked").body == up_file.data
    assert "numpyish" in fetch(upstream.simple_url + "/").text
    assert fetch(f"{upstream.simple_url}/nothing/").status == 404
    assert [(e.kind, e.status, e.authorization_sent) for e in upstream.log] == [
        ("page", 200, False),
        ("file", 200, True),
        ("index", 200, False),
        ("page", 404, False),
    ]
    assert upstream.file_requests()[0].filename == up_file.filename
    assert "AUTHORIZATION HEADER SENT" in upstream.describe_log()
    gl.forward_unknown_packages = False
    assert gl.forward_to is None


def test_object_storage_direct_download(world: World, object_storage: ObjectStorage) -> None:
    gl = world.gl
    gl.object_storage = object_storage
    gl.serve_metadata = True
    deploy_a = gl.project_deploy_token(1)
    f = world.pkg_a
    reply = fetch(gl.file_url(f), deploy_a, follow=False)
    assert reply.status == 302
    location = reply.headers["Location"]
    assert re.fullmatch(
        rf"http://localhost:{object_storage.httpserver.port}/bucket/{f.sha256}/{f.filename}"
        r"\?X-Amz-Signature=[0-9a-f]{64}&X-Amz-Expires=300",
        location,
    )
    assert (gl.log[-1].kind, gl.log[-1].status, gl.log[-1].token) == ("file", 302, deploy_a)
    assert gl.log[-1].location == location
    # GitLab's auth comes first: no presigned URL for the unauthorised.
    assert fetch(gl.file_url(f), follow=False).status == 401
    assert fetch(gl.file_url(f), gl.project_deploy_token(2), follow=False).status == 404

    assert fetch(location).body == f.data
    # Following the redirect with the GitLab credential still attached: S3 says 400.
    leaked = fetch(gl.file_url(f), deploy_a)
    assert leaked.status == 400
    assert b"Only one auth mechanism allowed" in leaked.body
    assert fetch(location.replace("Signature=", "Signature=0")).status == 403
    other = fetch(gl.file_url(world.only_a), deploy_a, follow=False).headers["Location"]
    signature = other.split("X-Amz-Signature=")[1].split("&")[0]
    assert fetch(location.replace(location.split("=")[1].split("&")[0], signature)).status == 403
    meta = fetch(gl.file_url(f) + ".metadata", deploy_a, follow=False)
    assert meta.headers["Location"].split("?")[0].endswith(f"/{f.filename}.metadata")
    assert fetch(meta.headers["Location"]).body == f.metadata
    assert [(e.status, e.authorization_sent, e.signature_valid) for e in object_storage.log] == [
        (200, False, True),
        (400, True, True),
        (403, False, False),
        (403, False, False),
        (200, False, True),
    ]
    assert object_storage.log[0].filename == f.filename
    assert "AUTHORIZATION HEADER SENT" in object_storage.describe_log()


def test_shared_files_tree(rig: FakeGitLab) -> None:
    rig.add_project(1, "g/one", files_base="/shared/files/")
    rig.add_project(2, "g/two", files_base="/shared/files")
    rig.add_project(3, "g/three")
    one, two = rig.add_package(1, "same", "1.0"), rig.add_package(2, "same", "1.0")
    only_two = rig.add_package(2, "two-only", "1.0")
    t1, t2, t3 = (rig.project_deploy_token(p) for p in (1, 2, 3))
    shared = f"{rig.base_url}/shared/files/{one.sha256}/{one.filename}"
    assert one.path == two.path == f"/shared/files/{one.sha256}/{one.filename}"
    assert rig.file_url(one) == shared
    for project, token in ((1, t1), (2, t2)):
        assert hrefs(fetch(page_url(rig, project, "same"), token).text) == [
            f"{shared}#sha256={one.sha256}"
        ]
    # Authorised against the owner(s) of that file: either project's token works.
    assert fetch(shared, t1).body == one.data
    assert fetch(shared, t2).body == one.data
    assert [(e.kind, e.project_id, e.token) for e in rig.file_requests()] == [
        ("file", 1, t1),
        ("file", 2, t2),
    ]
    assert fetch(shared, t3).status == 404
    assert fetch(shared).status == 401
    assert fetch(rig.file_url(only_two), t1).status == 404
    assert fetch(rig.file_url(only_two), t2).status == 200
    assert fetch(f"{rig.base_url}/shared/files/{'0' * 64}/{one.filename}", t1).status == 404
    # GitLab's own project file route keeps working for those projects.
    gitlab_route = (
        f"{rig.base_url}/api/v4/projects/1/packages/pypi/files/{one.sha256}/{one.filename}"
    )
    assert fetch(gitlab_route, t1).status == 200
    rig.serve_metadata = True
    assert fetch(shared + ".metadata", t2).body == one.metadata
    assert rig.log[-1].kind == "metadata"
