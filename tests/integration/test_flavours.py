"""Install flavours, each proven with a real pip run of the two-deploy-token scenario.

pip 22.3.1 is used throughout because stock 22.3 fails that scenario
(test_matrix.py), so a pass shows the shim was loaded in that flavour. A plain
venv is the default everywhere else; here are ``--user``, a
``--system-site-packages`` venv over a base Python that has the shim, an
editable install, and the one flavour that does not inherit the shim: a fresh
``python -m venv`` (with the one-line fix).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pip_scoped_auth.demo.registries.gitlab import FakeGitLab, Token
from tests.support import pipenvs
from tests.support.pip_versions import OLDEST_PIP
from tests.support.pipenvs import PipEnv
from tests.support.projects import P1, P2, two_deploy_tokens

Scenario = tuple[FakeGitLab, dict[int, Token], list[str]]
IS_ACTIVE = "import pip._internal.network.auth, pip_scoped_auth; print(pip_scoped_auth.is_active())"


@pytest.fixture
def scenario(projects: FakeGitLab) -> Scenario:
    tokens, args = two_deploy_tokens(projects)
    return projects, tokens, args


def _assert_scoped_install(
    pip: PipEnv,
    scenario: Scenario,
    env: dict[str, str] | None = None,
) -> None:
    gitlab, tokens, args = scenario
    pip.secrets.extend(t.secret for t in tokens.values())
    version = pip.run("--version", env=env)
    assert f"pip {pip.pip_version} " in version.stdout, version.redacted()
    result = pip.install(*args, env=env)
    assert result.returncode == 0, result.redacted()
    files = gitlab.file_requests()
    assert {e.project_id for e in files} == {P1, P2}, gitlab.describe_log()
    assert all(e.status == 200 and e.token is tokens[e.project_id] for e in files), (
        gitlab.describe_log()
    )


def test_user_install(scenario: Scenario, tmp_path: Path, shim_wheel: Path) -> None:
    """``pip install --user pip-scoped-auth``: the base Python's pip is scoped."""
    userbase = pipenvs.ensure_user_base(OLDEST_PIP, shim_wheel)
    pip = PipEnv(
        venv=tmp_path,
        pip_version=OLDEST_PIP,
        shim=True,
        workdir=tmp_path,
        interpreter=Path(pipenvs.base_python()),
    )
    _assert_scoped_install(pip, scenario, env={"PYTHONUSERBASE": str(userbase)})


def test_system_site_packages_venv_inherits(
    scenario: Scenario, tmp_path: Path, shim_wheel: Path
) -> None:
    """``python -m venv --system-site-packages`` over a base Python that has the shim."""
    base = pipenvs.ensure_base_python_with_shim(OLDEST_PIP, shim_wheel)
    venv = tmp_path / "venv"
    subprocess.run(
        [str(base), "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
        check=True,
        capture_output=True,
    )
    pip = PipEnv(venv=venv, pip_version=OLDEST_PIP, shim=True, workdir=tmp_path)
    _assert_scoped_install(pip, scenario)


def test_editable_install(scenario: Scenario, tmp_path: Path) -> None:
    """``pip install -e .`` of this checkout scopes pip like the wheel does."""
    venv = pipenvs.ensure_editable_venv(OLDEST_PIP)
    pip = PipEnv(venv=venv, pip_version=OLDEST_PIP, shim=True, workdir=tmp_path)
    _assert_scoped_install(pip, scenario)


def test_fresh_venv_does_not_inherit_the_shim(tmp_path: Path, shim_wheel: Path) -> None:
    """A new ``python -m venv`` from a Python that has the shim has none of it.

    The one-line fix is to install the shim into the new venv.
    """
    base = pipenvs.ensure_base_python_with_shim(OLDEST_PIP, shim_wheel)
    venv = tmp_path / "fresh"
    subprocess.run([str(base), "-m", "venv", str(venv)], check=True, capture_output=True)
    python = pipenvs.venv_python(venv)
    env = pipenvs.scrubbed_env(tmp_path / "home")
    before = subprocess.run([str(python), "-c", IS_ACTIVE], capture_output=True, text=True, env=env)
    assert before.returncode != 0 and "No module named 'pip_scoped_auth'" in before.stderr
    # The fix, as the docs give it (with this checkout's wheel instead of the
    # registry name; wrapt comes through the machine's pip configuration).
    fix = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(shim_wheel)], capture_output=True, text=True
    )
    assert fix.returncode == 0, fix.stderr[-2000:]
    after = subprocess.run([str(python), "-c", IS_ACTIVE], capture_output=True, text=True, env=env)
    assert after.stdout.strip() == "True", after.stderr[-2000:]
