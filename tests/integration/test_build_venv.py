"""pip 26.2+ ``--use-feature venv-isolation``: the child pip in pip's build venv is scoped
(and pip 26.0+ ``--use-feature inprocess-build-deps``, which has no child).

The sdist ``buildme`` is on project 323, its build backend ``tinybackend``
only on project 324 (one host, a deploy token per project in the URLs,
both orders, indexes by id and by encoded path). With that feature pip
builds in a fresh temporary venv without the shim's ``.pth``; the shim arms
itself there through one ``.pth`` that loads it from the parent's
site-packages, without putting that directory on the build venv's
``sys.path``: the backend records which of the parent's packages it could
import, and must see none.
"""

from __future__ import annotations

import pytest

from pip_scoped_auth.demo.registries.gitlab import FakeGitLab, Token
from tests.support.pip_versions import NEWEST_PIP, pips
from tests.support.pipenvs import MakePip, PipEnv, PipResult
from tests.support.projects import P1, P2, assert_own_tokens

#: The indexes by numeric id, or by encoded project path (files still linked by id).
LAYOUTS = {"id": {P1: P1, P2: P2}, "path": {P1: "my-group/project-1", P2: "my-group/project-2"}}


def _install(
    gitlab: FakeGitLab,
    make_pip: MakePip,
    pip_version: str,
    shim: bool,
    layout: str,
    first: int,
    feature: str = "venv-isolation",
) -> tuple[dict[int, Token], PipEnv, PipResult]:
    tokens = {P1: gitlab.project_deploy_token(P1), P2: gitlab.project_deploy_token(P2)}
    ident: dict[int, int | str] = LAYOUTS[layout]
    second = P2 if first == P1 else P1
    pip = make_pip(pip_version, shim=shim)
    pip.secrets.extend(t.secret for t in tokens.values())
    result = pip.install(
        "--use-feature",
        feature,
        "buildme",
        "--index-url",
        gitlab.project_index_url(ident[first], tokens[first]),
        "--extra-index-url",
        gitlab.project_index_url(ident[second], tokens[second]),
    )
    return tokens, pip, result


@pytest.mark.parametrize("pip_version", pips(matrix=True, since="26.2"))
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("first", [P1, P2])
def test_venv_isolation_child_pip_is_scoped(
    build_projects: FakeGitLab, make_pip: MakePip, pip_version: str, layout: str, first: int
) -> None:
    tokens, pip, result = _install(build_projects, make_pip, pip_version, True, layout, first)
    assert result.returncode == 0, result.redacted()
    (built,) = pip.workdir.glob("target-*/buildme/__init__.py")
    namespace: dict[str, object] = {}
    exec(built.read_text(), namespace)  # noqa: S102 - the module our backend wrote
    assert namespace["BUILT_WITH"] == "1.0"
    # The isolation pip exists for holds: the parent's packages stay out of reach.
    assert namespace["PARENT_IMPORTABLE"] == [], built.read_text()
    backend = [e for e in build_projects.file_requests() if "tinybackend" in e.path]
    assert backend and backend[0].token is tokens[P2], build_projects.describe_log()
    assert_own_tokens(build_projects, tokens, {P1, P2})


@pytest.mark.parametrize("pip_version", pips(matrix=True, since="26.0"))
@pytest.mark.parametrize("first", [P1, P2])
def test_inprocess_build_deps_are_scoped(
    build_projects: FakeGitLab, make_pip: MakePip, pip_version: str, first: int
) -> None:
    """pip 26.0+ ``--use-feature inprocess-build-deps``: no child, the parent's session."""
    tokens, pip, result = _install(
        build_projects, make_pip, pip_version, True, "path", first, "inprocess-build-deps"
    )
    assert result.returncode == 0, result.redacted()
    (built,) = pip.workdir.glob("target-*/buildme/__init__.py")
    assert "BUILT_WITH = '1.0'" in built.read_text()
    assert_own_tokens(build_projects, tokens, {P1, P2})


@pytest.mark.token_in_output_expected(
    "stock pip logs the failed nested build command, index URLs and tokens included"
)
def test_venv_isolation_fails_on_stock_pip(build_projects: FakeGitLab, make_pip: MakePip) -> None:
    """Stock pip 26.3's child pip sends project 323's token for project 324's backend
    (indexes by encoded path: the file, linked by id, is under neither index's path)."""
    tokens, _pip, result = _install(build_projects, make_pip, NEWEST_PIP, False, "path", P1)
    assert result.returncode != 0, result.redacted()
    backend = [e for e in build_projects.file_requests() if "tinybackend" in e.path]
    assert backend and backend[0].token is tokens[P1], build_projects.describe_log()
    assert backend[0].status == 404, build_projects.describe_log()
