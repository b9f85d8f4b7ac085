"""Fake credential helpers for the tests: small Python scripts that log each call.

A :class:`FakeHelpers` writes one script, ``helper.py NAME get``, whose answer
for ``NAME`` comes from a JSON file the test edits between runs (so a token can
be rotated mid-test), and which appends one line per call to a log:
``{"name", "uri", "argv", "stdin_is_tty", "env"}``. Modes per name: a normal
answer, ``exit1``, ``badjson``, ``sleep`` (past any timeout), ``rotate`` (a
new answer from a list on each call).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

SCRIPT = r"""#!{python}
import json, os, sys, time
here = os.path.dirname(os.path.abspath(__file__))
name = sys.argv[1]
request = json.loads(sys.stdin.read())
with open(os.path.join(here, "answers.json")) as f:
    answers = json.load(f)
spec = answers[name]
with open(os.path.join(here, "calls.jsonl"), "a") as f:
    f.write(json.dumps({{"name": name, "uri": request.get("uri"), "argv": sys.argv[1:],
        "stdin_is_tty": os.isatty(0), "env": os.environ.get("FAKE_HELPER_ENV")}}) + "\n")
mode = spec.get("mode", "answer")
if mode == "exit1":
    sys.stderr.write("helper failed, secret " + spec.get("leak", "") + "\n")
    sys.exit(1)
if mode == "badjson":
    sys.stdout.write("not json " + spec.get("leak", ""))
    sys.exit(0)
if mode == "sleep":
    time.sleep(60)
if mode == "rotate":
    log = open(os.path.join(here, "calls.jsonl")).read().splitlines()
    n = sum(1 for line in log if json.loads(line)["name"] == name)
    answer = dict(spec["answers"][min(n, len(spec["answers"])) - 1])
else:
    answer = dict(spec["answer"])
if "expires_in" in spec:
    stamp = time.time() + spec["expires_in"]
    answer["expires"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp))
json.dump(answer, sys.stdout)
"""


def basic(username: str, secret: str) -> str:
    raw = f"{username}:{secret}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def rfc3339(seconds_from_now: float) -> str:
    stamp = datetime.now(timezone.utc) + timedelta(seconds=seconds_from_now)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeHelpers:
    """One helper script in ``directory`` and the answers it gives per name."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.script = directory / "helper.py"
        self.script.write_text(SCRIPT.format(python=sys.executable))
        self.script.chmod(0o755)
        self.answers: dict[str, dict[str, Any]] = {}
        self._save()

    def _save(self) -> None:
        (self.directory / "answers.json").write_text(json.dumps(self.answers))

    def set(self, name: str, **spec: Any) -> None:
        self.answers[name] = spec
        self._save()

    def answer(self, name: str, authorization: str, expires_in: float | None = None) -> None:
        spec: dict[str, Any] = {"answer": {"headers": {"Authorization": [authorization]}}}
        if expires_in is not None:
            spec["expires_in"] = expires_in
        self.set(name, **spec)

    def line(self, prefix: str, name: str) -> str:
        return f"{prefix} {self.script} {name}"

    def calls(self, name: str | None = None) -> list[dict[str, Any]]:
        path = self.directory / "calls.jsonl"
        if not path.exists():
            return []
        rows = [json.loads(line) for line in path.read_text().splitlines() if line]
        return [r for r in rows if name is None or r["name"] == name]

    def clear_calls(self) -> None:
        path = self.directory / "calls.jsonl"
        if path.exists():
            os.remove(path)


UV_VERSION = "0.13.8"


def ensure_uv() -> Path | None:
    """uv from PyPI in the test cache, with the machine's pip configuration; None if unavailable."""
    from tests.support.pipenvs import _locked, cache_root

    target = cache_root() / f"uv-{UV_VERSION}"
    binary = target / "bin" / "uv"
    with _locked(cache_root() / f"uv-{UV_VERSION}.lock"):
        if not binary.exists():
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    "--target",
                    str(target),
                    f"uv=={UV_VERSION}",
                ],
                capture_output=True,
                stdin=subprocess.DEVNULL,
                timeout=600,
            )
            if proc.returncode != 0 or not binary.exists():
                return None
    return binary


def logging_wrapper(directory: Path, program: Path, name: str) -> Path:
    """A script that logs its arguments to ``<name>.calls`` and execs ``program`` (stdin passes)."""
    script = directory / f"{name}.sh"
    log = directory / f"{name}.calls"
    script.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexec "{program}" "$@"\n')
    script.chmod(0o755)
    return script
