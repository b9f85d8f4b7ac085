"""The health verdict: one cause and one fix, the first that applies; the tested pip range."""

from __future__ import annotations

import pytest

from pip_scoped_auth.diagnostics.health import Facts, Verdict, judge
from pip_scoped_auth.pip_layer.compat import TESTED_THROUGH, untested_newer

#: A healthy interpreter: armed, pip 26.3 patched.
GOOD = Facts(
    pth_files=("/site/pip_scoped_auth.pth",),
    armed=True,
    distribution="0.1.0",
    pip_version="26.3",
    patched=True,
)


def facts(**changes: object) -> Facts:
    from dataclasses import replace

    return replace(GOOD, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "verdict", "line"),
    [
        ({}, Verdict.OK, ""),
        (
            {"disabled_by": "0", "armed": False, "patched": False},
            Verdict.DISABLED,
            "disabled by PIP_SCOPED_AUTH=0: unset PIP_SCOPED_AUTH",
        ),
        (
            {"pth_files": (), "armed": False, "patched": False},
            Verdict.NOT_INSTALLED,
            "pip_scoped_auth.pth is not in this interpreter's site-packages (installed in "
            "another environment?): python -m pip install --force-reinstall pip-scoped-auth",
        ),
        (
            {"armed": False, "patched": False},
            Verdict.NOT_LOADED,
            "pip_scoped_auth.pth was not run by this interpreter (python -S? an embedded "
            "interpreter?): run without -S, or call pip_scoped_auth.activate()",
        ),
        (
            {"pip_installed": False, "pip_version": None, "patched": False},
            Verdict.NO_PIP,
            "pip is not installed here: python -m ensurepip --upgrade",
        ),
        (
            {"pip_error": "ImportError", "pip_version": None, "patched": False},
            Verdict.PIP_BROKEN,
            "pip cannot be imported here (ImportError): python -m ensurepip --upgrade",
        ),
        (
            {"wrapt_error": "ModuleNotFoundError", "patched": False},
            Verdict.NO_WRAPT,
            "wrapt is missing: python -m pip install pip-scoped-auth",
        ),
        (
            {"wrapt_error": "AttributeError", "patched": False},
            Verdict.NO_WRAPT,
            "wrapt cannot be imported (AttributeError): python -m pip install pip-scoped-auth",
        ),
        (
            {"pip_version": "27.0", "pip_problems": ("X is missing",), "patched": False},
            Verdict.UNSUPPORTED,
            "pip 27.0 is not supported: X is missing: install a supported pip, or upgrade "
            "pip-scoped-auth",
        ),
        (
            {"patched": False},
            Verdict.NOT_PATCHED,
            "pip's auth module was not patched (see the warning above): python -m pip install "
            "--force-reinstall pip-scoped-auth",
        ),
    ],
    ids=lambda v: v.value if isinstance(v, Verdict) else None,
)
def test_one_verdict_with_its_cause_and_fix(
    changes: dict[str, object], verdict: Verdict, line: str
) -> None:
    health = judge(facts(**changes))
    assert health.verdict is verdict
    assert health.ok is (verdict is Verdict.OK)
    assert health.line() == line
    assert "\n" not in health.line()


def test_the_first_cause_wins() -> None:
    """Disabled *and* wrapt missing *and* pip unsupported: the user sees the first."""
    everything_wrong = facts(
        disabled_by="off", armed=False, wrapt_error="ModuleNotFoundError", patched=False
    )
    assert judge(everything_wrong).verdict is Verdict.DISABLED


def test_not_armed_is_never_ok_even_when_patched() -> None:
    """The bug of issue 12: ``active: no`` then ``OK``. Armed and patched are both required."""
    assert judge(facts(armed=False)).verdict is Verdict.NOT_LOADED
    assert judge(facts(patched=False)).verdict is Verdict.NOT_PATCHED


@pytest.mark.parametrize(
    ("version", "warned"),
    [
        ("22.0.4", False),
        ("26.3", False),
        ("26.3.1", False),
        ("26.4", True),
        ("27.0", True),
        ("27.0b1", True),
        ("27", True),
        ("unknown", False),
        ("", False),
    ],
)
def test_untested_newer(version: str, warned: bool) -> None:
    tested = ".".join(map(str, TESTED_THROUGH))
    message = untested_newer(version)
    if warned:
        assert message == f"pip {version} is newer than the newest tested ({tested})"
    else:
        assert message is None


def test_tested_through_is_the_newest_pip_of_the_matrix() -> None:
    from pip_scoped_auth.core.versions import version_tuple
    from tests.support.pip_versions import ALL_PIPS, NEWEST_PIP

    assert TESTED_THROUGH == version_tuple(NEWEST_PIP) == max(map(version_tuple, ALL_PIPS))


def test_a_newer_pip_is_ok_with_one_warning() -> None:
    health = judge(facts(pip_version="27.0"))
    assert health.ok
    assert len(health.warnings) == 1
    assert "pip 27.0 is newer than the newest tested (26.3)" in health.warnings[0]
    assert judge(GOOD).warnings == ()
