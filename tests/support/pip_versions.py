"""Which pips a test runs on: the supported versions and ``PIP_SCOPED_AUTH_PIPS``.

A test that runs on pip versions says so in its own ``parametrize`` with
:func:`pips`, which returns the selected versions (and a skipped case, with
the reason, for a pip that cannot run on this Python)::

    @pytest.mark.parametrize("pip_version", pips())             # edge pips, or the selection
    @pytest.mark.parametrize("pip_version", pips(matrix=True))  # every pip of the matrix
    @pytest.mark.parametrize("pip_version", [NEWEST_PIP])       # exactly this pip

See ``docs/compatibility.md`` for the selections.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import pytest
from _pytest.mark.structures import ParameterSet

from pip_scoped_auth.core.versions import version_tuple

__all__ = [
    "ALL_PIPS",
    "EDGE_PIPS",
    "NEWEST_PIP",
    "OLDEST_PIP",
    "PIPS_ENV",
    "edge_pips_for_python",
    "pip_python_problem",
    "pips",
    "pips_for_test",
]

#: Oldest and newest supported pip: the versions every scenario runs on.
OLDEST_PIP = "22.3.1"
NEWEST_PIP = "26.3"
EDGE_PIPS = (OLDEST_PIP, NEWEST_PIP)

#: The compatibility matrix: the pip of each CI image people run, and every
#: release line whose auth internals differ (docs/pip-internals.md, 1.0).
ALL_PIPS = (
    "22.0.4",
    "22.3.1",
    "23.0.1",
    "23.3.2",
    "24.0",
    "24.3.1",
    "25.0.1",
    "25.3",
    "26.0.1",
    "26.3",
)

#: ``PIP_SCOPED_AUTH_PIPS``: which pips the version-agnostic tests run on.
PIPS_ENV = "PIP_SCOPED_AUTH_PIPS"


#: pip releases that cannot run on a Python: (pip prefix, first Python it fails on).
#: 22.x and 23.0 vendor a pkg_resources that needs ``pkgutil.ImpImporter`` and
#: 22.0 imports ``distutils``; both are gone in 3.12 (docs/pip-internals.md, 9).
_PIP_MAX_PYTHON = {"22.": (3, 12), "23.0": (3, 12)}
#: pip's Requires-Python floor where it is above 3.9: (first pip with it, floor).
#: pip 26.1 dropped Python 3.9.
_PIP_MIN_PYTHON = {"26.1": (3, 10)}


def _vtuple(version: str) -> tuple[int, ...]:
    return version_tuple(version)


def pip_python_problem(pip_version: str, py: str) -> str | None:
    """Why ``pip_version`` cannot run on Python ``py`` ("3.12"), or None where it can."""
    pyv = _vtuple(py)
    for prefix, limit in _PIP_MAX_PYTHON.items():
        if pip_version.startswith(prefix) and pyv >= limit:
            return (
                f"pip {pip_version} cannot run on Python {py} (needs < {'.'.join(map(str, limit))})"
            )
    for first, floor in _PIP_MIN_PYTHON.items():
        if _vtuple(pip_version) >= _vtuple(first) and pyv < floor:
            return f"pip {pip_version} requires Python >= {'.'.join(map(str, floor))}, not {py}"
    return None


def edge_pips_for_python(py: str) -> tuple[str, str]:
    """The oldest and newest pip of :data:`ALL_PIPS` that run on Python ``py``."""
    runnable = [v for v in ALL_PIPS if pip_python_problem(v, py) is None]
    return runnable[0], runnable[-1]


def pips_for_test(
    matrix: bool,
    declared: Sequence[str] | None,
    since: str | None = None,
    selection: str | None = None,
) -> tuple[str, ...] | None:
    """The pip versions a test parametrised on ``pip_version`` runs on.

    ``selection`` is ``PIP_SCOPED_AUTH_PIPS``: unset or ``all`` (every
    version-agnostic test, i.e. marked ``matrix`` or declared with exactly
    ``EDGE_PIPS``, on :data:`ALL_PIPS`: the whole suite on every pip, what CI
    runs, about 10 minutes on 2 cores with a warm cache), ``ci`` (tests marked
    ``matrix`` on :data:`ALL_PIPS`, the rest as declared), ``edge``
    (everything on :data:`EDGE_PIPS`, for a quick local run) or a
    comma-separated list of versions (used instead of ``all``). Tests that
    declare other versions are left alone (None): they need those versions.
    """
    mode = (selection if selection is not None else os.environ.get(PIPS_ENV, "")).strip()
    mode = mode.lower() or "all"
    agnostic = declared is not None and tuple(declared) == EDGE_PIPS
    if not matrix and not agnostic:
        return None
    if mode == "edge":
        chosen: tuple[str, ...] = EDGE_PIPS
    elif mode == "all":
        chosen = ALL_PIPS
    elif mode == "ci":
        chosen = ALL_PIPS if matrix else EDGE_PIPS
    else:
        chosen = tuple(v.strip() for v in mode.split(",") if v.strip())
    if since is not None:
        chosen = tuple(v for v in chosen if _vtuple(v) >= _vtuple(since))
    return chosen


def pips(*, matrix: bool = False, since: str | None = None) -> list[ParameterSet]:
    """The ``pip_version`` values of a test, as ``PIP_SCOPED_AUTH_PIPS`` selects them.

    Without ``matrix`` the test is version-agnostic: :data:`EDGE_PIPS`, or
    what the selection widens that to. ``matrix=True`` runs it on every pip
    of the compatibility matrix under ``all``/``ci``; ``since`` drops older
    pips. A pip that cannot run on this session's Python is a skipped case
    that says why.
    """
    chosen = pips_for_test(matrix=matrix, declared=None if matrix else EDGE_PIPS, since=since)
    assert chosen is not None  # matrix or agnostic: always a selection
    py = "{}.{}".format(*sys.version_info[:2])
    params = []
    for version in chosen:
        problem = pip_python_problem(version, py)
        marks = [pytest.mark.skip(reason=problem)] if problem else []
        params.append(pytest.param(version, marks=marks, id=version))
    return params
