"""The fake GitLab PyPI package registry: one model, a plain WSGI application.

The integration tests serve it on pytest-httpserver and the demo on its
loopback server (:mod:`pip_scoped_auth.demo.server`); both read the same
:attr:`FakeGitLab.log`, which records for every request **the token GitLab
would have authenticated it with**. The point of pip-scoped-auth is that two
GitLab project indexes on one host need *different* deploy tokens; a
faithful fake therefore reproduces GitLab's decisions (401 vs 404, which
usernames matter, where file links point) rather than just serving files.

Behaviour follows GitLab's ``lib/api/pypi_packages.rb``,
``lib/api/helpers/packages/basic_auth_helpers.rb``,
``lib/gitlab/auth/auth_finders.rb``, ``lib/api/api_guard.rb`` and
``app/presenters/packages/pypi/*``; ``docs/fake-gitlab.md`` lists the rules
and the deliberate deviations. Standard library only: the demo ships it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import quote, unquote

from pip_scoped_auth.demo.registries.gitlab_records import (
    CI_JOB_USER,
    JSON_CONTENT_TYPE,
    REALM,
    Group,
    GroupFileLinks,
    LogEntry,
    PackageFile,
    Project,
    RequestKind,
    Token,
    redact,
)
from pip_scoped_auth.demo.registries.gitlab_store import GitLabStore
from pip_scoped_auth.demo.registries.simple_pages import (
    Link,
    index_page,
    links_page,
)
from pip_scoped_auth.demo.registries.wsgi import Response, raw_path
from pip_scoped_auth.demo.wheels import normalize_name

#: The model's public surface: the app, and the records its set-up API and log hand out.
__all__ = [
    "CI_JOB_USER",
    "JSON_CONTENT_TYPE",
    "REALM",
    "FakeGitLab",
    "Group",
    "LogEntry",
    "ObjectStore",
    "PackageFile",
    "Project",
    "Token",
]

#: ``PEP_691_LATEST_JSON_CONTENT_TYPE``: also selects JSON in ``json_format_requested?``.
_JSON_LATEST_CONTENT_TYPE = "application/vnd.pypi.simple.latest+json"
#: Default upstream of the ``forward_unknown_packages`` alias. GitLab forwards
#: to the public index; the rig never names a real registry host.
_DEFAULT_FORWARD_TO = "https://upstream.invalid/simple"

_SEG = r"(?P<id>[^/]+)"
_FILE_TAIL = r"(?P<sha>[^/]+)/(?P<file>[^/]+)"
#: PEP 658: a file's core metadata lives at the file's URL plus this suffix.
_METADATA_SUFFIX = ".metadata"
_JSON_META = {"api-version": "1.0"}
_ROUTES: list[tuple[str, RequestKind, re.Pattern[str]]] = [
    ("project", "index", re.compile(rf"^/api/v4/projects/{_SEG}/packages/pypi/simple/?$")),
    (
        "project",
        "page",
        re.compile(rf"^/api/v4/projects/{_SEG}/packages/pypi/simple/(?P<name>[^/]+)/?$"),
    ),
    (
        "project",
        "file",
        re.compile(rf"^/api/v4/projects/{_SEG}/packages/pypi/files/{_FILE_TAIL}$"),
    ),
    ("group", "index", re.compile(rf"^/api/v4/groups/{_SEG}/-/packages/pypi/simple/?$")),
    (
        "group",
        "page",
        re.compile(rf"^/api/v4/groups/{_SEG}/-/packages/pypi/simple/(?P<name>[^/]+)/?$"),
    ),
    (
        "group",
        "file",
        re.compile(rf"^/api/v4/groups/{_SEG}/-/packages/pypi/files/{_FILE_TAIL}$"),
    ),
]


@dataclass
class _Auth:
    """Outcome of credential lookup for one request."""

    sent: bool = False
    username: str | None = None
    token: Token | None = None
    #: GitLab raised ``UnauthorizedError``: answer 401 whatever the resource.
    rejected: bool = False


class _HTTPError(Exception):
    """Short-circuits request handling with a GitLab-style error response."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class ObjectStore(Protocol):
    """Where authorised downloads are redirected (tests: an S3-style bucket on ``localhost``)."""

    def presign(self, sha256: str, filename: str, data: bytes) -> str:
        """Store ``data`` and return an absolute, presigned URL for it."""
        ...


@dataclass(frozen=True)
class _Request:
    """What the model reads of a WSGI request (werkzeug's reading, kept byte-for-byte)."""

    method: str
    #: The path exactly as sent (``%2F`` intact), without the query.
    raw_path: str
    query: str
    #: ``Host`` as werkzeug reads it: the default port dropped, "" when invalid.
    host: str
    scheme: str
    authorization: str | None
    accept: str

    @property
    def host_url(self) -> str:
        return f"{self.scheme}://{self.host}/"

    @classmethod
    def from_environ(cls, environ: Mapping[str, Any]) -> _Request:
        scheme = str(environ.get("wsgi.url_scheme", "http"))
        auth = environ.get("HTTP_AUTHORIZATION")
        return cls(
            method=str(environ.get("REQUEST_METHOD", "GET")),
            raw_path=raw_path(environ),
            query=str(environ.get("QUERY_STRING", "")),
            host=_host(environ, scheme),
            scheme=scheme,
            authorization=None if auth is None else str(auth),
            accept=str(environ.get("HTTP_ACCEPT", "")),
        )


class FakeGitLab(GitLabStore):
    """In-memory GitLab answering PyPI requests as GitLab does (set-up API: :class:`GitLabStore`).

    Knobs (plain attributes, change them per test):

    ``group_file_links``
        ``"project"`` (default, as the brief specifies and as GitLab 13.x's
        ``PackagePresenter`` did) makes group ``simple/<name>`` pages link to
        the *project* file route; ``"group"`` reproduces current GitLab's
        ``SimplePackageVersionsPresenter``, which links to
        ``/api/v4/groups/<group id>/-/packages/pypi/files/...``.
    ``strict_deploy_token_username``
        GitLab's ``deploy_token_from_request`` ignores the basic-auth username
        (``_, token = user_name_and_password(...)``). ``True`` instead demands
        the token's own username and treats a mismatch as bad credentials.
    ``reject_unknown_credentials``
        GitLab treats basic-auth credentials that match nothing (and are not
        sent as ``gitlab-ci-token``) as anonymous, so a *public* project still
        answers 200. ``True`` answers 401 to any unrecognised credentials.
    ``json_pages``
        GitLab (behind its ``pypi_pep_691_json`` flag) answers the simple
        pages as PEP 691 JSON when any ``Accept`` entry starts with
        ``application/vnd.pypi.simple.v1+json`` (or ``...latest+json``), as
        every pip >= 22.2 sends. ``False`` always answers HTML, like GitLab
        with the flag off.
    ``serve_metadata``
        Not GitLab (which serves no PEP 658 files): announce each wheel's
        METADATA on the pages and serve it at ``<file url>.metadata``, so
        pip fetches metadata before the file, as it does on other indexes.
    ``forward_to``
        GitLab's "package request forwarding": a ``simple/<name>`` page for a
        package the caller cannot see answers ``302`` to
        ``{forward_to}/{name}/`` (after authentication, as in GitLab's
        ``redirect_registry_request``). ``None`` (default) answers 404.
        ``forward_unknown_packages`` is a boolean alias kept for old tests.
    ``object_storage``
        An :class:`ObjectStore` (tests: ``tests.support.object_storage``): authorised
        file and metadata requests answer ``302`` to a presigned URL on it,
        as ``present_package_file!(..., supports_direct_download: true)``
        does with direct download from object storage enabled.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        group_file_links: GroupFileLinks = "project",
        strict_deploy_token_username: bool = False,
        reject_unknown_credentials: bool = False,
        forward_unknown_packages: bool = False,
        json_pages: bool = True,
        serve_metadata: bool = False,
        forward_to: str | None = None,
        object_storage: ObjectStore | None = None,
    ) -> None:
        """An empty GitLab whose URLs name ``host:port``, where whoever serves it listens.

        Serve it as a WSGI application; set :attr:`port` once the server has
        one. Routing happens here, on the raw path.
        """
        super().__init__(host, port)
        self.group_file_links: GroupFileLinks = group_file_links
        self.strict_deploy_token_username = strict_deploy_token_username
        self.reject_unknown_credentials = reject_unknown_credentials
        self.json_pages = json_pages
        self.serve_metadata = serve_metadata
        self.forward_to: str | None = forward_to
        if forward_unknown_packages and forward_to is None:
            self.forward_to = _DEFAULT_FORWARD_TO
        self.object_storage: ObjectStore | None = object_storage

    @property
    def forward_unknown_packages(self) -> bool:
        """Backward-compatible alias: whether :attr:`forward_to` is set."""
        return self.forward_to is not None

    @forward_unknown_packages.setter
    def forward_unknown_packages(self, value: bool) -> None:
        if not value:
            self.forward_to = None
        elif self.forward_to is None:
            self.forward_to = _DEFAULT_FORWARD_TO

    # ------------------------------------------------------------ handling

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """WSGI entry point. A bug in the model raises (after logging a 500):
        pytest-httpserver then records it in ``handler_errors``."""
        response = self.respond(environ)[0]
        headers = [*response.headers, ("Content-Length", str(len(response.body)))]
        start_response(f"{response.status} {HTTPStatus(response.status).phrase}", headers)
        return [response.body]

    def respond(self, environ: Mapping[str, Any]) -> tuple[Response, LogEntry]:
        """Route, authorise, answer and log one request; the answer and its log entry."""
        request = _Request.from_environ(environ)
        raw = request.raw_path
        auth = _Auth()
        kind: RequestKind = "other"
        info: dict[str, object] = {}
        try:
            with self._lock:
                auth = self._authenticate(request)
                kind, info, response = self._dispatch(request, raw, auth)
        except _HTTPError as err:
            response = _error(err.status, err.message)
        except Exception:
            self._append(request, raw, 500, auth, kind, info)
            raise
        entry = self._append(
            request,
            raw,
            response.status,
            auth,
            kind,
            info,
            content_type=_mimetype(response),
            location=_header(response, "Location"),
        )
        return response, entry

    def _append(
        self,
        request: _Request,
        raw: str,
        status: int,
        auth: _Auth,
        kind: RequestKind,
        info: dict[str, object],
        content_type: str = "",
        location: str = "",
    ) -> LogEntry:
        """Record one request in the log (thread-safe)."""
        with self._lock:
            project_id = info.get("project_id")
            group_id = info.get("group_id")
            package = info.get("package")
            filename = info.get("filename")
            entry = LogEntry(
                method=request.method,
                path=raw,
                status=status,
                token=auth.token,
                auth_username=auth.username,
                auth_username_display=(
                    None if auth.username is None else redact(auth.username, self.tokens)
                ),
                authorization_sent=auth.sent,
                kind=kind,
                project_id=project_id if isinstance(project_id, int) else None,
                package=package if isinstance(package, str) else None,
                group_id=group_id if isinstance(group_id, int) else None,
                filename=filename if isinstance(filename, str) else None,
                host=request.host,
                query=request.query,
                content_type=content_type,
                location=location,
            )
            self.log.append(entry)
            return entry

    def _authenticate(self, request: _Request) -> _Auth:
        """Resolve basic-auth credentials the way GitLab's API guard does.

        ``find_user_from_sources`` tries, in order: a deploy token (username
        ignored), a personal access token from basic auth (username ignored),
        then a job token -- looked up only when the username is exactly
        ``gitlab-ci-token``, and raising ``UnauthorizedError`` when that
        lookup fails. Anything else yields no user, i.e. anonymous.
        """
        header = request.authorization
        if header is None:
            return _Auth()
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() != "basic":
            # Only HTTP basic is modelled; an unknown bearer token 401s in GitLab.
            return _Auth(sent=True, rejected=True)
        try:
            decoded = base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            return _Auth(sent=True, rejected=True)
        try:
            text = decoded.decode("utf-8")
        except UnicodeDecodeError:
            text = decoded.decode("latin-1")
        # Rails' user_name_and_password splits on the first colon only.
        username, _, password = text.partition(":")
        auth = _Auth(sent=True, username=username)
        token = next((t for t in self.tokens if t.secret == password), None) if password else None

        if token is not None and token.kind in ("project_deploy", "group_deploy"):
            if self.strict_deploy_token_username and username != token.username:
                auth.rejected = True
            else:
                auth.token = token
            return auth
        if token is not None and token.kind == "personal":
            auth.token = token
            return auth
        if username == CI_JOB_USER:
            if token is not None and token.kind == "job":
                auth.token = token
            else:
                auth.rejected = True
            return auth
        # Unknown secret, or a job token under another username: no user.
        auth.rejected = self.reject_unknown_credentials
        return auth

    def _dispatch(
        self, request: _Request, raw: str, auth: _Auth
    ) -> tuple[RequestKind, dict[str, object], Response]:
        """Route on the raw path and produce the response.

        Returns the request kind and log details alongside the response, so
        that :meth:`handle` can log even requests answered with an error.
        """
        info: dict[str, object] = {}
        for scope, kind, pattern in self._routes():
            match = pattern.match(raw)
            if match is None:
                continue
            if kind == "file" and match.group("file").endswith(_METADATA_SUFFIX):
                kind = "metadata"
            try:
                response = self._route(request, auth, scope, kind, match, info)
            except _HTTPError as err:
                response = _error(err.status, err.message)
            return kind, info, response
        return "other", info, _error(404, "404 Not Found")

    def _routes(self) -> list[tuple[str, RequestKind, re.Pattern[str]]]:
        """GitLab's routes, then one file route per shared ``files_base``."""
        bases = sorted({p.files_base for p in self.projects.values() if p.files_base}, key=len)
        shared: list[tuple[str, RequestKind, re.Pattern[str]]] = [
            (f"shared:{base}", "file", re.compile(rf"^{re.escape(base)}/{_FILE_TAIL}$"))
            for base in reversed(bases)  # longest first: nested bases stay distinct
        ]
        return _ROUTES + shared

    def _route(
        self,
        request: _Request,
        auth: _Auth,
        scope: str,
        kind: RequestKind,
        match: re.Match[str],
        info: dict[str, object],
    ) -> Response:
        """Serve one matched route; raises :class:`_HTTPError` on refusal."""
        if request.method not in ("GET", "HEAD"):
            raise _HTTPError(405, "405 Method Not Allowed")
        groups = match.groupdict()
        if "name" in groups:
            info["requested_name"] = unquote(groups["name"])
            info["package"] = normalize_name(info["requested_name"])  # type: ignore[arg-type]
        if "file" in groups:
            filename = unquote(groups["file"])
            if kind == "metadata":
                # Logged under the distribution's file name; kind says "metadata".
                filename = filename[: -len(_METADATA_SUFFIX)]
            info["filename"] = filename
        base = request.host_url.rstrip("/")
        as_json = self._wants_json(request)

        if scope.startswith("shared:"):
            return self._shared_file(auth, scope.partition(":")[2], groups["sha"], kind, info)

        if scope == "project":
            project = self._find_project(unquote(groups["id"]))
            if project is None:
                # find_project(params[:id]) || not_found! -- before any auth check.
                raise _HTTPError(404, "404 Project Not Found")
            info["project_id"] = project.id
            if auth.rejected:
                raise _HTTPError(401, "401 Unauthorized")
            if not self._can_read_project(auth.token, project):
                # authorized_project_find!: unauthorized_or! { not_found! }
                raise _refusal(auth, "404 Project Not Found")
            files = [f for f in self.packages if f.project_id == project.id]
            if kind == "index":
                prefix = self._project_simple(base, project)
                return self._index(files, project.name, prefix, as_json)
            if kind == "page":
                return self._package_page(base, files, info, as_json)
            return self._serve_file(files, groups["sha"], kind, info)

        group = self._find_group(unquote(groups["id"]))
        if group is None:
            # ensure_group!: find_group(params[:id]) || not_found!
            raise _HTTPError(404, "404 Group Not Found")
        info["group_id"] = group.id
        if auth.rejected:
            raise _HTTPError(401, "401 Unauthorized")
        if not self._can_read_group(auth.token, group):
            # find_authorized_group!: unauthorized_or! { not_found! }
            raise _refusal(auth, "404 Group Not Found")
        visible = {
            p.id
            for p in self.projects.values()
            if self._in_subtree(p.group, group.id) and self._can_read_project(auth.token, p)
        }
        files = [f for f in self.packages if f.project_id in visible]
        if kind == "index":
            return self._index(files, group.name, self._group_simple(base, group), as_json)
        if kind == "page":
            return self._package_page(base, files, info, as_json, group=group)
        return self._serve_file(files, groups["sha"], kind, info)

    def _wants_json(self, request: _Request) -> bool:
        """GitLab's ``json_format_requested?``, gated by :attr:`json_pages`.

        GitLab picks JSON when *any* comma-separated ``Accept`` entry starts
        with a PEP 691 JSON type, whatever its q-value.
        """
        if not self.json_pages:
            return False
        accept = request.accept
        return any(
            part.strip().startswith((JSON_CONTENT_TYPE, _JSON_LATEST_CONTENT_TYPE))
            for part in accept.split(",")
        )

    def _simple(self, body: str, as_json: bool) -> Response:
        """A simple page as GitLab presents it (``Vary: Accept`` with the flag on)."""
        if as_json:
            content_type = f"{JSON_CONTENT_TYPE}; charset=utf-8"
            response = Response(200, body.encode(), [("Content-Type", content_type)])
        else:
            response = _html(body)
        if self.json_pages:
            response.headers.append(("Vary", "Accept"))
        return response

    def _index(
        self, files: list[PackageFile], title: str, simple_prefix: str, as_json: bool
    ) -> Response:
        """The ``simple`` page, HTML or ``SimpleIndexJsonPresenter`` JSON."""
        if as_json:
            names = sorted({f.normalized_name for f in files})
            return self._simple(
                json.dumps({"meta": _JSON_META, "projects": [{"name": n} for n in names]}), True
            )
        return self._simple(index_page(title, files, simple_prefix), False)

    def _package_page(
        self,
        base: str,
        files: list[PackageFile],
        info: dict[str, object],
        as_json: bool,
        group: Group | None = None,
    ) -> Response:
        """Render ``simple/<name>``, or 404/forward when nothing is visible."""
        wanted = info["package"]
        found = [f for f in files if f.normalized_name == wanted]
        if not found:
            if self.forward_to is not None:
                # redirect_registry_request: "#{base_url}#{params[:package_name]}/"
                location = f"{self.forward_to.rstrip('/')}/{info['requested_name']}/"
                return _redirect(location)
            raise _HTTPError(404, "404 Package Not Found")
        metadata = self.serve_metadata
        if as_json:
            entries = []
            for f in found:
                url = self._file_link(base, f, group)
                entry: dict[str, object] = {
                    "filename": f.filename,
                    "url": f"{url}#sha256={f.sha256}",
                    "hashes": {"sha256": f.sha256},
                }
                if f.requires_python:  # GitLab omits it when blank
                    entry["requires-python"] = f.requires_python
                if metadata and f.metadata_sha256 is not None:
                    entry["core-metadata"] = {"sha256": f.metadata_sha256}
                    entry["dist-info-metadata"] = {"sha256": f.metadata_sha256}
                entries.append(entry)
            body = {"meta": _JSON_META, "name": found[0].normalized_name, "files": entries}
            return self._simple(json.dumps(body), True)
        links = [
            Link(
                url=f"{self._file_link(base, f, group)}#sha256={f.sha256}",
                requires_python=f.requires_python,
                text=f.filename,
                metadata_sha256=f.metadata_sha256 if metadata else None,
            )
            for f in found
        ]
        return self._simple(links_page(found[0].name, links), False)

    def _file_link(self, base: str, f: PackageFile, group: Group | None) -> str:
        """Absolute download URL a page shows for ``f`` (no fragment)."""
        if group is not None and self.group_file_links == "group":
            owner = f"groups/{group.id}/-"
        else:
            files_base = self.projects[f.project_id].files_base
            if files_base is not None:
                return f"{base}{files_base}/{f.sha256}/{quote(f.filename)}"
            owner = f"projects/{f.project_id}"
        return f"{base}/api/v4/{owner}/packages/pypi/files/{f.sha256}/{quote(f.filename)}"

    def _serve_file(
        self, files: list[PackageFile], sha: str, kind: RequestKind, info: dict[str, object]
    ) -> Response:
        """Serve the file matching filename *and* sha256 among ``files``."""
        filename = info["filename"]
        for f in files:
            if f.filename == filename and f.sha256 == sha:
                info["project_id"] = f.project_id
                info["package"] = f.normalized_name
                return self._deliver(f, kind)
        raise _HTTPError(404, "404 Package Not Found")

    def _shared_file(
        self, auth: _Auth, files_base: str, sha: str, kind: RequestKind, info: dict[str, object]
    ) -> Response:
        """Serve ``<files_base>/<sha>/<file>``, authorised against its owners.

        The path names no project, so the owners are the projects under this
        ``files_base`` holding that file; any one the caller can read will do.
        An unknown file is 404 before authentication, like an unknown project.
        """
        owners = [
            f
            for f in self.packages
            if f.sha256 == sha
            and f.filename == info["filename"]
            and self.projects[f.project_id].files_base == files_base
        ]
        if not owners:
            raise _HTTPError(404, "404 Package Not Found")
        info["project_id"] = owners[0].project_id
        info["package"] = owners[0].normalized_name
        if auth.rejected:
            raise _HTTPError(401, "401 Unauthorized")
        readable = [
            f for f in owners if self._can_read_project(auth.token, self.projects[f.project_id])
        ]
        if not readable:
            raise _refusal(auth, "404 Package Not Found")
        info["project_id"] = readable[0].project_id
        return self._deliver(readable[0], kind)

    def _deliver(self, f: PackageFile, kind: RequestKind) -> Response:
        """Bytes of a file or its METADATA, or a redirect to object storage."""
        if kind == "metadata":
            if not self.serve_metadata or f.metadata is None:
                raise _HTTPError(404, "404 Package Not Found")
            name, data = f.filename + _METADATA_SUFFIX, f.metadata
        else:
            name, data = f.filename, f.data
        if self.object_storage is not None:
            location = self.object_storage.presign(f.sha256, name, data)
            return _redirect(location)
        return Response(
            200,
            data,
            [
                ("Content-Disposition", f'attachment; filename="{name}"'),
                ("Content-Type", "application/octet-stream"),
            ],
        )

    def _project_simple(self, base: str, project: Project) -> str:
        """Prefix of ``simple/<name>`` links on a project index page."""
        return f"{base}/api/v4/projects/{project.id}/packages/pypi/simple"

    def _group_simple(self, base: str, group: Group) -> str:
        """Prefix of ``simple/<name>`` links on a group index page."""
        return f"{base}/api/v4/groups/{group.id}/-/packages/pypi/simple"


# ----------------------------------------------------------------- helpers


#: werkzeug's ``_host_re``: what a ``Host`` value may hold.
_HOST_RE = re.compile(
    r"([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+])(?::([1-9][0-9]{,4}))?",
    flags=re.ASCII | re.IGNORECASE,
)


def _host(environ: Mapping[str, Any], scheme: str) -> str:
    """``host[:port]`` as werkzeug's ``get_host`` reads it (the log and the links use it)."""
    header = environ.get("HTTP_HOST")
    if header is not None:
        host = str(header)
    elif environ.get("SERVER_NAME"):
        host = str(environ["SERVER_NAME"])
        if ":" in host and host[0] != "[":
            host = f"[{host}]"
        host = f"{host}:{environ.get('SERVER_PORT', '')}"
    else:
        return ""
    host = host.removesuffix(":80") if scheme == "http" else host.removesuffix(":443")
    match = _HOST_RE.fullmatch(host)
    if match is None or (match[2] and not 1 <= int(match[2]) <= 65535):
        return ""
    return host


def _refusal(auth: _Auth, not_found: str) -> _HTTPError:
    """``unauthorized_or! { not_found! }``: 404 for a known caller, else 401."""
    if auth.token is not None:
        return _HTTPError(404, not_found)
    return _HTTPError(401, "401 Unauthorized")


def _error(status: int, message: str) -> Response:
    """GitLab API error body; 401s carry the Packages Registry realm."""
    headers = [("Content-Type", "application/json")]
    if status == 401:
        headers.append(("WWW-Authenticate", REALM))
    return Response(status, json.dumps({"message": message}).encode(), headers)


def _html(body: str) -> Response:
    """An HTML 200 response as GitLab's ``present_html`` sends it."""
    return Response(200, body.encode(), [("Content-Type", "text/html; charset=utf-8")])


def _redirect(location: str) -> Response:
    """A 302 (forwarding, object storage) with the plain-text type werkzeug used to add."""
    return Response(
        302, b"", [("Location", location), ("Content-Type", "text/plain; charset=utf-8")]
    )


def _header(response: Response, name: str) -> str:
    wanted = name.lower()
    return next((v for k, v in response.headers if k.lower() == wanted), "")


def _mimetype(response: Response) -> str:
    """The media type served, without parameters (what the log keeps)."""
    return _header(response, "Content-Type").split(";")[0].strip().lower()
