"""``pip-scoped-auth demo`` (``python -m pip_scoped_auth.demo``) for every registry mode.

The demo runs inside each pip's shim venv, exactly as a user runs it after
installing the package: its verdict must say the shim's run installed
everything with every request carrying its own token, stock pip's verdict
must match what the registry tests assert for that pip and layout, the exit
code must be 0, it must finish within 30 s, and no token may appear in its
output (its tokens are fixed through the test hook so the leak check can
look for them).
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import time

import pytest

import pip_scoped_auth.demo.runner as runner
from pip_scoped_auth.demo.registries import LAYOUTS
from tests.support import leaks
from tests.support.pip_versions import EDGE_PIPS, OLDEST_PIP
from tests.support.pipenvs import MakePip
from tests.support.registries import STOCK_FAILS

SHIM_OK = re.compile(r"^with pip-scoped-auth: +installed, every request with its own token$", re.M)


@pytest.mark.parametrize("pip_version", EDGE_PIPS)
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_demo(make_pip: MakePip, pip_version: str, layout: str) -> None:
    pip = make_pip(pip_version)
    fixed = {"A": "demo-A-" + secrets.token_urlsafe(16), "B": "demo-B-" + secrets.token_urlsafe(16)}
    pip.secrets.extend(fixed.values())
    started = time.monotonic()
    result = pip.run_module(
        "pip_scoped_auth.demo",
        "--registry",
        layout,
        env={runner.SECRETS_ENV: json.dumps(fixed)},
        timeout=120,
    )
    elapsed = time.monotonic() - started
    out = result.output
    assert result.returncode == 0, result.redacted()
    assert SHIM_OK.search(out), result.redacted()
    assert " ".join(out.split()).count(f"Case: {LAYOUTS[layout].case}") == 1
    stock_line = next(line for line in out.splitlines() if line.startswith("stock pip"))
    if (pip_version, "A") in STOCK_FAILS[layout]:
        assert "failed" in stock_line and "wrong token on" in stock_line, out
    else:
        assert "installed, every request with its own token" in stock_line, out
        assert "happens to get this layout right" in out
    stock_part, _, shim_part = out.partition("\n2) pip ")
    assert "\nstock pip" in shim_part, out
    assert "WRONG TOKEN" not in shim_part
    assert ("WRONG TOKEN" in stock_part) == ((pip_version, "A") in STOCK_FAILS[layout])
    for secret in fixed.values():
        assert secret not in out
    assert elapsed < 30, f"the demo took {elapsed:.1f} s"


def test_default_demo_is_a_case_stock_pip_gets_wrong() -> None:
    """The default (GitLab, encoded project paths) fails on stock pip old and new."""
    assert runner.DEFAULT_REGISTRY == "gitlab"
    assert {(OLDEST_PIP, "A"), ("26.3", "A")} <= STOCK_FAILS["gitlab"]


def test_demo_exits_1_when_the_shim_is_not_in_effect(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo is a smoke test: with the shim switched off in both runs it says so, exit 1."""
    real = runner._scrubbed_env
    monkeypatch.setattr(runner, "_scrubbed_env", lambda home, shim: real(home, shim=False))
    parser = argparse.ArgumentParser()
    runner.configure_parser(parser)
    code = runner.run(parser.parse_args(["--registry", "gitlab"]))
    out = capsys.readouterr().out
    leaks.record_output("demo", out)
    assert code == 1, out
    assert re.search(r"^with pip-scoped-auth: +failed", out, re.M), out
