"""What every fake registry layout shares: tenants, indexes, packages, the request log.

A layout (GitLab, Azure Artifacts, Artifactory, ...) is a WSGI application
with **two tenants on one host:port**, each readable only with its own
credential. Subclasses say where index pages and files live (:meth:`parse`,
:meth:`index_path`, :meth:`file_href`), how a credential is recognised
(:meth:`identify`) and how a refusal looks (:meth:`challenge`,
:attr:`deny_status`); this base class does the rest the same way for all of
them, so the demo and the tests read one log format: which tenant's
credential each request carried and what the registry answered.

Secrets never reach a ``repr``, the log or an exception: the log stores the
*name* of the tenant whose credential authenticated a request, ``"none"`` or
``"wrong"`` (a credential of nobody here).
"""

from __future__ import annotations

import hashlib
import html
import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import quote, unquote

from pip_scoped_auth.demo.registries.wsgi import (
    LoggingApp,
    RequestRecord,
    Response,
    SecondOrigin,
    basic_credentials,
)
from pip_scoped_auth.demo.wheels import build_wheel, normalize_name

__all__ = [
    "JSON_TYPE",
    "Index",
    "Package",
    "Registry",
    "RequestRecord",
    "Response",
    "Route",
    "SecondOrigin",
    "Tenant",
]

JSON_TYPE = "application/vnd.pypi.simple.v1+json"


@dataclass(frozen=True)
class Tenant:
    """One customer of the registry: a credential and the index it reads."""

    key: str  #: "A" or "B" (a third, "C", for aggregating repos)
    label: str  #: how people name it: "project 323", "feed team-a"
    username: str  #: the username that goes with the secret ("" for none)
    secret: str = field(repr=False)
    index: str  #: the name of the index this tenant reads

    @property
    def token_label(self) -> str:
        """How the demo shows the secret: ``project 323's token``."""
        return f"{self.label}'s token"


@dataclass(frozen=True)
class Package:
    """A published wheel: name, version and the bytes pip will download."""

    name: str
    version: str
    filename: str
    data: bytes = field(repr=False)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class Index:
    """One index (project, feed, repo, stage) on the registry.

    ``bases`` are other indexes whose packages this one lists too: devpi's
    ``bases=`` (files stay under the base's path) or a virtual/group repo
    (``aggregate=True``: files are served under this index's own path).
    """

    name: str
    readers: frozenset[str]
    packages: list[Package] = field(default_factory=list)
    bases: tuple[str, ...] = ()
    aggregate: bool = False


@dataclass(frozen=True)
class Route:
    """What a request path addresses: ``kind`` is "page", "file" or "root"."""

    kind: str
    index: str
    project: str = ""
    filename: str = ""


#: Filled by :meth:`Registry.__init_subclass__`.
_LAYOUTS: dict[str, type[Registry]] = {}


class Registry(LoggingApp):
    """The shared behaviour of every layout; subclasses fill in the class attributes."""

    #: ``--registry`` name and the title the demo prints.
    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    #: The case the demo shows, and why stock pip can get it wrong (printed as "Case: ...").
    case: ClassVar[str] = ""
    #: Status for a credential of another tenant (or of nobody).
    deny_status: ClassVar[int] = 403
    #: Serve PEP 691 JSON to clients that ask for it.
    json_pages: ClassVar[bool] = False
    #: Route on the undecoded path (GitLab: ``%2F`` in a project path is not a
    #: separator). Others decode it first, as their web servers do (pip sends
    #: devpi's ``+f`` as ``%2Bf``).
    raw_paths: ClassVar[bool] = False
    #: Default of :attr:`redirect_status` (Azure: 303 to blob storage).
    REDIRECT_STATUS: ClassVar[int | None] = None
    #: Packages each tenant publishes: (name, version).
    PACKAGES: ClassVar[dict[str, tuple[str, str]]] = {
        "A": ("package-a", "1.0"),
        "B": ("package-b", "2.0"),
    }

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Every class that sets its own ``name`` is a layout (``--registry``), in order."""
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("name"):
            _LAYOUTS[cls.name] = cls

    @staticmethod
    def layouts() -> dict[str, type[Registry]]:
        """``--registry`` name -> layout class, in the order they are defined (the docs' order)."""
        return dict(_LAYOUTS)

    def __init__(
        self,
        second: SecondOrigin | None = None,
        secrets_by_tenant: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.second = second or SecondOrigin()
        self.second.identify = self._identify_header
        self.tenants: dict[str, Tenant] = {}
        self.indexes: dict[str, Index] = {}
        self._fixed = dict(secrets_by_tenant or {})
        #: Redirect authorised downloads to blob storage with this status (None: serve them).
        self.redirect_status: int | None = self.REDIRECT_STATUS
        self.setup()

    # -- set-up helpers for subclasses ------------------------------------------------
    def setup(self) -> None:
        """Create tenants and indexes (subclasses)."""
        raise NotImplementedError

    def add_tenant(self, key: str, label: str, username: str, index: str, prefix: str = "") -> None:
        """A tenant with a random secret (or the one given for ``key``)."""
        secret = self._fixed.get(key) or prefix + secrets.token_urlsafe(18)
        self.tenants[key] = Tenant(key, label, username, secret, index)

    def add_index(
        self,
        name: str,
        readers: Iterable[str],
        publish: Sequence[str] = (),
        bases: Sequence[str] = (),
        aggregate: bool = False,
    ) -> Index:
        """An index read by ``readers``, holding the packages of tenants ``publish``."""
        packages = []
        for key in publish:
            pkg_name, version = self.PACKAGES[key]
            filename, data = build_wheel(pkg_name, version)
            packages.append(Package(pkg_name, version, filename, data))
        index = Index(name, frozenset(readers), packages, tuple(bases), aggregate)
        self.indexes[name] = index
        return index

    # -- what subclasses define --------------------------------------------------------
    def index_path(self, index: str) -> str:
        """The path of ``index``'s simple root, ending in ``/``."""
        raise NotImplementedError

    def parse(self, path: str) -> Route | None:
        """What ``path`` (raw, undecoded) addresses, or None."""
        raise NotImplementedError

    def file_href(self, page_index: str, holder: str, package: Package) -> str:
        """The link to ``package`` on ``page_index``'s page; ``holder`` stores the file."""
        raise NotImplementedError

    def identify(self, username: str, password: str) -> str | None:
        """The tenant key these Basic credentials authenticate, or None.

        Default: the tenant's own username and secret. Layouts that ignore the
        username (GitLab, Azure) override this.
        """
        for tenant in self.tenants.values():
            if username == tenant.username and password == tenant.secret:
                return tenant.key
        return None

    def challenge(self) -> Response:
        """The answer to a request without credentials (default 401, Basic)."""
        return Response(401, b"unauthorized\n", [("WWW-Authenticate", 'Basic realm="registry"')])

    def serve_file(self, package: Package) -> Response:
        """An authorised download: the bytes, or a redirect to blob storage.

        ``redirect_status`` (303 for Azure; set 302 on Artifactory for its S3
        redirect or on Gitea for presigned direct serving) sends the download
        to a presigned URL on the second origin, which must get no credential.
        """
        if self.redirect_status is not None:
            return Response(self.redirect_status, b"", [("Location", self.second.presign(package))])
        return Response(200, package.data, [("Content-Type", "application/octet-stream")])

    def unknown_project(self, route: Route) -> Response:
        """A page for a project the index does not have (pypiserver redirects)."""
        return Response(404, b"not found\n")

    # -- public helpers ----------------------------------------------------------------
    def index_url(self, key: str, credentials: bool = True) -> str:
        """Tenant ``key``'s index URL, with its credentials in it unless asked not to."""
        tenant = self.tenants[key]
        userinfo = ""
        if credentials:
            userinfo = f"{quote(tenant.username, safe='')}:{quote(tenant.secret, safe='')}@"
        host = self.base_url.split("://", 1)[1]
        return f"http://{userinfo}{host}{self.index_path(tenant.index)}"

    def packages_of(self, key: str) -> list[str]:
        """The project names tenant ``key`` publishes."""
        return [self.PACKAGES[key][0]]

    def describe(self, record: RequestRecord) -> str:
        """``project 323's token`` / ``no token`` / ``an unknown token``."""
        if record.credential == "none":
            return "no token"
        if record.credential == "wrong":
            return "an unknown token"
        return self.tenants[record.credential].token_label

    # -- the request flow --------------------------------------------------------------
    def _identify_header(self, header: str) -> str:
        creds = basic_credentials(header)
        if creds is None:
            return "wrong"
        return self.identify(*creds) or "wrong"

    def listed(self, index: Index, project: str) -> list[tuple[str, Package]]:
        """(holder index, package) pairs for ``project`` on ``index``'s page."""
        found = [(index.name, p) for p in index.packages if normalize_name(p.name) == project]
        for base in index.bases:
            for holder, package in self.listed(self.indexes[base], project):
                found.append((index.name if index.aggregate else holder, package))
        return found

    def page(self, environ: Mapping[str, Any], index: Index, project: str) -> Response:
        entries = self.listed(index, project)
        if not entries:
            return self.unknown_project(Route("page", index.name, project))
        links = [
            (p.filename, f"{self.file_href(index.name, holder, p)}#sha256={p.sha256}")
            for holder, p in entries
        ]
        if self.json_pages and JSON_TYPE in str(environ.get("HTTP_ACCEPT", "")):
            doc = {
                "meta": {"api-version": "1.0"},
                "name": project,
                "files": [
                    {"filename": f, "url": u.split("#")[0], "hashes": {"sha256": u.split("=")[-1]}}
                    for f, u in links
                ],
            }
            body = json.dumps(doc).encode()
            return Response(200, body, [("Content-Type", JSON_TYPE), ("Vary", "Accept")])
        anchors = "".join(
            f'<a href="{html.escape(u)}">{html.escape(f)}</a><br/>\n' for f, u in links
        )
        body = (
            f"<!DOCTYPE html>\n<html><head><title>Links for {html.escape(project)}</title></head>"
            f"<body><h1>Links for {html.escape(project)}</h1>\n{anchors}</body></html>\n"
        ).encode()
        return Response(200, body, [("Content-Type", "text/html; charset=utf-8")])

    def file(self, index: Index, filename: str) -> Response:
        for _holder, package in self._files_under(index):
            if package.filename == filename:
                return self.serve_file(package)
        return Response(404, b"not found\n")

    def _files_under(self, index: Index) -> list[tuple[str, Package]]:
        """Files downloadable under ``index``'s own path (aggregates include members)."""
        found = [(index.name, p) for p in index.packages]
        if index.aggregate:
            for base in index.bases:
                found += [(index.name, p) for _, p in self._files_under(self.indexes[base])]
        return found

    def handle(self, environ: Mapping[str, Any], path: str, query: str) -> Response:
        header = str(environ.get("HTTP_AUTHORIZATION", ""))
        credential = self._identify_header(header) if header else "none"
        route = self.parse(path if self.raw_paths else unquote(path))
        index = self.indexes.get(route.index) if route else None
        if route is None or index is None:
            response = Response(404, b"not found\n")
            expected: frozenset[str] = frozenset()
        else:
            expected = index.readers
            if credential in index.readers:
                if route.kind == "page":
                    response = self.page(environ, index, normalize_name(route.project))
                elif route.kind == "file":
                    response = self.file(index, route.filename)
                else:
                    response = Response(200, b"<html><body></body></html>\n")
            elif credential == "none":
                response = self.challenge()
            else:
                response = Response(self.deny_status, b"forbidden\n")
        location = dict((k.lower(), v) for k, v in response.headers).get("location", "")
        self.record(
            RequestRecord(
                self.origin_name,
                str(environ.get("REQUEST_METHOD", "GET")),
                path,
                query,
                route.kind if route else "other",
                credential,
                expected,
                response.status,
                location.split("?")[0],
            )
        )
        return response

    # -- reading the log ---------------------------------------------------------------
    def all_requests(self) -> list[RequestRecord]:
        """Registry and second-origin requests, in the order each server logged them."""
        return sorted([*self.log, *self.second.log], key=lambda r: r.at)

    def file_requests(self) -> list[RequestRecord]:
        return [r for r in self.log if r.kind == "file"]

    def credentials_by_file(self) -> dict[str, list[str]]:
        """Filename -> the credential of each request for it on the registry."""
        seen: dict[str, list[str]] = {}
        for record in self.file_requests():
            seen.setdefault(record.path.rsplit("/", 1)[-1], []).append(record.credential)
        return seen

    def clear(self) -> None:
        self.clear_log()
        self.second.clear_log()

    def describe_log(self) -> str:
        """The log for a failure message: tenants by name, never a secret."""
        lines = []
        for r in self.all_requests():
            lines.append(
                f"{r.origin}: {r.method} {r.path} [{r.kind}] credential={r.credential} "
                f"expected={sorted(r.expected)} -> {r.status} {r.location}".rstrip()
            )
        return "\n".join(lines) or "(no requests)"
