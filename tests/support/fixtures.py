"""pytest plugin with the suite's server fixtures: ``gitlab``, ``upstream``,
``object_storage``, ``serve_registry`` and ``registry``.

Registered from the top-level ``tests/conftest.py`` with ``pytest_plugins``,
so that each fixture is defined exactly once for the whole suite.

The fake GitLab is served on pytest-httpserver's own ``httpserver``. The
upstream index and the object store each get one ``HTTPServer`` on
``localhost`` per test session (per xdist worker): each test gets a fresh
object that clears the shared server first, so no test pays for starting or
stopping a server. Registry layouts run on the demo's loopback server.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from pytest_httpserver import HTTPServer

from pip_scoped_auth.demo.registries import Registry
from pip_scoped_auth.demo.registries.gitlab import FakeGitLab
from tests.support.httpserver import serve_wsgi
from tests.support.object_storage import ObjectStorage
from tests.support.projects import P1, P2
from tests.support.registries import ServeRegistry
from tests.support.sdists import buildme_sdist
from tests.support.upstream import UpstreamIndex

__all__ = [
    "gitlab",
    "make_fake_gitlab",
    "object_storage",
    "object_storage_server",
    "registry",
    "serve_registry",
    "upstream",
    "upstream_server",
]


def make_fake_gitlab(httpserver: HTTPServer) -> FakeGitLab:
    """Return a FakeGitLab served on ``httpserver`` after dropping earlier handlers.

    pytest-httpserver's server is session-scoped; clearing first guarantees
    that a previous test's catch-all handler (bound to another FakeGitLab and
    its tokens) can never answer this test's requests.
    """
    httpserver.clear()
    gitlab = FakeGitLab(host=httpserver.host, port=httpserver.port)
    serve_wsgi(httpserver, gitlab)
    return gitlab


@pytest.fixture
def gitlab(httpserver: HTTPServer) -> FakeGitLab:
    """A fresh, empty fake GitLab for one test."""
    return make_fake_gitlab(httpserver)


def _localhost_server() -> Iterator[HTTPServer]:
    """A started ``HTTPServer`` on ``localhost`` (another origin than 127.0.0.1)."""
    server = HTTPServer(host="localhost")
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


@pytest.fixture
def serve_registry() -> Iterator[ServeRegistry]:
    """``serve_registry(layout, **options)``: running registries, stopped after the test."""
    with ExitStack() as stack:
        yield ServeRegistry(stack)


@pytest.fixture
def registry(request: pytest.FixtureRequest, serve_registry: ServeRegistry) -> Registry:
    """The layout named by an indirect parameter: ``parametrize(..., indirect=True)``."""
    return serve_registry(str(request.param))


@pytest.fixture
def build_projects(gitlab: FakeGitLab) -> FakeGitLab:
    """``buildme`` (an sdist) in project 323, its build backend ``tinybackend`` only in 324."""
    gitlab.add_project(P1, "my-group/project-1")
    gitlab.add_project(P2, "my-group/project-2")
    gitlab.add_file(P1, "buildme", "1.0", "buildme-1.0.tar.gz", buildme_sdist())
    gitlab.add_package(P2, "tinybackend", "1.0")
    return gitlab
