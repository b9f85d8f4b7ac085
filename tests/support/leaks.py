"""Leak detection for the integration suite: tokens in pip's output, logs and servers.

The autouse fixture in ``tests/integration/conftest.py`` calls
:func:`assert_no_leaks` after every test, over every pip run the test made
through :class:`~tests.support.pipenvs.PipEnv` (stdout, stderr and the
``--log`` file of a ``-vvv`` run) and every text registered with
:func:`record_output` (for example our CLI's output). A secret is looked for
in each form it could take on the way out:

* raw, as typed;
* percent-encoded, the way it sits in an index URL (``quote(secret, safe="")``
  and ``quote(secret)``);
* base64, as inside an ``Authorization: Basic`` header dump, at all three
  byte alignments, so ``base64(user + ":" + secret)`` is found whatever the
  username.

Failure messages name the token and the place, and show the offending line
with every secret masked, so the report itself can never leak.

:func:`assert_no_authorization` is for servers that must never see a
credential (an upstream index, object storage behind a redirect): it accepts a
FakeGitLab log or a pytest-httpserver log.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

__all__ = [
    "Leak",
    "assert_no_authorization",
    "assert_no_leaks",
    "clear_recorded_outputs",
    "find_leaks",
    "record_output",
    "recorded_outputs",
    "secret_forms",
]

#: Base64 cores shorter than this would match unrelated text by chance.
_MIN_B64_CORE = 8
#: Secrets shorter than this are not searched for (they would match anything).
MIN_SECRET_LEN = 6

_outputs: list[tuple[str, str]] = []


def record_output(label: str, text: str) -> None:
    """Have the current test's leak check also scan ``text`` (e.g. CLI output)."""
    _outputs.append((label, text))


def recorded_outputs() -> list[tuple[str, str]]:
    return list(_outputs)


def clear_recorded_outputs() -> None:
    del _outputs[:]


def _b64_cores(secret: bytes) -> list[str]:
    """Substrings that any base64 stream containing ``secret`` must contain.

    A byte string lands in base64 at one of three alignments; for each, the
    4-character groups fully made of the secret's bytes are fixed, whatever
    comes before or after it.
    """
    cores = []
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + secret).decode("ascii")
        start = 4 if shift else 0
        end = ((shift + len(secret)) // 3) * 4
        core = encoded[start:end]
        if len(core) >= _MIN_B64_CORE:
            cores.append(core)
    return cores


def secret_forms(secret: str) -> dict[str, str]:
    """Every spelling of ``secret`` to search for, keyed by a description."""
    forms = {secret: "raw"}
    forms.setdefault(quote(secret, safe=""), "percent-encoded")
    forms.setdefault(quote(secret), "percent-encoded")
    for core in _b64_cores(secret.encode("utf-8")):
        forms.setdefault(core, "base64")
    return {form: how for form, how in forms.items() if form}


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every form of every secret masked (longest first)."""
    replacements: dict[str, str] = {}
    for secret in secrets:
        if len(secret) >= MIN_SECRET_LEN:
            for form, how in secret_forms(secret).items():
                replacements.setdefault(form, f"<SECRET:{how}>")
    for form in sorted(replacements, key=len, reverse=True):
        text = text.replace(form, replacements[form])
    return text


@dataclass(frozen=True)
class Leak:
    """One secret found somewhere it must not be; safe to print."""

    name: str
    form: str
    where: str
    line_no: int
    line: str

    def __str__(self) -> str:
        return f"{self.name} ({self.form}) in {self.where}, line {self.line_no}: {self.line}"


def find_leaks(text: str, where: str, secrets: Mapping[str, str]) -> list[Leak]:
    """Leaks of ``secrets`` (secret -> display name) in ``text``; lines come redacted."""
    usable = {s: n for s, n in secrets.items() if len(s) >= MIN_SECRET_LEN}
    if not usable or not text:
        return []
    found: list[Leak] = []
    lines = text.splitlines()
    for secret, name in usable.items():
        for form, how in secret_forms(secret).items():
            if form not in text:
                continue
            for no, line in enumerate(lines, 1):
                if form in line:
                    shown = redact(line, usable)[:300]
                    found.append(Leak(name, how, where, no, shown))
                    break
    return found


def _run_texts(run: Any) -> Iterable[tuple[str, str]]:
    label = f"pip {' '.join(str(a) for a in run.args[:1])}#{getattr(run, 'index', '?')}"
    yield f"{label} stdout", run.stdout
    yield f"{label} stderr", run.stderr
    log_file: Path | None = getattr(run, "log_file", None)
    if log_file is not None and log_file.is_file():
        yield f"{label} --log {log_file.name}", log_file.read_text("utf-8", errors="replace")


def assert_no_leaks(
    runs: Sequence[Any],
    secrets: Mapping[str, str],
    extra: Iterable[tuple[str, str]] = (),
) -> None:
    """Fail, with a redacted report, if any secret shows up in any output."""
    leaks: list[Leak] = []
    for run in runs:
        for where, text in _run_texts(run):
            leaks.extend(find_leaks(text, where, secrets))
    for where, text in extra:
        leaks.extend(find_leaks(text, where, secrets))
    if leaks:
        report = "\n".join(f"  {leak}" for leak in leaks[:20])
        raise AssertionError(f"{len(leaks)} token leak(s) in output:\n{report}")


def _authorization_of(entry: Any) -> tuple[bool, str]:
    """(sent, description) for a FakeGitLab LogEntry or a (Request, Response) pair."""
    if hasattr(entry, "authorization_sent"):
        return bool(entry.authorization_sent), f"{entry.method} {entry.path}"
    request = entry[0] if isinstance(entry, tuple) else entry
    headers = getattr(request, "headers", {})
    sent = headers.get("Authorization") is not None
    return sent, f"{getattr(request, 'method', '?')} {getattr(request, 'path', '?')}"


def assert_no_authorization(log_entries: Iterable[Any], server: str = "server") -> None:
    """Fail if any request in ``log_entries`` carried an ``Authorization`` header.

    For every fake server that holds none of the test's tokens: credentials
    must never reach it. Accepts ``FakeGitLab.log`` entries or
    pytest-httpserver's ``HTTPServer.log`` (``(Request, Response)`` pairs).
    The report names requests, never header values.
    """
    offending = [what for sent, what in map(_authorization_of, log_entries) if sent]
    assert not offending, (
        f"{server} received an Authorization header on {len(offending)} request(s): "
        + ", ".join(offending[:10])
    )
