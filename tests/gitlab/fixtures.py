"""pytest plugin providing the ``gitlab``, ``upstream`` and ``object_storage`` fixtures.

Registered from the top-level ``tests/conftest.py`` with
``pytest_plugins = ["tests.gitlab.fixtures"]``, so that the fixtures are
defined exactly once for the whole suite.

The upstream index and the object store each get one ``HTTPServer`` on
``localhost`` per test session (per xdist worker), like pytest-httpserver's
own ``httpserver``: each test gets a fresh object that clears the shared
server first, so no test pays for starting or stopping a server.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from tests.gitlab.local_server import LocalServer
from tests.gitlab.object_storage import ObjectStorage
from tests.gitlab.server import FakeGitLab
from tests.gitlab.upstream import UpstreamIndex

__all__ = [
    "gitlab",
    "make_fake_gitlab",
    "object_storage",
    "object_storage_server",
    "upstream",
    "upstream_server",
]


def make_fake_gitlab(httpserver: HTTPServer) -> FakeGitLab:
    """Return a FakeGitLab on ``httpserver`` after dropping earlier handlers.

    pytest-httpserver's server is session-scoped; clearing first guarantees
    that a previous test's catch-all handler (bound to another FakeGitLab and
    its tokens) can never answer this test's requests.
    """
    httpserver.clear()
    return FakeGitLab(httpserver)


@pytest.fixture
def gitlab(httpserver: HTTPServer) -> FakeGitLab:
    """A fresh, empty fake GitLab for one test."""
    return make_fake_gitlab(httpserver)


def _localhost_server() -> Iterator[HTTPServer]:
    """A started ``HTTPServer`` on ``localhost`` (another origin than 127.0.0.1)."""
    server = LocalServer()
    server.start()
    try:
        yield server
    finally:
        server.clear()
        if server.is_running():
            server.stop()


@pytest.fixture(scope="session")
def upstream_server() -> Iterator[HTTPServer]:
    """The session's server behind :func:`upstream`."""
    yield from _localhost_server()


@pytest.fixture(scope="session")
def object_storage_server() -> Iterator[HTTPServer]:
    """The session's server behind :func:`object_storage`."""
    yield from _localhost_server()


@pytest.fixture
def upstream(upstream_server: HTTPServer) -> UpstreamIndex:
    """A fresh, empty public upstream index (``up.simple_url``) for one test."""
    return UpstreamIndex(upstream_server)


@pytest.fixture
def object_storage(object_storage_server: HTTPServer) -> ObjectStorage:
    """A fresh, empty object store for one test; set ``gitlab.object_storage`` to use it."""
    return ObjectStorage(object_storage_server)
