"""Fixtures that hand each integration test a real pip in a cached venv."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.gitlab import FakeGitLab
from tests.integration import leaks, pipenvs

MakePip = Callable[..., pipenvs.PipEnv]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def shim_wheel() -> Path:
    """This project's wheel, built once per source digest and shared by workers."""
    root = pipenvs.cache_root()
    out = root / f"wheel-{pipenvs.source_digest()}"
    with pipenvs._locked(root / "wheel.lock"):
        wheels = list(out.glob("pip_scoped_auth-*.whl"))
        if not wheels:
            wheels = [pipenvs.build_wheel(out)]
    return wheels[0]


@pytest.fixture
def make_pip(tmp_path: Path, shim_wheel: Path) -> MakePip:
    """``make_pip(version, shim=True)``: a pip under test working in ``tmp_path``."""

    def make(pip_version: str, shim: bool = True, python: str | None = None) -> pipenvs.PipEnv:
        venv = pipenvs.ensure_venv(pip_version, shim, shim_wheel if shim else None, python)
        workdir = tmp_path / f"{'shim' if shim else 'stock'}-{pip_version}"
        workdir.mkdir(parents=True, exist_ok=True)
        return pipenvs.PipEnv(venv=venv, pip_version=pip_version, shim=shim, workdir=workdir)

    return make


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "token_in_output_expected(reason): the test shows pip itself printing a token; "
        "the automatic leak check is skipped for it",
    )


def _test_secrets(request: pytest.FixtureRequest) -> dict[str, str]:
    """secret -> display name: every FakeGitLab token of the test, and ``pip.secrets``."""
    secrets: dict[str, str] = {}
    for value in request.node.funcargs.values():
        if isinstance(value, FakeGitLab):
            for token in value.tokens:
                secrets.setdefault(token.secret, f"token {token.name}")
    for run in pipenvs.recorded_runs():
        for n, secret in enumerate(run.secrets):
            secrets.setdefault(secret, f"pip.secrets[{n}]")
    return secrets


def check_no_leaks(request: pytest.FixtureRequest) -> None:
    """The check :func:`no_token_leaks` runs after each test (callable mid-test too)."""
    leaks.assert_no_leaks(pipenvs.recorded_runs(), _test_secrets(request), leaks.recorded_outputs())


@pytest.fixture(autouse=True)
def no_token_leaks(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test: no token in any pip run's stdout, stderr or ``--log`` file.

    Covers every ``PipEnv.run``/``install`` of the test (they run at ``-vvv``
    with ``--log``) and texts given to :func:`leaks.record_output`.
    """
    pipenvs.clear_recorded_runs()
    leaks.clear_recorded_outputs()
    yield
    try:
        if request.node.get_closest_marker("token_in_output_expected") is None:
            check_no_leaks(request)
    finally:
        pipenvs.clear_recorded_runs()
        leaks.clear_recorded_outputs()
