"""Running ``pip-scoped-auth`` of a test venv, and the check that its output holds no secret."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping

from tests.support.pipenvs import PipEnv, PipResult

__all__ = ["assert_no_secret", "cli"]


def cli(
    pip: PipEnv,
    *args: str,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    module: bool = False,
) -> PipResult:
    """Run the console script (or ``python -m pip_scoped_auth``) of ``pip``'s venv."""
    exe = (
        [str(pip.python), "-m", "pip_scoped_auth"]
        if module
        else [str(pip.venv / "bin" / "pip-scoped-auth")]
    )
    proc = subprocess.run(
        [*exe, *args],
        capture_output=True,
        text=True,
        env=pip.env(env),
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        timeout=120,
        cwd=pip.workdir,
    )
    return PipResult(list(args), proc.returncode, proc.stdout, proc.stderr, tuple(pip.secrets))


def assert_no_secret(result: PipResult) -> None:
    for secret in result.secrets:
        assert secret not in result.output, result.redacted()
