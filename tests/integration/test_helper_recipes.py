"""The credential-helper recipes of docs/recipes.md, run as written (issue 22).

Each helper script is taken from the document, made executable on ``PATH``,
and run by real pip through the shim against a fake registry. Cloud CLIs
(``gcloud``, ``aws``) and GitHub's OIDC endpoints are fakes: no real cloud is
reached.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from pip_scoped_auth.demo.registries.gitlab import FakeGitLab
from tests.support.bearer_registry import BearerRegistry
from tests.support.credhelpers import UV_VERSION, ensure_uv
from tests.support.pip_versions import NEWEST_PIP
from tests.support.pipenvs import MakePip
from tests.support.recipes import (
    P1,
    P2,
    RECIPES,
    add_recipe_projects,
    assert_files_used,
    assert_ok,
    gitlab_job,
    local_host,
    run_steps,
    with_path,
)

DOC_REGISTRY = "https://registry.example.com"


@pytest.fixture
def projects(gitlab: FakeGitLab) -> FakeGitLab:
    """The recipes' two projects (``docs/recipes.md`` names them)."""
    return add_recipe_projects(gitlab)


def install_script(bindir: Path, name: str, body: str) -> Path:
    bindir.mkdir(parents=True, exist_ok=True)
    path = bindir / name
    path.write_text(body + "\n")
    path.chmod(0o755)
    return path


def test_every_helper_recipe_is_tested() -> None:
    assert {n for n in RECIPES if n.startswith("helper-")} == {
        "helper-uv-login",
        "helper-uv-conf",
        "helper-uv-use",
        "helper-gar",
        "helper-codeartifact",
        "helper-minter-conf",
        "helper-gitlab-job",
        "helper-gitlab-ci",
        "helper-github-oidc",
        "helper-github-workflow",
    }


@pytest.mark.parametrize("pip_version", [NEWEST_PIP])
def test_uv_recipe(
    request: pytest.FixtureRequest, make_pip: MakePip, tmp_path: Path, pip_version: str
) -> None:
    gitlab: FakeGitLab = request.getfixturevalue("projects")
    uv = ensure_uv()
    if uv is None:
        pytest.skip(f"uv {UV_VERSION} could not be installed from PyPI with this machine's pip")
    t1, t2 = gitlab.project_deploy_token(P1), gitlab.project_deploy_token(P2)
    pip = make_pip(pip_version)
    conf = tmp_path / "pip.conf"
    conf.write_text(local_host(RECIPES["helper-uv-conf"][1], gitlab) + "\n")
    env = pip.env({"TOKEN_A": t1.secret, "TOKEN_B": t2.secret, "PIP_CONFIG_FILE": str(conf)})
    env = with_path(with_path(env, pip.venv / "bin"), uv.parent)
    env["PIP_TARGET"] = str(tmp_path / "target")
    steps = [
        *local_host(RECIPES["helper-uv-login"][1], gitlab).splitlines(),
        *local_host(RECIPES["helper-uv-use"][1], gitlab).splitlines(),
    ]
    result = run_steps(steps, env, tmp_path, [t1.secret, t2.secret])
    assert_ok(result, gitlab)
    assert_files_used(gitlab, {P1: t1, P2: t2})


@pytest.mark.parametrize("pip_version", [NEWEST_PIP])
def test_token_minter_recipes(
    httpserver: HTTPServer, make_pip: MakePip, tmp_path: Path, pip_version: str
) -> None:
    registry = BearerRegistry(httpserver)
    gar = registry.add_tenant("my-project/python-repo", "my-package-a", "1.0")
    codeartifact = registry.add_tenant("pypi/my-repo", "my-package-b", "2.0")
    bindir = tmp_path / "bin"
    install_script(bindir, "gcloud", f"#!/bin/sh\necho {gar}")
    install_script(bindir, "aws", f"#!/bin/sh\necho {codeartifact}")
    install_script(bindir, "gar-token-helper", RECIPES["helper-gar"][1])
    install_script(bindir, "codeartifact-token-helper", RECIPES["helper-codeartifact"][1])
    conf = tmp_path / "pip.conf"
    conf.write_text(RECIPES["helper-minter-conf"][1].replace(DOC_REGISTRY, registry.base) + "\n")
    pip = make_pip(pip_version)
    pip.secrets += [gar, codeartifact]
    env = {"PIP_CONFIG_FILE": str(conf), "PATH": f"{bindir}:{pip.env()['PATH']}"}
    result = pip.install(
        "my-package-a",
        "my-package-b",
        "--no-input",
        "--index-url",
        registry.index_url("my-project/python-repo"),
        "--extra-index-url",
        registry.index_url("pypi/my-repo"),
        env=env,
    )
    assert result.returncode == 0, result.redacted()
    served = {(e.path.split("/files/")[0], e.token_of) for e in registry.log if "/files/" in e.path}
    assert served == {
        ("/my-project/python-repo", "my-project/python-repo"),
        ("/pypi/my-repo", "pypi/my-repo"),
    }
    assert all(
        e.token_of in ("", e.path[1:].split("/simple")[0])
        for e in registry.log
        if "/simple/" in e.path
    )
    assert re.search(r"expires 20\d\d-", result.output)


@pytest.mark.parametrize("pip_version", [NEWEST_PIP])
def test_gitlab_job_token_recipe(
    request: pytest.FixtureRequest, make_pip: MakePip, tmp_path: Path, pip_version: str
) -> None:
    gitlab: FakeGitLab = request.getfixturevalue("projects")
    job_token = gitlab.job_token(projects=[P1])
    pip = make_pip(pip_version)
    bindir = tmp_path / "bin"
    install_script(bindir, "gitlab-job-token-helper", RECIPES["helper-gitlab-job"][1])
    exports, script = gitlab_job(RECIPES["helper-gitlab-ci"][1])
    ci = {
        "CI_SERVER_URL": gitlab.base_url,
        "CI_PROJECT_ID": str(P1),
        "CI_JOB_TOKEN": job_token.secret,
        "PIP_TARGET": str(tmp_path / "target"),
    }
    env = with_path(with_path(pip.env(ci), pip.venv / "bin"), bindir)
    result = run_steps([*exports, *script], env, tmp_path, [job_token.secret])
    assert_ok(result, gitlab)
    assert_files_used(gitlab, {P1: job_token})
    assert all(e.token is job_token for e in gitlab.requests() if e.status == 200)


@pytest.mark.parametrize("pip_version", [NEWEST_PIP])
def test_github_actions_oidc_recipe(
    httpserver: HTTPServer, make_pip: MakePip, tmp_path: Path, pip_version: str
) -> None:
    registry = BearerRegistry(httpserver)
    token = registry.add_tenant("python", "my-package-a", "1.0")
    request_token = registry.oidc("python")
    bindir = tmp_path / "bin"
    helper = RECIPES["helper-github-oidc"][1].replace(DOC_REGISTRY, registry.base)
    install_script(bindir, "github-oidc-helper", helper)
    workflow = RECIPES["helper-github-workflow"][1].replace(DOC_REGISTRY, registry.base)
    variable = re.search(r'PIP_SCOPED_AUTH_CREDENTIAL_HELPERS: "(.*)"', workflow)
    command = re.search(r"- run: pip (.*)", workflow)
    assert variable and command
    pip = make_pip(pip_version)
    pip.secrets += [token, request_token, registry.oidc_id_token]
    env = {
        "PIP_SCOPED_AUTH_CREDENTIAL_HELPERS": variable[1],
        "ACTIONS_ID_TOKEN_REQUEST_URL": f"{registry.base}/oidc/id-token?api-version=2.0",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": request_token,
        "PATH": f"{bindir}:{pip.env()['PATH']}",
    }
    args = command[1].split()
    assert args[0] == "install"
    result = pip.install(*args[1:], "--no-input", env=env)
    assert result.returncode == 0, result.redacted()
    assert [e.token_of for e in registry.log if "/files/" in e.path] == ["python"]
    assert any(e.path == "/oidc/exchange" for e in registry.log)
    assert secrets.compare_digest(registry.tokens["python"], token)
