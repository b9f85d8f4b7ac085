"""Bad input: the shim never turns pip's own error into a shim traceback.

Each case runs the same command on stock pip and on pip with the shim (same
pip version, same fake GitLab) and compares the outcomes: same success or
failure, the same ``ERROR:`` lines, the same final exception line where pip
itself dies with a traceback, and no word from the shim. Console output is
compared at pip's default verbosity (``-vvv`` prints pip's own traceback for
any error); the ``--log`` file is still written and leak-checked.
"""

from __future__ import annotations

import re

import pytest

from pip_scoped_auth.demo.registries.gitlab import FakeGitLab
from tests.support.pip_versions import NEWEST_PIP, pips
from tests.support.pipenvs import MakePip, PipResult

QUICK = ("--retries", "0", "--timeout", "3")


@pytest.fixture
def registry(gitlab: FakeGitLab) -> FakeGitLab:
    gitlab.add_project(1, "g/one")
    gitlab.add_package(1, "one", "1.0")
    return gitlab


def _normalise(text: str) -> list[str]:
    """pip's error lines, with per-run paths and temp names made comparable."""
    lines = []
    for line in text.splitlines():
        line = re.sub(r"/\S*/(stock|shim)-[\d.]+/\S*", "<path>", line)
        line = re.sub(r"/tmp/\S+", "<tmp>", line)
        lines.append(line.rstrip())
    return lines


def _errors(result: PipResult) -> list[str]:
    return [line for line in _normalise(result.output) if line.startswith("ERROR:")]


def _final_exception(result: PipResult) -> str | None:
    """The last line of pip's own traceback, if it died with one."""
    if "Traceback (most recent call last)" not in result.output:
        return None
    tail = result.stderr.strip().splitlines()
    return tail[-1] if tail else None


def run_both(
    make_pip: MakePip, pip_version: str, *args: str, input: str | None = None
) -> tuple[PipResult, PipResult]:
    """The same ``pip install`` on stock pip and on the shim; asserts equal outcomes."""
    results = []
    for shim in (False, True):
        pip = make_pip(pip_version, shim=shim)
        target = pip.workdir / f"target-{len(pip.runs)}"
        results.append(
            pip.run(
                "install",
                "--no-cache-dir",
                "--target",
                str(target),
                *QUICK,
                *args,
                input=input,
                verbose=False,
            )
        )
    stock, shim = results
    report = f"--- stock:\n{stock.redacted(1500)}\n--- shim:\n{shim.redacted(1500)}"
    assert (stock.returncode == 0) == (shim.returncode == 0), report
    assert "pip-scoped-auth:" not in shim.output, report
    assert _errors(shim) == _errors(stock), report
    assert _final_exception(shim) == _final_exception(stock), report
    if _final_exception(stock) is None:
        assert "Traceback" not in shim.output, report
    else:
        # pip's own traceback may pass through the shim's wrappers, but it
        # must have been raised in pip's code.
        frames = [line for line in shim.output.splitlines() if line.lstrip().startswith("File ")]
        assert frames and "pip_scoped_auth" not in frames[-1], report
    return stock, shim


# URL parsing is pip's (and the shim's) own code on every version: one pip suffices.
@pytest.mark.parametrize("pip_version", [NEWEST_PIP])
@pytest.mark.parametrize(
    "index",
    [
        pytest.param("127.0.0.1:{port}/api/v4/projects/1/packages/pypi/simple", id="no-scheme"),
        pytest.param("http://:@/", id="empty-netloc"),
        pytest.param("http://127.0.0.1:{port}/api v4/projects/1/packages/pypi/simple", id="space"),
        pytest.param("http://127.0.0.1:99999/simple", id="port-out-of-range"),
        pytest.param("http://127.0.0.1:abc/simple", id="port-not-a-number"),
        pytest.param("http://[::1/simple", id="unclosed-ipv6"),
        pytest.param(
            "http://127.0.0.1:{port}/api/v4/projects/ü/packages/pypi/simple", id="non-ascii-path"
        ),
        pytest.param("http://bücher.invalid/simple", id="non-ascii-host"),
        pytest.param("gopher://127.0.0.1:{port}/simple", id="unknown-scheme"),
    ],
)
def test_malformed_index_url(
    registry: FakeGitLab, make_pip: MakePip, pip_version: str, index: str
) -> None:
    run_both(make_pip, pip_version, "one", "--index-url", index.format(port=registry.port))


@pytest.mark.parametrize("pip_version", pips())
def test_non_ascii_credentials(registry: FakeGitLab, make_pip: MakePip, pip_version: str) -> None:
    token = registry.project_deploy_token(1, secret="gldt-ünïcödé-sécret")
    url = registry.project_index_url(1, token, username="dëploy")
    _stock, shim = run_both(make_pip, pip_version, "one", "--index-url", url)
    assert shim.returncode == 0, shim.redacted()


@pytest.mark.parametrize("pip_version", pips())
def test_empty_token(registry: FakeGitLab, make_pip: MakePip, pip_version: str) -> None:
    """``user:@host``: an empty password is sent as such; GitLab says 401, pip reports it."""
    url = registry.project_index_url(1).replace("://", "://gitlab+deploy-token-1:@")
    _stock, shim = run_both(make_pip, pip_version, "one", "--index-url", url)
    assert shim.returncode != 0


@pytest.mark.parametrize("pip_version", pips())
def test_username_only(registry: FakeGitLab, make_pip: MakePip, pip_version: str) -> None:
    """``user@host`` with no password anywhere and nothing on stdin: pip's own failure."""
    url = registry.project_index_url(1, username="gitlab+deploy-token-1")
    _stock, shim = run_both(make_pip, pip_version, "one", "--index-url", url)
    assert shim.returncode != 0


@pytest.mark.parametrize("pip_version", pips())
def test_index_list_with_garbage(registry: FakeGitLab, make_pip: MakePip, pip_version: str) -> None:
    """Garbage pip tolerates next to a good index: the good one still gets its token.

    (``http://:@/`` or a bad port in the list makes pip itself fail: see the
    malformed-URL cases.)
    """
    token = registry.project_deploy_token(1)
    _stock, shim = run_both(
        make_pip,
        pip_version,
        "one",
        "--index-url",
        registry.project_index_url(1, token),
        "--extra-index-url",
        "::::",
        "--extra-index-url",
        "file:///nonexistent/simple",
        "--extra-index-url",
        "http://u:t@127.0.0.1:1/",
        "--extra-index-url",
        "",
    )
    assert shim.returncode == 0, shim.redacted()
    files = registry.file_requests()
    assert files and all(e.token is token and e.status == 200 for e in files), (
        registry.describe_log()
    )
