"""The compatibility matrix: what stock pip does per version, Python x pip cells,
and the check that docs/compatibility.md says what these tests show.

The shim side of each pip row is ``test_bug_report.py``'s scenario 5 (marked
``matrix``, so it runs on every pip in ALL_PIPS); the stock side is here.

The Python cells run five scenarios on every Python but the main one (3.11,
where the whole suite runs), each on the oldest and the newest pip that run
on that Python: the seed bug (two deploy tokens), keyring with a shared
username, provenance (a shared files tree only the listing page can tell
apart), a same-host redirect into another index, and PEP 658 metadata files.
The scenarios are the ones the 3.11 suite runs (their helpers are imported
from those tests), so a cell fails exactly where the 3.11 test would.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from pip_scoped_auth.core.versions import version_tuple
from pip_scoped_auth.demo.registries.gitlab import FakeGitLab
from tests.support import pip_versions, pipenvs
from tests.support.doc_tables import table_rows
from tests.support.keyring_backend import TestKeyring
from tests.support.keyring_cases import assert_tokens, install, keyring_case
from tests.support.pip_versions import ALL_PIPS, pips
from tests.support.pipenvs import MakePip, PipEnv
from tests.support.projects import (
    P1,
    P2,
    assert_file_tokens,
    two_deploy_tokens,
    two_projects_two_tokens,
)
from tests.support.two_indexes import TwoIndexes

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

#: Every Python the package supports but the main one (3.11, the full suite).
OTHER_PYTHONS = ("3.9", "3.10", "3.12", "3.13", "3.14")

#: (Python, pip) cells beyond Python 3.11: the oldest and newest pip that run
#: there. pip 26.1+ needs Python 3.10, and pip 22.x/23.0 cannot run on 3.12+,
#: hence 26.0.1 on 3.9 and 23.3.2 on 3.12 and newer.
PYTHON_CELLS = [
    (py, pip)
    for py in OTHER_PYTHONS
    for pip in dict.fromkeys(pip_versions.edge_pips_for_python(py))
]

COMPAT_DOC = pipenvs.ROOT / "docs" / "compatibility.md"
README = pipenvs.ROOT / "README.md"
IS_ACTIVE = "import pip._internal.network.auth, pip_scoped_auth; print(pip_scoped_auth.is_active())"


def test_every_matrix_pip_has_a_stock_expectation() -> None:
    assert tuple(STOCK_TWO_DEPLOY_TOKENS) == ALL_PIPS


@pytest.mark.parametrize("pip_version", pips(matrix=True))
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


def _cell_pip(make_pip: MakePip, python: str, pip_version: str) -> PipEnv:
    """The shim venv of one (Python, pip) cell; a loud skip if that Python is missing."""
    interpreter = pipenvs.find_python(python)
    if interpreter is None:
        pytest.skip(pipenvs.how_to_get_python(python))
    pip = make_pip(pip_version, python=interpreter)
    out = subprocess.run(
        [str(pip.python), "-c", IS_ACTIVE], capture_output=True, text=True, env=pip.env()
    )
    assert out.stdout.strip() == "True", out.stderr[-2000:]
    return pip


CELL = pytest.mark.parametrize(("python", "pip_version"), PYTHON_CELLS, ids=lambda v: str(v))


@CELL
def test_python_cells(
    projects: FakeGitLab, make_pip: MakePip, python: str, pip_version: str
) -> None:
    """The seed bug: two project deploy tokens on one host, each file gets its own."""
    gitlab = projects
    tokens, args = two_deploy_tokens(projects)
    pip = _cell_pip(make_pip, python, pip_version)
    pip.secrets.extend(t.secret for t in tokens.values())
    result = pip.install(*args)
    assert result.returncode == 0, result.redacted()
    files = gitlab.file_requests()
    assert {e.project_id for e in files} == {P1, P2}, gitlab.describe_log()
    assert all(e.status == 200 and e.token is tokens[e.project_id] for e in files), (
        gitlab.describe_log()
    )


@CELL
def test_python_cells_keyring_shared_username(
    projects: FakeGitLab, make_pip: MakePip, tmp_path: Path, python: str, pip_version: str
) -> None:
    """Two index URLs naming the same user (``__token__``), keyring holds each token.

    Stock pip fails this (``test_credential_sources.py::
    test_scenario_1_fails_on_stock_pip``); the shim asks keyring per index URL.
    """
    keyring = TestKeyring(tmp_path / "keyring.json")
    case = keyring_case(projects, keyring, "__token__")
    pip = _cell_pip(make_pip, python, pip_version)
    pip.secrets.extend(t.secret for t in case.tokens.values())
    result = install(pip, case.urls, env=keyring.env())
    assert_tokens(projects, case.tokens, result)
    assert not [e for e in projects.log if e.status == 401], projects.describe_log()


@CELL
def test_python_cells_provenance(
    gitlab: FakeGitLab, make_pip: MakePip, python: str, pip_version: str
) -> None:
    """Both projects' files under one shared tree: only the listing page decides."""
    tokens, args = two_projects_two_tokens(gitlab, files_base="/shared/files")
    pip = _cell_pip(make_pip, python, pip_version)
    assert_file_tokens(pip.install(*args), gitlab, dict(tokens))
    assert all(e.path.startswith("/shared/files/") for e in gitlab.file_requests())


@CELL
def test_python_cells_redirect(
    httpserver: HTTPServer, make_pip: MakePip, python: str, pip_version: str
) -> None:
    """A file of index A redirected into index B gets B's token, not A's."""
    httpserver.clear()
    two_indexes = TwoIndexes(httpserver)
    result = two_indexes.install(_cell_pip(make_pip, python, pip_version))
    assert result.returncode == 0, result.redacted()
    assert two_indexes.file_target_tokens() == ["b"], two_indexes.seen


@CELL
def test_python_cells_pep658_metadata(
    gitlab: FakeGitLab, make_pip: MakePip, python: str, pip_version: str
) -> None:
    """PEP 658 metadata files (HTML pages) carry their page's token, like the files."""
    gitlab.serve_metadata = True
    tokens, args = two_projects_two_tokens(gitlab, files_base="/shared/files")
    pip = _cell_pip(make_pip, python, pip_version)
    assert_file_tokens(pip.install(*args), gitlab, dict(tokens))
    metadata = gitlab.metadata_requests()
    if version_tuple(pip_version) >= (23, 3):
        assert {e.project_id for e in metadata} == {323, 324}, gitlab.describe_log()
    for entry in metadata:
        assert entry.status == 200 and entry.token is tokens[entry.project_id], (
            gitlab.describe_log()
        )


def test_compatibility_doc_matches_the_tests() -> None:
    """Every cell of docs/compatibility.md is one these tests assert; so is every
    Python row of the README's compatibility section."""
    text = COMPAT_DOC.read_text()
    rows = table_rows(text, "pip")
    assert tuple(rows) == ALL_PIPS
    for version, cells in rows.items():
        stock, shim = cells[0].lower(), cells[1].lower()
        expected = "works" if STOCK_TWO_DEPLOY_TOKENS[version] else "fails"
        assert stock.startswith(expected), f"{version}: doc says {cells[0]!r}"
        assert shim.startswith("works"), f"{version}: doc says {cells[1]!r}"
    for doc in (text, README.read_text()):
        py_rows = table_rows(doc, "Python")
        assert "3.11" in py_rows, "the full matrix row"
        assert set(OTHER_PYTHONS) < set(py_rows), sorted(py_rows)
        for python in OTHER_PYTHONS:
            tested = set(re.findall(r"\d+\.\d+(?:\.\d+)?", py_rows[python][0]))
            assert tested == {pip for py, pip in PYTHON_CELLS if py == python}, py_rows[python]
