"""Real index servers behind a real proxy: pypiserver and devpi-server behind nginx.

nginx (Debian's package) accepts one credential per ``location``, each with
its own ``auth_basic_user_file``; its access log says, for every request pip
made, which tenant's token the ``Authorization`` header held (labels from an
nginx ``map``, never the secret). See ``tests/realservers`` and
``docs/real-servers.md``.

* pypiserver: two instances under ``/tenant-a/`` and ``/tenant-b/`` of one
  host:port; file links are root-relative ``/tenant-x/packages/<file>``,
  outside the index path ``/tenant-x/simple/``.
* devpi-server: ``alice/dev`` and ``bob/dev`` with ``bases=alice/dev``, so
  bob's page lists pkg-a's file under ``/alice/dev/+f/…``, a path that only
  alice's token opens (issue 11, case 2; the shim failed it before issue 11's
  fix, stock 26.3 never did).

The shim runs on the pips of the selection (``matrix``); stock pip 22.3.1 and
26.3 run the same scenarios to show what the shim changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import pytest

from tests.support import leaks
from tests.support.doc_tables import table_rows
from tests.support.pip_versions import NEWEST_PIP, OLDEST_PIP, pips
from tests.support.pipenvs import ROOT, MakePip, PipEnv, PipResult
from tests.support.realservers import (
    AccessEntry,
    DevpiStack,
    Nginx,
    PypiserverStack,
    ServerUnavailable,
    Tenant,
    describe,
    devpi_stack,
    pypiserver_stack,
)

#: Stock pips every scenario also runs on.
STOCK_PIPS = (OLDEST_PIP, NEWEST_PIP)


class Stack(Protocol):
    nginx: Nginx
    tenants: dict[str, Tenant]
    packages: dict[str, str]
    public: Nginx | None

    def index_url(self, label: str, auth: bool = True) -> str: ...

    def owner(self, path: str) -> str: ...


@pytest.fixture(scope="module")
def pypiservers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PypiserverStack]:
    """Two pypiservers behind one nginx, shared by this module's tests in a worker."""
    try:
        with pypiserver_stack(tmp_path_factory.mktemp("pypiservers")) as stack:
            yield stack
    except ServerUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def devpi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevpiStack]:
    """devpi-server with alice/dev and bob/dev (bases=alice/dev) behind nginx."""
    try:
        with devpi_stack(tmp_path_factory.mktemp("devpi")) as stack:
            yield stack
    except ServerUnavailable as exc:
        pytest.skip(str(exc))


def _args(stack: Stack, first: str) -> list[str]:
    """Both packages, ``first`` tenant as ``--index-url`` and the other as extra."""
    second = next(label for label in stack.tenants if label != first)
    return [
        *sorted(stack.packages.values()),
        "--index-url",
        stack.index_url(first),
        "--extra-index-url",
        stack.index_url(second),
        "--no-input",
    ]


@dataclass
class Run:
    """One pip run and what nginx logged for it."""

    result: PipResult
    #: The tenants' nginx: every request of the run, with the token it carried.
    entries: list[AccessEntry]
    #: The public index another origin redirects to (pypiserver's fallback).
    public: list[AccessEntry]

    def describe(self) -> str:
        text = describe(self.entries)
        if self.public:
            text += "\npublic index (another origin), " + describe(self.public)
        return text


def _install(stack: Stack, pip: PipEnv, first: str) -> Run:
    """One ``pip install`` of both packages; the access-log lines it caused."""
    pip.secrets.extend(t.token for t in stack.tenants.values())
    servers = [stack.nginx, *([stack.public] if stack.public else [])]
    marks = [server.mark() for server in servers]
    result = pip.install(*_args(stack, first))
    logs = [server.entries(mark) for server, mark in zip(servers, marks)]
    for server in servers:
        # The leak check scans nginx's logs too: they must hold no token in any form.
        leaks.record_output("nginx access and error log", server.logs_text())
    return Run(result, logs[0], logs[1] if len(logs) > 1 else [])


def _is_file(entry: AccessEntry) -> bool:
    return "/packages/" in entry.decoded or "/+f/" in entry.decoded


def _misdirected(stack: Stack, entries: list[AccessEntry]) -> list[AccessEntry]:
    """Requests whose token is not the one their path prefix accepts."""
    return [e for e in entries if e.token != stack.owner(e.decoded)]


def _assert_no_token_leaves_the_origin(stack: Stack, run: Run) -> None:
    """Redirects to another origin (pypiserver's fallback) carry no token at all."""
    if stack.public is not None:
        assert run.public, f"pypiserver's fallback was never followed\n{run.describe()}"
        assert all(e.token == "none" for e in run.public), run.describe()


def _assert_scoped_install(stack: Stack, run: Run) -> None:
    """What the shim must do: install, and every request carries its own prefix's token."""
    result, entries, log = run.result, run.entries, run.describe()
    assert result.returncode == 0, f"{result.redacted()}\n{log}"
    for package in stack.packages.values():
        assert f"{package.replace('-', '_')}-" in " ".join(
            e.decoded for e in entries if _is_file(e) and e.status == 200
        ), f"{package}'s file was never downloaded\n{log}"
    assert not _misdirected(stack, entries), f"a request carried another prefix's token\n{log}"
    assert not [e for e in entries if e.status in (401, 403)], log
    _assert_no_token_leaves_the_origin(stack, run)


# -- pypiserver: two tenants on one host:port --------------------------------


@pytest.mark.parametrize("pip_version", pips(matrix=True))
@pytest.mark.parametrize("first", ["tenant-a", "tenant-b"])
def test_pypiserver_two_tenants_with_the_shim(
    pypiservers: PypiserverStack, make_pip: MakePip, pip_version: str, first: str
) -> None:
    _assert_scoped_install(pypiservers, _install(pypiservers, make_pip(pip_version), first))


# -- devpi: bob/dev inherits alice/dev -----------------------------------------


@pytest.mark.parametrize("pip_version", pips(matrix=True))
@pytest.mark.parametrize("first", ["bob", "alice"])
def test_devpi_inherited_index_with_the_shim(
    devpi: DevpiStack, make_pip: MakePip, pip_version: str, first: str
) -> None:
    """Issue 11, case 2: pkg-a's file is listed by bob's page and by alice's.

    With bob first, the shim before issue 11's fix kept the credential of the
    first page that listed the file: bob's token under ``/alice/dev/+f/``, 401,
    install failed on all ten pips (docs/real-servers.md has the log). Now the
    listing page whose scope holds the file (alice's) comes first.
    """
    _assert_scoped_install(devpi, _install(devpi, make_pip(pip_version), first))


def test_devpi_bob_page_lists_alices_file(devpi: DevpiStack, make_pip: MakePip) -> None:
    """The layout is issue 11's: bob's page links pkg-a's file into ``/alice/dev/+f/``.

    Only bob's index is given, so pip has no credential that opens alice's
    path: the page request carries bob's token (200) and the file request is
    refused (401) whatever pip is.
    """
    pip = make_pip(NEWEST_PIP, shim=False)
    pip.secrets.extend(t.token for t in devpi.tenants.values())
    mark = devpi.nginx.mark()
    args = ["--no-deps", "pkg-a", "--index-url", devpi.index_url("bob"), "--no-input"]
    result = pip.install(*args)
    entries = devpi.nginx.entries(mark)
    leaks.record_output("nginx access and error log", devpi.nginx.logs_text())
    log = describe(entries)
    assert result.returncode != 0, log
    page = [e for e in entries if e.path == "/bob/dev/+simple/pkg-a/"]
    files = [e for e in entries if _is_file(e)]
    assert page and page[0].status == 200 and page[0].token == "bob", log
    assert files and all(e.decoded.startswith("/alice/dev/+f/") for e in files), log
    assert all(e.status == 401 and e.token == "bob" for e in files), log


# -- stock pip: the same scenarios without the shim ----------------------------

#: Stock pips that get every scenario here right: 23.1+ guesses the index by
#: the longest common path, and each file here shares its tenant's prefix.
STOCK_SCOPED = (NEWEST_PIP,)


def _assert_stock(stack: Stack, stock_pip: str, run: Run) -> None:
    """26.3 behaves like the shim; 22.3.1 sends a file the other tenant's token and fails.

    pip 22.x matches a file to an index only when the file is under the index
    URL (``/tenant-a/packages/`` is not under ``/tenant-a/simple/``), then falls
    back to the per-host cache: the credential of the last page it read.
    """
    if stock_pip in STOCK_SCOPED:
        _assert_scoped_install(stack, run)
        return
    log = run.describe()
    assert run.result.returncode != 0, log
    wrong = [e for e in _misdirected(stack, run.entries) if _is_file(e)]
    assert wrong, f"expected a file request with the other tenant's token\n{log}"
    assert all(e.status == 401 and e.token in stack.tenants for e in wrong), log
    _assert_no_token_leaves_the_origin(stack, run)


@pytest.mark.parametrize("stock_pip", STOCK_PIPS)
@pytest.mark.parametrize("first", ["tenant-a", "tenant-b"])
def test_pypiserver_two_tenants_on_stock_pip(
    pypiservers: PypiserverStack, make_pip: MakePip, stock_pip: str, first: str
) -> None:
    _assert_stock(pypiservers, stock_pip, _install(pypiservers, make_pip(stock_pip, False), first))


@pytest.mark.parametrize("stock_pip", STOCK_PIPS)
@pytest.mark.parametrize("first", ["bob", "alice"])
def test_devpi_inherited_index_on_stock_pip(
    devpi: DevpiStack, make_pip: MakePip, stock_pip: str, first: str
) -> None:
    """Issue 11 says stock 26.3 succeeds here with bob first; the log shows why."""
    _assert_stock(devpi, stock_pip, _install(devpi, make_pip(stock_pip, shim=False), first))


# -- the doc says what these tests show ----------------------------------------

REAL_SERVERS_DOC = ROOT / "docs" / "real-servers.md"
SETUP_STEP = ROOT / "tools" / "setup.d" / "20-servers.sh"


def test_real_servers_doc_matches_the_tests() -> None:
    """docs/real-servers.md names the pinned server versions and the results asserted here."""
    text = REAL_SERVERS_DOC.read_text()
    pins = dict(re.findall(r'"([a-z-]+)==([0-9.]+)"', SETUP_STEP.read_text()))
    assert set(pins) == {"pypiserver", "devpi-server"}, pins
    components = table_rows(text, "component")
    for name, version in pins.items():
        assert components[name][0] == version, f"{name}: doc {components[name][0]}, pin {version}"
    results = table_rows(text, "pip")
    assert [row for row in results if row.startswith("stock")] == [f"stock {v}" for v in STOCK_PIPS]
    for version in STOCK_PIPS:
        expected = "works" if version in STOCK_SCOPED else "fails"
        cells = results[f"stock {version}"]
        assert all(cell.startswith(expected) for cell in cells), (version, cells)
    (shim,) = [cells for row, cells in results.items() if row.startswith("shim")]
    assert all(cell.startswith("works") for cell in shim), shim
