"""What the fake GitLab holds and who may read it: groups, projects, files, tokens, the log.

:class:`GitLabStore` is the set-up API the tests use (``add_project``,
``project_deploy_token``, ``project_index_url``...), the request log and
GitLab's read permissions for the modelled token kinds. How GitLab answers
HTTP requests is :class:`~pip_scoped_auth.demo.registries.gitlab.FakeGitLab`,
its subclass.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
import threading
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from pip_scoped_auth.demo.registries.gitlab_records import (
    CI_JOB_USER,
    Group,
    LogEntry,
    PackageFile,
    Project,
    RequestKind,
    Token,
    TokenKind,
    redact,
)
from pip_scoped_auth.demo.registries.simple_pages import wheel_metadata
from pip_scoped_auth.demo.wheels import build_wheel, normalize_name

__all__ = ["GitLabStore"]

_SECRET_PREFIX: dict[str, str] = {
    # GitLab's real prefixes, so a secret in a log is recognisable at a glance.
    "personal": "glpat-",
    "project_deploy": "gldt-",
    "group_deploy": "gldt-",
    "job": "glcbt-",
}


class GitLabStore:
    """Groups, projects, package files and tokens of one GitLab, and its request log."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """An empty GitLab whose URLs name ``host:port`` (set :attr:`port` once served)."""
        #: Where the server listens (``localhost`` is written ``127.0.0.1``).
        self.bound_host = host
        self.port = port
        self.groups: dict[int, Group] = {}
        self.projects: dict[int, Project] = {}
        self.packages: list[PackageFile] = []
        self.tokens: list[Token] = []
        #: Every request, in arrival order. Appended from the server thread.
        self.log: list[LogEntry] = []

        self._lock = threading.RLock()
        self._ids = itertools.count(1)

    # ------------------------------------------------------------------ URLs

    @property
    def host(self) -> str:
        """Host spelling used by :attr:`base_url` (``127.0.0.1`` for localhost)."""
        host = self.bound_host
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
        self,
        id: int,
        path: str,
        group: int | None = None,
        public: bool = False,
        files_base: str | None = None,
    ) -> Project:
        """Create a project. ``path`` is the full path, or a bare name under ``group``.

        ``files_base`` (e.g. ``/shared/files``) makes this project's pages link
        to ``{host}{files_base}/<sha256>/<filename>``, a tree several projects
        can share without any distinguishing prefix (not GitLab: it models
        registries whose download URLs do not name the index). Requests
        there are authorised against the project(s) owning that file.
        """
        with self._lock:
            if id in self.projects:
                raise ValueError(f"project {id} already exists")
            if group is not None:
                group_path = self._group(group).full_path
                if "/" not in path:
                    path = f"{group_path}/{path}"
            if files_base is not None:
                files_base = "/" + files_base.strip("/")
                if files_base == "/":
                    raise ValueError("files_base must name a directory, not /")
            project = Project(
                id=id, full_path=path, group=group, public=public, files_base=files_base
            )
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
            files_base = self._project(project).files_base
            sha = hashlib.sha256(data).hexdigest()
            if files_base is None:
                path = f"/api/v4/projects/{project}/packages/pypi/files/{sha}/{filename}"
            else:
                path = f"{files_base}/{sha}/{filename}"
            package_file = PackageFile(
                project_id=project,
                name=name,
                version=version,
                filename=filename,
                sha256=sha,
                path=path,
                requires_python=requires_python,
                data=data,
                metadata=wheel_metadata(filename, data),
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
        """All download requests (project, group or shared file routes)."""
        return self.requests(kind="file")

    def metadata_requests(self) -> list[LogEntry]:
        """All ``<file url>.metadata`` requests (PEP 658), served or not."""
        return self.requests(kind="metadata")

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
            served = f" {e.content_type}" if e.content_type and e.status == 200 else ""
            moved = f" -> {e.location}" if e.location else ""
            lines.append(
                f"{i:3d}. {e.method} {e.host}{e.path} -> {e.status}{served}{moved} [{e.kind}"
                f"{' ' if where else ''}{' '.join(where)}] {auth}"
            )
        return redact("\n".join(lines), tokens)

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
