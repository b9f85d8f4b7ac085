"""A fake GitLab PyPI package registry served by pytest-httpserver.

The integration tests drive *real* ``pip install`` subprocesses against this
server and then assert, from :attr:`FakeGitLab.log`, which token pip sent for
every index page and every file download. The point of pip-scoped-auth is
that two GitLab project indexes on one host need *different* deploy tokens;
a faithful fake therefore has to reproduce GitLab's decisions (401 vs 404,
which usernames matter, where file links point) rather than just serve files.

Behaviour follows GitLab's ``lib/api/pypi_packages.rb``,
``lib/api/helpers/packages/basic_auth_helpers.rb``,
``lib/gitlab/auth/auth_finders.rb``, ``lib/api/api_guard.rb`` and
``app/presenters/packages/pypi/*``; see ``tests/gitlab/README.md`` for the
rules and the deliberate deviations.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import itertools
import json
import re
import secrets
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote, unquote, urlsplit

from werkzeug.wrappers import Request, Response

from tests.gitlab.wheels import build_wheel, normalize_name

if TYPE_CHECKING:
    from pytest_httpserver import HTTPServer

__all__ = [
    "CI_JOB_USER",
    "REALM",
    "FakeGitLab",
    "Group",
    "LogEntry",
    "PackageFile",
    "Project",
    "Token",
]

TokenKind = Literal["personal", "project_deploy", "group_deploy", "job"]
RequestKind = Literal["index", "page", "file", "other"]
GroupFileLinks = Literal["project", "group"]

#: ``Gitlab::Auth::CI_JOB_USER``: the only username under which a job token is
#: looked up from HTTP basic auth.
CI_JOB_USER = "gitlab-ci-token"
#: ``BasicAuthHelpers::Constants::AUTHENTICATE_REALM_NAME``.
REALM = 'Basic realm="GitLab Packages Registry"'

_SECRET_PREFIX: dict[str, str] = {
    # GitLab's real prefixes, so a secret in a log is recognisable at a glance.
    "personal": "glpat-",
    "project_deploy": "gldt-",
    "group_deploy": "gldt-",
    "job": "glcbt-",
}

_SEG = r"(?P<id>[^/]+)"
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
        re.compile(
            rf"^/api/v4/projects/{_SEG}/packages/pypi/files/(?P<sha>[^/]+)/(?P<file>[^/]+)$"
        ),
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
        re.compile(
            rf"^/api/v4/groups/{_SEG}/-/packages/pypi/files/(?P<sha>[^/]+)/(?P<file>[^/]+)$"
        ),
    ),
]


@dataclass(eq=False)
class Token:
    """A GitLab credential usable over HTTP basic auth.

    ``eq=False`` keeps identity semantics: tests compare ``entry.token is
    deploy_a``, and two tokens with equal fields are still different
    credentials. ``secret`` is excluded from ``repr`` so that assertion
    messages (which tests grep for leaked secrets) never show it.
    """

    name: str
    kind: TokenKind
    username: str
    secret: str = field(repr=False)
    #: Projects granted directly (PAT membership, project deploy token, job).
    projects: frozenset[int] = frozenset()
    #: Groups granted with their whole subtree (PAT membership, group deploy token).
    groups: frozenset[int] = frozenset()

    def __str__(self) -> str:
        """Render by name only, never the secret."""
        return self.name


@dataclass
class Group:
    """A GitLab group; ``full_path`` includes the ancestors' paths."""

    id: int
    full_path: str
    parent: int | None = None
    public: bool = False

    @property
    def name(self) -> str:
        """Last path component, as GitLab's ``Group#name`` would show it."""
        return self.full_path.rsplit("/", 1)[-1]


@dataclass
class Project:
    """A GitLab project; ``full_path`` is ``<group path>/<project path>``."""

    id: int
    full_path: str
    group: int | None = None
    public: bool = False

    @property
    def name(self) -> str:
        """Last path component, as GitLab's ``Project#name`` would show it."""
        return self.full_path.rsplit("/", 1)[-1]


@dataclass
class PackageFile:
    """One file of one package version in one project's registry."""

    project_id: int
    name: str
    version: str
    filename: str
    sha256: str
    #: Server-relative download path (the project file route).
    path: str
    requires_python: str | None = None
    data: bytes = field(default=b"", repr=False)

    @property
    def normalized_name(self) -> str:
        """PEP 503 name, the key GitLab's package finder matches on."""
        return normalize_name(self.name)


@dataclass(repr=False)
class LogEntry:
    """One request seen by the fake GitLab, with how it was authenticated.

    ``token`` is the credential GitLab resolved from the ``Authorization``
    header (even when the request was then refused with 404 for lack of
    access); ``None`` for anonymous requests and for credentials that match
    no token. ``auth_username`` is the basic-auth username as sent.
    """

    method: str
    path: str
    status: int
    token: Token | None
    auth_username: str | None
    authorization_sent: bool
    kind: RequestKind
    project_id: int | None
    package: str | None
    group_id: int | None = None
    filename: str | None = None
    host: str = ""
    query: str = ""

    #: ``auth_username`` with any known token secret replaced (set by the server).
    auth_username_display: str | None = None

    @property
    def token_name(self) -> str | None:
        """Name of the authenticating token, safe to print."""
        return None if self.token is None else self.token.name

    def __repr__(self) -> str:
        """Like the dataclass repr, but shows the username only in redacted form.

        pytest prints log entries in assertion failures; a client may send a
        token secret as the *username* (``https://SECRET@host/``), and tests
        grep failure output for secrets.
        """
        return (
            f"LogEntry({self.method} {self.path!r} -> {self.status}, kind={self.kind!r}, "
            f"token={self.token_name!r}, auth_username={self.auth_username_display!r}, "
            f"authorization_sent={self.authorization_sent}, project_id={self.project_id}, "
            f"group_id={self.group_id}, package={self.package!r}, host={self.host!r})"
        )


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


class FakeGitLab:
    """In-memory GitLab with projects, groups, PyPI packages and tokens.

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
    ``forward_unknown_packages``
        Models GitLab's "forward package requests to PyPI": a ``simple/<name>``
        page for a package the caller cannot see redirects to pypi.org.
        Off by default because tests run offline.
    """

    def __init__(
        self,
        httpserver: HTTPServer,
        *,
        group_file_links: GroupFileLinks = "project",
        strict_deploy_token_username: bool = False,
        reject_unknown_credentials: bool = False,
        forward_unknown_packages: bool = False,
    ) -> None:
        """Register one catch-all handler on ``httpserver``.

        A single permanent regex handler means pytest-httpserver never
        records "no handler" assertions, so its ``check_assertions()`` stays
        clean; routing happens here, on the raw path.
        """
        self.httpserver = httpserver
        self.group_file_links: GroupFileLinks = group_file_links
        self.strict_deploy_token_username = strict_deploy_token_username
        self.reject_unknown_credentials = reject_unknown_credentials
        self.forward_unknown_packages = forward_unknown_packages

        self.groups: dict[int, Group] = {}
        self.projects: dict[int, Project] = {}
        self.packages: list[PackageFile] = []
        self.tokens: list[Token] = []
        #: Every request, in arrival order. Appended from the server thread.
        self.log: list[LogEntry] = []

        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        httpserver.expect_request(re.compile(".*")).respond_with_handler(self.handle)

    # ------------------------------------------------------------------ URLs

    @property
    def port(self) -> int:
        """TCP port the server listens on."""
        return int(self.httpserver.port)

    @property
    def host(self) -> str:
        """Host spelling used by :attr:`base_url` (``127.0.0.1`` for localhost)."""
        host = str(self.httpserver.host)
        return "127.0.0.1" if host in ("localhost", "") else host

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        return self._origin(None, None, None)

    def _origin(self, token: Token | None, username: str | None, host: str | None) -> str:
        """Build ``http://[userinfo@]host:port``, percent-encoding userinfo.

        Everything is encoded with ``safe=""`` because tests use secrets and
        usernames containing ``@ : /``, which must survive URL parsing.
        """
        userinfo = ""
        if token is not None:
            user = token.username if username is None else username
            userinfo = f"{quote(user, safe='')}:{quote(token.secret, safe='')}@"
        elif username is not None:
            userinfo = f"{quote(username, safe='')}@"
        hostname = host or self.host
        if ":" in hostname and not hostname.startswith("["):
            hostname = f"[{hostname}]"
        return f"http://{userinfo}{hostname}:{self.port}"

    def project_index_url(
        self,
        project: int | str,
        token: Token | None = None,
        username: str | None = None,
        host: str | None = None,
    ) -> str:
        """Return the project's ``simple`` index URL, optionally with credentials.

        ``project`` as a string is the full path and is sent URL-encoded
        (``my-group%2Fproj-a``), GitLab's other accepted spelling of ``:id``.
        """
        ident = str(project) if isinstance(project, int) else quote(project, safe="")
        return f"{self._origin(token, username, host)}/api/v4/projects/{ident}/packages/pypi/simple"

    def group_index_url(
        self,
        group: int | str,
        token: Token | None = None,
        username: str | None = None,
        host: str | None = None,
    ) -> str:
        """Return the group's ``simple`` index URL (same conventions as projects)."""
        ident = str(group) if isinstance(group, int) else quote(group, safe="")
        return f"{self._origin(token, username, host)}/api/v4/groups/{ident}/-/packages/pypi/simple"

    def file_url(self, package_file: PackageFile, host: str | None = None) -> str:
        """Absolute URL of a file on its project file route."""
        return f"{self._origin(None, None, host)}{package_file.path}"

    # ------------------------------------------------------------ fixtures

    def add_group(
        self, id: int, path: str, parent: int | None = None, public: bool = False
    ) -> Group:
        """Create a group. ``path`` is the full path, or a bare name under ``parent``."""
        with self._lock:
            if id in self.groups:
                raise ValueError(f"group {id} already exists")
            if parent is not None:
                parent_path = self._group(parent).full_path
                if "/" not in path:
                    path = f"{parent_path}/{path}"
            group = Group(id=id, full_path=path, parent=parent, public=public)
            self.groups[id] = group
            return group

    def add_project(
        self, id: int, path: str, group: int | None = None, public: bool = False
    ) -> Project:
        """Create a project. ``path`` is the full path, or a bare name under ``group``."""
        with self._lock:
            if id in self.projects:
                raise ValueError(f"project {id} already exists")
            if group is not None:
                group_path = self._group(group).full_path
                if "/" not in path:
                    path = f"{group_path}/{path}"
            project = Project(id=id, full_path=path, group=group, public=public)
            self.projects[id] = project
            return project

    def add_package(
        self,
        project: int,
        name: str,
        version: str,
        requires: Sequence[str] = (),
        requires_python: str | None = None,
    ) -> PackageFile:
        """Publish a freshly built wheel of ``name==version`` in ``project``.

        Publishing the same arguments in two projects yields identical bytes,
        hence identical file name and sha256: only the project id in the
        download URL differs, which is the case the shim exists for.
        """
        filename, data = build_wheel(name, version, requires, requires_python)
        return self.add_file(project, name, version, filename, data, requires_python)

    def add_file(
        self,
        project: int,
        name: str,
        version: str,
        filename: str,
        data: bytes,
        requires_python: str | None = None,
    ) -> PackageFile:
        """Publish arbitrary bytes (e.g. an sdist) as a file of ``name==version``."""
        with self._lock:
            self._project(project)
            sha = hashlib.sha256(data).hexdigest()
            package_file = PackageFile(
                project_id=project,
                name=name,
                version=version,
                filename=filename,
                sha256=sha,
                path=f"/api/v4/projects/{project}/packages/pypi/files/{sha}/{filename}",
                requires_python=requires_python,
                data=data,
            )
            self.packages.append(package_file)
            return package_file

    def _new_token(
        self,
        kind: TokenKind,
        username: str,
        name: str,
        secret: str | None,
        projects: Iterable[int] = (),
        groups: Iterable[int] = (),
    ) -> Token:
        """Create and register a token with a random (or given) unique secret."""
        with self._lock:
            project_ids = frozenset(projects)
            group_ids = frozenset(groups)
            for project_id in project_ids:
                self._project(project_id)
            for group_id in group_ids:
                self._group(group_id)
            if secret is None:
                secret = _SECRET_PREFIX[kind] + secrets.token_urlsafe(20)
            if any(t.secret == secret for t in self.tokens):
                raise ValueError(f"secret of token {name!r} collides with another token")
            if any(t.name == name for t in self.tokens):
                raise ValueError(f"token name {name!r} already used")
            token = Token(
                name=name,
                kind=kind,
                username=username,
                secret=secret,
                projects=project_ids,
                groups=group_ids,
            )
            self.tokens.append(token)
            return token

    def personal_access_token(
        self,
        username: str,
        projects: Iterable[int] = (),
        groups: Iterable[int] = (),
        name: str | None = None,
        secret: str | None = None,
    ) -> Token:
        """A PAT of user ``username``, member of ``projects`` and ``groups``.

        GitLab ignores the basic-auth username for PATs, so any username
        (``__token__``, the real one, anything) works on the wire.
        """
        n = next(self._ids)
        return self._new_token(
            "personal", username, name or f"pat-{username}-{n}", secret, projects, groups
        )

    def project_deploy_token(
        self,
        project: int,
        name: str | None = None,
        secret: str | None = None,
        username: str | None = None,
    ) -> Token:
        """A deploy token of ``project`` (username ``gitlab+deploy-token-N``)."""
        n = next(self._ids)
        return self._new_token(
            "project_deploy",
            username or f"gitlab+deploy-token-{n}",
            name or f"project-{project}-deploy-{n}",
            secret,
            projects=(project,),
        )

    def group_deploy_token(
        self,
        group: int,
        name: str | None = None,
        secret: str | None = None,
        username: str | None = None,
    ) -> Token:
        """A deploy token of ``group``: reads every project in its subtree."""
        n = next(self._ids)
        return self._new_token(
            "group_deploy",
            username or f"gitlab+deploy-token-{n}",
            name or f"group-{group}-deploy-{n}",
            secret,
            groups=(group,),
        )

    def job_token(
        self,
        projects: Iterable[int],
        name: str | None = None,
        secret: str | None = None,
    ) -> Token:
        """A CI job token reaching ``projects``; only valid as ``gitlab-ci-token``."""
        n = next(self._ids)
        return self._new_token("job", CI_JOB_USER, name or f"job-{n}", secret, projects=projects)

    # ------------------------------------------------------------- the log

    def requests(
        self,
        kind: RequestKind | None = None,
        package: str | None = None,
        project: int | None = None,
    ) -> list[LogEntry]:
        """Snapshot of the log, filtered by kind, (normalised) package, project."""
        wanted = None if package is None else normalize_name(package)
        with self._lock:
            return [
                e
                for e in self.log
                if (kind is None or e.kind == kind)
                and (wanted is None or e.package == wanted)
                and (project is None or e.project_id == project)
            ]

    def file_requests(self) -> list[LogEntry]:
        """All download requests (project or group file routes)."""
        return self.requests(kind="file")

    def clear_log(self) -> None:
        """Forget all requests so far (e.g. after a warm-up install)."""
        with self._lock:
            del self.log[:]

    def describe_log(self, entries: Iterable[LogEntry] | None = None) -> str:
        """Human-readable log for assertion messages, never showing secrets.

        Tokens appear by name; any known secret that shows up anyway (a
        client sending a secret as the username, or in a path) is replaced
        by ``<secret of NAME>``.
        """
        with self._lock:
            rows = list(self.log if entries is None else entries)
            tokens = list(self.tokens)
        if not rows:
            return "(no requests)"
        lines = []
        for i, e in enumerate(rows, 1):
            if not e.authorization_sent:
                auth = "anonymous"
            elif e.token is not None:
                auth = f"token={e.token.name} ({e.token.kind}) user={e.auth_username_display!r}"
            else:
                auth = f"unrecognised-credentials user={e.auth_username_display!r}"
            where = []
            if e.project_id is not None:
                where.append(f"project={e.project_id}")
            if e.group_id is not None:
                where.append(f"group={e.group_id}")
            if e.package is not None:
                where.append(f"package={e.package}")
            lines.append(
                f"{i:3d}. {e.method} {e.host}{e.path} -> {e.status} [{e.kind}"
                f"{' ' if where else ''}{' '.join(where)}] {auth}"
            )
        return _redact("\n".join(lines), tokens)

    # ------------------------------------------------------------ handling

    def handle(self, request: Request) -> Response:
        """pytest-httpserver handler: route, authorise, respond and log."""
        raw = _raw_path(request)
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
            raise  # pytest-httpserver records it in handler_errors
        self._append(request, raw, response.status_code, auth, kind, info)
        return response

    def _append(
        self,
        request: Request,
        raw: str,
        status: int,
        auth: _Auth,
        kind: RequestKind,
        info: dict[str, object],
    ) -> None:
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
                    None if auth.username is None else _redact(auth.username, self.tokens)
                ),
                authorization_sent=auth.sent,
                kind=kind,
                project_id=project_id if isinstance(project_id, int) else None,
                package=package if isinstance(package, str) else None,
                group_id=group_id if isinstance(group_id, int) else None,
                filename=filename if isinstance(filename, str) else None,
                host=request.host,
                query=request.query_string.decode("latin-1"),
            )
            self.log.append(entry)

    def _authenticate(self, request: Request) -> _Auth:
        """Resolve basic-auth credentials the way GitLab's API guard does.

        ``find_user_from_sources`` tries, in order: a deploy token (username
        ignored), a personal access token from basic auth (username ignored),
        then a job token -- looked up only when the username is exactly
        ``gitlab-ci-token``, and raising ``UnauthorizedError`` when that
        lookup fails. Anything else yields no user, i.e. anonymous.
        """
        header = request.headers.get("Authorization")
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
        self, request: Request, raw: str, auth: _Auth
    ) -> tuple[RequestKind, dict[str, object], Response]:
        """Route on the raw path and produce the response.

        Returns the request kind and log details alongside the response, so
        that :meth:`handle` can log even requests answered with an error.
        """
        info: dict[str, object] = {}
        for scope, kind, pattern in _ROUTES:
            match = pattern.match(raw)
            if match is None:
                continue
            try:
                response = self._route(request, auth, scope, kind, match, info)
            except _HTTPError as err:
                response = _error(err.status, err.message)
            return kind, info, response
        return "other", info, _error(404, "404 Not Found")

    def _route(
        self,
        request: Request,
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
            info["package"] = normalize_name(unquote(groups["name"]))
        if "file" in groups:
            info["filename"] = unquote(groups["file"])
        base = request.host_url.rstrip("/")

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
                return _html(_index_page(project.name, files, self._project_simple(base, project)))
            if kind == "page":
                return self._package_page(base, files, info, project=project)
            return self._serve_file(files, groups["sha"], info)

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
            return _html(_index_page(group.name, files, self._group_simple(base, group)))
        if kind == "page":
            return self._package_page(base, files, info, group=group)
        return self._serve_file(files, groups["sha"], info)

    def _package_page(
        self,
        base: str,
        files: list[PackageFile],
        info: dict[str, object],
        project: Project | None = None,
        group: Group | None = None,
    ) -> Response:
        """Render ``simple/<name>`` or 404/redirect when nothing is visible."""
        wanted = info["package"]
        found = [f for f in files if f.normalized_name == wanted]
        if not found:
            if self.forward_unknown_packages:
                return Response(
                    status=302, headers={"Location": f"https://pypi.org/simple/{wanted}/"}
                )
            raise _HTTPError(404, "404 Package Not Found")
        links = []
        for f in found:
            if group is not None and self.group_file_links == "group":
                owner = f"groups/{group.id}/-"
            else:
                owner = f"projects/{f.project_id}"
            url = f"{base}/api/v4/{owner}/packages/pypi/files/{f.sha256}/{quote(f.filename)}"
            links.append((f"{url}#sha256={f.sha256}", f.requires_python, f.filename))
        return _html(_links_page(found[0].name, links))

    def _serve_file(self, files: list[PackageFile], sha: str, info: dict[str, object]) -> Response:
        """Serve the file matching filename *and* sha256 among ``files``."""
        filename = info["filename"]
        for f in files:
            if f.filename == filename and f.sha256 == sha:
                info["project_id"] = f.project_id
                info["package"] = f.normalized_name
                return Response(
                    f.data,
                    status=200,
                    content_type="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{f.filename}"'},
                )
        raise _HTTPError(404, "404 Package Not Found")

    def _project_simple(self, base: str, project: Project) -> str:
        """Prefix of ``simple/<name>`` links on a project index page."""
        return f"{base}/api/v4/projects/{project.id}/packages/pypi/simple"

    def _group_simple(self, base: str, group: Group) -> str:
        """Prefix of ``simple/<name>`` links on a group index page."""
        return f"{base}/api/v4/groups/{group.id}/-/packages/pypi/simple"

    # --------------------------------------------------------- permissions

    def _group(self, group_id: int) -> Group:
        """Return a group or fail loudly on a test-setup typo."""
        try:
            return self.groups[group_id]
        except KeyError:
            raise ValueError(f"no group {group_id}") from None

    def _project(self, project_id: int) -> Project:
        """Return a project or fail loudly on a test-setup typo."""
        try:
            return self.projects[project_id]
        except KeyError:
            raise ValueError(f"no project {project_id}") from None

    def _find_project(self, ident: str) -> Project | None:
        """Resolve ``:id`` (numeric id or full path, case-insensitive)."""
        if ident.isdigit():
            return self.projects.get(int(ident))
        lowered = ident.lower()
        return next((p for p in self.projects.values() if p.full_path.lower() == lowered), None)

    def _find_group(self, ident: str) -> Group | None:
        """Resolve a group ``:id`` (numeric id or full path)."""
        if ident.isdigit():
            return self.groups.get(int(ident))
        lowered = ident.lower()
        return next((g for g in self.groups.values() if g.full_path.lower() == lowered), None)

    def _ancestors(self, group_id: int | None) -> list[int]:
        """``group_id`` and its ancestors, nearest first."""
        chain: list[int] = []
        while group_id is not None and group_id not in chain:
            chain.append(group_id)
            group_id = self.groups[group_id].parent
        return chain

    def _in_subtree(self, group_id: int | None, root: int) -> bool:
        """Whether ``group_id`` is ``root`` or one of its descendants."""
        return root in self._ancestors(group_id)

    def _can_read_project(self, token: Token | None, project: Project) -> bool:
        """``can?(user, :read_package, project)`` for the modelled token kinds."""
        if project.public:
            return True
        if token is None:
            return False
        if project.id in token.projects:
            return True
        return any(self._in_subtree(project.group, g) for g in token.groups)

    def _can_read_group(self, token: Token | None, group: Group) -> bool:
        """``can?(user, :read_group, group)`` for the modelled token kinds.

        Users and job tokens (acting as the job's user) can read a group
        they are a member of, its descendants, and any group holding a
        project or subgroup they are a member of. A group deploy token
        reads its group's subtree; a project deploy token reads no group.
        """
        if group.public:
            return True
        if token is None or token.kind == "project_deploy":
            return False
        if any(self._in_subtree(group.id, g) for g in token.groups):
            return True
        if token.kind == "group_deploy":
            return False
        if any(group.id in self._ancestors(g) for g in token.groups):
            return True
        return any(self._in_subtree(self.projects[p].group, group.id) for p in token.projects)


# ----------------------------------------------------------------- helpers


def _raw_path(request: Request) -> str:
    """The request path exactly as sent (``%2F`` intact), without the query.

    werkzeug decodes ``%2F`` in ``request.path``, which would make
    ``my-group%2Fproj-a`` indistinguishable from two path segments; its dev
    server keeps the original in ``RAW_URI``/``REQUEST_URI``.
    """
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if not raw:
        return quote(request.path)
    if "://" in raw.split("?", 1)[0]:
        raw = urlsplit(raw).path or "/"
    return str(raw).split("?", 1)[0]


def _redact(text: str, tokens: Iterable[Token]) -> str:
    """Replace every known secret (raw or percent-encoded) by a placeholder."""
    for token in sorted(tokens, key=lambda t: len(t.secret), reverse=True):
        if len(token.secret) < 4:
            continue  # too short to redact without mangling unrelated text
        for form in {token.secret, quote(token.secret, safe="")}:
            text = text.replace(form, f"<secret of {token.name}>")
    return text


def _refusal(auth: _Auth, not_found: str) -> _HTTPError:
    """``unauthorized_or! { not_found! }``: 404 for a known caller, else 401."""
    if auth.token is not None:
        return _HTTPError(404, not_found)
    return _HTTPError(401, "401 Unauthorized")


def _error(status: int, message: str) -> Response:
    """GitLab API error body; 401s carry the Packages Registry realm."""
    response = Response(
        json.dumps({"message": message}), status=status, content_type="application/json"
    )
    if status == 401:
        response.headers["WWW-Authenticate"] = REALM
    return response


def _html(body: str) -> Response:
    """An HTML 200 response as GitLab's ``present_html`` sends it."""
    return Response(body, status=200, content_type="text/html; charset=utf-8")


def _page(title: str, anchors: Iterable[str]) -> str:
    """The PEP 503 skeleton shared by GitLab's simple presenters."""
    escaped = html.escape(title)
    return (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        f"    <title>Links for {escaped}</title>\n"
        "  </head>\n  <body>\n"
        f"    <h1>Links for {escaped}</h1>\n"
        + "".join(f"    {a}<br>\n" for a in anchors)
        + "  </body>\n</html>\n"
    )


def _anchor(url: str, requires_python: str | None, text: str) -> str:
    """One link; GitLab always emits ``data-requires-python`` (empty when unset)."""
    return (
        f'<a href="{html.escape(url)}" '
        f'data-requires-python="{html.escape(requires_python or "")}">{html.escape(text)}</a>'
    )


def _index_page(title: str, files: Iterable[PackageFile], simple_prefix: str) -> str:
    """The ``simple`` page: one link per distinct package (by normalised name)."""
    seen: dict[str, PackageFile] = {}
    for f in files:
        seen.setdefault(f.normalized_name, f)
    anchors = [
        _anchor(f"{simple_prefix}/{norm}", f.requires_python, f.name)
        for norm, f in sorted(seen.items())
    ]
    return _page(title, anchors)


def _links_page(title: str, links: Iterable[tuple[str, str | None, str]]) -> str:
    """The ``simple/<name>`` page: one link per file."""
    return _page(title, [_anchor(url, rp, text) for url, rp, text in links])
