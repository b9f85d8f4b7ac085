"""Faults: server errors, a dropped download, a broken keyring, an aborted prompt.

In each, pip behaves as pip does (its retries, its errors), the shim never
crashes, and no token goes anywhere but its own scope, retries included.
Faults are injected with pytest-httpserver one-shot handlers placed in front
of the fake GitLab's catch-all: the faulty request still goes through
``FakeGitLab.handle`` (so the log shows which token it carried) and its
response is then replaced.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from pip_scoped_auth.core.versions import version_tuple
from pip_scoped_auth.demo.registries.gitlab import FakeGitLab, LogEntry, PackageFile, Token
from tests.support import keyring_backend
from tests.support.httpserver import wsgi_handler
from tests.support.pip_versions import pips
from tests.support.pipenvs import MakePip, PipResult

P1, P2 = 1, 2


class Faults:
    """One-shot faults on chosen paths of a FakeGitLab; remembers the requests hit."""

    def __init__(self, gitlab: FakeGitLab, httpserver: HTTPServer) -> None:
        self.gitlab = gitlab
        self.httpserver = httpserver
        self._serve = wsgi_handler(gitlab)
        self.hit: list[LogEntry] = []

    def _served(self, request: Request, status: int | None = None) -> Response:
        response = self._serve(request)
        entry = self.gitlab.log[-1]
        if status is not None:
            entry.status = status
        self.hit.append(entry)
        return response

    def status(self, path: str, status: int, times: int = 1) -> None:
        """Answer the next ``times`` requests for ``path`` with ``status``."""

        def handler(request: Request) -> Response:
            self._served(request, status)
            return Response(f"{status} injected", status=status)

        for _ in range(times):
            self.httpserver.expect_oneshot_request(path).respond_with_handler(handler)

    def reset_mid_body(self, path: str) -> None:
        """Send half of the next response for ``path``, then drop the connection."""

        def handler(request: Request) -> Response:
            response = self._served(request)
            data = response.get_data()

            def body() -> Iterator[bytes]:
                yield data[: len(data) // 2]
                raise ConnectionResetError("injected reset")

            return Response(
                body(),
                status=response.status_code,
                headers={"Content-Length": str(len(data))},
                content_type="application/octet-stream",
                direct_passthrough=True,
            )

        self.httpserver.expect_oneshot_request(path).respond_with_handler(handler)


@pytest.fixture
def two_projects(gitlab: FakeGitLab) -> tuple[FakeGitLab, dict[int, Token], dict[int, PackageFile]]:
    gitlab.add_group(10, "g")
    files = {}
    for p, name in ((P1, "one"), (P2, "two")):
        gitlab.add_project(p, name, group=10)
        files[p] = gitlab.add_package(p, name, "1.0")
    tokens = {P1: gitlab.project_deploy_token(P1), P2: gitlab.project_deploy_token(P2)}
    return gitlab, tokens, files


def _install_both(
    pip_version: str, make_pip: MakePip, gitlab: FakeGitLab, tokens: dict[int, Token], *extra: str
) -> PipResult:
    pip = make_pip(pip_version)
    return pip.install(
        "one",
        "two",
        "--index-url",
        gitlab.project_index_url(P1, tokens[P1]),
        "--extra-index-url",
        gitlab.project_index_url(P2, tokens[P2]),
        *extra,
    )


def _every_project_request_used_its_token(gitlab: FakeGitLab, tokens: dict[int, Token]) -> None:
    for entry in gitlab.log:
        if entry.project_id is not None:
            assert entry.authorization_sent and entry.token is tokens[entry.project_id], (
                gitlab.describe_log()
            )


def _no_shim_crash(result: PipResult) -> None:
    """The shim neither stood down nor raised: no warning line of ours, and any
    traceback is pip's own, raised in pip's code (shim frames may sit in the
    middle of it, as any wrapper's do, but never at the top)."""
    assert "WARNING: pip-scoped-auth" not in result.output, result.redacted()
    frames = [line for line in result.output.splitlines() if line.lstrip().startswith("File ")]
    if frames:
        assert "pip_scoped_auth" not in frames[-1], result.redacted()


@pytest.mark.parametrize("pip_version", pips())
@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_then_success_retry_with_the_same_token(
    two_projects: tuple[FakeGitLab, dict[int, Token], dict[int, PackageFile]],
    make_pip: MakePip,
    pip_version: str,
    status: int,
    httpserver: HTTPServer,
) -> None:
    gitlab, tokens, files = two_projects
    faults = Faults(gitlab, httpserver)
    faults.status(files[P1].path, status, times=2)
    faults.status("/api/v4/projects/2/packages/pypi/simple/two/", status)
    result = _install_both(pip_version, make_pip, gitlab, tokens, "--retries", "3")
    assert result.returncode == 0, result.redacted()
    _no_shim_crash(result)
    assert len(faults.hit) == 3, gitlab.describe_log()
    retried = [e for e in gitlab.file_requests() if e.project_id == P1]
    assert [e.status for e in retried] == [status, status, 200], gitlab.describe_log()
    _every_project_request_used_its_token(gitlab, tokens)


@pytest.mark.parametrize("pip_version", pips())
def test_connection_reset_mid_download(
    two_projects: tuple[FakeGitLab, dict[int, Token], dict[int, PackageFile]],
    make_pip: MakePip,
    pip_version: str,
    httpserver: HTTPServer,
) -> None:
    """pip < 25.2 fails with its own error; 25.2+ resumes. Either way: own token only."""
    gitlab, tokens, files = two_projects
    faults = Faults(gitlab, httpserver)
    faults.reset_mid_body(files[P1].path)
    result = _install_both(pip_version, make_pip, gitlab, tokens, "--retries", "2")
    _no_shim_crash(result)
    assert len(faults.hit) == 1, gitlab.describe_log()
    if version_tuple(pip_version) >= (25, 2):
        assert result.returncode == 0, result.redacted()
        assert len([e for e in gitlab.file_requests() if e.project_id == P1]) == 2
    else:
        assert result.returncode != 0, result.redacted()
        assert "ERROR:" in result.stderr, result.redacted()
    _every_project_request_used_its_token(gitlab, tokens)


def _raising_keyring_env(workdir: Path) -> dict[str, str]:
    backend_dir = workdir / "keyring-backend"
    backend_dir.mkdir(exist_ok=True)
    shutil.copy(keyring_backend.HERE / "raising_keyring.py", backend_dir)
    return {
        "PYTHONPATH": str(backend_dir),
        "PYTHON_KEYRING_BACKEND": "raising_keyring.RaisingKeyring",
    }


@pytest.mark.parametrize("pip_version", pips())
def test_keyring_backend_that_raises(
    two_projects: tuple[FakeGitLab, dict[int, Token], dict[int, PackageFile]],
    make_pip: MakePip,
    pip_version: str,
) -> None:
    """A 401 sends pip to keyring, which raises; pip skips it and prompts; the typed
    token goes to its own project only. Same outcome as stock pip."""
    gitlab, tokens, _files = two_projects
    answers = f"{tokens[P1].username}\n{tokens[P1].secret}\nn\n"
    results = {}
    for shim in (False, True):
        gitlab.clear_log()
        pip = make_pip(pip_version, shim=shim)
        results[shim] = pip.run(
            "install",
            "--no-cache-dir",
            "--target",
            str(pip.workdir / "target-keyring"),
            "one",
            "--index-url",
            gitlab.project_index_url(P1),
            env=_raising_keyring_env(pip.workdir),
            input=answers,
        )
    stock, shim = results[False], results[True]
    assert stock.returncode == shim.returncode == 0, shim.redacted()
    assert "Keyring is skipped due to an exception" in shim.output, shim.redacted()
    _no_shim_crash(shim)
    files = gitlab.file_requests()
    assert files and all(e.token is tokens[P1] for e in files), gitlab.describe_log()


@pytest.mark.parametrize("pip_version", pips())
@pytest.mark.parametrize(
    "answers", ["", "gitlab+deploy-token-1\n"], ids=["eof-at-user", "eof-at-password"]
)
def test_aborted_prompt(
    two_projects: tuple[FakeGitLab, dict[int, Token], dict[int, PackageFile]],
    make_pip: MakePip,
    pip_version: str,
    answers: str,
) -> None:
    """EOF on stdin at pip's 401 prompt: pip's own failure, the same on stock pip."""
    gitlab, _tokens, _files = two_projects
    results = {}
    for shim in (False, True):
        pip = make_pip(pip_version, shim=shim)
        results[shim] = pip.run(
            "install",
            "--no-cache-dir",
            "--target",
            str(pip.workdir / "target-eof"),
            "one",
            "--index-url",
            gitlab.project_index_url(P1),
            input=answers,
            verbose=False,
        )
    stock, shim = results[False], results[True]
    assert stock.returncode != 0 and shim.returncode == stock.returncode, shim.redacted()
    _no_shim_crash(shim)
    last = [line for line in stock.stderr.splitlines() if line.strip()][-1:]
    assert [line for line in shim.stderr.splitlines() if line.strip()][-1:] == last, (
        f"{stock.redacted()}\n---\n{shim.redacted()}"
    )
