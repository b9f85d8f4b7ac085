"""``preload`` in-process on a temporary ``sitecustomize.py``: one line each time, the
file back byte for byte, and one error line (never a traceback) where it cannot work."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pip_scoped_auth.cli import main
from pip_scoped_auth.cli import preload as preload_cmd
from pip_scoped_auth.core import arming


@pytest.fixture
def target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "lib" / "sitecustomize.py"
    path.parent.mkdir()
    monkeypatch.setattr(arming, "sitecustomize_path", lambda: str(path))
    monkeypatch.setattr(preload_cmd, "_shadowed", lambda stdlib: None)
    return path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["preload", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_create_again_remove(target: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys)
    assert (code, err) == (0, "") and out == (
        f"pip-scoped-auth preload: created {target}: every venv made from this Python is scoped\n"
    )
    text = target.read_bytes()
    assert text.count(b">>> pip-scoped-auth preload >>>") == 1
    assert _run(capsys)[1].endswith("already has the block: nothing changed\n")
    assert target.read_bytes() == text
    code, out, _ = _run(capsys, "--remove")
    assert code == 0 and out == f"pip-scoped-auth preload: removed {target} (created by preload)\n"
    assert not target.exists()
    assert not list(target.parent.glob("__pycache__/sitecustomize.*"))


def test_an_existing_file_comes_back_byte_for_byte(
    target: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = b"# image set-up\r\nimport os\nos.environ.setdefault('A', 'b')"
    target.write_bytes(original)
    os.chmod(target, 0o640)
    os.utime(target, ns=(1_500_000_000_123_456_789, 1_500_000_000_123_456_789))
    assert _run(capsys)[0] == 0
    assert target.read_bytes().startswith(original + b"\n")
    assert _run(capsys, "--remove")[0] == 0
    assert target.read_bytes() == original
    assert target.stat().st_mtime_ns == 1_500_000_000_123_456_789
    assert target.stat().st_mode & 0o777 == 0o640


def test_a_file_that_is_not_utf8_is_one_error_line(
    target: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target.write_bytes(b"# -*- coding: latin-1 -*-\nNAME = '\xe9'\n")
    code, out, err = _run(capsys)
    assert (code, out) == (1, "")
    assert err == (
        f"pip-scoped-auth preload: error: {target} is not UTF-8 text: add the block by hand "
        "or convert the file\n"
    )


def test_a_missing_directory_is_one_error_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "gone" / "sitecustomize.py"
    monkeypatch.setattr(arming, "sitecustomize_path", lambda: str(path))
    monkeypatch.setattr(preload_cmd, "_shadowed", lambda stdlib: None)
    code, out, err = _run(capsys)
    assert (code, out) == (1, "")
    assert err.startswith(f"pip-scoped-auth preload: error: cannot write {path} (")
    assert err.count("\n") == 1


def test_an_install_without_the_remote_file_is_refused(
    target: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(arming, "shim_dirs", lambda: [str(tmp_path / "empty")])
    code, out, err = _run(capsys)
    assert (code, out) == (1, "")
    assert "_pip_scoped_auth_remote.py is missing from" in err and err.count("\n") == 1
    assert not target.exists()
