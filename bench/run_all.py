"""Run every benchmark in turn and print one Markdown report (docs/benchmarks.md).

    .venv/bin/python -m bench.run_all [--cache DIR] [--pip 26.3] [--quick]

``--quick`` cuts the run counts (start-up 40, pip 5) for a first look; the
figures in docs/benchmarks.md come from the defaults. Exits 0 whatever the
verdicts: targets are reported, not asserted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bench import envs, in_pip, round_trips, scale, startup


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run_all", description=__doc__)
    parser.add_argument("--cache", type=Path, default=None, help="venv cache directory")
    parser.add_argument(
        "--pip",
        default=envs.NEWEST_PIP,
        help="pip for start-up and in-pip (default %(default)s); round trips use every edge pip",
    )
    parser.add_argument("--quick", action="store_true", help="fewer runs, for a first look")
    args = parser.parse_args(argv)
    cache = ["--cache", str(args.cache)] if args.cache else []
    startup_runs = ["--runs", "40"] if args.quick else []
    pip_runs = ["--runs", "5"] if args.quick else []

    print("# pip-scoped-auth benchmarks\n")
    startup.main([*cache, "--pip", args.pip, *startup_runs])
    print()
    in_pip.main([*cache, "--pip", args.pip, *pip_runs])
    print()
    round_trips.main(cache)
    print()
    scale.main([])
    return 0


if __name__ == "__main__":
    sys.exit(main())
