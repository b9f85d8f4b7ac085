"""Benchmark 1: what the ``.pth`` file costs every Python process of the environment.

``python -c pass`` in the shim venv against the identical stock venv (same
Python, same pip, same packages, no shim), interleaved. Then the modules each
interpreter has loaded when ``pass`` runs: the shim may add its bootstrap and
nothing else, and the ``-X importtime`` rows of the difference are printed.

The regression guard for the module property lives in the test suite
(``tests/integration/test_startup_and_install.py::test_python_start_up_loads_only_the_bootstrap``
and ``tests/unit/test_bench_smoke.py``); timings are only reported here.

    .venv/bin/python -m bench.startup [--runs 200] [--pip 26.3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from bench import envs
from bench.measure import CPU_MS, RSS_MIB, WALL_MS, Metric, interleave, ratio_table, run_child

#: What the shim may add to a bare interpreter's ``sys.modules``.
#: Modules start-up may add: none (the .pth line defines its own finder).
BOOTSTRAP: tuple[str, ...] = ()
TARGET = 1.02

_LIST_MODULES = "import sys, json; print(json.dumps(sorted(sys.modules)))"


def loaded_modules(python: Path | str, env: Mapping[str, str]) -> set[str]:
    """``sys.modules`` of ``python`` once start-up is over (the listing imports only json)."""
    out = subprocess.run(
        [str(python), "-c", _LIST_MODULES],
        capture_output=True,
        text=True,
        env=dict(env),
        check=True,
    )
    listed = set(json.loads(out.stdout))
    # json (and what it imports) is the listing's own doing, on both sides.
    return {m for m in listed if m != "json" and not m.startswith("json.")}


def extra_modules(
    python: Path | str, env: Mapping[str, str], baseline: tuple[Path | str, Mapping[str, str]]
) -> list[str]:
    """Modules ``python`` has at start-up that the baseline interpreter has not."""
    base_python, base_env = baseline
    return sorted(loaded_modules(python, env) - loaded_modules(base_python, base_env))


def importtime_rows(python: Path | str, env: Mapping[str, str], modules: Sequence[str]) -> str:
    """The ``-X importtime`` header and the rows for ``modules`` (or all rows if empty)."""
    out = subprocess.run(
        [str(python), "-X", "importtime", "-c", "pass"],
        capture_output=True,
        text=True,
        env=dict(env),
        check=True,
    )
    lines = out.stderr.splitlines()
    header, rows = lines[:1], lines[1:]
    if modules:
        rows = [r for r in rows if r.rsplit("|", 1)[-1].strip() in modules]
    return "\n".join(header + rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__)
    envs.add_common_arguments(parser, runs=200)
    parser.add_argument(
        "--pip", default=envs.NEWEST_PIP, help="pip version of both venvs (default %(default)s)"
    )
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument(
        "--full-importtime", action="store_true", help="print every -X importtime row"
    )
    args = parser.parse_args(argv)

    envs.use_cache(args.cache)
    stock, shim = envs.venv_pair(args.pip)
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        env = envs.scrubbed_env(Path(tmp) / "home")
        py_stock, py_shim = envs.python_of(stock), envs.python_of(shim)

        extra = extra_modules(py_shim, env, (py_stock, env))
        modules_ok = extra == sorted(BOOTSTRAP)

        variants = {
            "stock": lambda: run_child([py_stock, "-c", "pass"], env),
            "shim": lambda: run_child([py_shim, "-c", "pass"], env),
        }
        results = interleave(variants, args.runs, warmup=args.warmup)
        metrics = [
            Metric(WALL_MS.label, WALL_MS.unit, WALL_MS.read, TARGET),
            Metric(CPU_MS.label, CPU_MS.unit, CPU_MS.read, TARGET),
            RSS_MIB,
        ]
        table, timing_ok = ratio_table(results, "stock", "shim", metrics)
        listing = importtime_rows(py_shim, env, [] if args.full_importtime else extra)

    print(f"## Start-up: `python -c pass`, pip {args.pip}, Python {sys.version.split()[0]}")
    print(f"\n{args.runs} interleaved runs per side after {args.warmup} warm-up runs.\n")
    print(table)
    print(f"\nModules the shim adds at start-up: {', '.join(extra) or '(none)'}")
    print(f"Allowed: {', '.join(BOOTSTRAP)} -> {'PASS' if modules_ok else 'FAIL'}")
    print("\n`-X importtime` rows of the shim venv for those modules:\n")
    print("```\n" + listing + "\n```")
    print(f"\nstart-up: wall and CPU ratio target <= {TARGET}: {'PASS' if timing_ok else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
