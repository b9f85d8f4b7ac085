"""The start-up hook module (``src/_pip_scoped_auth_hook.py``) in this process and in
fresh ``python -S`` processes: it agrees with ``_bootstrap``, arms at most once,
honours ``PIP_SCOPED_AUTH``, and the ``.pth`` line never prints a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import _pip_scoped_auth_hook as hook
from pip_scoped_auth import _bootstrap

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clean_meta_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``sys.meta_path`` without any finder of ours, restored afterwards."""
    saved = list(sys.meta_path)
    sys.meta_path[:] = [f for f in sys.meta_path if not _bootstrap.is_ours(f)]
    monkeypatch.delenv("PIP_SCOPED_AUTH", raising=False)
    try:
        yield
    finally:
        sys.meta_path[:] = saved


def test_hook_and_bootstrap_agree() -> None:
    assert hook.TARGETS == _bootstrap.TARGETS
    assert hook.OFF_VALUES == _bootstrap._OFF_VALUES
    assert _bootstrap.HOOK_MODULE == hook.__name__
    assert _bootstrap.is_ours(hook)


def test_arm_inserts_the_module_once(clean_meta_path: None) -> None:
    hook.arm()
    hook.arm()
    assert sys.meta_path[0] is hook
    assert sum(_bootstrap.is_ours(f) for f in sys.meta_path) == 1
    _bootstrap.disarm()
    assert not any(_bootstrap.is_ours(f) for f in sys.meta_path)


def test_arm_after_activate_adds_nothing(clean_meta_path: None) -> None:
    _bootstrap.arm(force=True)
    hook.arm()
    assert sum(_bootstrap.is_ours(f) for f in sys.meta_path) == 1
    assert hook not in sys.meta_path


@pytest.mark.parametrize("value", ["0", "false", " OFF ", "No"])
def test_arm_honours_the_kill_switch(
    clean_meta_path: None, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("PIP_SCOPED_AUTH", value)
    hook.arm()
    assert hook not in sys.meta_path


def test_find_spec_answers_only_for_the_targets() -> None:
    assert hook.find_spec("json") is None
    assert hook.find_spec("pip._internal.network.download") is None


def _run_pth_line(line: str, path: list[str], env: dict[str, str] | None = None) -> str:
    """Run a ``.pth`` line the way ``site`` does, in a ``python -S`` with ``path``.

    The line gets a namespace of its own: Python 3.15 runs ``.pth`` lines in
    a frame without ``site``'s locals, so the line must not need them.
    """
    code = (
        "import sys; sys.path[:0] = sys.argv[2:]; exec(sys.argv[1], {}); "
        "print(any(getattr(f, 'pip_scoped_auth_finder', False) for f in sys.meta_path),"
        " '_pip_scoped_auth_hook' in sys.modules)"
    )
    base = {k: v for k, v in os.environ.items() if k != "PIP_SCOPED_AUTH"}
    proc = subprocess.run(
        [sys.executable, "-S", "-c", code, line, *path],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        check=True,
    )
    assert proc.stderr == "", proc.stderr
    return proc.stdout.strip()


def test_the_pth_line_arms_without_site_locals() -> None:
    assert _run_pth_line(_bootstrap.pth_line(), [str(ROOT / "src")]) == "True True"


def test_the_pth_line_arms_nothing_when_switched_off() -> None:
    out = _run_pth_line(_bootstrap.pth_line(), [str(ROOT / "src")], {"PIP_SCOPED_AUTH": "off"})
    assert out == "False True"


def test_the_pth_line_twice_arms_once() -> None:
    """3.11-3.14 run a venv's ``.pth`` lines twice."""
    code = (
        "import sys; sys.path[:0] = sys.argv[2:]; exec(sys.argv[1], {}); exec(sys.argv[1], {}); "
        "print(sum(getattr(f, 'pip_scoped_auth_finder', False) for f in sys.meta_path))"
    )
    proc = subprocess.run(
        [sys.executable, "-S", "-c", code, _bootstrap.pth_line(), str(ROOT / "src")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout.strip() == "1", proc.stderr


def test_the_hook_module_imports_nothing() -> None:
    """Importing and arming the hook adds exactly one module to a bare ``python -S``.

    This is the check that catches a stray stdlib import (``typing`` once
    doubled ``python -c pass``, see docs/benchmarks.md).
    """
    code = (
        # site has imported os before it reads any .pth file
        "import os, sys; sys.path[:0] = sys.argv[1:]; before = set(sys.modules); "
        "import _pip_scoped_auth_hook as h; h.arm(); print(sorted(set(sys.modules) - before))"
    )
    proc = subprocess.run(
        [sys.executable, "-S", "-c", code, str(ROOT / "src")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout.strip() == "['_pip_scoped_auth_hook']", proc.stderr


def test_a_half_removed_install_is_reported_by_site_and_python_still_runs(
    tmp_path: Path,
) -> None:
    """The ``.pth`` left without its module: ``site`` reports the line, nothing is armed.

    ``pip uninstall`` removes both files; only a hand-deleted module leaves
    this state. The line is a plain import on purpose (the ``exec``-guarded
    line cost 0.8 % of every ``python -c pass``, docs/benchmarks.md), so
    ``site`` prints its own "Error processing line" report, as for any
    ``.pth`` whose module is gone, and the interpreter goes on.
    """
    (tmp_path / "pip_scoped_auth.pth").write_text(_bootstrap.pth_line())
    code = (
        "import site, sys; site.addsitedir(sys.argv[1]); "
        "print(any(getattr(f, 'pip_scoped_auth_finder', False) for f in sys.meta_path))"
    )
    proc = subprocess.run(
        [sys.executable, "-S", "-c", code, str(tmp_path)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"
    assert "Error processing line 1" in proc.stderr
