"""The bug report's GitLab set-up, shared by the integration tests.

Two projects (323 and 324) in one group on one host, one package each: the
``projects`` fixture (``tests/integration/conftest.py``) builds it on the
``gitlab`` fixture, and :func:`two_deploy_tokens` adds scenario 5's tokens.
:func:`assert_file_tokens` is the check most GitLab tests end with: pip
succeeded and every file request carried its own project's token.
"""

from __future__ import annotations

from pip_scoped_auth.demo.registries.gitlab import FakeGitLab, Token
from tests.support.pipenvs import PipResult

__all__ = [
    "P1",
    "P2",
    "add_bug_report_projects",
    "assert_file_tokens",
    "assert_own_tokens",
    "two_deploy_tokens",
    "two_projects_two_tokens",
]

#: The bug report's two GitLab projects.
P1, P2 = 323, 324


def add_bug_report_projects(gitlab: FakeGitLab) -> FakeGitLab:
    """Projects 323 and 324 in group 10 (``my-group``), one package each."""
    gitlab.add_group(10, "my-group")
    gitlab.add_project(P1, "my-group/project-1", group=10)
    gitlab.add_project(P2, "my-group/project-2", group=10)
    gitlab.add_package(P1, "pypipackage1", "1.3.8")
    gitlab.add_package(P2, "pypipackage2", "2.5.6")
    return gitlab


def two_deploy_tokens(projects: FakeGitLab, first: int = P1) -> tuple[dict[int, Token], list[str]]:
    """Scenario 5 on the ``projects`` set-up: a deploy token per project, both in URLs.

    Returns the tokens by project and pip's arguments, ``first`` as ``--index-url``.
    """
    tokens = {P1: projects.project_deploy_token(P1), P2: projects.project_deploy_token(P2)}
    second = P2 if first == P1 else P1
    args = [
        "pypipackage1",
        "pypipackage2",
        "--index-url",
        projects.project_index_url(first, tokens[first]),
        "--extra-index-url",
        projects.project_index_url(second, tokens[second]),
    ]
    return tokens, args


def _files_by_project(gitlab: FakeGitLab) -> dict[int, list[Token | None]]:
    """Project -> the token each of its file requests carried."""
    seen: dict[int, list[Token | None]] = {}
    for entry in gitlab.file_requests():
        assert entry.project_id is not None
        seen.setdefault(entry.project_id, []).append(entry.token)
    return seen


def assert_file_tokens(
    result: PipResult, gitlab: FakeGitLab, expected: dict[int, Token | None]
) -> None:
    """pip succeeded, and every file request carried its own project's token."""
    assert result.returncode == 0, f"{result.redacted()}\n{gitlab.describe_log()}"
    files = _files_by_project(gitlab)
    assert set(files) == set(expected), gitlab.describe_log()
    for project, tokens in files.items():
        assert all(t is expected[project] for t in tokens), gitlab.describe_log()
    assert all(e.status < 400 for e in gitlab.file_requests()), gitlab.describe_log()


def two_projects_two_tokens(
    gitlab: FakeGitLab, files_base: str | None = None
) -> tuple[dict[int, Token], list[str]]:
    """Projects 323 and 324 (group-less, optionally on a shared ``files_base``), a deploy
    token each, and pip's arguments with 323 as ``--index-url``."""
    gitlab.add_project(323, "g/project-1", files_base=files_base)
    gitlab.add_project(324, "g/project-2", files_base=files_base)
    gitlab.add_package(323, "pypipackage1", "1.3.8")
    gitlab.add_package(324, "pypipackage2", "2.5.6")
    tokens = {323: gitlab.project_deploy_token(323), 324: gitlab.project_deploy_token(324)}
    args = [
        "pypipackage1",
        "pypipackage2",
        "--index-url",
        gitlab.project_index_url(323, tokens[323]),
        "--extra-index-url",
        gitlab.project_index_url(324, tokens[324]),
    ]
    return tokens, args


def assert_own_tokens(gitlab: FakeGitLab, tokens: dict[int, Token], files: set[int]) -> None:
    """Each project request that sent credentials sent its project's token and got 200."""
    assert {e.project_id for e in gitlab.file_requests()} == files, gitlab.describe_log()
    for entry in gitlab.log:
        if entry.kind == "file":
            assert entry.status == 200, gitlab.describe_log()
        if entry.project_id is not None and entry.authorization_sent:
            assert entry.token is tokens[entry.project_id], gitlab.describe_log()
