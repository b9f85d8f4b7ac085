"""The environments benchmarks run in: the test suite's cached pip venvs and fake GitLab.

Nothing is re-implemented here: venvs come from :mod:`tests.support.pipenvs`
(a *stock* venv and a *shim* venv per pip version, identical but for the shim),
the registry is :class:`~pip_scoped_auth.demo.registries.gitlab.FakeGitLab` on a
pytest-httpserver server
this process starts itself. Only the cache directory differs from the tests',
so a benchmark never rebuilds (or races) the venvs of a test run.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pytest_httpserver import HTTPServer
from tests.support import pip_versions, pipenvs
from tests.support.fixtures import make_fake_gitlab

from pip_scoped_auth.demo.registries.gitlab import FakeGitLab

#: Where bench venvs live unless ``--cache`` or this variable says otherwise.
CACHE_ENV = "PIP_SCOPED_AUTH_BENCH_CACHE"
DEFAULT_CACHE = Path.home() / ".cache" / "pip-scoped-auth-bench"

NEWEST_PIP = pip_versions.NEWEST_PIP
EDGE_PIPS = pip_versions.EDGE_PIPS


def add_common_arguments(parser: argparse.ArgumentParser, runs: int) -> None:
    """``--runs`` and ``--cache``, shared by every script that starts processes."""
    parser.add_argument(
        "--runs",
        type=int,
        default=runs,
        help=f"measured runs per side, after the warm-up (default {runs}; use >= 20)",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        help=f"venv cache directory (default ${CACHE_ENV} or {DEFAULT_CACHE}); "
        "point it at the test cache to reuse the test venvs",
    )


def use_cache(cache: Path | None) -> Path:
    """Make :mod:`tests.support.pipenvs` build and find venvs under the bench cache."""
    root = cache or Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE)
    os.environ["PIP_SCOPED_AUTH_TEST_CACHE"] = str(root)
    return pipenvs.cache_root()


def shim_wheel() -> Path:
    """This checkout's wheel, built once per source digest (as the test fixture does)."""
    return pipenvs.cached_shim_wheel()


def venv_pair(pip_version: str) -> tuple[Path, Path]:
    """``(stock, shim)`` venvs of one pip version; built on first use (~1 min each)."""
    wheel = shim_wheel()
    stock = pipenvs.ensure_venv(pip_version, shim=False, wheel=None)
    shim = pipenvs.ensure_venv(pip_version, shim=True, wheel=wheel)
    return stock, shim


def version_tuple(pip_version: str) -> tuple[int, ...]:
    """``"23.1.2"`` -> ``(23, 1, 2)``, for comparing pip versions."""
    return tuple(int(part) for part in pip_version.split(".") if part.isdigit())


def python_of(venv: Path) -> Path:
    return pipenvs.venv_python(venv)


def scrubbed_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The test suite's scrubbed environment: no machine pip config, null keyring."""
    return pipenvs.scrubbed_env(home, extra)


def _quiet_server() -> HTTPServer:
    """A started loopback server whose per-request access log is silenced."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    return server


@contextmanager
def gitlab_server() -> Iterator[HTTPServer]:
    """A loopback server for fake GitLabs (``make_fake_gitlab``), for the life of the block."""
    server = _quiet_server()
    try:
        yield server
    finally:
        server.clear()
        if server.is_running():
            server.stop()


@contextmanager
def fake_gitlab() -> Iterator[FakeGitLab]:
    """A FakeGitLab on its own loopback server, for the life of the block."""
    with gitlab_server() as server:
        yield make_fake_gitlab(server)


@contextmanager
def empty_index() -> Iterator[str]:
    """A public index that knows no package (stands in for PyPI as ``--index-url``)."""
    server = _quiet_server()
    server.no_handler_status_code = 404
    try:
        yield server.url_for("/simple")
    finally:
        server.clear()
        if server.is_running():
            server.stop()
