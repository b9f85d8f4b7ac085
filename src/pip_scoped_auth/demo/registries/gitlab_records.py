"""What the fake GitLab holds: tokens, groups, projects, package files, and its request log.

Plain data, no HTTP: :mod:`~pip_scoped_auth.demo.registries.gitlab` serves
it. Secrets never reach a ``repr``: :class:`Token` hides its secret and
:class:`LogEntry` shows the basic-auth username only redacted, because tests
grep failure output for leaked secrets.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote

from pip_scoped_auth.demo.wheels import normalize_name

__all__ = [
    "CI_JOB_USER",
    "HTML_CONTENT_TYPE",
    "JSON_CONTENT_TYPE",
    "REALM",
    "Group",
    "GroupFileLinks",
    "LogEntry",
    "PackageFile",
    "Project",
    "RequestKind",
    "Token",
    "TokenKind",
    "redact",
]

TokenKind = Literal["personal", "project_deploy", "group_deploy", "job"]
RequestKind = Literal["index", "page", "file", "metadata", "other"]
GroupFileLinks = Literal["project", "group"]

#: ``Gitlab::Auth::CI_JOB_USER``: the only username under which a job token is
#: looked up from HTTP basic auth.
CI_JOB_USER = "gitlab-ci-token"
#: ``BasicAuthHelpers::Constants::AUTHENTICATE_REALM_NAME``.
REALM = 'Basic realm="GitLab Packages Registry"'
#: ``PypiPackages::PEP_691_JSON_CONTENT_TYPE`` (GitLab appends ``; charset=utf-8``).
JSON_CONTENT_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_CONTENT_TYPE = "text/html"


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
    #: Server path of a files tree shared with other projects (no project id
    #: in it), e.g. ``/shared/files``; ``None`` uses GitLab's project file route.
    files_base: str | None = None

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
    #: Server-relative download path that project pages link to: the project
    #: file route, or ``<files_base>/<sha256>/<filename>`` for a shared tree.
    path: str
    requires_python: str | None = None
    data: bytes = field(default=b"", repr=False)
    #: The wheel's ``*.dist-info/METADATA`` bytes (``None`` for non-wheels),
    #: served as ``<file url>.metadata`` when ``FakeGitLab.serve_metadata``.
    metadata: bytes | None = field(default=None, repr=False)

    @property
    def normalized_name(self) -> str:
        """PEP 503 name, the key GitLab's package finder matches on."""
        return normalize_name(self.name)

    @property
    def metadata_sha256(self) -> str | None:
        """Hex sha256 of :attr:`metadata`, as PEP 658/714 pages announce it."""
        return None if self.metadata is None else hashlib.sha256(self.metadata).hexdigest()


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
    #: Media type of the answer without parameters (``text/html``,
    #: ``application/vnd.pypi.simple.v1+json``, ``application/octet-stream``...).
    content_type: str = ""
    #: ``Location`` of a redirect (forwarding, object storage), else ``""``.
    location: str = ""

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
            f"group_id={self.group_id}, package={self.package!r}, host={self.host!r}, "
            f"content_type={self.content_type!r}, location={self.location!r})"
        )


def redact(text: str, tokens: Iterable[Token]) -> str:
    """Replace every known secret (raw or percent-encoded) by a placeholder."""
    for token in sorted(tokens, key=lambda t: len(t.secret), reverse=True):
        if len(token.secret) < 4:
            continue  # too short to redact without mangling unrelated text
        for form in {token.secret, quote(token.secret, safe="")}:
            text = text.replace(form, f"<secret of {token.name}>")
    return text
