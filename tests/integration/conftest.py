"""Fixtures that hand each integration test a real pip in a cached venv."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pip_scoped_auth.demo.registries.gitlab import FakeGitLab
from tests.support import leaks, pipenvs
from tests.support.leak_check import check_no_leaks
from tests.support.pipenvs import MakePip
from tests.support.projects import add_bug_report_projects


@pytest.fixture
def projects(gitlab: FakeGitLab) -> FakeGitLab:
    """The bug report's set-up: projects 323 and 324 in one group, one package each."""
    return add_bug_report_projects(gitlab)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "token_in_output_expected(reason): the test shows pip itself printing a token; "
        "the automatic leak check is skipped for it",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def shim_wheel() -> Path:
    """This project's wheel, built once per source digest and shared by workers."""
    return pipenvs.cached_shim_wheel()


@pytest.fixture
def make_pip(tmp_path: Path, shim_wheel: Path) -> MakePip:
    """``make_pip(version, shim=True, python=None, extras=())``: a pip under test in ``tmp_path``.

    ``extras`` are packages installed next to pip in a venv of their own
    (tools built on pip's internals, e.g. ``("pip-tools==7.4.1",)``).
    """

    def make(
        pip_version: str,
        shim: bool = True,
        python: str | None = None,
        extras: tuple[str, ...] = (),
    ) -> pipenvs.PipEnv:
        venv = pipenvs.ensure_venv(pip_version, shim, shim_wheel if shim else None, python, extras)
        workdir = (
            tmp_path / f"{'shim' if shim else 'stock'}-{pip_version}{'-tools' if extras else ''}"
        )
        workdir.mkdir(parents=True, exist_ok=True)
        return pipenvs.PipEnv(venv=venv, pip_version=pip_version, shim=shim, workdir=workdir)

    return make


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
