"""Benchmark 4: credential lookup with many indexes on one host, and provenance memory.

In-process and pip-free: :meth:`ScopeTable.entry_for` and :meth:`AuthState.resolve`
with 1, 10, 100 and 1,000 configured indexes on one host, for request URLs of
several depths (9 path segments is a real GitLab file URL; deeper ones add
segments below the index). The scope table probes a dict once per path
prefix of the *request*, so the cost should follow URL depth and not the
number of indexes. The URL looked up belongs to the *last* configured index,
so a linear scan would show at once.

Then the memory the provenance map (file URL -> page it was linked from)
takes per link, for one page of 100,000 links, with tracemalloc.

    .venv/bin/python -m bench.scale [--sizes 1,10,100,1000] [--links 100000]
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
import timeit
import tracemalloc
from collections.abc import Callable, Sequence
from functools import partial

from bench.measure import markdown_table, verdict
from pip_scoped_auth.core.decision import PipSources
from pip_scoped_auth.core.provenance import Provenance
from pip_scoped_auth.core.resolver import AuthState
from pip_scoped_auth.core.scopes import ScopeTable
from pip_scoped_auth.core.secrets import Login

HOST = "https://gl.example"
DEPTHS = (9, 16, 32, 64)
#: A lookup with 1,000 indexes may cost at most this much more than with 1.
GROWTH_LIMIT = 1.5

_NO_SOURCES = PipSources(netrc=lambda url: None, keyring=lambda url, user: None)


def index_urls(count: int) -> list[str]:
    """``count`` GitLab project indexes on one host, each with its own deploy token."""
    return [
        f"https://gitlab+deploy-token-{i}:token-{i}@gl.example"
        f"/api/v4/projects/{i}/packages/pypi/simple"
        for i in range(count)
    ]


def request_url(project: int, depth: int) -> str:
    """A request URL of ``depth`` path segments under ``project``'s index scope."""
    sha = hashlib.sha256(str(project).encode()).hexdigest()
    segments = ["api", "v4", "projects", str(project), "packages", "pypi", "files", sha]
    segments += [f"d{i}" for i in range(depth - len(segments) - 1)]
    segments.append("pkg-1.0-py3-none-any.whl")
    return f"{HOST}/{'/'.join(segments)}"


def per_call_us(func: Callable[[], object], number: int, repeat: int) -> float:
    """Median over ``repeat`` timeit rounds of ``number`` calls, in CPU microseconds per call.

    CPU time of this process, not wall time: on a shared machine another
    process's burst would otherwise land in one column and fake a trend.
    """
    rounds = timeit.Timer(func, timer=time.process_time).repeat(repeat=repeat, number=number)
    return statistics.median(rounds) / number * 1e6


def measure_size(n: int, number: int, repeat: int) -> tuple[list[float], float]:
    """Per-call microseconds for each column with ``n`` indexes, and the table build in ms."""
    urls = index_urls(n)
    table = ScopeTable.from_urls(urls)
    state = AuthState()
    target = n - 1
    row: list[float] = []
    for depth in DEPTHS:
        url = request_url(target, depth)
        assert table.entry_for(url) is not None
        row.append(per_call_us(partial(table.entry_for, url), number, repeat))
    miss = request_url(n + 7, DEPTHS[0])
    assert table.entry_for(miss) is None
    row.append(per_call_us(partial(table.entry_for, miss), number, repeat))
    resolve = partial(state.resolve, urls, request_url(target, DEPTHS[0]), None, None, _NO_SOURCES)
    assert resolve() is not None
    row.append(per_call_us(resolve, number, repeat))
    build_ms = per_call_us(partial(ScopeTable.from_urls, urls), 1, max(3, repeat // 2)) / 1000
    return row, build_ms


def lookup_table(sizes: Sequence[int], number: int, repeat: int) -> tuple[str, bool]:
    rows: list[list[object]] = []
    timings: dict[int, list[float]] = {}
    for n in sizes:
        row, build_ms = measure_size(n, number, repeat)
        timings[n] = row
        rows.append([n, *(f"{t:.2f}" for t in row), f"{build_ms:.2f}"])
    headers = [
        "indexes",
        *(f"lookup, depth {d} [us CPU]" for d in DEPTHS),
        f"miss, depth {DEPTHS[0]} [us CPU]",
        f"resolve, depth {DEPTHS[0]} [us CPU]",
        "table build, once [ms CPU]",
    ]
    smallest, largest = min(sizes), max(sizes)
    growth = [b / a for a, b in zip(timings[smallest], timings[largest])]
    ok = max(growth) <= GROWTH_LIMIT
    by_depth = timings[largest][len(DEPTHS) - 1] / timings[largest][0]
    summary = (
        f"\nCost with {largest} indexes / cost with {smallest}, per column: "
        + ", ".join(f"{g:.2f}" for g in growth)
        + f" (limit {GROWTH_LIMIT}).\nCost at depth {DEPTHS[-1]} / depth {DEPTHS[0]} with "
        f"{largest} indexes: {by_depth:.2f}."
    )
    return markdown_table(headers, rows) + "\n" + summary, ok


# -- provenance map ----------------------------------------------------------------
def provenance_memory(links: int) -> str:
    """Bytes per listed link in the provenance map: one page listing ``links`` files."""
    page = f"{HOST}/api/v4/projects/323/packages/pypi/simple/pkg/"
    shas = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(links)]
    # The link strings exist in pip whether or not the map does: built first,
    # outside the measurement.
    urls = [
        f"{HOST}/api/v4/projects/323/packages/pypi/files/{sha}/pkg-{i}.0-py3-none-any.whl"
        f"#sha256={sha}"
        for i, sha in enumerate(shas)
    ]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        pmap = Provenance()
        pmap.page_fetched(page, Login.of("gitlab+deploy-token-1", "secret"))
        for url in urls:
            pmap.link_listed(url, page)
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del pmap
    table = markdown_table(
        ["links on one page", "map size [MiB]", "per link [bytes]", "peak while filling [MiB]"],
        [
            [
                links,
                f"{(current - before) / 2**20:.2f}",
                f"{(current - before) / links:.0f}",
                f"{(peak - before) / 2**20:.2f}",
            ]
        ],
    )
    return "Provenance map memory (tracemalloc):\n\n" + table


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument(
        "--sizes",
        default="1,10,100,1000",
        help="numbers of configured indexes, comma-separated (default %(default)s)",
    )
    parser.add_argument("--number", type=int, default=500, help="calls per timeit round")
    parser.add_argument("--repeat", type=int, default=15, help="timeit rounds (median taken)")
    parser.add_argument("--links", type=int, default=100_000, help="links for the provenance map")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]

    table, ok = lookup_table(sizes, args.number, args.repeat)
    print(f"## Scale: credential lookup, indexes on one host, Python {sys.version.split()[0]}\n")
    print(f"Median of {args.repeat} rounds of {args.number} calls.\n")
    print(table)
    print(f"\nscale: lookup cost independent of the number of indexes: {verdict(ok)}\n")
    print(provenance_memory(args.links))
    return 0


if __name__ == "__main__":
    sys.exit(main())
