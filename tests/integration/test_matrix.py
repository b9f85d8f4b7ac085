"""The compatibility matrix: what stock pip does per version, Python x pip cells,
and the check that docs/compatibility.md says what these tests show.

The shim side of each pip row is ``test_bug_report.py``'s scenario 5 (marked
``matrix``, so it runs on every pip in ALL_PIPS); the stock side is here.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.gitlab import FakeGitLab
from tests.integration import pipenvs
from tests.integration.conftest import P1, P2, MakePip, two_deploy_tokens
from tests.integration.pipenvs import ALL_PIPS

#: Stock pip, two project deploy tokens embedded in --index-url/--extra-index-url
#: on one host (the bug report's scenario 5): does the install succeed?
#: 22.x and 23.0 match a file URL (outside every index path) to no index and
#: fall back to the per-host cache, last writer wins; 23.1+ rank same-host
#: indexes by common path prefix, which picks the right project here.
STOCK_TWO_DEPLOY_TOKENS = {
    "22.0.4": False,
    "22.3.1": False,
    "23.0.1": False,
    "23.3.2": True,
    "24.0": True,
    "24.3.1": True,
    "25.0.1": True,
    "25.3": True,
    "26.0.1": True,
    "26.3": True,
}

#: (Python, pip) cells beyond Python 3.11: the oldest and newest pip that run on
#: the oldest and newest Python the package supports. pip 26.3 needs Python
#: 3.10, and pip 22.x/23.0 cannot run on 3.12+, hence 26.0.1 and 23.3.2.
PYTHON_CELLS = [("3.9", "22.0.4"), ("3.9", "26.0.1"), ("3.13", "23.3.2"), ("3.13", "26.3")]

COMPAT_DOC = pipenvs.ROOT / "docs" / "compatibility.md"
IS_ACTIVE = "import pip._internal.network.auth, pip_scoped_auth; print(pip_scoped_auth.is_active())"


def test_every_matrix_pip_has_a_stock_expectation() -> None:
    assert tuple(STOCK_TWO_DEPLOY_TOKENS) == ALL_PIPS


@pytest.mark.matrix
def test_stock_pip_two_deploy_tokens(
    projects: FakeGitLab, make_pip: MakePip, pip_version: str
) -> None:
    """What each pip does without the shim: the "stock pip" column of the table."""
    gitlab = projects
    tokens, args = two_deploy_tokens(projects)
    pip = make_pip(pip_version, shim=False)
    pip.secrets.extend(t.secret for t in tokens.values())
    result = pip.install(*args)
    files = gitlab.file_requests()
    if STOCK_TWO_DEPLOY_TOKENS[pip_version]:
        assert result.returncode == 0, result.redacted()
        assert all(e.status == 200 and e.token is tokens[e.project_id] for e in files), (
            gitlab.describe_log()
        )
    else:
        assert result.returncode != 0, result.redacted()
        wrong = [e for e in files if e.project_id == P1]
        assert wrong and wrong[0].token is tokens[P2] and wrong[0].status == 404, (
            gitlab.describe_log()
        )


@pytest.mark.parametrize(("python", "pip_version"), PYTHON_CELLS, ids=lambda v: str(v))
def test_python_cells(
    projects: FakeGitLab, make_pip: MakePip, python: str, pip_version: str
) -> None:
    """The shim on the oldest and newest Python, with the oldest and newest pip there."""
    interpreter = pipenvs.find_python(python)
    if interpreter is None:
        pytest.skip(f"no Python {python} here (looked for python{python} on PATH and in pyenv)")
    gitlab = projects
    tokens, args = two_deploy_tokens(projects)
    pip = make_pip(pip_version, python=interpreter)
    pip.secrets.extend(t.secret for t in tokens.values())
    out = subprocess.run(
        [str(pip.python), "-c", IS_ACTIVE], capture_output=True, text=True, env=pip.env()
    )
    assert out.stdout.strip() == "True", out.stderr[-2000:]
    result = pip.install(*args)
    assert result.returncode == 0, result.redacted()
    files = gitlab.file_requests()
    assert {e.project_id for e in files} == {P1, P2}, gitlab.describe_log()
    assert all(e.status == 200 and e.token is tokens[e.project_id] for e in files), (
        gitlab.describe_log()
    )


def _table_rows(text: str, first_header: str) -> dict[str, list[str]]:
    """Rows of the markdown table whose first header cell is ``first_header``."""
    rows: dict[str, list[str]] = {}
    in_table = False
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0] == first_header:
            in_table = True
            continue
        if in_table and not line.startswith("|"):
            break
        if in_table and not set(cells[0]) <= set("-: "):
            rows[cells[0]] = cells[1:]
    return rows


def test_compatibility_doc_matches_the_tests() -> None:
    """Every cell of docs/compatibility.md is one these tests assert."""
    text = COMPAT_DOC.read_text()
    rows = _table_rows(text, "pip")
    assert tuple(rows) == ALL_PIPS
    for version, cells in rows.items():
        stock, shim = cells[0].lower(), cells[1].lower()
        expected = "works" if STOCK_TWO_DEPLOY_TOKENS[version] else "fails"
        assert stock.startswith(expected), f"{version}: doc says {cells[0]!r}"
        assert shim.startswith("works"), f"{version}: doc says {cells[1]!r}"
    py_rows = _table_rows(text, "Python")
    assert "3.11" in py_rows, "the full matrix row"
    for python in {py for py, _ in PYTHON_CELLS}:
        tested = set(re.findall(r"\d+\.\d+(?:\.\d+)?", py_rows[python][0]))
        assert tested == {pip for py, pip in PYTHON_CELLS if py == python}, py_rows[python]
