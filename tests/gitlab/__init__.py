"""Fake GitLab PyPI package registry used by the integration tests.

Import from here (``from tests.gitlab import FakeGitLab``); the ``gitlab``
pytest fixture lives in :mod:`tests.gitlab.fixtures`.
"""

from tests.gitlab.server import FakeGitLab, Group, LogEntry, PackageFile, Project, Token
from tests.gitlab.wheels import build_wheel, normalize_name

__all__ = [
    "FakeGitLab",
    "Group",
    "LogEntry",
    "PackageFile",
    "Project",
    "Token",
    "build_wheel",
    "normalize_name",
]
