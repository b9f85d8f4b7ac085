"""Measuring child processes side by side, and printing the result as Markdown.

Every comparison is A/B *interleaved* inside one run (warm-up first, then the
order alternates AB, BA, AB, ...), so a load spike from another process on the
machine hits both sides instead of skewing one of them. Medians, not means:
one descheduled run must not move the figure.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Sample:
    """One child process: wall seconds, CPU seconds (user + system), peak RSS in KiB."""

    wall: float
    cpu: float
    maxrss_kib: int


class ChildFailed(RuntimeError):
    """A measured command exited non-zero (its output tail is in the message)."""


#: Forks and execs the measured command, then reports *its* rusage. It runs
#: with ``-I -S`` so that it is small: Linux carries the RSS high-water mark of
#: the image a process had before ``exec`` into its ``ru_maxrss``, so a child
#: forked straight from this (large) benchmark process would report our RSS,
#: not its own. Forked from this launcher, it starts from a few MiB instead.
_LAUNCHER = """
import os, sys, time
report, cmd = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execv(cmd[0], cmd)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
with open(report, "w") as f:
    f.write("%r %r %r %r" % (wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss,
                             os.waitstatus_to_exitcode(status)))
"""


def run_child(
    cmd: Sequence[str | os.PathLike[str]],
    env: Mapping[str, str],
    cwd: Path | None = None,
    redact: Callable[[str], str] = lambda text: text,
) -> Sample:
    """Run ``cmd`` (its first item an absolute path) and return its own rusage.

    The launcher times fork to reap and reads ``os.wait4``: CPU time and peak
    RSS of exactly this child, not of every child reaped so far as
    ``RUSAGE_CHILDREN`` would give. Output goes to a temporary file: a pipe
    could fill up and stall the child.
    """
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        report = Path(tmp) / "rusage"
        with open(Path(tmp) / "output", "w+b") as out:
            subprocess.run(
                [sys.executable, "-I", "-S", "-c", _LAUNCHER, str(report), *map(str, cmd)],
                env=dict(env),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
            )
            fields = report.read_text().split() if report.exists() else []
            if len(fields) != 4 or fields[3] != "0":
                out.seek(0)
                tail = out.read().decode("utf-8", "replace")[-3000:]
                code = fields[3] if len(fields) == 4 else "?"
                raise ChildFailed(f"{Path(str(cmd[0])).name} ... exited {code}:\n{redact(tail)}")
    wall, cpu, rss = float(fields[0]), float(fields[1]), int(fields[2])
    return Sample(wall, cpu, rss)


def interleave(
    variants: Mapping[str, Callable[[], Sample]], runs: int, warmup: int = 2
) -> dict[str, list[Sample]]:
    """Run every variant ``warmup`` times (discarded), then ``runs`` times each, alternating."""
    names = list(variants)
    for _ in range(warmup):
        for name in names:
            variants[name]()
    results: dict[str, list[Sample]] = {name: [] for name in names}
    for i in range(runs):
        for name in names if i % 2 == 0 else reversed(names):
            results[name].append(variants[name]())
    return results


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def iqr(values: Sequence[float]) -> float:
    """Inter-quartile range: how noisy the machine was, next to each median."""
    if len(values) < 4:
        return 0.0
    q = statistics.quantiles(values, n=4)
    return q[2] - q[0]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table (numbers right-aligned)."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    numeric = [
        all(r[i].replace(".", "", 1).replace("-", "", 1).isdigit() for r in cells) and bool(cells)
        for i in range(len(headers))
    ]

    def line(values: Sequence[str]) -> str:
        padded = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)]
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(("-" * (w + 1) + ":") if n else "-" * (w + 2) for w, n in zip(widths, numeric))
        + "|"
    )
    return "\n".join([line(headers), rule, *(line(r) for r in cells)])


@dataclass(frozen=True)
class Metric:
    """How to read one figure off a :class:`Sample`, and its target ratio (or None)."""

    label: str
    unit: str
    read: Callable[[Sample], float]
    target: float | None


WALL_MS = Metric("wall", "ms", lambda s: s.wall * 1000, None)
CPU_MS = Metric("CPU (user+sys)", "ms", lambda s: s.cpu * 1000, None)
RSS_MIB = Metric("peak RSS", "MiB", lambda s: s.maxrss_kib / 1024, None)


def ratio_table(
    results: Mapping[str, list[Sample]],
    baseline: str,
    candidate: str,
    metrics: Sequence[Metric],
) -> tuple[str, bool]:
    """Median of each metric for both sides, their ratio and the verdict.

    Returns the Markdown table and whether every metric with a target met it.
    """
    rows: list[list[object]] = []
    all_ok = True
    for m in metrics:
        base = [m.read(s) for s in results[baseline]]
        cand = [m.read(s) for s in results[candidate]]
        ratio = median(cand) / median(base) if median(base) else float("nan")
        if m.target is None:
            target, result = "-", "-"
        else:
            ok = ratio <= m.target
            all_ok = all_ok and ok
            target, result = f"<= {m.target:.2f}", verdict(ok)
        rows.append(
            [
                f"{m.label} [{m.unit}]",
                f"{median(base):.2f} (IQR {iqr(base):.2f})",
                f"{median(cand):.2f} (IQR {iqr(cand):.2f})",
                f"{ratio:.3f}",
                target,
                result,
            ]
        )
    headers = [
        "metric (median)",
        baseline,
        candidate,
        f"ratio {candidate}/{baseline}",
        "target",
        "result",
    ]
    return markdown_table(headers, rows), all_ok
