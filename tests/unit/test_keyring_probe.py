"""The keyring probe's child runs nothing from the current directory."""

from __future__ import annotations

import os
import site
import sys
from pathlib import Path

import pytest

from pip_scoped_auth.diagnostics import keyring_probe

PLANTED = ("json", "keyring", "base64", "subprocess")


def test_probe_child_imports_nothing_from_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in PLANTED:
        (tmp_path / f"{name}.py").write_text(
            f"open({str(tmp_path / (name + '.marker'))!r}, 'w').write('imported')\n"
        )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    answers = keyring_probe.probe([("https://h.example/simple", None)])
    assert sorted(p.name for p in tmp_path.glob("*.marker")) == []
    assert answers.problem is None, answers.problem
    assert answers.backend == "keyring.backends.null.Keyring"


def test_child_path_keeps_site_dirs_and_drops_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_site = str(tmp_path / "user-site")
    extra = str(tmp_path / "from-pythonpath")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", ["", str(tmp_path), ".", extra, user_site, *sys.path])
    path = keyring_probe.child_path()
    assert "" not in path and "." not in path and str(tmp_path) not in path
    assert path[:2] == [extra, user_site]
    for directory in site.getsitepackages():
        if directory in sys.path:
            assert directory in path
    assert all(os.path.realpath(p) != str(tmp_path) for p in path)


def test_probe_questions_never_reach_the_childs_command_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A username asked for is often a token: it goes to the child on stdin, not in argv."""
    token = "glpat-" + os.urandom(8).hex()
    seen: list[list[str]] = []
    real_run = keyring_probe.subprocess.run

    def run(args: list[str], **kwargs: object) -> object:
        seen.append(list(args))
        return real_run(args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(keyring_probe.subprocess, "run", run)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    answers = keyring_probe.probe([("https://h.example/simple", token)])
    assert answers.problem is None, answers.problem
    assert seen and all(token not in arg for args in seen for arg in args)
