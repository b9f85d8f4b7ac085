"""Each registry layout answers as the table in docs/registries.md says (no pip: fast).

Status codes for no credential and for another tenant's, the challenge header
or its absence, the form of file links, PEP 691 JSON, redirects to the second
origin, and the request log's credential labels. These pin the fakes the
integration tests and the demo rely on.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.request
from email.message import Message
from urllib.parse import urljoin

import pytest

from pip_scoped_auth.demo.registries import LAYOUTS, Registry
from pip_scoped_auth.demo.registries.base import JSON_TYPE
from tests.support.registries import ServeRegistry

#: layout: (status without credentials, WWW-Authenticate or None, status with the
#: other tenant's credential, link form, PEP 691 JSON)
EXPECTED: dict[str, tuple[int, str | None, int, str, bool]] = {
    "gitlab": (401, 'Basic realm="GitLab Packages Registry"', 404, "absolute", False),
    "azure": (401, "Basic realm=", 403, "absolute", False),
    "artifactory": (401, 'Basic realm="Artifactory Realm"', 403, "relative", False),
    "nexus": (401, 'BASIC realm="Sonatype Nexus Repository Manager"', 403, "relative", False),
    "devpi": (403, None, 403, "relative", True),
    "gar": (403, None, 403, "absolute", False),
    "codeartifact": (401, "Bearer", 404, "relative", True),
    "gitea": (401, 'Basic realm="Gitea Package API"', 401, "absolute", False),
    "pypiserver": (401, 'Basic realm="pypi"', 403, "root-relative", False),
}
#: Status for a credential of nobody, where it differs from another tenant's: GitLab
#: takes unknown credentials as anonymous (401); a known token without access gets 404.
UNKNOWN_CREDENTIAL: dict[str, int] = {"gitlab": 401}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def get(
    url: str, auth: tuple[str, str] | None = None, accept: str = "text/html"
) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (repeated ones joined with ", ") and body; redirects not followed."""
    headers = {"Accept": accept}
    if auth is not None:
        headers["Authorization"] = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
    try:
        with _OPENER.open(urllib.request.Request(url, headers=headers)) as resp:
            return resp.status, _headers(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, _headers(err.headers), err.read()


def _headers(message: Message) -> dict[str, str]:
    return {name: ", ".join(message.get_all(name) or []) for name in set(message.keys())}


def creds(registry: Registry, key: str) -> tuple[str, str]:
    tenant = registry.tenants[key]
    return tenant.username, tenant.secret


def page_url(registry: Registry, key: str, project: str) -> str:
    return registry.index_url(key, credentials=False) + project + "/"


def test_every_layout_is_covered() -> None:
    assert set(EXPECTED) == set(LAYOUTS)


def test_every_layout_says_what_the_demo_shows() -> None:
    """Defining a layout registers it; its title and its demo case live on the class."""
    assert next(iter(LAYOUTS)) == "gitlab"  # the demo's default, first in the docs
    for name, layout in LAYOUTS.items():
        assert layout.name == name
        assert layout.title and layout.case, name


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_answers(serve_registry: ServeRegistry, layout: str) -> None:
    no_creds, challenge, other, link_form, json_pages = EXPECTED[layout]
    registry = serve_registry(layout)
    url = page_url(registry, "A", "package-a")

    status, headers, _ = get(url)
    assert status == no_creds
    if challenge is None:
        assert "WWW-Authenticate" not in headers
    else:
        assert challenge in headers.get("WWW-Authenticate", "")
    assert get(url, creds(registry, "B"))[0] == other
    assert get(url, ("someone", "not-a-token"))[0] == UNKNOWN_CREDENTIAL.get(layout, other)

    status, headers, body = get(url, creds(registry, "A"))
    assert status == 200
    href = re.search(r'href="([^"]+)"', body.decode())
    assert href is not None
    link = href[1]
    form = (
        "absolute"
        if link.startswith("http")
        else "root-relative"
        if link.startswith("/")
        else "relative"
    )
    assert form == link_form, link
    file_url = urljoin(url, link).split("#")[0]
    assert get(file_url, creds(registry, "B"))[0] in (other, 403, 404)
    assert get(file_url)[0] == no_creds
    status, headers, data = get(file_url, creds(registry, "A"))
    if layout == "azure":
        assert status == 303
        blob = headers["Location"]
        assert blob.startswith(registry.second.base_url) and "sig=" in blob
        assert get(blob, creds(registry, "A"))[0] == 400  # a header next to the SAS
        assert get(blob)[0] == 200
    else:
        assert status == 200 and data.startswith(b"PK")

    status, headers, body = get(url, creds(registry, "A"), accept=f"{JSON_TYPE}, text/html;q=0.1")
    assert status == 200
    assert (headers["Content-Type"] == JSON_TYPE) is json_pages
    if json_pages:
        assert json.loads(body)["files"][0]["filename"].startswith("package_a-")

    labels = [r.credential for r in registry.log if r.path.endswith("/package-a/")]
    assert labels[:4] == ["none", "B", "wrong", "A"]
    text = registry.describe_log() + repr(registry.tenants) + repr(registry.log)
    for tenant in registry.tenants.values():
        assert tenant.secret not in text


def test_gitlab_serves_numeric_and_encoded_project_paths(serve_registry: ServeRegistry) -> None:
    registry = serve_registry("gitlab")
    numeric = f"{registry.base_url}/api/v4/projects/323/packages/pypi/simple/package-a/"
    assert get(numeric, creds(registry, "A"))[0] == 200
    assert "my-group%2Fproject-1" in registry.index_url("A")


def test_artifactory_takes_an_empty_username(serve_registry: ServeRegistry) -> None:
    registry = serve_registry("artifactory")
    assert registry.tenants["A"].username == ""
    assert registry.index_url("A").startswith("http://:")
    assert get(page_url(registry, "A", "package-a"), creds(registry, "A"))[0] == 200


@pytest.mark.parametrize("layout", ["artifactory", "nexus"])
def test_aggregate_serves_members_files_under_its_own_key(
    serve_registry: ServeRegistry, layout: str
) -> None:
    registry = serve_registry(layout)
    url = page_url(registry, "C", "package-b")
    status, _, body = get(url, creds(registry, "C"))
    assert status == 200
    link = urljoin(url, re.search(r'href="([^"#]+)', body.decode())[1])  # type: ignore[index]
    assert link.startswith(registry.index_url("C", credentials=False).rsplit("/simple/", 1)[0])
    assert get(link, creds(registry, "C"))[0] == 200
    assert get(link, creds(registry, "B"))[0] == 403  # B reads its own repo only


def test_devpi_lists_base_files_under_the_base_index(serve_registry: ServeRegistry) -> None:
    registry = serve_registry("devpi")
    url = page_url(registry, "B", "package-a")
    status, _, body = get(url, creds(registry, "B"))
    assert status == 200
    link = urljoin(url, re.search(r'href="([^"#]+)', body.decode())[1])  # type: ignore[index]
    assert "/team-a/prod/+f/" in link
    assert get(link, creds(registry, "B"))[0] == 403
    assert get(link, creds(registry, "A"))[0] == 200


def test_gar_usernames(serve_registry: ServeRegistry) -> None:
    registry = serve_registry("gar")
    assert registry.tenants["A"].username == "oauth2accesstoken"
    assert registry.tenants["B"].username == "_json_key_base64"
    key = json.loads(base64.b64decode(registry.tenants["B"].secret))
    assert key["type"] == "service_account"
    # The right token under the wrong username is nobody's credential.
    url = page_url(registry, "A", "package-a")
    assert get(url, ("_json_key_base64", registry.tenants["A"].secret))[0] == 403


def test_pypiserver_redirects_unknown_projects_to_the_public_index(
    serve_registry: ServeRegistry,
) -> None:
    registry = serve_registry("pypiserver")
    status, headers, _ = get(page_url(registry, "A", "package-b"), creds(registry, "A"))
    assert status == 303
    assert headers["Location"] == f"{registry.second.base_url}/simple/package-b/"
    assert get(headers["Location"])[0] == 404
    assert registry.second.log[-1].credential == "none"
