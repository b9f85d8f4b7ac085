"""Arming where the shim is not installed: the remote finder, its loader source, the
``preload`` block's text, in this process and in fresh ``python -S`` processes."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import _pip_scoped_auth_hook as hook
import _pip_scoped_auth_remote as remote
from pip_scoped_auth import _bootstrap
from pip_scoped_auth.core import arming, preload_block

ROOT = Path(__file__).resolve().parents[2]
SRC = str(ROOT / "src")


def test_remote_agrees_with_the_hook() -> None:
    assert remote.TARGETS == hook.TARGETS == _bootstrap.TARGETS
    assert remote.OFF_VALUES == hook.OFF_VALUES
    assert arming.REMOTE_MODULE == remote.__name__
    assert remote.RemoteFinder([], "preload").pip_scoped_auth_finder
    assert set(arming.MECHANISMS) >= {"pth", "preload", "build-venv", "activate"}


def test_remote_imports_nothing_at_start_up() -> None:
    """It runs in every process of a preloaded venv: ``os`` and ``sys`` only."""
    tree = ast.parse((ROOT / "src" / "_pip_scoped_auth_remote.py").read_text())
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert sorted(a.name for n in top for a in n.names) == ["os", "sys"]


def _fresh(code: str, *, env: dict[str, str] | None = None) -> str:
    """Run ``code`` in ``python -S`` (no site, so nothing of ours armed) from a clean dir."""
    proc = subprocess.run(
        [sys.executable, "-S", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd="/",
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return proc.stdout.strip()


#: After the loader source: what is armed, and what user code can import.
_PROBE = """
import importlib, sys
armed = [getattr(f, "mechanism", "?") for f in sys.meta_path
         if getattr(f, "pip_scoped_auth_finder", False)]
def importable(name):
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True
before = [n for n in ("pip_scoped_auth", "_pip_scoped_auth_remote") if importable(n)]
finder = next(f for f in sys.meta_path if getattr(f, "pip_scoped_auth_finder", False))
finder.find_spec("pip._internal.network.auth")  # what pip's import of it does first
after = [n for n in ("pip_scoped_auth", "_pip_scoped_auth_remote") if importable(n)]
print(armed, before, after, sys.path.count(%r))
"""


def test_loader_source_arms_lazily_and_stays_off_sys_path() -> None:
    source = arming.loader_source([SRC], "preload")
    out = _fresh(source + _PROBE % SRC)
    # pip_scoped_auth only once pip imported a target; the remote module never.
    assert out == "['preload'] [] ['pip_scoped_auth'] 0"


def test_pth_line_is_one_import_line_that_does_the_same() -> None:
    line = arming.pth_line([SRC], "build-venv")
    assert line.startswith("import ") and line.count("\n") == 1
    out = _fresh(line + _PROBE % SRC)
    assert out == "['build-venv'] [] ['pip_scoped_auth'] 0"


def test_loader_source_is_silent_where_the_shim_is_gone(tmp_path: Path) -> None:
    source = arming.loader_source([str(tmp_path / "uninstalled")], "preload")
    out = _fresh(source + "import sys; print(len(sys.meta_path))")
    assert out.isdigit()


def test_loader_source_stands_aside_for_an_armed_copy() -> None:
    code = (
        f"import sys; sys.path.insert(0, {SRC!r}); import _pip_scoped_auth_hook\n"
        + arming.loader_source([SRC], "preload")
        + "print([getattr(f, '__name__', 'remote') for f in sys.meta_path "
        "if getattr(f, 'pip_scoped_auth_finder', False)])"
    )
    assert _fresh(code) == "['_pip_scoped_auth_hook']"


@pytest.mark.parametrize("value", ["0", "off"])
def test_loader_source_honours_the_kill_switch(value: str) -> None:
    code = arming.loader_source([SRC], "preload") + (
        "import sys; print(any(getattr(f, 'pip_scoped_auth_finder', False) for f in sys.meta_path))"
    )
    assert _fresh(code, env={"PIP_SCOPED_AUTH": value}) == "False"


@pytest.mark.parametrize(
    ("argv", "ours"),
    [
        (["py", "-m", "pip_scoped_auth", "status"], True),
        (["py", "-I", "-X", "importtime", "-m", "pip_scoped_auth.cli"], True),
        (["py", "-mpip_scoped_auth"], True),
        (["py", "-m", "pip", "install"], False),
        (["py", "-W", "ignore", "-m", "json"], False),
        (["py", "-c", "pass", "-m", "pip_scoped_auth"], False),
        (["py", "script.py", "-m", "pip_scoped_auth"], False),
        (["py"], False),
    ],
)
def test_our_cli_is_served_from_the_start(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], ours: bool
) -> None:
    monkeypatch.setattr(sys, "orig_argv", argv, raising=False)
    assert remote.RemoteFinder([SRC], "preload").active is ours


texts = st.text(alphabet=st.sampled_from("ab #\n\t=>"), max_size=40)


@given(texts)
def test_block_round_trip(original: str) -> None:
    """Whatever the file held (no final newline, empty), --remove gives it back."""
    added = preload_block.add(original, "pass\n", "/x", existed=True, mtime_ns=7)
    block = preload_block.find(added)
    assert block is not None and block.mtime_ns == 7 and not block.created
    assert preload_block.remove(added, block) == original
    renewed = preload_block.replace(added, block, "x = 1\n", "/y")
    again = preload_block.find(renewed)
    assert again is not None
    assert preload_block.remove(renewed, again) == original


def test_block_of_a_created_file_removes_to_nothing() -> None:
    added = preload_block.add("", "pass\n", "/x", existed=False, mtime_ns=0)
    block = preload_block.find(added)
    assert block is not None and block.created
    assert preload_block.remove(added, block) == ""
    assert added.endswith(f"{preload_block.END}\n")
    compile(added, "sitecustomize.py", "exec")


def test_a_block_without_its_end_is_not_a_block() -> None:
    added = preload_block.add("", "pass\n", "/x", existed=False, mtime_ns=0)
    assert preload_block.find(added.replace(preload_block.END, "")) is None


def test_loader_source_adds_no_module() -> None:
    """Start-up stays free: arming by path registers nothing in ``sys.modules``."""
    code = (
        "import os, sys; before = set(sys.modules)  # site has loaded os\n"
        + arming.loader_source([SRC], "preload")
        + "print(sorted(set(sys.modules) - before), "
        "sum(getattr(f, 'pip_scoped_auth_finder', False) for f in sys.meta_path))"
    )
    assert _fresh(code) == "[] 1"
