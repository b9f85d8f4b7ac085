"""Fixtures that hand each integration test a real pip in a cached venv."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pip_scoped_auth.demo.registries import Registry
from tests.gitlab import FakeGitLab, Token
from tests.integration import leaks, pipenvs
from tests.registry.fixtures import ServeRegistry

MakePip = Callable[..., pipenvs.PipEnv]

#: The bug report's two GitLab projects.
P1, P2 = 323, 324


@pytest.fixture
def projects(gitlab: FakeGitLab) -> FakeGitLab:
    """The bug report's set-up: projects 323 and 324 in one group, one package each."""
    gitlab.add_group(10, "my-group")
    gitlab.add_project(P1, "my-group/project-1", group=10)
    gitlab.add_project(P2, "my-group/project-2", group=10)
    gitlab.add_package(P1, "pypipackage1", "1.3.8")
    gitlab.add_package(P2, "pypipackage2", "2.5.6")
    return gitlab


def two_deploy_tokens(projects: FakeGitLab, first: int = P1) -> tuple[dict[int, Token], list[str]]:
    """Scenario 5 on the ``projects`` set-up: a deploy token per project, both in URLs.

    Returns the tokens by project and pip's arguments, ``first`` as ``--index-url``.
    """
    tokens = {P1: projects.project_deploy_token(P1), P2: projects.project_deploy_token(P2)}
    second = P2 if first == P1 else P1
    args = [
        "pypipackage1",
        "pypipackage2",
        "--index-url",
        projects.project_index_url(first, tokens[first]),
        "--extra-index-url",
        projects.project_index_url(second, tokens[second]),
    ]
    return tokens, args


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "matrix(since=None): run on every pip of the compatibility matrix "
        "(PIP_SCOPED_AUTH_PIPS chooses it; since='25.1' drops older pips)",
    )
    config.addinivalue_line(
        "markers",
        "token_in_output_expected(reason): the test shows pip itself printing a token; "
        "the automatic leak check is skipped for it",
    )


def _declared_pips(metafunc: pytest.Metafunc) -> tuple[int, tuple[str, ...]] | None:
    """Index and values of the test's own ``parametrize("pip_version", ...)``."""
    for index, mark in enumerate(metafunc.definition.own_markers):
        if mark.name != "parametrize" or not mark.args:
            continue
        names = mark.args[0]
        if isinstance(names, str):
            names = [n.strip() for n in names.split(",")]
        if list(names) == ["pip_version"] and len(mark.args) > 1:
            return index, tuple(mark.args[1])
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Put the selected pips (``pipenvs.pips_for_test``) on version-agnostic tests.

    Runs before pytest applies ``parametrize`` marks, so it rewrites the test's
    own ``parametrize("pip_version", EDGE_PIPS)`` (or adds one for a test marked
    ``matrix`` that only requests a ``pip_version`` argument). A pip that cannot
    run on the Python of this session becomes a skipped case that says why.
    """
    if "pip_version" not in metafunc.fixturenames:
        return
    matrix = metafunc.definition.get_closest_marker("matrix")
    declared = _declared_pips(metafunc)
    pips = pipenvs.pips_for_test(
        matrix=matrix is not None,
        declared=declared[1] if declared else None,
        since=matrix.kwargs.get("since") if matrix else None,
    )
    if pips is None:
        return
    py = "{}.{}".format(*sys.version_info[:2])
    params = []
    for version in pips:
        problem = pipenvs.pip_python_problem(version, py)
        marks = [pytest.mark.skip(reason=problem)] if problem else []
        params.append(pytest.param(version, marks=marks, id=version))
    mark = pytest.mark.parametrize("pip_version", params).mark
    own = metafunc.definition.own_markers
    if declared:
        own[declared[0]] = mark
    else:
        own.append(mark)


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


def _test_secrets(request: pytest.FixtureRequest) -> dict[str, str]:
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
