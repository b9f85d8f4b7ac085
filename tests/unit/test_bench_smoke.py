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
from bench.round_trips import HEADERS, SCENARIOS, Count, Lookups, Plan, lookup_ratio, report_row
from bench.startup import BOOTSTRAP, extra_modules, loaded_modules

from tests.support import pipenvs
from tests.support.pip_versions import NEWEST_PIP

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


def _row(stdout: str, scenario: str) -> dict[str, str]:
    """The cells of ``scenario``'s row in the round-trips table, by column header."""
    lines = [line for line in stdout.splitlines() if line.startswith("| ")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    for line in lines[1:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[0] == scenario:
            return dict(zip(header, cells))
    raise AssertionError(f"no row for {scenario!r}:\n{stdout}")


def _count(requests: int, keyring: list[tuple[str, str | None]]) -> Count:
    return Count(True, requests, 0, 1.0, Lookups(keyring))


def test_round_trips_row_fails_when_the_shim_asks_keyring_twice() -> None:
    """The keyring columns and the keyring targets, without running pip."""
    scenario = next(s for s in SCENARIOS if s.credentials == "keyring")
    plan = Plan(["a"], ["--index-url", "https://h/simple"], gitlab_indexes=1, secrets=[])
    stock = _count(2, [("https://h/simple/", None), ("h", None), ("h", None)])
    once = _count(2, [("https://h/simple/", None), ("https://h/simple", None)])
    twice = _count(2, [("https://h/simple/", None), ("https://h/simple/", None)])
    typed_first = _count(2, [("https://h/simple", None), ("https://h/simple/", None)])

    row, ok = report_row(scenario, plan, stock, once, "26.3")
    cells = dict(zip(HEADERS, map(str, row)))
    assert ok, cells
    assert cells["keyring lookups"] == "3 / 2"
    assert cells["lookups shim/stock"] == "0.67"
    assert cells["services asked"] == "2 / 2"
    assert cells["asked twice"] == "1 / 0"
    assert cells["shim: pip's spelling first"] == "yes"
    assert cells["wall [s]"] == "1.00 / 1.00"

    row, ok = report_row(scenario, plan, stock, twice, "26.3")
    assert not ok
    assert dict(zip(HEADERS, map(str, row)))["asked twice"] == "1 / 1"

    # pip 26.3 asks with the trailing slash; pip 22.3.1 as typed.
    row, ok = report_row(scenario, plan, stock, typed_first, "26.3")
    assert not ok
    assert dict(zip(HEADERS, map(str, row)))["shim: pip's spelling first"] == "no"
    assert report_row(scenario, plan, stock, typed_first, "22.3.1")[1]
    assert lookup_ratio(Lookups(), Lookups()) == "-"


@pytest.mark.integration
def test_round_trips_benchmark_reports_keyring_lookups() -> None:
    """One keyring scenario on the newest pip, through the keyring command (one
    process per lookup): the shim asked keyring, never the same question twice.

    The URLs name the user, so pip asks keyring before each request to an index:
    with the resolver's answer cache removed, the shim asks 6 times, 2 of them
    repeats (stock pip's figures), and this test fails.
    """
    scenario = "keyring subprocess: user in both URLs"
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "bench.round_trips", "--pip", NEWEST_PIP, "-k", scenario),
            *("--cache", str(pipenvs.cache_root())),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    cells = _row(proc.stdout, scenario)
    assert set(HEADERS) <= set(cells), proc.stdout
    shim_lookups = int(cells["keyring lookups"].split(" / ")[1])
    assert shim_lookups > 0, proc.stdout
    assert cells["asked twice"].split(" / ")[1] == "0", proc.stdout
    assert cells["shim: pip's spelling first"] == "yes", proc.stdout
    assert cells["result"] == "PASS", proc.stdout
    assert "asked each index by this pip's own spelling first: PASS" in proc.stdout
