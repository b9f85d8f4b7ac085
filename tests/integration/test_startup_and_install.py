"""How the shim is installed and loaded: the ``.pth`` file and its PEP 829 ``.start``
twin, laziness, the kill switch, and what happens on a pip whose internals it
does not recognise."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pip_scoped_auth import _bootstrap
from pip_scoped_auth.demo.registries.gitlab import FakeGitLab
from tests.support import pip_versions, pipenvs
from tests.support.pip_versions import NEWEST_PIP, pips
from tests.support.pipenvs import MakePip, PipEnv
from tests.support.projects import assert_file_tokens, two_deploy_tokens

#: The three files the shim puts at the top of site-packages.
#: The top-level files of the wheel: the start-up trio, and the finder that
#: ``preload`` and pip's build venvs load by path.
START_FILES = (
    "pip_scoped_auth.pth",
    "pip_scoped_auth.start",
    f"{_bootstrap.HOOK_MODULE}.py",
    "_pip_scoped_auth_remote.py",
)
PEP829_SITE = pipenvs.ROOT / "tests" / "support" / "pep829_site.py"

MODULES_AT_START = (
    "import json, sys; print(json.dumps({'modules': sorted(m for m in sys.modules"
    " if m.split('.')[0] in ('pip', 'wrapt', 'pip_scoped_auth', 'keyring')),"
    " 'armed': any(getattr(f, 'pip_scoped_auth_finder', False) for f in sys.meta_path)}))"
)


def site_packages(
    python: Path | str, user: bool = False, env: dict[str, str] | None = None
) -> Path:
    code = (
        "import site; print(site.getusersitepackages())"
        if user
        else "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    )
    out = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, check=True, env=env
    )
    return Path(out.stdout.strip())


def start_up(python: Path | str, env: dict[str, str]) -> tuple[list[str], bool]:
    """What ``python -c`` finds at start: shim-related modules, and whether the hook is armed."""
    out = subprocess.run(
        [str(python), "-c", MODULES_AT_START], capture_output=True, text=True, env=env, check=True
    )
    assert out.stderr == "", out.stderr
    found = json.loads(out.stdout)
    return list(found["modules"]), bool(found["armed"])


@pytest.mark.parametrize("pip_version", pips())
def test_python_start_up_loads_only_the_bootstrap(make_pip: MakePip, pip_version: str) -> None:
    """The .pth line arms its finder and imports nothing: not wrapt, pip, nor this package."""
    pip = make_pip(pip_version)
    assert (site_packages(pip.python) / "pip_scoped_auth.pth").is_file()
    assert start_up(pip.python, pip.env()) == ([], True)


def assert_start_files(site_dir: Path, python: Path | str) -> None:
    """The ``.pth``, its ``.start`` twin and the hook module, precompiled for ``python``."""
    for name in START_FILES:
        assert (site_dir / name).is_file(), f"{name} missing in {site_dir}"
    tag = subprocess.run(
        [str(python), "-c", "import sys; print(sys.implementation.cache_tag)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    pyc = site_dir / "__pycache__" / f"{_bootstrap.HOOK_MODULE}.{tag}.pyc"
    assert pyc.is_file(), f"the hook module is not precompiled: no {pyc}"


def pep829_interpreter(pip: PipEnv) -> Path:
    """A stand-in for ``python3.15`` in ``pip``'s venv: ``-S``, then PEP 829's start-up.

    The venv's own interpreter runs with ``-S`` (no ``.pth`` file is
    processed), and ``pep829_site.py`` then does what Python 3.15's ``site``
    does with the venv's site-packages: path lines, ``.pth`` import lines only
    where no same-named ``.start`` exists, then every ``.start`` entry point.
    """
    site_dir = site_packages(pip.python)
    wrapper = pip.workdir / "python-pep829"
    wrapper.write_text(
        f'#!/bin/sh\nexec "{pip.python}" -S "{PEP829_SITE}" --site-packages "{site_dir}" "$@"\n'
    )
    wrapper.chmod(0o755)
    return wrapper


@pytest.mark.parametrize("pip_version", pips())
def test_pep829_start_entry_alone_arms_the_hook(
    projects: FakeGitLab, make_pip: MakePip, pip_version: str
) -> None:
    """Python 3.15+: the ``.start`` entry point, not the ``.pth`` line, arms the hook.

    Without the entry points (``PEP829_SKIP_START``) nothing is armed, so no
    ``.pth`` line did it; with them the hook is armed, start-up has imported
    nothing of ours but the hook, ``PIP_SCOPED_AUTH=0`` still wins, and pip
    sends each project its own deploy token (stock 22.3 sends the wrong one).
    """
    pip = make_pip(pip_version)
    site_dir = site_packages(pip.python)
    assert_start_files(site_dir, pip.python)
    pip.interpreter = pep829_interpreter(pip)
    assert start_up(pip.python, pip.env({"PEP829_SKIP_START": "1"})) == ([], False)
    assert start_up(pip.python, pip.env({"PIP_SCOPED_AUTH": "0"})) == ([], False)
    assert start_up(pip.python, pip.env()) == ([], True)
    tokens, args = two_deploy_tokens(projects)
    pip.secrets.extend(t.secret for t in tokens.values())
    assert_file_tokens(pip.install(*args), projects, dict(tokens))


def test_importing_pip_auth_activates_the_shim(make_pip: MakePip) -> None:
    pip = make_pip(NEWEST_PIP)
    code = "import pip._internal.network.auth, pip_scoped_auth; print(pip_scoped_auth.is_active())"
    out = subprocess.run(
        [str(pip.python), "-c", code], capture_output=True, text=True, env=pip.env()
    )
    assert out.stdout.strip() == "True", out.stderr


@pytest.mark.parametrize("value", ["0", "false", "OFF"])
def test_kill_switch_loads_nothing(make_pip: MakePip, value: str) -> None:
    pip = make_pip(NEWEST_PIP)
    env = pip.env({"PIP_SCOPED_AUTH": value})
    assert start_up(pip.python, env) == ([], False)
    code = "import pip._internal.network.auth, sys; print('pip_scoped_auth' in sys.modules)"
    out = subprocess.run([str(pip.python), "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "False", out.stderr


def test_kill_switch_restores_the_bug(gitlab: FakeGitLab, make_pip: MakePip) -> None:
    """With PIP_SCOPED_AUTH=0 the shimmed venv behaves like stock pip 22.3 again."""
    gitlab.add_project(1, "g/one")
    gitlab.add_project(2, "g/two")
    gitlab.add_package(1, "one", "1.0")
    gitlab.add_package(2, "two", "1.0")
    t1, t2 = gitlab.project_deploy_token(1), gitlab.project_deploy_token(2)
    pip = make_pip(pip_versions.OLDEST_PIP)
    pip.secrets += [t1.secret, t2.secret]
    args = [
        "one",
        "two",
        "--index-url",
        gitlab.project_index_url(1, t1),
        "--extra-index-url",
        gitlab.project_index_url(2, t2),
    ]
    off = pip.install(*args, env={"PIP_SCOPED_AUTH": "0"})
    assert off.returncode != 0, off.redacted()
    gitlab.clear_log()
    on = pip.install(*args)
    assert on.returncode == 0, on.redacted()
    assert all(e.status == 200 for e in gitlab.file_requests()), gitlab.describe_log()


def _fresh_venv(path: Path) -> Path:
    subprocess.run(
        [pipenvs.base_python(), "-m", "venv", str(path)], check=True, capture_output=True
    )
    return pipenvs.venv_python(path)


def test_user_install_puts_the_pth_in_user_site(tmp_path: Path, shim_wheel: Path) -> None:
    python = _fresh_venv(tmp_path / "venv")
    # A venv hides user site; use the base interpreter with a private user base.
    base = pipenvs.base_python()
    env = pipenvs.scrubbed_env(tmp_path / "home", {"PYTHONUSERBASE": str(tmp_path / "userbase")})
    proc = subprocess.run(
        [base, "-m", "pip", "install", "--user", "--no-deps", "--no-index", str(shim_wheel)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    user_site = site_packages(base, user=True, env=env)
    assert_start_files(user_site, base)
    assert start_up(base, env)[1], "the user-site .pth did not arm the hook"
    assert python.exists()


def test_editable_install_puts_the_pth_in_site_packages(tmp_path: Path) -> None:
    python = _fresh_venv(tmp_path / "venv")
    # Building the editable wheel needs hatchling from the registry: this step
    # uses the machine's own pip configuration, like every venv build here.
    proc = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "-e", str(pipenvs.ROOT)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert_start_files(site_packages(python), python)
    env = pipenvs.scrubbed_env(tmp_path / "home")
    # wrapt is not installed here, and that must not matter at start-up.
    assert start_up(python, env) == ([], True)


def _pip_with_renamed_internals(pip_site: Path, overlay: Path, hook: str) -> None:
    """Copy pip and rename one hooked method, as a future pip release might."""
    shutil.copytree(pip_site / "pip", overlay / "pip")
    auth = overlay / "pip" / "_internal" / "network" / "auth.py"
    text = auth.read_text()
    assert f"def {hook}(" in text
    # Every use of the name, as a real rename would (handle_401 is also passed
    # as a response hook, without a call).
    auth.write_text(re.sub(rf"\b{hook}\b", f"{hook}_renamed", text))


@pytest.mark.parametrize("hook", ["_get_url_and_credentials", "_get_new_credentials", "handle_401"])
def test_unrecognised_pip_runs_unpatched_with_one_warning(
    gitlab: FakeGitLab, make_pip: MakePip, tmp_path: Path, hook: str
) -> None:
    """A future pip with any hooked method renamed: pip works, unpatched, one warning.

    The ``is_active()`` check below is what ``pip-scoped-auth status`` reports.
    """
    pip = make_pip(NEWEST_PIP)
    overlay = tmp_path / "overlay"
    _pip_with_renamed_internals(site_packages(pip.python), overlay, hook)
    gitlab.add_project(1, "g/one")
    gitlab.add_package(1, "one", "1.0")
    token = gitlab.project_deploy_token(1)
    pip.secrets.append(token.secret)
    env = {"PYTHONPATH": str(overlay)}
    # Not -vvv: verbose output names the venv path, which can contain "pip-scoped-auth".
    result = pip.install(
        "one", "--index-url", gitlab.project_index_url(1, token), env=env, verbose=False
    )
    assert result.returncode == 0, result.redacted()
    warnings = [line for line in result.output.splitlines() if "pip-scoped-auth:" in line]
    assert len(warnings) == 1, result.redacted()
    assert f"pip {NEWEST_PIP} is not supported" in warnings[0]
    assert f"MultiDomainBasicAuth.{hook} is missing" in warnings[0]
    assert "Traceback" not in result.output
    code = (
        "import pip, pip._internal.network.auth, pip_scoped_auth;"
        " print(pip.__file__, pip_scoped_auth.is_active())"
    )
    out = subprocess.run(
        [str(pip.python), "-c", code], capture_output=True, text=True, env=pip.env(env)
    )
    assert out.stdout.split()[-1] == "False"
    assert str(overlay) in out.stdout


def test_pip_errors_pass_through_unchanged(make_pip: MakePip) -> None:
    """A pip error is pip's own message, not a shim traceback."""
    pip = make_pip(NEWEST_PIP)
    result = pip.install(
        "nothing-here",
        "--index-url",
        "http://127.0.0.1:9/simple",
        "--retries",
        "0",
        "--timeout",
        "2",
        verbose=False,  # -vvv prints pip's own traceback for every error
    )
    assert result.returncode != 0
    assert "pip-scoped-auth:" not in result.output
    assert "Traceback" not in result.output


def test_the_shipped_start_files_are_the_bootstrap_lines() -> None:
    """The ``.pth`` and ``.start`` lines are generated by ``_bootstrap``; their stems match.

    PEP 829 pairs them by stem: a ``.start`` named otherwise would leave 3.15+
    running the ``.pth``'s import line too, and 3.18+ would run nothing.
    """
    src = pipenvs.ROOT / "src"
    shipped = {p.name for p in src.iterdir() if p.suffix in (".pth", ".start")}
    assert shipped == {"pip_scoped_auth.pth", "pip_scoped_auth.start"}
    pth, start = (
        (src / "pip_scoped_auth.pth").read_text(),
        (src / "pip_scoped_auth.start").read_text(),
    )
    assert pth == _bootstrap.pth_line() and pth.count("\n") == 1
    assert start == _bootstrap.start_line() == f"{_bootstrap.HOOK_MODULE}:arm\n"
    assert (src / f"{_bootstrap.HOOK_MODULE}.py").is_file()


def test_wheel_and_sdist_carry_the_start_files(tmp_path: Path, shim_wheel: Path) -> None:
    """The wheel has the three start-up files at its top; so has the sdist, and
    the wheel built from that sdist (what a ``pip install`` of the sdist does)."""
    import tarfile
    import zipfile

    assert set(START_FILES) <= set(zipfile.ZipFile(shim_wheel).namelist())
    out = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "sdist", "-d", str(out)],
        cwd=pipenvs.ROOT,
        check=True,
        capture_output=True,
    )
    (sdist,) = out.glob("pip_scoped_auth-*.tar.gz")
    with tarfile.open(sdist) as tar:
        members = {m.name.split("/", 1)[1] for m in tar.getmembers() if "/" in m.name}
        tar.extractall(tmp_path / "unpacked", filter="data")
    assert {f"src/{name}" for name in START_FILES} <= members
    (tree,) = (tmp_path / "unpacked").iterdir()
    wheel_from_sdist = pipenvs.build_wheel(tmp_path / "wheel", tree)
    assert set(START_FILES) <= set(zipfile.ZipFile(wheel_from_sdist).namelist())


def test_host_python_is_not_touched() -> None:
    """Guard: the test process itself may have the shim, but never imports wrapt at start."""
    out = subprocess.run(
        [sys.executable, "-c", MODULES_AT_START], capture_output=True, text=True, check=True
    )
    assert "wrapt" not in out.stdout
