"""Keep the benchmarks from rotting, and guard the start-up property they measure.

Timings are never asserted (they belong to a machine); these only check that
``bench/`` still runs and that the module check it reports still holds.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from bench.startup import BOOTSTRAP, extra_modules, loaded_modules

ROOT = Path(__file__).resolve().parents[2]
SMOKE_ARGS = ("--sizes", "1,10", "--number", "20", "--repeat", "3", "--links", "1000")


def test_scale_benchmark_runs_and_prints_its_tables() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.scale", *SMOKE_ARGS],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "| indexes |" in proc.stdout, proc.stdout
    assert "scale: lookup cost independent of the number of indexes:" in proc.stdout


def test_start_up_adds_nothing_but_the_bootstrap_to_sys_modules() -> None:
    """All of ``sys.modules``, not only pip/wrapt/keyring names: a stray ``typing``
    import in the bootstrap once doubled ``python -c pass`` (see docs/benchmarks.md).

    Complements ``tests/integration/test_startup_and_install.py::
    test_python_start_up_loads_only_the_bootstrap``, which checks the installed
    wheel. This one compares this checkout's environment (README set-up: an
    editable install, ``.pth`` included) armed and switched off: the ``.pth``
    line imports the hook module in both, so arming may add nothing at all.
    What importing the hook module itself adds (exactly itself) is
    ``tests/unit/test_hook.py::test_the_hook_module_imports_nothing``.
    """
    if not any(Path(p, "pip_scoped_auth.pth").is_file() for p in sys.path if p):
        pytest.skip("pip_scoped_auth.pth is not installed in this environment")
    env = {k: v for k, v in os.environ.items() if k != "PIP_SCOPED_AUTH"}
    off = {**env, "PIP_SCOPED_AUTH": "0"}
    assert set(BOOTSTRAP) <= loaded_modules(sys.executable, off)
    assert extra_modules(sys.executable, env, (sys.executable, off)) == []
