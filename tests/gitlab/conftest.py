"""Fixtures for the rig's own tests.

Deliberately not named ``gitlab``: the suite-wide ``gitlab`` fixture comes
from ``tests.support.fixtures`` via the top-level conftest, and defining it a
second time here would shadow it.
"""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from pip_scoped_auth.demo.registries.gitlab import FakeGitLab
from tests.support.fixtures import make_fake_gitlab


@pytest.fixture
def rig(httpserver: HTTPServer) -> FakeGitLab:
    """A fresh FakeGitLab for the rig tests."""
    return make_fake_gitlab(httpserver)
