"""Running a documented recipe: its shell steps as one ``bash`` script, and ``PATH``."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.support.pipenvs import PipResult

__all__ = ["run_steps", "with_path"]


def run_steps(
    steps: Sequence[str], env: Mapping[str, str], cwd: Path, secrets: Sequence[str]
) -> PipResult:
    """Run ``steps`` as one bash script that stops at the first failure."""
    script = "set -euo pipefail\n" + "\n".join(steps) + "\n"
    proc = subprocess.run(
        ["bash", "-c", script],
        capture_output=True,
        text=True,
        env=dict(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )
    return PipResult(list(steps), proc.returncode, proc.stdout, proc.stderr, tuple(secrets))


def with_path(env: dict[str, str], bindir: Path) -> dict[str, str]:
    env["PATH"] = f"{bindir}{':' + env['PATH'] if env.get('PATH') else ''}"
    return env
