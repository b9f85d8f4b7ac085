"""The five scenarios of the original bug report, on real pip, against the fake GitLab.

Every test asserts on the server's request log: which token authenticated
each page and each file download, not only pip's exit code.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from pip_scoped_auth.demo.registries.gitlab import FakeGitLab, Token
from tests.support.pip_versions import OLDEST_PIP, pips
from tests.support.pipenvs import MakePip
from tests.support.projects import P1, P2, two_deploy_tokens


@pytest.fixture
def public_index() -> Iterator[str]:
    """Stands in for PyPI as the default index: public, and it has neither package."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.no_handler_status_code = 404
    server.start()
    try:
        yield server.url_for("/simple")
    finally:
        server.clear()
        if server.is_running():
            server.stop()


def assert_each_file_used_its_projects_token(
    gitlab: FakeGitLab, expected: dict[int, Token], result_text: str
) -> None:
    files = gitlab.file_requests()
    assert {e.project_id for e in files} == set(expected), gitlab.describe_log()
    for entry in files:
        assert entry.status == 200, f"{gitlab.describe_log()}\n{result_text}"
        assert entry.token is expected[entry.project_id], gitlab.describe_log()


@pytest.mark.parametrize("pip_version", pips())
@pytest.mark.parametrize("username", ["alice", "__token__"])
def test_scenarios_1_2_same_personal_token_on_both_indexes(
    projects: FakeGitLab, make_pip: MakePip, pip_version: str, username: str
) -> None:
    pat = projects.personal_access_token("alice", projects=[P1, P2])
    pip = make_pip(pip_version)
    pip.secrets.append(pat.secret)
    result = pip.install(
        "pypipackage1",
        "pypipackage2",
        "--index-url",
        projects.project_index_url(P1, pat, username=username),
        "--extra-index-url",
        projects.project_index_url(P2, pat, username=username),
    )
    assert result.returncode == 0, result.redacted()
    assert_each_file_used_its_projects_token(projects, {P1: pat, P2: pat}, result.redacted())


@pytest.mark.parametrize("pip_version", pips())
@pytest.mark.parametrize("username", ["alice", "__token__"])
def test_scenarios_3_4_extra_index_only(
    projects: FakeGitLab, public_index: str, make_pip: MakePip, pip_version: str, username: str
) -> None:
    pat = projects.personal_access_token("alice", projects=[P2])
    pip = make_pip(pip_version)
    pip.secrets.append(pat.secret)
    result = pip.install(
        "pypipackage2",
        "--index-url",
        public_index,
        "--extra-index-url",
        projects.project_index_url(P2, pat, username=username),
    )
    assert result.returncode == 0, result.redacted()
    assert_each_file_used_its_projects_token(projects, {P2: pat}, result.redacted())


@pytest.mark.parametrize("pip_version", pips(matrix=True))
@pytest.mark.parametrize("first", [P1, P2], ids=["323-first", "324-first"])
def test_scenario_5_two_project_deploy_tokens(
    projects: FakeGitLab, make_pip: MakePip, pip_version: str, first: int
) -> None:
    tokens, args = two_deploy_tokens(projects, first)
    pip = make_pip(pip_version)
    pip.secrets.extend(t.secret for t in tokens.values())
    result = pip.install(*args)
    assert result.returncode == 0, result.redacted()
    assert_each_file_used_its_projects_token(projects, tokens, result.redacted())
    # Every request on a project route carried that project's own token.
    for entry in projects.log:
        if entry.project_id is not None and entry.authorization_sent:
            assert entry.token is tokens[entry.project_id], projects.describe_log()


def test_scenario_5_fails_on_stock_pip(projects: FakeGitLab, make_pip: MakePip) -> None:
    """The rig reproduces the bug: stock pip 22.3 sends token 2 for project 1's wheel."""
    tokens, args = two_deploy_tokens(projects, P1)
    pip = make_pip(OLDEST_PIP, shim=False)
    pip.secrets.extend(t.secret for t in tokens.values())
    result = pip.install(*args)
    assert result.returncode != 0, result.redacted()
    assert "404" in result.output, result.redacted()
    wrong = [e for e in projects.file_requests() if e.project_id == P1]
    assert wrong and wrong[0].token is tokens[P2] and wrong[0].status == 404, (
        projects.describe_log()
    )
