"""Every pip command that talks to an index, with two project indexes on one host.

``install`` is the bug report's own command (test_bug_report.py); here are
``download``, ``wheel``, ``index versions``, ``lock`` and the nested pip that
build isolation runs to fetch an sdist's build dependencies.
"""

from __future__ import annotations

import pytest

from pip_scoped_auth.demo.registries.gitlab import FakeGitLab, Token
from tests.support.pip_versions import OLDEST_PIP, pips
from tests.support.pipenvs import MakePip, PipEnv, PipResult
from tests.support.projects import P1, P2, assert_own_tokens


def _tokens(gitlab: FakeGitLab) -> dict[int, Token]:
    return {P1: gitlab.project_deploy_token(P1), P2: gitlab.project_deploy_token(P2)}


def _index_args(gitlab: FakeGitLab, tokens: dict[int, Token], first: int = P1) -> list[str]:
    second = P2 if first == P1 else P1
    return [
        "--index-url",
        gitlab.project_index_url(first, tokens[first]),
        "--extra-index-url",
        gitlab.project_index_url(second, tokens[second]),
    ]


@pytest.mark.parametrize("pip_version", pips())
@pytest.mark.parametrize("command", ["download", "wheel"])
def test_download_and_wheel(
    projects: FakeGitLab, make_pip: MakePip, pip_version: str, command: str
) -> None:
    tokens = _tokens(projects)
    pip = make_pip(pip_version)
    pip.secrets.extend(t.secret for t in tokens.values())
    out = pip.workdir / "out"
    dest = ["-d", str(out)] if command == "download" else ["-w", str(out)]
    result = pip.run(
        command,
        "--no-cache-dir",
        *dest,
        "pypipackage1",
        "pypipackage2",
        *_index_args(projects, tokens),
    )
    assert result.returncode == 0, result.redacted()
    assert sorted(p.name.split("-")[0] for p in out.iterdir()) == ["pypipackage1", "pypipackage2"]
    assert_own_tokens(projects, tokens, {P1, P2})


@pytest.mark.parametrize("pip_version", pips())
def test_index_versions(projects: FakeGitLab, make_pip: MakePip, pip_version: str) -> None:
    """``pip index versions`` reads pages only; each still gets its own token."""
    tokens = _tokens(projects)
    pip = make_pip(pip_version)
    pip.secrets.extend(t.secret for t in tokens.values())
    result = pip.run("index", "versions", "pypipackage2", *_index_args(projects, tokens))
    assert result.returncode == 0, result.redacted()
    assert "pypipackage2 (2.5.6)" in result.stdout, result.redacted()
    pages = [e for e in projects.log if e.kind == "page" and e.package == "pypipackage2"]
    assert {e.project_id for e in pages} == {P1, P2}, projects.describe_log()
    assert_own_tokens(projects, tokens, set())
    assert not any(secret in result.output for secret in pip.secrets)


@pytest.mark.parametrize("pip_version", pips(matrix=True, since="25.1"))
def test_lock(projects: FakeGitLab, make_pip: MakePip, pip_version: str) -> None:
    """``pip lock`` (25.1+) resolves with the same session; pylock.toml holds no token."""
    tokens = _tokens(projects)
    pip = make_pip(pip_version)
    pip.secrets.extend(t.secret for t in tokens.values())
    lock = pip.workdir / "pylock.toml"
    result = pip.run(
        "lock", "-o", str(lock), "pypipackage1", "pypipackage2", *_index_args(projects, tokens)
    )
    assert result.returncode == 0, result.redacted()
    text = lock.read_text()
    assert "pypipackage1" in text and "pypipackage2" in text
    assert not any(secret in text for secret in pip.secrets)
    assert_own_tokens(projects, tokens, {P1, P2})


# --------------------------------------------------------------- build isolation


#: An in-tree PEP 517 backend that needs ``tinybackend`` from the private index:
#: the build fails unless pip's nested build-isolation pip fetched it.
def _build_install(
    gitlab: FakeGitLab, make_pip: MakePip, pip_version: str, shim: bool
) -> tuple[dict[int, Token], PipEnv, PipResult]:
    tokens = _tokens(gitlab)
    pip = make_pip(pip_version, shim=shim)
    pip.secrets.extend(t.secret for t in tokens.values())
    # Project 2 first: in the nested pip, project 1's page for tinybackend is
    # the last request before the download, so pip's per-host cache holds the
    # wrong token when the file of project 2 is fetched.
    result = pip.install("buildme", *_index_args(gitlab, tokens, first=P2))
    return tokens, pip, result


@pytest.mark.parametrize("pip_version", pips(matrix=True))
def test_build_isolation_nested_pip_is_scoped(
    build_projects: FakeGitLab, make_pip: MakePip, pip_version: str
) -> None:
    tokens, pip, result = _build_install(build_projects, make_pip, pip_version, shim=True)
    assert result.returncode == 0, result.redacted()
    built = list(pip.workdir.glob("target-*/buildme/__init__.py"))
    assert built and "BUILT_WITH = '1.0'" in built[0].read_text()
    backend = [e for e in build_projects.file_requests() if "tinybackend" in e.path]
    assert backend and backend[0].token is tokens[P2], build_projects.describe_log()
    assert_own_tokens(build_projects, tokens, {P1, P2})
    assert not any(secret in result.output for secret in pip.secrets)


@pytest.mark.token_in_output_expected(
    "stock pip logs the failed nested build command, index URLs and tokens included"
)
def test_build_isolation_fails_on_stock_pip(build_projects: FakeGitLab, make_pip: MakePip) -> None:
    """Stock pip 22.3's nested pip sends project 1's token for project 2's backend."""
    tokens, _pip, result = _build_install(build_projects, make_pip, OLDEST_PIP, shim=False)
    assert result.returncode != 0, result.redacted()
    backend = [e for e in build_projects.file_requests() if "tinybackend" in e.path]
    assert backend and backend[0].token is tokens[P1], build_projects.describe_log()
    assert backend[0].status == 404, build_projects.describe_log()
