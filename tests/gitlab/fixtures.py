"""pytest plugin providing the ``gitlab`` fixture.

Registered from the top-level ``tests/conftest.py`` with
``pytest_plugins = ["tests.gitlab.fixtures"]``, so that the fixture is
defined exactly once for the whole suite.
"""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from tests.gitlab.server import FakeGitLab

__all__ = ["gitlab", "make_fake_gitlab"]


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
