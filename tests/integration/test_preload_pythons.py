"""Where ``preload`` puts its block works on every Python: 3.9 to 3.14.

The block lives in the base interpreter's standard library directory because
that is the one directory of the base on a venv's ``sys.path`` (a
``sitecustomize`` in the base's site-packages never runs in a venv made with
``include-system-site-packages = false``). Checked here per Python on a
stand-in base interpreter (its executable copied, its standard library linked
entry by entry into a real directory, so nothing of the real interpreter is
written): ``preload`` run from this checkout, a venv made from it, the shim
armed there by the block and nothing of ours importable, ``--remove`` back to
nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support import pipenvs

ROOT = Path(__file__).resolve().parents[2]
PYTHONS = ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14")

#: In the venv: the base's stdlib and site-packages on sys.path, what armed, what imports.
_PROBE = """
import importlib, sys, sysconfig
base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}
stdlib_on_path = sysconfig.get_paths()["stdlib"] in sys.path
site_on_path = sysconfig.get_path("purelib", "posix_prefix", vars=base) in sys.path
armed = [getattr(f, "mechanism", "?") for f in sys.meta_path
         if getattr(f, "pip_scoped_auth_finder", False)]
found = []
for name in ("pip_scoped_auth", "_pip_scoped_auth_remote", "wrapt"):
    try:
        importlib.import_module(name)
    except ImportError:
        continue
    found.append(name)
print(stdlib_on_path, site_on_path, armed, found)
"""


def _stand_in(python: str, root: Path) -> Path:
    """A copy of ``python`` whose standard library directory is ours to write."""
    facts = subprocess.run(
        [
            python,
            "-c",
            "import sys, sysconfig; print(sys.executable); print(sys.base_prefix); "
            "print(sysconfig.get_paths()['stdlib'])",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    real, prefix, stdlib = Path(os.path.realpath(facts[0])), Path(facts[1]), Path(facts[2])
    exe = root / real.relative_to(prefix)
    exe.parent.mkdir(parents=True)
    shutil.copy2(real, exe)
    fake = root / stdlib.relative_to(prefix)
    fake.mkdir(parents=True)
    # Never linked: what preload writes (Debian's sitecustomize.py links to /etc)
    # and where it compiles to; site-packages stays the stand-in's own.
    skip = {"site-packages", "dist-packages", "sitecustomize.py", "__pycache__"}
    for entry in stdlib.iterdir():
        if entry.name not in skip:
            (fake / entry.name).symlink_to(entry)
    (fake / "__pycache__").mkdir()
    return exe


@pytest.mark.parametrize("version", PYTHONS)
def test_the_block_runs_in_venvs_of_every_python(tmp_path: Path, version: str) -> None:
    python = pipenvs.find_python(version)
    if python is None:
        pytest.skip(pipenvs.how_to_get_python(version))
    base = _stand_in(python, tmp_path / "base")
    env = pipenvs.scrubbed_env(tmp_path / "home")
    # The shim "installed" in this base: the checkout's src on its path, for preload only.
    with_shim = {**env, "PYTHONPATH": str(ROOT / "src")}

    def run(exe: Path, *args: str, env: dict[str, str] = env) -> str:
        proc = subprocess.run(
            [str(exe), *args], capture_output=True, text=True, env=env, timeout=300
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout

    line = run(base, "-m", "pip_scoped_auth", "preload", env=with_shim)
    sitecustomize = run(
        base, "-c", "import sysconfig; print(sysconfig.get_paths()['stdlib'])"
    ).strip()
    assert f"created {sitecustomize}/sitecustomize.py" in line
    assert sitecustomize.startswith(str(tmp_path))

    run(base, "-m", "venv", "--without-pip", str(tmp_path / "venv"))
    out = run(tmp_path / "venv" / "bin" / "python", "-c", _PROBE).strip()
    assert out == "True False ['preload'] []", out

    removed = run(base, "-m", "pip_scoped_auth", "preload", "--remove", env=with_shim)
    assert "removed" in removed
    assert not Path(sitecustomize, "sitecustomize.py").exists()
    out = run(tmp_path / "venv" / "bin" / "python", "-c", _PROBE).strip()
    assert out == "True False [] []", out


def test_preload_will_not_hide_a_sitecustomize_of_site_packages(tmp_path: Path) -> None:
    """A new stdlib sitecustomize.py would shadow the base's site-packages one: refused."""
    python = pipenvs.find_python("3.12") or pipenvs.base_python()
    base = _stand_in(python, tmp_path / "base")
    env = {**pipenvs.scrubbed_env(tmp_path / "home"), "PYTHONPATH": str(ROOT / "src")}
    purelib = subprocess.run(
        [str(base), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(purelib).mkdir(parents=True, exist_ok=True)
    theirs = Path(purelib, "sitecustomize.py")
    theirs.write_text("IMAGE = 1\n")
    proc = subprocess.run(
        [str(base), "-m", "pip_scoped_auth", "preload"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and f"{theirs} exists" in lines[0], proc.stderr
    assert proc.stdout == ""
    assert theirs.read_text() == "IMAGE = 1\n"
