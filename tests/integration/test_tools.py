"""Tools built on pip's internals: pip-tools (``pip-compile``, ``pip-sync``) and
pipenv's vendored pip, against two project indexes with different tokens.

Each tool gets its own cached venv (``make_pip(..., extras=(tool,))``): the
pip named, the tool pinned, the shim installed the way users install it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pip_scoped_auth.demo.registries.gitlab import FakeGitLab, Token
from tests.support import pip_versions, pipenvs
from tests.support.pipenvs import MakePip
from tests.support.projects import P1, P2

#: (pip, pip-tools): the oldest pip that pip-tools 7 accepts (``pip>=22.2``),
#: on which stock pip sends the wrong token, and the newest of both.
PIP_TOOLS = [("22.3.1", "pip-tools==7.4.1"), ("26.3", "pip-tools==7.6.2")]
#: pipenv vendors pip 26.2.2 as ``pipenv.patched.pip`` (needs Python 3.10+).
PIPENV = "pipenv==2026.10.3"


def _tokens(gitlab: FakeGitLab) -> dict[int, Token]:
    return {P1: gitlab.project_deploy_token(P1), P2: gitlab.project_deploy_token(P2)}


def _index_args(gitlab: FakeGitLab, tokens: dict[int, Token]) -> list[str]:
    return [
        "--index-url",
        gitlab.project_index_url(P1, tokens[P1]),
        "--extra-index-url",
        gitlab.project_index_url(P2, tokens[P2]),
    ]


def assert_each_file_got_its_token(gitlab: FakeGitLab, tokens: dict[int, Token]) -> None:
    files = gitlab.file_requests()
    assert {e.project_id for e in files} == {P1, P2}, gitlab.describe_log()
    for entry in files:
        assert entry.status == 200 and entry.token is tokens[entry.project_id], (
            gitlab.describe_log()
        )


def _pins(text: str) -> set[str]:
    return {line.split()[0].lower() for line in text.splitlines() if "==" in line.split("#")[0]}


@pytest.mark.parametrize(("pip_version", "tool"), PIP_TOOLS)
def test_pip_compile_two_project_tokens(
    projects: FakeGitLab, make_pip: MakePip, pip_version: str, tool: str
) -> None:
    tokens = _tokens(projects)
    pip = make_pip(pip_version, extras=(tool,))
    pip.secrets.extend(t.secret for t in tokens.values())
    (pip.workdir / "requirements.in").write_text("pypipackage1\npypipackage2\n")
    result = pip.run_module(
        "piptools",
        "compile",
        "--no-header",
        "--no-emit-index-url",
        "-o",
        "requirements.txt",
        "requirements.in",
        *_index_args(projects, tokens),
    )
    assert result.returncode == 0, result.redacted()
    compiled = (pip.workdir / "requirements.txt").read_text()
    assert _pins(compiled) == {"pypipackage1==1.3.8", "pypipackage2==2.5.6"}, compiled
    assert_each_file_got_its_token(projects, tokens)


def test_pip_compile_fails_without_the_shim(projects: FakeGitLab, make_pip: MakePip) -> None:
    """The same compile with the shim switched off: pip 22.3 sends token 2 for project 1."""
    pip_version, tool = PIP_TOOLS[0]
    tokens = _tokens(projects)
    pip = make_pip(pip_version, extras=(tool,))
    pip.secrets.extend(t.secret for t in tokens.values())
    (pip.workdir / "requirements.in").write_text("pypipackage1\npypipackage2\n")
    result = pip.run_module(
        "piptools",
        "compile",
        "-o",
        "requirements.txt",
        "requirements.in",
        *_index_args(projects, tokens),
        env={"PIP_SCOPED_AUTH": "0"},
    )
    assert result.returncode != 0, result.redacted()
    wrong = [e for e in projects.file_requests() if e.project_id == P1]
    assert wrong and wrong[0].token is tokens[P2] and wrong[0].status == 404, (
        projects.describe_log()
    )


def _installed_pins(python: Path) -> list[str]:
    code = (
        "import importlib.metadata as m\n"
        "for d in m.distributions(): print(f\"{d.metadata['Name']}=={d.version}\")"
    )
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    return sorted(set(out.stdout.split()))


@pytest.mark.parametrize(("pip_version", "tool"), PIP_TOOLS)
def test_pip_sync_two_project_tokens(
    projects: FakeGitLab, make_pip: MakePip, pip_version: str, tool: str
) -> None:
    """pip-sync installs through ``python -m pip`` of its own venv, where the shim is.

    pip-sync removes whatever the file does not list, so the file lists what
    the venv already has (the shim among it) plus the two private packages;
    it runs in a copy of the cached venv, which it changes.
    """
    tokens = _tokens(projects)
    cached = make_pip(pip_version, extras=(tool,))
    venv = cached.workdir / "venv"
    pipenvs._copy_venv(cached.venv, venv)
    # Installed from PyPI the shim has no direct_url.json; the test wheel's
    # file URL would make pip-sync 7.5+ reinstall it from the private index.
    for record in venv.glob(
        "lib/python*/site-packages/pip_scoped_auth-*.dist-info/direct_url.json"
    ):
        record.unlink()
    pip = pipenvs.PipEnv(venv, pip_version, True, cached.workdir)
    pip.secrets.extend(t.secret for t in tokens.values())
    keep = _installed_pins(pip.python)
    assert any(line.lower().startswith("pip-scoped-auth==") for line in keep), keep
    wanted = ["pypipackage1==1.3.8", "pypipackage2==2.5.6"]
    (pip.workdir / "requirements.txt").write_text("\n".join([*keep, *wanted]) + "\n")
    result = pip.run_module("piptools", "sync", "requirements.txt", *_index_args(projects, tokens))
    assert result.returncode == 0, result.redacted()
    assert set(wanted) <= set(_installed_pins(pip.python)), result.redacted()
    assert_each_file_got_its_token(projects, tokens)
    assert not any(secret in result.output for secret in pip.secrets)


PIPFILE = """\
[[source]]
name = "project-1"
url = "{p1}"
verify_ssl = false

[[source]]
name = "project-2"
url = "{p2}"
verify_ssl = false

[packages]
{packages}
"""

#: ``default-source``: a package of the first (default) source, all pipenv
#: looks in for a package without ``index =``. ``index-restricted``: each
#: package pinned to its own source, the only way pipenv uses two sources.
PIPFILE_PACKAGES = {
    "default-source": 'pypipackage1 = "*"',
    "index-restricted": (
        'pypipackage1 = {version = "*", index = "project-1"}\n'
        'pypipackage2 = {version = "*", index = "project-2"}'
    ),
}
#: pipenv keeps per-package indexes in its own lookup, outside pip's index
#: list (auth.index_urls holds only the first source), so a file of another
#: source is in no scope: pip's host-wide guess sends the first source's token.
#: Provenance fixes it (the second source's page was read with its own token);
#: ``index-restricted-off`` shows the failure with the shim switched off.


@pytest.mark.skipif(sys.version_info < (3, 10), reason="pipenv 2026 needs Python 3.10+")
@pytest.mark.parametrize(
    "packages",
    [
        "default-source",
        "index-restricted",
        "index-restricted-off",
    ],
)
def test_pipenv_lock_uses_the_vendored_pip_scoped(
    projects: FakeGitLab, make_pip: MakePip, packages: str
) -> None:
    """pipenv's resolver runs ``pipenv.patched.pip`` in the venv pipenv works on."""
    tokens = _tokens(projects)
    pip = make_pip(pip_versions.NEWEST_PIP, extras=(PIPENV,))
    pip.secrets.extend(t.secret for t in tokens.values())
    project = pip.workdir / "project"
    project.mkdir()
    (project / "Pipfile").write_text(
        PIPFILE.format(
            p1=projects.project_index_url(P1, tokens[P1]),
            p2=projects.project_index_url(P2, tokens[P2]),
            packages=PIPFILE_PACKAGES[packages.removesuffix("-off")],
        )
    )
    env = pip.env(
        {
            # Work on the cached venv itself (where the shim is), as an
            # activated venv does, instead of creating one.
            "VIRTUAL_ENV": str(pip.venv),
            "PATH": f"{pip.venv / 'bin'}:{pipenvs.os.environ.get('PATH', '')}",
            "PIPENV_PIPFILE": str(project / "Pipfile"),
            "PIPENV_NOSPIN": "1",
            "PIPENV_YES": "1",
            "PIPENV_VERBOSITY": "-1",
            "PIP_SCOPED_AUTH": "0" if packages.endswith("-off") else "1",
        }
    )
    code = (
        "import pipenv.patched.pip._internal.network.auth, pip_scoped_auth;"
        " print(pip_scoped_auth.is_active())"
    )
    active = subprocess.run([str(pip.python), "-c", code], capture_output=True, text=True, env=env)
    expected_active = "False" if packages.endswith("-off") else "True"
    assert active.stdout.strip() == expected_active, active.stderr[-2000:]
    proc = subprocess.run(
        [str(pip.python), "-m", "pipenv", "lock"],
        capture_output=True,
        text=True,
        env=env,
        cwd=project,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    result = pipenvs.PipResult(["lock"], proc.returncode, proc.stdout, proc.stderr, pip.secrets)
    if packages.endswith("-off"):
        wrong = [e for e in projects.file_requests() if e.token is not tokens[e.project_id]]
        assert proc.returncode != 0 and wrong, projects.describe_log()
        return
    assert proc.returncode == 0, f"{result.redacted(1500)}\n{projects.describe_log()}"
    lock = (project / "Pipfile.lock").read_text()
    wanted = {"pypipackage1"} if packages == "default-source" else {"pypipackage1", "pypipackage2"}
    assert all(name in lock for name in wanted), lock
    assert {e.package for e in projects.file_requests()} == wanted, projects.describe_log()
    for entry in projects.log:
        if entry.project_id is not None and entry.authorization_sent:
            assert entry.token is tokens[entry.project_id], projects.describe_log()
    assert all(e.status == 200 for e in projects.file_requests()), projects.describe_log()
