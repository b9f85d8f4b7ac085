"""Fake GitLab PyPI package registry used by the integration tests.

Import from here (``from tests.gitlab import FakeGitLab``); the ``gitlab``,
``upstream`` and ``object_storage`` pytest fixtures live in
:mod:`tests.gitlab.fixtures`.
"""

from tests.gitlab.object_storage import ObjectStorage, StorageLogEntry
from tests.gitlab.server import FakeGitLab, Group, LogEntry, PackageFile, Project, Token
from tests.gitlab.upstream import UpstreamFile, UpstreamIndex, UpstreamLogEntry
from tests.gitlab.wheels import build_wheel, normalize_name

__all__ = [
    "FakeGitLab",
    "Group",
    "LogEntry",
    "ObjectStorage",
    "PackageFile",
    "Project",
    "StorageLogEntry",
    "Token",
    "UpstreamFile",
    "UpstreamIndex",
    "UpstreamLogEntry",
    "build_wheel",
    "normalize_name",
]
