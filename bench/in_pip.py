"""Benchmark 2: what the shim costs inside pip.

``pip download`` of 20 packages from one fake GitLab project index with one
deploy token in the URL: a set-up stock pip handles too, so both sides do the
same work. Same pip version on both sides; stock venv and shim venv are
otherwise identical. Wall time, CPU time and peak RSS of each pip process,
interleaved A/B, medians and their ratio.

    .venv/bin/python -m bench.in_pip [--runs 20] [--pip 26.3] [--packages 20]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from tests.support.pipenvs import redact

from bench import envs
from bench.measure import (
    CPU_MS,
    RSS_MIB,
    WALL_MS,
    Metric,
    Sample,
    interleave,
    ratio_table,
    run_child,
)

PROJECT = 323
WALL_TARGET = CPU_TARGET = 1.03
RSS_TARGET = 1.02


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.in_pip", description=__doc__)
    envs.add_common_arguments(parser, runs=20)
    parser.add_argument(
        "--pip", default=envs.NEWEST_PIP, help="pip version of both venvs (default %(default)s)"
    )
    parser.add_argument("--packages", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args(argv)

    envs.use_cache(args.cache)
    stock, shim = envs.venv_pair(args.pip)
    with envs.fake_gitlab() as gitlab, tempfile.TemporaryDirectory(prefix="bench-pip-") as tmp:
        gitlab.add_group(10, "bench")
        gitlab.add_project(PROJECT, "bench/packages", group=10)
        names = [f"benchpkg{i:02d}" for i in range(1, args.packages + 1)]
        for name in names:
            gitlab.add_package(PROJECT, name, "1.0.0")
        token = gitlab.project_deploy_token(PROJECT)
        index = gitlab.project_index_url(PROJECT, token)
        env = envs.scrubbed_env(Path(tmp) / "home")
        dest = Path(tmp) / "downloads"

        def download(venv: Path) -> Callable[[], Sample]:
            def run() -> Sample:
                shutil.rmtree(dest, ignore_errors=True)
                cmd = [envs.python_of(venv), "-m", "pip", "download", "--no-deps", "-d", dest]
                sample = run_child(
                    [*cmd, "--index-url", index, *names],
                    env,
                    cwd=Path(tmp),
                    redact=lambda text: redact(text, [token.secret]),
                )
                if len(list(dest.glob("*.whl"))) != len(names):
                    raise RuntimeError("pip download did not fetch every package")
                return sample

            return run

        variants = {"stock": download(stock), "shim": download(shim)}
        gitlab.clear_log()
        results = interleave(variants, args.runs, warmup=args.warmup)
        requests = len(gitlab.log) / ((args.runs + args.warmup) * len(variants))
        wrong = [e for e in gitlab.log if e.status != 200 or e.token is not token]

    metrics = [
        Metric(WALL_MS.label, WALL_MS.unit, WALL_MS.read, WALL_TARGET),
        Metric(CPU_MS.label, CPU_MS.unit, CPU_MS.read, CPU_TARGET),
        Metric(RSS_MIB.label, RSS_MIB.unit, RSS_MIB.read, RSS_TARGET),
    ]
    table, ok = ratio_table(results, "stock", "shim", metrics)
    print(
        f"## Inside pip: `pip download` of {len(names)} packages, pip {args.pip}, "
        f"Python {sys.version.split()[0]}"
    )
    print(
        f"\nOne fake GitLab project index, one deploy token in the URL. {args.runs} interleaved "
        f"runs per side after {args.warmup} warm-up runs; {requests:g} requests per pip run, "
        f"{len(wrong)} in all not answered 200 with the token.\n"
    )
    print(table)
    print(
        f"\ninside pip: wall, CPU <= {WALL_TARGET}, peak RSS <= {RSS_TARGET}: "
        f"{'PASS' if ok else 'FAIL'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
