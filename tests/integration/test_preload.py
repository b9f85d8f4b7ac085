"""``pip-scoped-auth preload``: every venv made from a preloaded interpreter is scoped.

A copy of pyenv's 3.12.1 with the shim in its own site-packages stands in for
a CI image (``RUN pip install pip-scoped-auth && pip-scoped-auth preload``).
Venvs made from it by ``python -m venv`` and ``virtualenv`` get stock pip and
nothing of ours, yet the bug report's two GitLab projects (indexes by encoded
project path, which every stock pip gets wrong) pass there with the right
token per request, while user code there still cannot import ``wrapt`` or
``pip_scoped_auth``. ``preload --remove`` gives the interpreter back byte for
byte.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from pip_scoped_auth.demo.registries.gitlab import FakeGitLab, Token
from tests.support import pipenvs
from tests.support.preloaded_python import fresh_copy, stdlib_dir, tree_digest
from tests.support.projects import P1, P2, assert_own_tokens
from tests.support.sdists import buildme_sdist

#: The bug report's projects, addressed by encoded path: files are linked by id.
PATHS = {P1: "my-group/project-1", P2: "my-group/project-2"}

#: What a user's code in those venvs tries: none of it may be importable.
_IMPORTS = """
import importlib, sys
found = []
for name in ("wrapt", "pip_scoped_auth", "_pip_scoped_auth_remote", "_pip_scoped_auth_hook"):
    try:
        importlib.import_module(name)
    except ImportError:
        continue
    found.append(name)
print(found)
"""


@pytest.fixture
def base(tmp_path: Path, shim_wheel: Path) -> Path:
    """This test's own copy of the preload interpreter: its ``python3.12``."""
    return fresh_copy(shim_wheel, tmp_path / "python")


def _run(python: Path, *args: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), *args],
        capture_output=True,
        text=True,
        env=pipenvs.scrubbed_env(home, env),
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def _preload(python: Path, home: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return _run(python, "-m", "pip_scoped_auth", "preload", *extra, home=home)


def _make_venv(base: Path, maker: str, dest: Path, home: Path) -> Path:
    if maker == "venv":
        args = ["-m", "venv", str(dest)]
    else:
        args = ["-m", "virtualenv", "-q", "--no-periodic-update", str(dest)]
    made = _run(base, *args, home=home)
    assert made.returncode == 0, made.stdout + made.stderr
    return dest / "bin" / "python"


def _pip_args(gitlab: FakeGitLab, tokens: dict[int, Token]) -> list[str]:
    return [
        "pypipackage1",
        "pypipackage2",
        "--index-url",
        gitlab.project_index_url(PATHS[P1], tokens[P1]),
        "--extra-index-url",
        gitlab.project_index_url(PATHS[P2], tokens[P2]),
    ]


def _one_line(text: str) -> str:
    lines = text.splitlines()
    assert len(lines) == 1, text
    return lines[0]


@pytest.mark.parametrize("maker", ["venv", "virtualenv"])
def test_preload_scopes_venvs_made_from_the_interpreter(
    projects: FakeGitLab, base: Path, tmp_path: Path, maker: str
) -> None:
    home = tmp_path / "home"
    root = base.parent.parent
    before = tree_digest(root)
    sitecustomize = stdlib_dir(base) / "sitecustomize.py"

    first = _preload(base, home)
    assert first.returncode == 0, first.stderr
    assert str(sitecustomize) in _one_line(first.stdout), first.stdout
    assert first.stderr == ""
    text = sitecustomize.read_bytes()
    again = _preload(base, home)
    assert again.returncode == 0, again.stderr
    assert "nothing changed" in _one_line(again.stdout)
    assert sitecustomize.read_bytes() == text

    venv_python = _make_venv(base, maker, tmp_path / "venv", home)
    venv = venv_python.parent.parent
    (site,) = venv.glob("lib/python*/site-packages")
    assert not [p.name for p in site.iterdir() if "scoped" in p.name or "wrapt" in p.name]
    user = _run(venv_python, "-c", _IMPORTS, home=home)
    assert user.returncode == 0, user.stderr
    assert user.stdout.strip() == "[]", user.stdout

    status = _run(venv_python, "-m", "pip_scoped_auth", "status", home=home)
    assert status.returncode == 0, status.stdout + status.stderr
    assert "armed:   by preload from the base interpreter" in status.stdout, status.stdout
    explain = _run(
        venv_python, "-m", "pip_scoped_auth", "explain", "https://gl.example/x", home=home
    )
    assert explain.returncode == 0, explain.stdout + explain.stderr
    assert "armed:   by preload from the base interpreter" in explain.stdout, explain.stdout
    own = _run(base, "-m", "pip_scoped_auth", "status", home=home)
    assert own.returncode == 0, own.stdout + own.stderr
    assert "armed:   by pip_scoped_auth.pth in this environment" in own.stdout, own.stdout
    assert f"preload: {sitecustomize} (every venv" in own.stdout, own.stdout

    tokens = {P1: projects.project_deploy_token(P1), P2: projects.project_deploy_token(P2)}
    pip = pipenvs.PipEnv(venv=venv, pip_version="bundled", shim=True, workdir=tmp_path / "w")
    pip.workdir.mkdir()
    pip.secrets.extend(t.secret for t in tokens.values())
    scoped = pip.install(*_pip_args(projects, tokens))
    assert scoped.returncode == 0, scoped.redacted()
    assert_own_tokens(projects, tokens, {P1, P2})

    # The same venv with the shim switched off is stock pip: project 324's file
    # (linked by id, outside both index paths) gets project 323's token.
    projects.clear_log()
    stock = pip.install(*_pip_args(projects, tokens), env={"PIP_SCOPED_AUTH": "0"})
    assert stock.returncode != 0, stock.redacted()
    wrong = [e for e in projects.file_requests() if e.project_id == P2]
    assert wrong and wrong[0].token is tokens[P1], projects.describe_log()

    removed = _preload(base, home, "--remove")
    assert removed.returncode == 0, removed.stderr
    assert str(sitecustomize) in _one_line(removed.stdout)
    assert tree_digest(root) == before
    assert not list((sitecustomize.parent / "__pycache__").glob("sitecustomize.*"))

    # Removed means removed: the venv is stock again.
    projects.clear_log()
    after = pip.install(*_pip_args(projects, tokens))
    assert after.returncode != 0, after.redacted()


def test_preload_keeps_an_existing_sitecustomize(base: Path, tmp_path: Path) -> None:
    """The block is appended to a file without a final newline; --remove restores
    its bytes and its modification time; both run in a venv."""
    home = tmp_path / "home"
    sitecustomize = stdlib_dir(base) / "sitecustomize.py"
    original = b"import os\nos.environ['IMAGE_CUSTOMIZED'] = '1'"
    sitecustomize.write_bytes(original)
    os.utime(sitecustomize, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    stat = sitecustomize.stat()

    added = _preload(base, home)
    assert added.returncode == 0, added.stderr
    assert str(sitecustomize) in _one_line(added.stdout)
    assert sitecustomize.read_bytes().startswith(original + b"\n# >>> pip-scoped-auth")

    venv_python = _make_venv(base, "venv", tmp_path / "venv", home)
    probe = (
        "import os, sys; print(os.environ.get('IMAGE_CUSTOMIZED'), "
        "[getattr(f, 'mechanism', 'pth') for f in sys.meta_path "
        "if getattr(f, 'pip_scoped_auth_finder', False)])"
    )
    seen = _run(venv_python, "-c", probe, home=home)
    assert seen.stdout.strip() == "1 ['preload']", seen.stdout + seen.stderr

    removed = _preload(base, home, "--remove")
    assert removed.returncode == 0, removed.stderr
    assert sitecustomize.read_bytes() == original
    assert sitecustomize.stat().st_mtime_ns == stat.st_mtime_ns
    assert sitecustomize.stat().st_mode == stat.st_mode
    nothing = _preload(base, home, "--remove")
    assert nothing.returncode == 0 and "nothing changed" in _one_line(nothing.stdout)


def test_a_venv_with_its_own_shim_arms_only_its_own(
    base: Path, tmp_path: Path, shim_wheel: Path
) -> None:
    home = tmp_path / "home"
    assert _preload(base, home).returncode == 0
    venv_python = _make_venv(base, "venv", tmp_path / "venv", home)
    installed = _run(
        venv_python,
        "-m",
        "pip",
        "install",
        "-q",
        "--no-deps",
        "--no-index",
        str(shim_wheel),
        home=home,
    )
    assert installed.returncode == 0, installed.stderr
    probe = (
        "import sys; print([getattr(f, '__name__', type(f).__name__) for f in sys.meta_path "
        "if getattr(f, 'pip_scoped_auth_finder', False)])"
    )
    seen = _run(venv_python, "-c", probe, home=home)
    assert seen.stdout.strip() == "['_pip_scoped_auth_hook']", seen.stdout + seen.stderr
    # The base interpreter itself: its own .pth arms, the block stands aside.
    own = _run(base, "-c", probe, home=home)
    assert own.stdout.strip() == "['_pip_scoped_auth_hook']", own.stdout + own.stderr
    # And PIP_SCOPED_AUTH=0 switches the preloaded copy off too.
    plain = _make_venv(base, "venv", tmp_path / "plain", home)
    off = _run(plain, "-c", probe, home=home, PIP_SCOPED_AUTH="0")
    assert off.stdout.strip() == "[]", off.stdout + off.stderr


def test_preload_where_it_cannot_write(base: Path, tmp_path: Path) -> None:
    """One line, exit 1, nothing changed, no traceback."""
    home = tmp_path / "home"
    stdlib = stdlib_dir(base)
    root = base.parent.parent
    before = tree_digest(root)
    stdlib.chmod(0o555)
    try:
        # root writes anywhere: drop the capabilities that let it.
        drop = ["setpriv", "--inh-caps=-all", "--bounding-set=-all"] if os.geteuid() == 0 else []
        proc = subprocess.run(
            [*drop, str(base), "-m", "pip_scoped_auth", "preload"],
            capture_output=True,
            text=True,
            env=pipenvs.scrubbed_env(home),
            timeout=120,
        )
    finally:
        stdlib.chmod(0o755)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    line = _one_line(proc.stderr)
    assert line.startswith("pip-scoped-auth preload: error: cannot write "), line
    assert str(stdlib / "sitecustomize.py") in line
    assert proc.stdout == ""
    assert tree_digest(root) == before


def test_pip_build_children_in_a_preloaded_venv_are_scoped(
    gitlab: FakeGitLab, base: Path, tmp_path: Path
) -> None:
    """An sdist on project 323 whose build backend is only on project 324: the build
    isolation child pip of the venv's stock pip is armed by the block too."""
    gitlab.add_project(P1, PATHS[P1])
    gitlab.add_project(P2, PATHS[P2])
    gitlab.add_file(P1, "buildme", "1.0", "buildme-1.0.tar.gz", buildme_sdist())
    gitlab.add_package(P2, "tinybackend", "1.0")
    home = tmp_path / "home"
    assert _preload(base, home).returncode == 0
    venv = _make_venv(base, "venv", tmp_path / "venv", home).parent.parent
    tokens = {P1: gitlab.project_deploy_token(P1), P2: gitlab.project_deploy_token(P2)}
    pip = pipenvs.PipEnv(venv=venv, pip_version="bundled", shim=True, workdir=tmp_path / "w")
    pip.workdir.mkdir()
    pip.secrets.extend(t.secret for t in tokens.values())
    index = [
        "--index-url",
        gitlab.project_index_url(PATHS[P1], tokens[P1]),
        "--extra-index-url",
        gitlab.project_index_url(PATHS[P2], tokens[P2]),
    ]
    result = pip.install("buildme", *index)
    assert result.returncode == 0, result.redacted()
    assert_own_tokens(gitlab, tokens, {P1, P2})
