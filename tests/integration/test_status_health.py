"""``status`` tells the truth, runs nothing from the current directory, knows its pip range.

Every broken set-up is a *copy* of the cached shim venv with one thing taken
away (``wrapt``, pip) or changed (pip's version), so the shared cache is never
harmed. Each test asserts the exit code an image build relies on, the one line
that names the cause and the fix, and that no traceback reaches the user.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

import pytest

from pip_scoped_auth.demo.registries.gitlab import FakeGitLab
from tests.support.cli import assert_no_secret, cli
from tests.support.pip_versions import NEWEST_PIP
from tests.support.pipenvs import MakePip, PipEnv, _copy_venv
from tests.support.projects import two_deploy_tokens


def copied(pip: PipEnv, tmp_path: Path, name: str) -> PipEnv:
    """A private copy of ``pip``'s venv that a test may break."""
    dest = tmp_path / f"venv-{name}"
    _copy_venv(pip.venv, dest)
    return PipEnv(venv=dest, pip_version=pip.pip_version, shim=pip.shim, workdir=pip.workdir)


def site_packages(pip: PipEnv) -> Path:
    (site,) = pip.venv.glob("lib/python*/site-packages")
    return site


def remove(site: Path, patterns: Iterable[str]) -> None:
    removed = [p for pattern in patterns for p in site.glob(pattern)]
    assert removed, f"nothing matched {list(patterns)} in {site}"
    for path in removed:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def assert_not_in_effect(result_stdout: str, line: str) -> None:
    verdicts = [ln for ln in result_stdout.splitlines() if ln.startswith("NOT IN EFFECT:")]
    assert verdicts == [line], result_stdout


# ------------------------------------------------------------- honest status


def test_status_and_explain_exit_1_without_wrapt(make_pip: MakePip, tmp_path: Path) -> None:
    """What ``pip-sync`` leaves when ``wrapt`` is not listed: the hook loads, patches nothing."""
    pip = copied(make_pip(NEWEST_PIP), tmp_path, "no-wrapt")
    remove(site_packages(pip), ["wrapt", "wrapt-*.dist-info"])
    expected = "NOT IN EFFECT: wrapt is missing: python -m pip install pip-scoped-auth"
    for args in (["status", "--no-index"], ["explain", "http://127.0.0.1:1/simple/x/"]):
        result = cli(pip, *args)
        assert result.returncode == 1, result.output
        assert "Traceback" not in result.output, result.output
        assert_not_in_effect(result.stdout, expected)


def test_status_exits_1_when_pip_is_not_installed(make_pip: MakePip, tmp_path: Path) -> None:
    pip = copied(make_pip(NEWEST_PIP), tmp_path, "no-pip")
    remove(site_packages(pip), ["pip", "pip-*.dist-info"])
    result = cli(pip, "status", "-i", "http://127.0.0.1:1/simple")
    assert result.returncode == 1, result.output
    assert "Traceback" not in result.output, result.output
    assert_not_in_effect(
        result.stdout, "NOT IN EFFECT: pip is not installed here: python -m ensurepip --upgrade"
    )


def test_status_exits_1_when_the_pth_did_not_run(make_pip: MakePip) -> None:
    """``python -S``: the package is importable, its ``.pth`` never ran, pip is not patched."""
    pip = make_pip(NEWEST_PIP)
    proc = subprocess.run(
        [str(pip.python), "-S", "-m", "pip_scoped_auth", "status", "--no-index"],
        capture_output=True,
        text=True,
        env=pip.env({"PYTHONPATH": str(site_packages(pip))}),
        cwd=pip.workdir,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert_not_in_effect(
        proc.stdout,
        "NOT IN EFFECT: pip_scoped_auth.pth was not run by this interpreter (python -S? "
        "an embedded interpreter?): run without -S, or call pip_scoped_auth.activate()",
    )


def test_status_exits_1_when_the_pth_is_missing(make_pip: MakePip, tmp_path: Path) -> None:
    pip = copied(make_pip(NEWEST_PIP), tmp_path, "no-pth")
    remove(site_packages(pip), ["pip_scoped_auth.pth"])
    result = cli(pip, "status", "--no-index")
    assert result.returncode == 1, result.output
    assert_not_in_effect(
        result.stdout,
        "NOT IN EFFECT: pip_scoped_auth.pth is not in this interpreter's site-packages "
        "(installed in another environment?): python -m pip install --force-reinstall "
        "pip-scoped-auth",
    )


def test_status_says_disabled_with_its_fix(make_pip: MakePip) -> None:
    pip = make_pip(NEWEST_PIP)
    result = cli(pip, "status", "--no-index", env={"PIP_SCOPED_AUTH": "off"})
    assert result.returncode == 1, result.output
    assert_not_in_effect(
        result.stdout, "NOT IN EFFECT: disabled by PIP_SCOPED_AUTH=off: unset PIP_SCOPED_AUTH"
    )


# ---------------------------------------------------------- known-good range


def with_pip_version(pip: PipEnv, tmp_path: Path, version: str) -> PipEnv:
    """A copy of ``pip``'s venv whose pip says it is ``version`` (internals unchanged)."""
    fake = copied(pip, tmp_path, f"pip{version}")
    init = site_packages(fake) / "pip" / "__init__.py"
    text = init.read_text()
    old = f'__version__ = "{pip.pip_version}"'
    assert old in text, text
    init.write_text(text.replace(old, f'__version__ = "{version}"'))
    return fake


NEWER = "pip 27.0 is newer than the newest tested (26.3)"


def test_a_newer_pip_is_patched_but_status_warns(
    projects: FakeGitLab, make_pip: MakePip, tmp_path: Path
) -> None:
    pip = with_pip_version(make_pip(NEWEST_PIP), tmp_path, "27.0")
    tokens, args = two_deploy_tokens(projects)
    pip.secrets += [t.secret for t in tokens.values()]

    status = cli(pip, "status", *args[2:])
    assert status.returncode == 0, status.redacted()
    assert_no_secret(status)
    warnings = [ln for ln in status.stdout.splitlines() if ln.startswith("WARNING:")]
    assert len(warnings) == 1 and NEWER in warnings[0], status.redacted()
    assert "OK: pip's credentials are scoped per index" in status.stdout

    quiet = pip.install(*args, verbose=False)
    assert quiet.returncode == 0, quiet.redacted()
    assert NEWER not in quiet.output, quiet.redacted()
    projects.clear_log()
    verbose = pip.install("-v", *args, verbose=False)
    assert verbose.returncode == 0, verbose.redacted()
    assert verbose.output.count(NEWER) == 1, verbose.redacted()
    # Patched all the same: each file got its own project's token.
    files = projects.file_requests()
    assert {e.project_id: e.token for e in files} == tokens, projects.describe_log()


def test_the_tested_pip_gives_no_range_warning(make_pip: MakePip) -> None:
    result = cli(make_pip(NEWEST_PIP), "status", "--no-index")
    assert result.returncode == 0, result.output
    assert "WARNING" not in result.output and "newer than" not in result.output, result.output


# ------------------------------------------------- nothing from the current dir

#: Modules the CLI or its keyring child would import if the cwd were on sys.path.
PLANTED = ("json", "keyring", "base64", "subprocess")


def plant(directory: Path) -> None:
    for name in PLANTED:
        (directory / f"{name}.py").write_text(
            "import pathlib\n"
            f"pathlib.Path(__file__).with_name('{name}.marker').write_text('imported')\n"
            f"raise ImportError('planted {name}.py was imported')\n"
        )


@pytest.mark.parametrize("module", [False, True], ids=["console-script", "python-m"])
def test_cli_runs_nothing_from_the_current_directory(make_pip: MakePip, module: bool) -> None:
    pip = make_pip(NEWEST_PIP)
    plant(pip.workdir)
    # An index without credentials makes status and explain ask keyring (a child process).
    index = ["-i", "http://127.0.0.1:1/group/simple"]
    status = cli(pip, "status", *index, module=module)
    explain = cli(pip, "explain", "http://127.0.0.1:1/group/files/x.whl", *index, module=module)
    markers = sorted(p.name for p in pip.workdir.glob("*.marker"))
    assert markers == [], (markers, status.output, explain.output)
    for result in (status, explain):
        assert result.returncode == 0, result.output
        assert "keyring:          keyring.backends.null.Keyring" in result.stdout, result.output


def test_a_broken_install_is_one_line_not_a_traceback(make_pip: MakePip, tmp_path: Path) -> None:
    pip = copied(make_pip(NEWEST_PIP), tmp_path, "broken")
    remove(site_packages(pip), ["pip_scoped_auth/core/resolver.py"])
    for command in (["status", "--no-index"], ["explain", "http://127.0.0.1:1/simple/x/"]):
        result = cli(pip, *command)
        assert result.returncode == 1, result.output
        assert result.stdout == "", result.output
        assert result.stderr.splitlines() == [
            f"pip-scoped-auth {command[0]}: error: this installation is broken "
            "(ModuleNotFoundError: pip_scoped_auth.core.resolver): "
            "python -m pip install --force-reinstall pip-scoped-auth"
        ], result.output
