"""The registry layouts: where each registry puts index pages and files, and how it refuses.

Each class models one registry as its documentation, source and issue trackers
describe it (see ``docs/registries.md``): the index URL form, the form of file
links (absolute, relative, root-relative, outside the index path), the answer
to a missing credential (a challenge, or 403 without one) and to another
tenant's credential, and the quirks that matter for least privilege. Host
names are always the local server's; no real registry's host is named.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import quote

from pip_scoped_auth.demo.registries.base import (
    Package,
    Registry,
    RequestRecord,
    Response,
    Route,
)
from pip_scoped_auth.demo.registries.gitlab import FakeGitLab

__all__ = [
    "Artifactory",
    "AzureArtifacts",
    "CodeArtifact",
    "Devpi",
    "GitLab",
    "Gitea",
    "GoogleArtifactRegistry",
    "Nexus",
    "PypiServer",
]


def _match(pattern: str, path: str) -> re.Match[str] | None:
    return re.fullmatch(pattern, path)


class GitLab(Registry):
    """GitLab project indexes addressed by **encoded project path**, on the fake GitLab.

    The one GitLab model (:class:`~pip_scoped_auth.demo.registries.gitlab.FakeGitLab`,
    which the integration tests serve directly) answers every request; this
    class sets up the bug report's two projects on it and turns its log into
    the layouts' log. ``/api/v4/projects/my-group%2Fproject-1/packages/pypi/simple/``
    lists files by numeric project id (``/api/v4/projects/323/packages/pypi/files/...``),
    outside the index's path: stock pip 23.1+ ranks both indexes equal for
    them and sends one project's token to the other's files (404).
    """

    name = "gitlab"
    title = "GitLab (project indexes by encoded path)"
    case = (
        "two GitLab projects on one host, each index addressed by its encoded project path "
        "(my-group%2Fproject-1) with its own deploy token. The pages link files by numeric "
        "project id, outside both index paths, so pip's per-host cache (pip < 23.1) and its "
        "common-path guess (23.1+) both send one project's token to the other's files."
    )
    deny_status = 404
    raw_paths = True
    #: Tenant -> (project id, project path in group ``my-group``).
    PROJECTS: ClassVar[dict[str, tuple[int, str]]] = {
        "A": (323, "project-1"),
        "B": (324, "project-2"),
    }

    def setup(self) -> None:
        #: HTML pages only, as GitLab without its ``pypi_pep_691_json`` flag.
        self.model = FakeGitLab(json_pages=False)
        self.model.add_group(10, "my-group")
        for n, (key, (project, path)) in enumerate(self.PROJECTS.items(), 1):
            self.add_tenant(key, f"project {project}", f"gitlab+deploy-token-{n}", str(project))
            tenant = self.tenants[key]
            self.model.add_project(project, path, group=10)
            self.model.add_package(project, *self.PACKAGES[key])
            self.model.project_deploy_token(
                project, secret=tenant.secret, username=tenant.username, name=tenant.label
            )
            self.add_index(str(project), {key}, [key])

    def add_tenant(self, key: str, label: str, username: str, index: str, prefix: str = "") -> None:
        """Deploy tokens look like GitLab's (``gldt-``)."""
        super().add_tenant(key, label, username, index, prefix or "gldt-")

    def index_path(self, index: str) -> str:
        project = self.model.projects[int(index)]
        return f"/api/v4/projects/{quote(project.full_path, safe='')}/packages/pypi/simple/"

    def identify(self, username: str, password: str) -> str | None:
        """GitLab ignores the username that comes with a deploy token."""
        return next((t.key for t in self.tenants.values() if t.secret == password), None)

    def handle(self, environ: Mapping[str, Any], path: str, query: str) -> Response:
        """The fake GitLab answers; its log entry becomes a :class:`RequestRecord`."""
        response, entry = self.model.respond(environ)
        if entry.token is not None:
            credential = self.identify("", entry.token.secret) or "wrong"
        else:
            credential = "wrong" if entry.authorization_sent else "none"
        expected = frozenset(
            key for key, (project, _) in self.PROJECTS.items() if project == entry.project_id
        )
        self.record(
            RequestRecord(
                self.origin_name,
                entry.method,
                path,
                query,
                "root" if entry.kind == "index" else entry.kind,
                credential,
                expected,
                entry.status,
                entry.location.split("?")[0],
            )
        )
        return response


class AzureArtifacts(Registry):
    """Azure Artifacts: two feeds in ONE organisation, a PAT each.

    Files are linked absolutely under ``/<org>/_packaging/<feed GUID>/pypi/download/``,
    outside the index path; stock pip 26.3's common-path guess ties on
    ``/<org>/_packaging/``. Downloads answer 303 to blob storage on another
    origin with a SAS query, which must carry no ``Authorization``.
    """

    name = "azure"
    title = "Azure Artifacts (two feeds in one organisation)"
    case = (
        "two Azure Artifacts feeds in one organisation, a PAT each. Files are linked under "
        "/my-org/_packaging/<feed GUID>/pypi/download/, outside both index paths: stock pip "
        "ties on /my-org/_packaging/ and sends one PAT to both feeds; downloads redirect to "
        "blob storage on another origin, which must get no token."
    )
    deny_status = 403
    REDIRECT_STATUS = 303
    ORG = "my-org"
    GUIDS: ClassVar[dict[str, str]] = {
        "team-a": "3f1c2a9e-0d4b-4c8e-9a51-7b2f6e8d0a11",
        "team-b": "8a7e6d5c-4b3a-4921-8f0e-1d2c3b4a5f66",
    }

    def setup(self) -> None:
        self.add_tenant("A", "feed team-a", "my-org", "team-a")
        self.add_tenant("B", "feed team-b", "my-org", "team-b")
        self.add_index("team-a", {"A"}, ["A"])
        self.add_index("team-b", {"B"}, ["B"])

    def index_path(self, index: str) -> str:
        return f"/{self.ORG}/_packaging/{index}/pypi/simple/"

    def _feed(self, ident: str) -> str:
        return next((f for f, g in self.GUIDS.items() if g == ident.lower()), ident)

    def parse(self, path: str) -> Route | None:
        base = rf"/{self.ORG}/_packaging/([^/]+)/pypi"
        if m := _match(base + r"/simple/([^/]+)/?", path):
            return Route("page", self._feed(m[1]), m[2])
        if m := _match(base + r"/download/[^/]+/[^/]+/([^/]+)", path):
            return Route("file", self._feed(m[1]), filename=m[2])
        return None

    def file_href(self, page_index: str, holder: str, package: Package) -> str:
        return (
            f"{self.base_url}/{self.ORG}/_packaging/{self.GUIDS[holder]}/pypi/download/"
            f"{package.name}/{package.version}/{package.filename}"
        )

    def identify(self, username: str, password: str) -> str | None:
        """Azure DevOps takes any username with a PAT."""
        return next((t.key for t in self.tenants.values() if t.secret == password), None)

    def challenge(self) -> Response:
        return Response(
            401,
            b"unauthorized\n",
            [
                ("WWW-Authenticate", "Bearer authorization_uri=https://login.invalid/"),
                ("WWW-Authenticate", f'Basic realm="{self.base_url}/"'),
                ("WWW-Authenticate", "TFS-Federated"),
            ],
        )


class _RepoManager(Registry):
    """Artifactory and Nexus: ``<prefix>/<repo>/simple/``, files ``../../packages/...``.

    A third tenant, C, reads only the virtual (Artifactory) or group (Nexus)
    repo that aggregates the two others; its files are served under its own key.
    """

    PREFIX: ClassVar[str] = ""
    AGGREGATE: ClassVar[str] = ""
    USERNAMES: ClassVar[tuple[str, str, str]] = ("", "", "")

    def setup(self) -> None:
        kind, local = self.REPO_WORDS
        repos = [f"pypi-{local}-a", f"pypi-{local}-b", self.AGGREGATE]
        for key, repo, user in zip("ABC", repos, self.USERNAMES):
            label = f"{kind} repo {repo}" if key == "C" else f"repo {repo}"
            self.add_tenant(key, label, user, repo)
        self.add_index(repos[0], {"A"}, ["A"])
        self.add_index(repos[1], {"B"}, ["B"])
        self.add_index(repos[2], {"C"}, bases=repos[:2], aggregate=True)

    REPO_WORDS: ClassVar[tuple[str, str]] = ("virtual", "local")

    def index_path(self, index: str) -> str:
        return f"{self.PREFIX}/{index}/simple/"

    def parse(self, path: str) -> Route | None:
        base = re.escape(self.PREFIX) + r"/([^/]+)"
        if m := _match(base + r"/simple/([^/]+)/?", path):
            return Route("page", m[1], m[2])
        if m := _match(base + r"/packages/[^/]+/[^/]+/([^/]+)", path):
            return Route("file", m[1], filename=m[2])
        return None

    def file_href(self, page_index: str, holder: str, package: Package) -> str:
        return f"../../packages/{package.name}/{package.version}/{package.filename}"


class Artifactory(_RepoManager):
    """Artifactory: access tokens with an **empty username** (``https://:TOKEN@host/...``)."""

    name = "artifactory"
    title = "Artifactory (two local repos; empty username with an access token)"
    case = (
        "two Artifactory repos on one host, access tokens with an empty username "
        "(http://:TOKEN@host/...), files linked relative to the page (../../packages/...). "
        "pip < 23.1 sends the host's last token to every file; pip 23.1+ guesses right here."
    )
    PREFIX = "/artifactory/api/pypi"
    AGGREGATE = "pypi-virtual"
    USERNAMES = ("", "", "")

    def challenge(self) -> Response:
        return Response(401, b"{}\n", [("WWW-Authenticate", 'Basic realm="Artifactory Realm"')])


class Devpi(Registry):
    """devpi: ``team-b/dev`` inherits ``team-a/prod`` (``bases=``), read ACLs on both.

    The inheriting index's page lists the base's files under the **base's**
    ``/+f/`` path; a user who may read only ``team-b/dev`` gets 403 for them.
    Refusals are 403 without a challenge. PEP 691 JSON on request.
    """

    name = "devpi"
    title = "devpi (team-b/dev inherits team-a/prod; read ACLs)"
    case = (
        "devpi index team-b/dev inherits team-a/prod (bases=); its page lists team-a's files "
        "under team-a/prod/+f/, which only team-a's token may read. pip < 23.1 sends the "
        "host's last token; pip 23.1+ guesses right here."
    )
    deny_status = 403
    json_pages = True

    def setup(self) -> None:
        self.add_tenant("A", "index team-a/prod", "team-a", "team-a/prod")
        self.add_tenant("B", "index team-b/dev", "team-b", "team-b/dev")
        self.add_index("team-a/prod", {"A"}, ["A"])
        self.add_index("team-b/dev", {"B"}, ["B"], bases=["team-a/prod"])

    def index_path(self, index: str) -> str:
        return f"/{index}/+simple/"

    def parse(self, path: str) -> Route | None:
        if m := _match(r"/([^/+]+/[^/+]+)/\+simple/([^/]+)/?", path):
            return Route("page", m[1], m[2])
        if m := _match(r"/([^/+]+/[^/+]+)/\+f/[0-9a-f]{3}/[0-9a-f]{13}/([^/]+)", path):
            return Route("file", m[1], filename=m[2])
        return None

    def file_href(self, page_index: str, holder: str, package: Package) -> str:
        digest = package.sha256
        return f"../../../../{holder}/+f/{digest[:3]}/{digest[3:16]}/{package.filename}"

    def challenge(self) -> Response:
        return Response(403, b"forbidden\n")


class GoogleArtifactRegistry(Registry):
    """Google Artifact Registry: two projects on one regional host.

    403 **without a challenge**, also for no credentials, so pip never asks
    keyring or a prompt. Usernames ``oauth2accesstoken`` (an access token)
    and ``_json_key_base64`` (a base64 service-account key).
    """

    name = "gar"
    title = "Google Artifact Registry (two projects on one regional host)"
    case = (
        "two Google Artifact Registry projects on one regional host (usernames "
        "oauth2accesstoken and _json_key_base64), 403 without a challenge. Files sit outside "
        "/simple/: pip < 23.1 sends the host's last token; pip 23.1+ guesses right here."
    )
    deny_status = 403

    def setup(self) -> None:
        key = {"type": "service_account", "private_key_id": secrets.token_hex(20)}
        key_b64 = base64.b64encode(json.dumps(key).encode()).decode()
        if "B" not in self._fixed:
            self._fixed["B"] = key_b64
        self.add_tenant("A", "project proj-a", "oauth2accesstoken", "proj-a/python", "ya29.")
        self.add_tenant("B", "project proj-b", "_json_key_base64", "proj-b/python")
        self.add_index("proj-a/python", {"A"}, ["A"])
        self.add_index("proj-b/python", {"B"}, ["B"])

    def index_path(self, index: str) -> str:
        return f"/{index}/simple/"

    def parse(self, path: str) -> Route | None:
        if m := _match(r"/([^/]+/[^/]+)/simple/([^/]+)/?", path):
            return Route("page", m[1], m[2])
        if m := _match(r"/([^/]+/[^/]+)/[^/]+/([^/]+\.(?:whl|tar\.gz|zip))", path):
            return Route("file", m[1], filename=m[2])
        return None

    def file_href(self, page_index: str, holder: str, package: Package) -> str:
        return f"{self.base_url}/{holder}/{package.name}/{package.filename}"

    def challenge(self) -> Response:
        return Response(403, b"permission denied\n")


class CodeArtifact(Registry):
    """CodeArtifact: two repos of one domain on its host, username ``aws``.

    401 with ``WWW-Authenticate: Bearer``; another repo's token gets 404.
    Files are linked relative to the page (``<version>/<file>``). PEP 691 JSON.
    """

    name = "codeartifact"
    title = "CodeArtifact (two repos in one domain)"
    case = (
        "two CodeArtifact repos of one domain (username aws), 401 with a Bearer challenge, "
        "files under each page. Stock pip also gets this right (the files sit under the "
        "index path); the demo shows that the shim keeps it right."
    )
    deny_status = 404
    json_pages = True

    def setup(self) -> None:
        self.add_tenant("A", "repo team-a", "aws", "team-a", "eyJ2ZXIiOjEs")
        self.add_tenant("B", "repo team-b", "aws", "team-b", "eyJ2ZXIiOjEs")
        self.add_index("team-a", {"A"}, ["A"])
        self.add_index("team-b", {"B"}, ["B"])

    def index_path(self, index: str) -> str:
        return f"/pypi/{index}/simple/"

    def parse(self, path: str) -> Route | None:
        if m := _match(r"/pypi/([^/]+)/simple/([^/]+)/?", path):
            return Route("page", m[1], m[2])
        if m := _match(r"/pypi/([^/]+)/simple/[^/]+/[^/]+/([^/]+)", path):
            return Route("file", m[1], filename=m[2])
        return None

    def file_href(self, page_index: str, holder: str, package: Package) -> str:
        return f"{package.version}/{package.filename}"

    def challenge(self) -> Response:
        return Response(401, b"", [("WWW-Authenticate", "Bearer")])


class Nexus(_RepoManager):
    """Nexus Repository 3: hosted repos and a group repo over them."""

    name = "nexus"
    title = "Nexus 3 (two hosted repos)"
    case = (
        "two Nexus hosted repos on one host, files linked ../../packages/..., outside "
        "/simple/: pip < 23.1 sends the host's last token; pip 23.1+ guesses right here."
    )
    PREFIX = "/repository"
    AGGREGATE = "pypi-group"
    USERNAMES = ("deployer-a", "deployer-b", "reader-all")
    REPO_WORDS = ("group", "hosted")

    def challenge(self) -> Response:
        realm = 'BASIC realm="Sonatype Nexus Repository Manager"'
        return Response(401, b"", [("WWW-Authenticate", realm)])


class Gitea(Registry):
    """Gitea/Forgejo: one package registry per owner; absolute links from ``ROOT_URL``.

    ``root_url`` defaults to the origin the registry is served on; set it to
    another origin to model a server whose ``ROOT_URL`` differs from the URL
    you use (then no credential of yours may follow the links).
    """

    name = "gitea"
    title = "Gitea/Forgejo (two owners)"
    case = (
        "two Gitea owners on one host, files linked absolutely from ROOT_URL under "
        "/api/packages/<owner>/pypi/files/: pip < 23.1 sends the host's last token; "
        "pip 23.1+ guesses right here."
    )
    deny_status = 401

    def setup(self) -> None:
        self.root_url = ""
        self.add_tenant("A", "owner team-a", "bot-a", "team-a")
        self.add_tenant("B", "owner team-b", "bot-b", "team-b")
        self.add_index("team-a", {"A"}, ["A"])
        self.add_index("team-b", {"B"}, ["B"])

    def index_path(self, index: str) -> str:
        return f"/api/packages/{index}/pypi/simple/"

    def parse(self, path: str) -> Route | None:
        if m := _match(r"/api/packages/([^/]+)/pypi/simple/([^/]+)/?", path):
            return Route("page", m[1], m[2])
        if m := _match(r"/api/packages/([^/]+)/pypi/files/[^/]+/[^/]+/([^/]+)", path):
            return Route("file", m[1], filename=m[2])
        return None

    def file_href(self, page_index: str, holder: str, package: Package) -> str:
        root = self.root_url or self.base_url
        return (
            f"{root}/api/packages/{holder}/pypi/files/"
            f"{package.name}/{package.version}/{package.filename}"
        )

    def challenge(self) -> Response:
        return Response(401, b"", [("WWW-Authenticate", 'Basic realm="Gitea Package API"')])


class PypiServer(Registry):
    """Two pypiserver instances behind one proxy, at ``/team-a/`` and ``/team-b/``.

    Root-relative links (``/team-a/packages/<file>``, its base-URL option set
    behind the prefix). A project it does not have answers 303 to the public
    index on another origin, which must get no credential.
    """

    name = "pypiserver"
    title = "pypiserver (two instances behind one proxy)"
    case = (
        "two pypiserver instances behind one proxy (/team-a/, /team-b/); a project one of "
        "them lacks answers 303 to the public index on another origin, which must get no "
        "token. pip < 23.1 sends the host's last token to files; 23.1+ guesses right here."
    )
    deny_status = 403

    def setup(self) -> None:
        self.add_tenant("A", "pypiserver team-a", "team-a", "team-a")
        self.add_tenant("B", "pypiserver team-b", "team-b", "team-b")
        self.add_index("team-a", {"A"}, ["A"])
        self.add_index("team-b", {"B"}, ["B"])

    def index_path(self, index: str) -> str:
        return f"/{index}/simple/"

    def parse(self, path: str) -> Route | None:
        if m := _match(r"/([^/]+)/simple/([^/]+)/?", path):
            return Route("page", m[1], m[2])
        if m := _match(r"/([^/]+)/packages/([^/]+)", path):
            return Route("file", m[1], filename=m[2])
        return None

    def file_href(self, page_index: str, holder: str, package: Package) -> str:
        return f"/{holder}/packages/{package.filename}"

    def challenge(self) -> Response:
        return Response(401, b"", [("WWW-Authenticate", 'Basic realm="pypi"')])

    def unknown_project(self, route: Route) -> Response:
        location = f"{self.second.base_url}/simple/{route.project}/"
        return Response(303, b"", [("Location", location)])
