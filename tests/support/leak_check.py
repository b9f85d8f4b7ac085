"""The leak check every integration test ends with: no known secret in any pip output.

The autouse fixture ``no_token_leaks`` (``tests/integration/conftest.py``)
calls :func:`check_no_leaks` after each test; a test may call it mid-way too.
The secrets are every FakeGitLab token and registry-layout tenant secret the
test's fixtures hold, plus ``pip.secrets`` of each recorded run.
"""

from __future__ import annotations

import pytest

from pip_scoped_auth.demo.registries import Registry
from pip_scoped_auth.demo.registries.gitlab import FakeGitLab
from tests.support import leaks, pipenvs
from tests.support.registries import ServeRegistry

__all__ = ["check_no_leaks", "secrets_of_test"]


def secrets_of_test(request: pytest.FixtureRequest) -> dict[str, str]:
    """secret -> display name: every FakeGitLab token and registry-layout tenant secret
    of the test, and ``pip.secrets``."""
    secrets: dict[str, str] = {}
    for value in request.node.funcargs.values():
        if isinstance(value, FakeGitLab):
            for token in value.tokens:
                secrets.setdefault(token.secret, f"token {token.name}")
        registries = [value] if isinstance(value, Registry) else []
        if isinstance(value, ServeRegistry):
            registries += value.registries
        for registry in registries:
            for tenant in registry.tenants.values():
                secrets.setdefault(tenant.secret, tenant.token_label)
    for run in pipenvs.recorded_runs():
        for n, secret in enumerate(run.secrets):
            secrets.setdefault(secret, f"pip.secrets[{n}]")
    return secrets


def check_no_leaks(request: pytest.FixtureRequest) -> None:
    """The check ``no_token_leaks`` runs after each test (callable mid-test too)."""
    leaks.assert_no_leaks(
        pipenvs.recorded_runs(), secrets_of_test(request), leaks.recorded_outputs()
    )
