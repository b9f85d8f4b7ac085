"""Fixtures for the rig's own tests.

Deliberately not named ``gitlab``: the suite-wide ``gitlab`` fixture comes
from ``tests.gitlab.fixtures`` via the top-level conftest, and defining it a
second time here would shadow it.
"""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from tests.gitlab.fixtures import make_fake_gitlab
from tests.gitlab.server import FakeGitLab


@pytest.fixture
def rig(httpserver: HTTPServer) -> FakeGitLab:
    """A fresh FakeGitLab for the rig tests."""
    return make_fake_gitlab(httpserver)
