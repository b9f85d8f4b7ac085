"""Fixtures that hand each integration test a real pip in a cached venv."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration import pipenvs

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
