"""The documented recipes, executed as written against the fake GitLab.

Blocks marked ``<!-- recipe-test: NAME -->`` in docs/recipes.md and the README
are extracted and run: shell blocks with bash, Dockerfile ``RUN`` lines and the
``variables``/``script`` of a ``.gitlab-ci.yml`` job as shell steps (there is
no Docker engine or GitLab runner here; a fresh venv plays the image). The only
edit is the host: ``https://gitlab.example.com`` becomes the fake server.
Each recipe's success is checked on the server's request log, and the GitLab
CI recipe is also run on stock pip 22.3, where it must fail.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pip_scoped_auth.demo.registries.gitlab import FakeGitLab
from tests.support import keyring_backend, pipenvs
from tests.support.pip_versions import NEWEST_PIP, OLDEST_PIP
from tests.support.pipenvs import MakePip
from tests.support.recipes import (
    P1,
    P2,
    README_RECIPES,
    RECIPES,
    add_recipe_projects,
    assert_files_used,
    assert_ok,
    dockerfile_steps,
    gitlab_job,
    local_host,
    run_steps,
    with_path,
)


def test_every_marked_recipe_is_run_by_a_test() -> None:
    assert set(RECIPES) == {
        "dockerfile",
        "gitlab-ci",
        "pip-conf",
        "pip-conf-use",
        "keyring-login",
        "keyring-use",
    } | {n for n in RECIPES if n.startswith("helper-")}  # test_helper_recipes.py
    assert set(README_RECIPES) == {"quickstart"}


@pytest.fixture
def projects(gitlab: FakeGitLab) -> FakeGitLab:
    return add_recipe_projects(gitlab)


@pytest.fixture(scope="session")
def wheel_dirs(shim_wheel: Path) -> str:
    """Where a fresh "image" finds the shim and wrapt: a stand-in for the registry."""
    root = pipenvs.cache_root()
    # The shim's own runtime dependencies, as its wheel declares them.
    wrapt = root / f"wheelhouse-{shim_wheel.parent.name}"
    with pipenvs._locked(root / "wheelhouse.lock"):
        if not list(wrapt.glob("wrapt-*.whl")):
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "-q",
                    "--only-binary=:all:",
                    "-d",
                    str(wrapt),
                    str(shim_wheel),
                ],
                check=True,
                capture_output=True,
                timeout=600,
            )
    return f"{shim_wheel.parent} {wrapt}"


def fresh_image(path: Path) -> Path:
    """A new venv with the interpreter's bundled pip: the ``FROM python`` of a recipe."""
    subprocess.run(
        [pipenvs.base_python(), "-m", "venv", str(path)], check=True, capture_output=True
    )
    return path / "bin"


def test_dockerfile_and_gitlab_ci_recipes(
    projects: FakeGitLab, make_pip: MakePip, wheel_dirs: str, tmp_path: Path
) -> None:
    job_token = projects.job_token(projects=[P1])
    deploy = projects.project_deploy_token(P2)
    secrets = [job_token.secret, deploy.secret]
    image = fresh_image(tmp_path / "image")
    build_env = with_path(
        pipenvs.scrubbed_env(
            tmp_path / "home", {"PIP_FIND_LINKS": wheel_dirs, "PIP_NO_INDEX": "1"}
        ),
        image,
    )
    build_steps = dockerfile_steps(RECIPES["dockerfile"][1])
    assert build_steps[-1] == "pip-scoped-auth status", build_steps
    built = run_steps(build_steps, build_env, tmp_path, secrets)
    assert_ok(built, projects)
    assert "OK: pip's credentials are scoped per index" in built.stdout
    # The build-time check is real: with the shim switched off it fails the build.
    off = run_steps(build_steps[-1:], {**build_env, "PIP_SCOPED_AUTH": "0"}, tmp_path, secrets)
    assert off.returncode == 1, off.redacted()

    exports, script = gitlab_job(RECIPES["gitlab-ci"][1])
    ci = {
        "CI_SERVER_PROTOCOL": "http",
        "CI_SERVER_HOST": projects.host,
        "CI_SERVER_PORT": str(projects.port),
        "CI_API_V4_URL": f"{projects.base_url}/api/v4",
        "CI_PROJECT_ID": str(P1),
        "CI_JOB_TOKEN": job_token.secret,
        "SHARED_LIBS_DEPLOY_USER": deploy.username,
        "SHARED_LIBS_DEPLOY_TOKEN": deploy.secret,
    }
    job_env = with_path(pipenvs.scrubbed_env(tmp_path / "job-home", ci), image)
    job = run_steps([*exports, *script], job_env, tmp_path, secrets)
    assert_ok(job, projects)
    assert_files_used(projects, {P1: job_token, P2: deploy})

    # The same job on stock pip 22.3 sends one project's token to the other's file.
    projects.clear_log()
    stock = make_pip(OLDEST_PIP, shim=False)
    pip_only = [s for s in script if not s.startswith("pip-scoped-auth")]
    stock_env = with_path(
        stock.env({**ci, "PIP_TARGET": str(tmp_path / "stock-target")}), stock.venv / "bin"
    )
    failed = run_steps([*exports, *pip_only], stock_env, tmp_path, secrets)
    assert failed.returncode != 0, failed.redacted()
    assert any(e.status == 404 and e.token is not None for e in projects.file_requests()), (
        projects.describe_log()
    )


def test_pip_conf_recipe(projects: FakeGitLab, make_pip: MakePip, tmp_path: Path) -> None:
    t1, t2 = projects.project_deploy_token(P1), projects.project_deploy_token(P2)
    pip = make_pip(NEWEST_PIP)
    conf = RECIPES["pip-conf"][1].replace("<token of project 323>", t1.secret)
    conf = local_host(conf.replace("<token of project 324>", t2.secret), projects)
    (tmp_path / "pip.conf").write_text(conf + "\n")
    env = with_path(
        pip.env(
            {"PIP_CONFIG_FILE": str(tmp_path / "pip.conf"), "PIP_TARGET": str(tmp_path / "target")}
        ),
        pip.venv / "bin",
    )
    steps = local_host(RECIPES["pip-conf-use"][1], projects).splitlines()
    result = run_steps(steps, env, tmp_path, [t1.secret, t2.secret])
    assert_ok(result, projects)
    assert result.stdout.count("with a password from index-url") == 2, result.redacted()
    assert_files_used(projects, {P1: t1, P2: t2})


def test_keyring_login_recipe(projects: FakeGitLab, make_pip: MakePip, tmp_path: Path) -> None:
    t1, t2 = projects.project_deploy_token(P1), projects.project_deploy_token(P2)
    pip = make_pip(NEWEST_PIP)
    env = with_path(
        pip.env(
            {
                "PYTHONPATH": str(keyring_backend.HERE),
                "PYTHON_KEYRING_BACKEND": "cli_keyring.FileKeyring",
                "CLI_KEYRING_FILE": str(tmp_path / "keyring.json"),
                "PIP_TARGET": str(tmp_path / "target"),
                "TOKEN_A": t1.secret,
                "TOKEN_B": t2.secret,
            }
        ),
        pip.venv / "bin",
    )
    steps = [
        *local_host(RECIPES["keyring-login"][1], projects).splitlines(),
        *local_host(RECIPES["keyring-use"][1], projects).splitlines(),
    ]
    result = run_steps(steps, env, tmp_path, [t1.secret, t2.secret])
    assert_ok(result, projects)
    assert result.stdout.count("with a password from keyring") == 2, result.redacted()
    assert_files_used(projects, {P1: t1, P2: t2})
    assert "Removed the token" in result.stdout


def test_readme_quick_start(projects: FakeGitLab, wheel_dirs: str, tmp_path: Path) -> None:
    """A newcomer's path: install the shim, check it, install from two projects."""
    t1, t2 = projects.project_deploy_token(P1), projects.project_deploy_token(P2)
    bindir = fresh_image(tmp_path / "venv")
    env = with_path(
        pipenvs.scrubbed_env(
            tmp_path / "home",
            {"PIP_FIND_LINKS": wheel_dirs, "TOKEN_A": t1.secret, "TOKEN_B": t2.secret},
        ),
        bindir,
    )
    steps = local_host(README_RECIPES["quickstart"][1], projects)
    # Only the shim's own install comes from the stand-in registry; the rest from GitLab.
    steps = steps.replace(
        "python -m pip install pip-scoped-auth", "python -m pip install --no-index pip-scoped-auth"
    )
    result = run_steps([steps], env, tmp_path, [t1.secret, t2.secret])
    assert_ok(result, projects)
    assert "OK: pip's credentials are scoped per index" in result.stdout
    assert_files_used(projects, {P1: t1, P2: t2})
