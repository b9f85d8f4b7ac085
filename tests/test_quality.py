"""The code-quality gates run with the tests, so CI holds them: ruff and mypy --strict."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


#: What the linters cover (``bench`` only once it exists).
LINTED = [d for d in ("src", "tests", "bench") if (ROOT / d).is_dir()]


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *cmd], capture_output=True, text=True, cwd=ROOT)


def test_ruff_check() -> None:
    proc = _run("ruff", "check", *LINTED)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_format() -> None:
    proc = _run("ruff", "format", "--check", *LINTED)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_strict() -> None:
    proc = _run("mypy")
    assert proc.returncode == 0, proc.stdout + proc.stderr
