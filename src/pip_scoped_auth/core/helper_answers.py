"""Credential helper answers: the Bazel credential-helper protocol, run and cached, pure.

A helper mints or looks up a credential (uv's ``uv auth helper --protocol
bazel``, a cloud token minter, a CI job's OIDC exchange). Bazel's
credential-helper spec: run ``COMMAND [ARG...] get`` with
``{"uri": "<request URL>"}`` on stdin, read
``{"headers": {"Name": ["value", ...]}, "expires": "<RFC 3339>"}`` on stdout.

One helper line may serve a whole host whose indexes need different tokens
(uv's helper answers per index from its own store), so answers are cached per
*scope* (the index scope that contains the URL, else the scope of the page
that listed it, else the URL's own directory), never per helper line; until
the answer's ``expires``, or for the run when it has none.

Headers are :class:`Secret` values; a failure is one line naming the helper
and its prefix, never its output (which may quote a token).

No pip imports: the pip layer picks the scope and hands over the URL.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import NoReturn

from pip_scoped_auth.core.helper_lines import DEFAULT_TIMEOUT, HelperLine
from pip_scoped_auth.core.location import Scope
from pip_scoped_auth.core.secrets import Secret
from pip_scoped_auth.core.urls import without_userinfo

__all__ = [
    "HelperAnswer",
    "HelperCache",
    "HelperError",
    "parse_answer",
    "parse_expires",
    "run_helper",
]


#: ``Authorization`` schemes ``shown`` names; any other first word may be a token itself.
_SCHEMES = frozenset({"basic", "bearer", "token", "digest", "negotiate", "aws4-hmac-sha256"})

#: An HTTP header name (RFC 9110 ``token``).
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")

#: RFC 3339 ``date-time`` (``T`` or space, fraction optional, ``Z`` or an offset).
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))"
)


class HelperAnswer:
    """A helper's headers (secrets) and when they expire (epoch seconds; None: for the run)."""

    __slots__ = ("expires", "headers")

    def __init__(self, headers: tuple[tuple[str, Secret], ...], expires: float | None) -> None:
        self.headers = headers
        self.expires = expires

    @property
    def empty(self) -> bool:
        return not self.headers

    def reveal(self) -> dict[str, str]:
        """The headers to send: only at the boundary to the HTTP request."""
        return {name: value.reveal() for name, value in self.headers}

    def shown(self) -> str:
        """The answer for logs and the CLI: header names and auth schemes, never a value."""
        if not self.headers:
            return "no headers"
        parts = []
        for name, value in self.headers:
            scheme, sep, _ = value.reveal().partition(" ")
            known = sep and name.lower() == "authorization" and scheme.lower() in _SCHEMES
            parts.append(f"{name}: {scheme} ****" if known else f"{name}: ****")
        if self.expires is not None:
            when = datetime.fromtimestamp(self.expires, timezone.utc)
            parts.append(f"expires {when.strftime('%Y-%m-%dT%H:%M:%SZ')}")
        return ", ".join(parts)

    def same_headers(self, other: HelperAnswer) -> bool:
        return self.headers == other.headers

    def __repr__(self) -> str:
        return f"HelperAnswer({self.shown()})"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("a HelperAnswer cannot be pickled")


class HelperError(Exception):
    """A helper call failed; ``str`` is a safe phrase (never the helper's output)."""


def parse_expires(text: str) -> float:
    """RFC 3339 ``date-time`` to epoch seconds (``ValueError`` otherwise); any Python 3.9+."""
    match = _RFC3339.fullmatch(text.strip())
    if match is None:
        raise ValueError("not an RFC 3339 date-time")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction = float(match.group(7)) if match.group(7) else 0.0
    if match.group(8):
        offset = timedelta(0)
    else:
        sign = 1 if match.group(9) == "+" else -1
        offset = sign * timedelta(hours=int(match.group(10)), minutes=int(match.group(11)))
    stamp = datetime(year, month, day, hour, minute, min(second, 59), tzinfo=timezone(offset))
    return stamp.timestamp() + fraction


def parse_answer(stdout: bytes) -> HelperAnswer:
    """The helper's JSON answer; ``HelperError`` with a safe reason when it is not one."""
    try:
        data = json.loads(stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise HelperError("printed invalid JSON") from None
    if not isinstance(data, dict):
        raise HelperError("printed JSON that is not an object")
    raw_headers = data.get("headers", {})
    if not isinstance(raw_headers, dict):
        raise HelperError('printed "headers" that is not an object')
    headers: list[tuple[str, Secret]] = []
    for name, values in raw_headers.items():
        if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
            raise HelperError("printed a header name that is not valid")
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise HelperError(f"printed header {name!r} whose value is not a list of strings")
        if any(ch in v for v in values for ch in "\r\n\0"):
            raise HelperError(f"printed header {name!r} with a line break in its value")
        if values:
            headers.append((name, Secret(", ".join(values))))
    expires: float | None = None
    raw_expires = data.get("expires")
    if raw_expires is not None:
        if not isinstance(raw_expires, str):
            raise HelperError('printed "expires" that is not a string')
        try:
            expires = parse_expires(raw_expires)
        except (ValueError, OverflowError):
            raise HelperError('printed "expires" that is not an RFC 3339 date-time') from None
    return HelperAnswer(tuple(headers), expires)


def run_helper(
    helper: HelperLine,
    uri: str,
    timeout: float = DEFAULT_TIMEOUT,
    env: Mapping[str, str] | None = None,
) -> HelperAnswer:
    """Run ``COMMAND [ARG...] get`` with ``{"uri": uri}`` on stdin; its parsed answer.

    The URI goes on stdin, never on the command line (``/proc/PID/cmdline`` is
    readable by every local user), and without userinfo. The child gets the
    process environment (CI helpers find their tokens there), a pipe for
    stdin (never the terminal, so it cannot prompt), its own session (so a
    timeout kills its children too), and its stderr is discarded: it may
    quote a token.
    """
    program = helper.executable()
    if program is None:
        raise HelperError("was not found or is not executable")
    request = json.dumps({"uri": uri}).encode("utf-8")
    try:
        proc = subprocess.Popen(
            [program, *helper.argv[1:], "get"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=dict(os.environ if env is None else env),
            start_new_session=sys.platform != "win32",
        )
    except OSError:
        raise HelperError("could not be started") from None
    try:
        stdout, _ = proc.communicate(request, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise HelperError(f"timed out after {timeout:g} s") from None
    if proc.returncode != 0:
        raise HelperError(f"exited with code {proc.returncode}")
    return parse_answer(stdout)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill the helper and whatever it started (its session), then reap it."""
    try:
        if sys.platform != "win32":
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - POSIX only in the tests
            proc.kill()
    except OSError:
        proc.kill()
    try:
        proc.communicate(timeout=5)
    except (subprocess.TimeoutExpired, OSError, ValueError):
        pass


# ------------------------------------------------------------------ cache


@dataclass
class _Cached:
    answer: HelperAnswer
    helper: HelperLine
    #: Requests sent with this answer so far: a 401 on a reused answer asks again.
    uses: int = 0
    #: Asked again after a 401/403 and got the same headers: never ask again this run.
    settled: bool = False


@dataclass
class HelperCache:
    """Answers per scope, until they expire; one warning line per failing helper and prefix.

    ``run`` and ``clock`` are injectable for tests. A failure is remembered
    for the scope for the rest of the run, so a broken or hanging helper
    costs one timeout, not one per request.
    """

    timeout: float = DEFAULT_TIMEOUT
    run: Callable[[HelperLine, str, float], HelperAnswer] = run_helper
    clock: Callable[[], float] = time.time
    warn: Callable[[str], None] = field(default=lambda message: None)
    #: Helper calls actually made this run (for tests and ``explain``).
    calls: int = 0
    _answers: dict[Scope, _Cached] = field(default_factory=dict)
    _failed: set[Scope] = field(default_factory=set)
    _warned: set[tuple[str, Scope]] = field(default_factory=set)

    def answer(self, helper: HelperLine, scope: Scope, uri: str) -> HelperAnswer | None:
        """The answer for ``scope`` (asking ``helper`` about ``uri`` when none is fresh)."""
        cached = self._answers.get(scope)
        if cached is not None and cached.helper == helper and not self._expired(cached.answer):
            cached.uses += 1
            return cached.answer
        if scope in self._failed:
            return None
        answer = self._ask(helper, scope, uri)
        if answer is None:
            return None
        self._answers[scope] = _Cached(answer, helper, uses=1)
        return answer

    def rejected(self, helper: HelperLine, scope: Scope, uri: str) -> HelperAnswer | None:
        """A 401/403 came back on this scope's answer: a new answer to retry with, or None.

        Only an answer that was reused (cached) is asked about again, once: a
        fresh answer that fails, or a helper that answers the same headers
        again, leaves the request to the other sources.
        """
        cached = self._answers.get(scope)
        if cached is None or cached.settled or cached.uses < 2:
            return None
        answer = self._ask(helper, scope, uri)
        if answer is None or answer.empty:
            return None
        if answer.same_headers(cached.answer):
            cached.settled = True
            return None
        self._answers[scope] = _Cached(answer, helper, uses=1, settled=True)
        return answer

    def _expired(self, answer: HelperAnswer) -> bool:
        return answer.expires is not None and answer.expires <= self.clock()

    def _ask(self, helper: HelperLine, scope: Scope, uri: str) -> HelperAnswer | None:
        self.calls += 1
        try:
            return self.run(helper, without_userinfo(uri), self.timeout)
        except HelperError as exc:
            problem = str(exc)
        except Exception as exc:
            problem = f"failed ({type(exc).__name__})"
        self._failed.add(scope)
        key = (helper.name, helper.prefix)
        if key not in self._warned:
            self._warned.add(key)
            self.warn(
                f"credential helper {helper.name!r} for {helper.prefix} {problem}; "
                "pip goes on with its other credential sources"
            )
        return None
