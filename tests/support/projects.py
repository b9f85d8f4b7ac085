"""The bug report's GitLab set-up, shared by the integration tests.

Two projects (323 and 324) in one group on one host, one package each: the
``projects`` fixture (``tests/integration/conftest.py``) builds it on the
``gitlab`` fixture, and :func:`two_deploy_tokens` adds scenario 5's tokens.
"""

from __future__ import annotations

from pip_scoped_auth.demo.registries.gitlab import FakeGitLab, Token

__all__ = ["P1", "P2", "add_bug_report_projects", "two_deploy_tokens"]

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
