"""Benchmark 1: what the start-up hook costs every Python process of the environment.

``python -c pass`` in three venvs that are identical but for one file, per
Python: *bare* (the stock venv: same pip, wrapt, keyring, no shim), *import
sys* (the stock venv plus a ``.pth`` holding only ``import sys``: the floor of
any executable ``.pth`` line) and *shim* (the stock venv plus this checkout's
wheel). All three are measured interleaved after a warm-up, each child in a
clean environment (``env -i``: no variable at all, so neither this shell's
``PYTHON*`` settings nor ``PIP_SCOPED_AUTH`` reach it). Reported: the ratio
shim/bare (target <= 1.02, stretch 1.01) and shim/import-sys, on the running
Python (3.11 in CI: its venvs carry setuptools' ``distutils-precedence.pth``)
and on 3.12+ (no setuptools, so a smaller baseline) where one is found.

Then the modules each interpreter has loaded when ``pass`` runs: the shim
may add its hook module and nothing else, and the ``-X importtime`` rows of
the difference are printed.

The regression guard for the module property lives in the test suite
(``tests/integration/test_startup_and_install.py::test_python_start_up_loads_only_the_bootstrap``
and ``tests/unit/test_bench_smoke.py``); timings are only reported here.

    .venv/bin/python -m bench.startup [--runs 200] [--pip 26.3] [--python 3.11 --python 3.12]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.support import pip_versions, pipenvs

from bench import envs
from bench.measure import (
    CPU_MS,
    RSS_MIB,
    WALL_MS,
    Metric,
    interleave,
    iqr,
    markdown_table,
    median,
    ratio_table,
    run_child,
)

#: What the shim may add to a bare interpreter's ``sys.modules``: the one
#: precompiled hook module that the ``.pth`` line (and the ``.start`` entry
#: point on 3.15+) arms, and nothing else.
BOOTSTRAP: tuple[str, ...] = ("_pip_scoped_auth_hook",)
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


IMPORT_SYS_PTH = "zz_import_sys.pth"

#: Times ``site.main()`` alone (CPU of this process, in µs) under ``-S``: the
#: part of start-up a ``.pth`` file can change. Interpreter start and exit,
#: which dwarf it and carry most of a busy machine's noise, are left out.
_SITE_COST = (
    "import time; t = time.process_time_ns(); import site; site.main(); "
    "print((time.process_time_ns() - t) / 1000)"
)


VALGRIND_ARGS = ("--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null")


def instructions(python: Path, runs: int = 3) -> int | None:
    """User-space instructions of ``python -c pass`` under valgrind (None without it).

    Unlike time, an instruction count does not move with the machine's load,
    so it can resolve a 1 % difference on a busy 2-core machine. It leaves out
    the kernel's share of start-up (exec, page faults), which the shim barely
    adds to: so its ratio overstates the CPU-time ratio. Median of ``runs``
    (the count varies by a few hundred instructions: hash seeds, addresses).
    """
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    counts = []
    for _ in range(runs):
        out = subprocess.run(
            [valgrind, *VALGRIND_ARGS, str(python), "-c", "pass"],
            capture_output=True,
            text=True,
            env={},
            check=True,
        )
        match = re.search(r"I\s+refs:\s+([\d,]+)", out.stderr)
        if match is None:
            return None
        counts.append(int(match.group(1).replace(",", "")))
    return sorted(counts)[len(counts) // 2]


def site_costs(venvs: Mapping[str, Path], runs: int, warmup: int) -> dict[str, list[float]]:
    """``site.main()`` CPU µs per venv, interleaved like :func:`interleave`."""
    names = list(venvs)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for i in range(warmup + runs):
        for name in names if i % 2 == 0 else reversed(names):
            out = subprocess.run(
                [str(envs.python_of(venvs[name])), "-S", "-c", _SITE_COST],
                capture_output=True,
                text=True,
                env={},
                check=True,
            )
            if i >= warmup:
                samples[name].append(float(out.stdout))
    return samples


def import_sys_venv(stock: Path) -> Path:
    """A copy of ``stock`` whose site-packages has one more ``.pth``: ``import sys``."""
    venv = stock.with_name(stock.name.replace("-stock", "-importsys"))
    ready = venv / ".ready"
    if not ready.exists() or ready.read_text() != (stock / ".ready").read_text():
        pipenvs._copy_venv(stock, venv)
        (site,) = venv.glob("lib/python*/site-packages")
        (site / IMPORT_SYS_PTH).write_text("import sys\n")
        ready.write_text((stock / ".ready").read_text())
    return venv


def measure_python(python: str, pip_version: str | None, runs: int, warmup: int) -> str:
    """The report section for one Python: both ratio tables and the module check."""
    py = pipenvs.python_version(python)
    pip = pip_version or pip_versions.edge_pips_for_python(py)[1]
    wheel = envs.shim_wheel()
    stock = pipenvs.ensure_venv(pip, shim=False, wheel=None, python=python)
    shim = pipenvs.ensure_venv(pip, shim=True, wheel=wheel, python=python)
    floor = import_sys_venv(stock)
    pythons = {"bare": stock, "import sys": floor, "shim": shim}
    clean: dict[str, str] = {}  # env -i
    extra = extra_modules(envs.python_of(shim), clean, (envs.python_of(stock), clean))
    modules_ok = extra == sorted(BOOTSTRAP)
    variants = {
        name: (lambda venv=venv: run_child([envs.python_of(venv), "-c", "pass"], clean))
        for name, venv in pythons.items()
    }
    results = interleave(variants, runs, warmup=warmup)
    metrics = [
        Metric(CPU_MS.label, CPU_MS.unit, CPU_MS.read, TARGET),
        Metric(WALL_MS.label, WALL_MS.unit, WALL_MS.read, TARGET),
        RSS_MIB,
    ]
    vs_bare, ok = ratio_table(results, "bare", "shim", metrics)
    floor_metrics = [Metric(m.label, m.unit, m.read, None) for m in metrics[:2]]
    vs_floor, _ = ratio_table(results, "import sys", "shim", floor_metrics)
    floor_vs_bare, _ = ratio_table(results, "bare", "import sys", floor_metrics)
    listing = importtime_rows(envs.python_of(shim), clean, extra)
    site = site_costs(pythons, runs, warmup)
    total = median([CPU_MS.read(x) for x in results["bare"]]) * 1000
    site_rows = [
        [
            name,
            f"{median(site[name]):.0f} (IQR {iqr(site[name]):.0f})",
            f"{median(site[name]) - median(site['bare']):+.0f}",
            f"{1 + (median(site[name]) - median(site['bare'])) / total:.4f}",
        ]
        for name in pythons
    ]
    site_table = markdown_table(
        ["venv", "site.main() CPU [µs]", "vs bare [µs]", "estimated ratio vs bare"], site_rows
    )
    counts = {name: instructions(envs.python_of(venv)) for name, venv in pythons.items()}
    bare_count = counts["bare"]
    if bare_count is None:
        count_table = "(valgrind not installed: `apt-get install valgrind` for this table)"
    else:
        count_table = markdown_table(
            ["venv", "instructions", "ratio vs bare"],
            [[n, f"{c:,}", f"{(c or 0) / bare_count:.4f}"] for n, c in counts.items()],
        )
    setuptools_pth = any(stock.glob("lib/python*/site-packages/distutils-precedence.pth"))
    return "\n".join(
        [
            f"### Python {py}, pip {pip} ({'with' if setuptools_pth else 'no'} setuptools .pth)",
            f"\n{runs} interleaved runs per venv after {warmup} warm-up runs, `env -i`.\n",
            "Shim against the bare venv:\n",
            vs_bare,
            "\nShim against a venv whose only extra `.pth` line is `import sys`:\n",
            vs_floor,
            "\nThe `import sys` floor itself against the bare venv:\n",
            floor_vs_bare,
            "\nWhat `site` itself costs (`python -S -c 'import site; site.main()'`, CPU "
            "of that call only, interleaved, same runs), and the whole-start-up ratio that "
            f"difference gives against the bare venv's {total / 1000:.2f} ms:\n",
            site_table,
            "\nUser-space instructions of `python -c pass` (valgrind, `env -i`; load-independent, "
            "an upper bound on the CPU ratio):\n",
            count_table,
            f"\nModules the shim adds at start-up: {', '.join(extra) or '(none)'}"
            f" (allowed: {', '.join(BOOTSTRAP)}) -> {'PASS' if modules_ok else 'FAIL'}",
            "\n`-X importtime` rows of the shim venv for those modules:\n",
            "```\n" + listing + "\n```",
            f"\nstart-up on {py}: CPU and wall ratio target <= {TARGET}: "
            f"{'PASS' if ok else 'FAIL'}",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__)
    envs.add_common_arguments(parser, runs=200)
    parser.add_argument(
        "--pip",
        default=None,
        help="pip version of the venvs (default: the newest that runs on each Python)",
    )
    parser.add_argument(
        "--python",
        action="append",
        default=None,
        help="a Python version to measure (repeatable; default: this one and 3.12, if found)",
    )
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args(argv)

    envs.use_cache(args.cache)
    running = "{}.{}".format(*sys.version_info[:2])
    wanted = args.python or [running, "3.12"]
    print("## Start-up: `python -c pass`")
    for version in dict.fromkeys(wanted):
        python = pipenvs.base_python() if version == running else pipenvs.find_python(version)
        if python is None:
            print(f"\n### Python {version}: SKIPPED, {pipenvs.how_to_get_python(version)}")
            continue
        print()
        print(measure_python(python, args.pip, args.runs, args.warmup))
    return 0


if __name__ == "__main__":
    sys.exit(main())
