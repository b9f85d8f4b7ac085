"""The pure part of credential helpers (issue 22): lines, prefixes, answers, the cache."""

from __future__ import annotations

import json
import os
import pickle
import sys
from pathlib import Path

import pytest

from pip_scoped_auth.core.helper_answers import (
    HelperAnswer,
    HelperCache,
    HelperError,
    parse_answer,
    parse_expires,
    run_helper,
)
from pip_scoped_auth.core.helper_lines import HelperLine, HelperTable, parse_helper_lines
from pip_scoped_auth.core.location import Scope
from pip_scoped_auth.core.secrets import Secret
from pip_scoped_auth.core.urls import index_scope, request_location


def loc(url: str) -> Scope:
    found = request_location(url)
    assert found is not None
    return found


def test_lines_are_shell_words_with_comments_and_problems() -> None:
    text = """
    # a comment
    https://gl.example/api/v4/projects/323/packages/pypi/simple  helper --flag 'two words'
    https://gl.example/  uv auth helper --protocol bazel   # trailing comment
    https://user:tok-secret@gl.example/x/ helper
    ftp://gl.example/ helper
    https://gl.example/only-a-prefix
    https://gl.example/ 'unbalanced
    """
    helpers, problems = parse_helper_lines(text, "pip.conf")
    assert [h.argv for h in helpers] == [
        ("helper", "--flag", "two words"),
        ("uv", "auth", "helper", "--protocol", "bazel"),
    ]
    # A final "simple" is dropped, as for index scopes.
    assert str(helpers[0].prefix) == "https://gl.example/api/v4/projects/323/packages/pypi/"
    assert helpers[0].where == "pip.conf"
    assert len(problems) == 4
    assert "line 5: the URL prefix holds credentials" in problems[0]
    assert not any("tok-secret" in p for p in problems)


def test_longest_prefix_on_segment_boundaries_and_origin() -> None:
    host = HelperLine(loc("https://gl.example/"), ("host",), "x")
    p12 = HelperLine(loc("https://gl.example/projects/12/"), ("p12",), "x")
    table = HelperTable([host, p12])
    assert table.helper_for(loc("https://gl.example/projects/12/simple/a/")) is p12
    assert table.helper_for(loc("https://gl.example/projects/123/simple/a/")) is host
    assert table.helper_for(loc("https://GL.example:443/projects/12/x")) is p12
    assert table.helper_for(loc("http://gl.example/projects/12/x")) is None
    assert table.helper_for(loc("https://gl.example:8443/projects/12/x")) is None
    assert table.helper_for(loc("https://other.example/")) is None


def test_answers() -> None:
    answer = parse_answer(
        b'{"headers": {"Authorization": ["Bearer tok-abc"], "X-Extra": ["a", "b"]},'
        b' "expires": "2030-01-02T03:04:05.5+01:00"}'
    )
    assert answer.reveal() == {"Authorization": "Bearer tok-abc", "X-Extra": "a, b"}
    assert answer.expires == parse_expires("2030-01-02T02:04:05.5Z")
    assert "tok-abc" not in repr(answer) and "tok-abc" not in answer.shown()
    assert "Authorization: Bearer ****" in answer.shown()
    # A value without a known scheme may be a token itself: nothing of it is shown.
    for value in ("tokenWithoutScheme", "tokenfirst second"):
        bare = parse_answer(json.dumps({"headers": {"Authorization": [value]}}).encode())
        assert bare.shown() == "Authorization: ****"
    assert parse_answer(b"{}").empty
    with pytest.raises(TypeError):
        pickle.dumps(answer)
    for bad in (
        b"not json tok-abc",
        b"[]",
        b'{"headers": []}',
        b'{"headers": {"A B": ["x"]}}',
        b'{"headers": {"A": [1]}}',
        b'{"headers": {"A": ["x\\r\\nInjected: y"]}}',
        b'{"expires": "tomorrow"}',
        b'{"expires": 5}',
    ):
        with pytest.raises(HelperError) as info:
            parse_answer(bad)
        assert "tok-abc" not in str(info.value)


def test_rfc3339() -> None:
    assert parse_expires("1970-01-01T00:00:10Z") == 10
    assert parse_expires("1970-01-01 01:00:10+01:00") == 10
    assert parse_expires("1970-01-01T00:00:10.25z") == 10.25
    for bad in ("1970-01-01", "1970-01-01T00:00:10", "yesterday"):
        with pytest.raises(ValueError):
            parse_expires(bad)


def _line(prefix: str = "https://gl.example/") -> HelperLine:
    scope = index_scope(prefix)
    assert scope is not None
    return HelperLine(scope, ("helper",), "x")


def _answer(value: str, expires: float | None = None) -> HelperAnswer:
    return HelperAnswer((("Authorization", Secret(value)),), expires)


def test_cache_per_scope_until_expiry() -> None:
    now = [1000.0]
    asked: list[str] = []
    warnings: list[str] = []

    def run(helper: HelperLine, uri: str, timeout: float) -> HelperAnswer:
        asked.append(uri)
        return _answer(f"Bearer {len(asked)}", expires=now[0] + 60)

    cache = HelperCache(run=run, clock=lambda: now[0], warn=warnings.append)
    helper = _line()
    a, b = loc("https://gl.example/a/"), loc("https://gl.example/b/")
    first = cache.answer(helper, a, "https://user:pw@gl.example/a/simple/x/")
    assert asked == ["https://gl.example/a/simple/x/"]  # no userinfo to the helper
    assert cache.answer(helper, a, "https://gl.example/a/files/y") is first
    assert cache.answer(helper, b, "https://gl.example/b/simple/x/") is not first
    assert len(asked) == 2
    now[0] += 61
    assert cache.answer(helper, a, "https://gl.example/a/z") is not first
    assert len(asked) == 3 and cache.calls == 3 and not warnings


def test_a_rejected_answer_is_asked_again_once() -> None:
    answers = iter(["Bearer old", "Bearer old", "Bearer new", "Bearer newer"])
    cache = HelperCache(run=lambda h, u, t: _answer(next(answers)))
    helper, scope = _line(), loc("https://gl.example/a/")
    cache.answer(helper, scope, "u")
    # A fresh answer (used once) that fails is not asked about again.
    assert cache.rejected(helper, scope, "u") is None
    cache.answer(helper, scope, "u")
    # Reused and rejected: asked again, same headers: settled, never again.
    assert cache.rejected(helper, scope, "u") is None
    assert cache.rejected(helper, scope, "u") is None
    assert cache.calls == 2


def test_a_rotated_answer_replaces_the_cached_one() -> None:
    answers = iter(["Bearer old", "Bearer new"])
    cache = HelperCache(run=lambda h, u, t: _answer(next(answers)))
    helper, scope = _line(), loc("https://gl.example/a/")
    cache.answer(helper, scope, "u")
    cache.answer(helper, scope, "u")
    fresh = cache.rejected(helper, scope, "u")
    assert fresh is not None and fresh.reveal() == {"Authorization": "Bearer new"}
    assert cache.answer(helper, scope, "u") is fresh
    assert cache.rejected(helper, scope, "u") is None  # only once


def test_a_failing_helper_warns_once_per_prefix_and_is_not_asked_again() -> None:
    warnings: list[str] = []

    def run(helper: HelperLine, uri: str, timeout: float) -> HelperAnswer:
        raise HelperError("exited with code 1")

    cache = HelperCache(run=run, warn=warnings.append)
    helper = _line()
    for url in ("https://gl.example/a/", "https://gl.example/a/", "https://gl.example/b/"):
        assert cache.answer(helper, loc(url), url) is None
    assert cache.calls == 2  # once per scope
    assert warnings == [
        "credential helper 'helper' for https://gl.example/ exited with code 1; "
        "pip goes on with its other credential sources"
    ]


SCRIPT = """#!{python}
import json, os, sys, time
data = json.loads(sys.stdin.read())
mode = sys.argv[1]
with open(sys.argv[2], "w") as f:
    json.dump({{"argv": sys.argv[1:], "tty": os.isatty(0), "uri": data["uri"],
               "env": os.environ.get("HELPER_TEST_ENV")}}, f)
if mode == "sleep":
    time.sleep(30)
if mode == "fail":
    sys.exit(3)
print(json.dumps({{"headers": {{"Authorization": ["Bearer tok-xyz"]}}}}))
"""


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "helper.py"
    path.write_text(SCRIPT.format(python=sys.executable))
    path.chmod(0o755)
    return path


def test_running_a_helper(script: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPER_TEST_ENV", "inherited")
    seen = tmp_path / "seen.json"
    helper = HelperLine(_line().prefix, (str(script), "ok", str(seen)), "x")
    answer = run_helper(helper, "https://gl.example/a/simple/")
    assert answer.reveal() == {"Authorization": "Bearer tok-xyz"}
    call = json.loads(seen.read_text())
    assert call == {
        "argv": ["ok", str(seen), "get"],
        "tty": False,
        "uri": "https://gl.example/a/simple/",
        "env": "inherited",
    }


def test_a_helper_that_fails_or_hangs(script: Path, tmp_path: Path) -> None:
    seen = str(tmp_path / "seen.json")
    with pytest.raises(HelperError, match="exited with code 3"):
        run_helper(HelperLine(_line().prefix, (str(script), "fail", seen), "x"), "u")
    with pytest.raises(HelperError, match=r"timed out after 0\.5 s"):
        run_helper(HelperLine(_line().prefix, (str(script), "sleep", seen), "x"), "u", timeout=0.5)
    with pytest.raises(HelperError, match="not found"):
        run_helper(HelperLine(_line().prefix, ("no-such-helper-xyz",), "x"), "u")
    not_executable = tmp_path / "plain.txt"
    not_executable.write_text("")
    with pytest.raises(HelperError, match="not found or is not executable"):
        run_helper(HelperLine(_line().prefix, (str(not_executable),), "x"), "u")
    assert os.path.exists(seen)
