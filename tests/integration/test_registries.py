"""Every registry layout, two tenants on one host, real pip, on the registry's log.

For each layout of ``pip_scoped_auth.demo.registries`` (the same code the demo
serves): tenant A's index and tenant B's index on one host:port, each readable
only with its own credential, in both orders of ``--index-url`` and
``--extra-index-url``. With the shim, every request must carry the credential
of the tenant it belongs to, nothing may go to the second origin (blob
storage, the public index), and the install must succeed. Each case also runs
on stock pip 22.3.1 and 26.3, asserting what stock pip does there
(:data:`STOCK_FAILS`), so the tests show what the shim changes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pip_scoped_auth.demo.registries import LAYOUTS, Registry
from tests.support.keyring_backend import TestKeyring
from tests.support.pip_versions import EDGE_PIPS, NEWEST_PIP, OLDEST_PIP, pips
from tests.support.pipenvs import MakePip, PipEnv
from tests.support.registries import ORDERS, STOCK_FAILS, ServeRegistry, assert_own_credentials

ISSUE_11 = (
    "issue 11: a file listed by two pages read with different credentials keeps the "
    "FIRST page's credential; it must get the one whose index scope holds the file"
)

#: The layout-specific extras below run on the two edge pips always (``EDGE_PIPS``,
#: not ``pips()``): they exercise the registries more than pip's versions.

#: Shim cases that wait for issue 11: (layout, first index).
#: devpi: team-b/dev (bases=team-a/prod) lists team-a's file under
#: /team-a/prod/+f/; read with B's page first, the shim sends B's credential.
SHIM_XFAIL: set[tuple[str, str]] = set()


def _args(registry: Registry, first: str) -> list[str]:
    second = "B" if first == "A" else "A"
    return [
        *registry.packages_of("A"),
        *registry.packages_of("B"),
        "--index-url",
        registry.index_url(first),
        "--extra-index-url",
        registry.index_url(second),
    ]


def _pip(make_pip: MakePip, version: str, shim: bool, registry: Registry) -> PipEnv:
    pip = make_pip(version, shim=shim)
    pip.secrets.extend(t.secret for t in registry.tenants.values())
    return pip


def _shim_case(layout: str, first: str) -> object:
    marks = []
    if (layout, first) in SHIM_XFAIL:
        marks.append(pytest.mark.xfail(strict=True, reason=ISSUE_11))
    return pytest.param(layout, first, marks=marks, id=f"{layout}-{first}-first")


@pytest.mark.parametrize("pip_version", pips())
@pytest.mark.parametrize(
    ("layout", "first"), [_shim_case(name, first) for name in LAYOUTS for first in ORDERS]
)
def test_two_tenants_on_one_host_with_the_shim(
    serve_registry: ServeRegistry, make_pip: MakePip, pip_version: str, layout: str, first: str
) -> None:
    registry = serve_registry(layout)
    pip = _pip(make_pip, pip_version, True, registry)
    result = pip.install(*_args(registry, first))
    assert_own_credentials(result, registry)


@pytest.mark.parametrize("stock_pip", [OLDEST_PIP, NEWEST_PIP])
@pytest.mark.parametrize("first", ORDERS)
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_two_tenants_on_one_host_on_stock_pip(
    serve_registry: ServeRegistry, make_pip: MakePip, stock_pip: str, layout: str, first: str
) -> None:
    registry = serve_registry(layout)
    pip = _pip(make_pip, stock_pip, False, registry)
    result = pip.install(*_args(registry, first))
    wrong = [r for r in registry.all_requests() if r.wrong_credential]
    if (stock_pip, first) in STOCK_FAILS.get(layout, set()):
        assert wrong, registry.describe_log()
        assert result.returncode != 0, registry.describe_log()
    else:
        assert_own_credentials(result, registry)


AGGREGATES = {"artifactory": "a virtual repo", "nexus": "a group repo"}


@pytest.mark.parametrize("pip_version", EDGE_PIPS)
@pytest.mark.parametrize("first", ["C", "B"])
@pytest.mark.parametrize("layout", list(AGGREGATES))
def test_aggregating_repo_and_a_member_on_one_host(
    serve_registry: ServeRegistry, make_pip: MakePip, pip_version: str, layout: str, first: str
) -> None:
    """Tenant C reads only the virtual/group repo over A's and B's repos; B reads its own.

    The aggregate serves every file under its own key, so a file listed on both
    pages has two URLs: each must carry the credential of the repo in its path.
    """
    registry = serve_registry(layout)
    second = "B" if first == "C" else "C"
    pip = _pip(make_pip, pip_version, True, registry)
    result = pip.install(
        "package-a",
        "package-b",
        "--index-url",
        registry.index_url(first),
        "--extra-index-url",
        registry.index_url(second),
    )
    assert_own_credentials(result, registry)


@pytest.mark.parametrize("stock_pip", [OLDEST_PIP, NEWEST_PIP])
@pytest.mark.parametrize("layout", list(AGGREGATES))
def test_aggregating_repo_on_stock_pip(
    serve_registry: ServeRegistry, make_pip: MakePip, stock_pip: str, layout: str
) -> None:
    """Stock 22.3 sends the host's last credential to the aggregate's files; 26.3 guesses right."""
    registry = serve_registry(layout)
    pip = _pip(make_pip, stock_pip, False, registry)
    result = pip.install(
        "package-a",
        "package-b",
        "--index-url",
        registry.index_url("C"),
        "--extra-index-url",
        registry.index_url("B"),
    )
    if stock_pip == OLDEST_PIP:
        assert [r for r in registry.all_requests() if r.wrong_credential], registry.describe_log()
        assert result.returncode != 0
    else:
        assert_own_credentials(result, registry)


def _gar_keyring(registry: Registry, keyring: TestKeyring) -> list[str]:
    """Index URLs naming only the username; keyring holds each token under its index URL."""
    args = [*registry.packages_of("A"), *registry.packages_of("B")]
    for option, key in (("--index-url", "A"), ("--extra-index-url", "B")):
        tenant = registry.tenants[key]
        bare = registry.index_url(key, credentials=False)
        keyring.set(bare, tenant.username, tenant.secret)
        args += [option, bare.replace("://", f"://{tenant.username}@", 1)]
    return args


@pytest.mark.parametrize("pip_version", EDGE_PIPS)
def test_gar_keyring_tokens_without_a_challenge(
    serve_registry: ServeRegistry, make_pip: MakePip, tmp_path: Path, pip_version: str
) -> None:
    """GAR answers 403 without a challenge, so pip never asks keyring by itself.

    The shim's rule "username without password: keyring before sending" is
    what makes ``oauth2accesstoken@`` / ``_json_key_base64@`` index URLs work.
    """
    registry = serve_registry("gar")
    keyring = TestKeyring(tmp_path / "keyring.json")
    args = _gar_keyring(registry, keyring)
    pip = _pip(make_pip, pip_version, True, registry)
    result = pip.install(*args, env=keyring.env())
    assert_own_credentials(result, registry)
    assert not [r for r in registry.log if r.credential == "none"], registry.describe_log()


@pytest.mark.parametrize("stock_pip", [OLDEST_PIP, NEWEST_PIP])
def test_gar_keyring_fails_on_stock_pip(
    serve_registry: ServeRegistry, make_pip: MakePip, tmp_path: Path, stock_pip: str
) -> None:
    registry = serve_registry("gar")
    keyring = TestKeyring(tmp_path / "keyring.json")
    args = _gar_keyring(registry, keyring)
    pip = _pip(make_pip, stock_pip, False, registry)
    result = pip.install(*args, env=keyring.env())
    assert result.returncode != 0, registry.describe_log()
    pages = [r for r in registry.log if r.kind == "page"]
    # Stock pip sends the bare username (an empty password), never the token.
    assert pages, registry.describe_log()
    assert all(r.credential in ("none", "wrong") and r.status == 403 for r in pages), (
        registry.describe_log()
    )
    assert not keyring.lookups(), "no challenge: stock pip never asks keyring"


@pytest.mark.parametrize("pip_version", EDGE_PIPS)
@pytest.mark.parametrize("shim", [True, False], ids=["shim", "stock"])
def test_gitea_root_url_on_another_origin_gets_no_credential(
    serve_registry: ServeRegistry, make_pip: MakePip, pip_version: str, shim: bool
) -> None:
    """Gitea links files from its ``ROOT_URL``; when that is another origin
    (``localhost`` here, ``127.0.0.1`` in the index URL), no index credential
    may follow the links, with or without the shim: the install fails with 401.
    """
    registry = serve_registry("gitea")
    registry.root_url = registry.base_url.replace("127.0.0.1", "localhost")  # type: ignore[attr-defined]
    pip = _pip(make_pip, pip_version, shim, registry)
    result = pip.install("--no-input", *_args(registry, "A"))
    assert result.returncode != 0, registry.describe_log()
    files = registry.file_requests()
    assert files and all(r.credential == "none" and r.status == 401 for r in files), (
        registry.describe_log()
    )


@pytest.mark.parametrize("pip_version", EDGE_PIPS)
@pytest.mark.parametrize("layout", ["azure", "pypiserver", "artifactory", "gitea"])
def test_second_origin_behind_a_redirect_gets_nothing(
    serve_registry: ServeRegistry, make_pip: MakePip, pip_version: str, layout: str
) -> None:
    """Azure's 303 to blob storage (SAS URL), pypiserver's 303 to the public index,
    Artifactory's download redirect to S3 and Gitea's presigned direct serving (302)."""
    registry = serve_registry(layout)
    if layout in ("artifactory", "gitea"):
        registry.redirect_status = 302
    result = _pip(make_pip, pip_version, True, registry).install(*_args(registry, "A"))
    assert_own_credentials(result, registry)
    assert registry.second.log, registry.describe_log()
    assert all(r.credential == "none" for r in registry.second.log), registry.describe_log()


def _stock_cell(layout: str, version: str) -> str:
    failing = [first for first in ORDERS if (version, first) in STOCK_FAILS[layout]]
    if not failing:
        return "works"
    if len(failing) == len(ORDERS):
        return "fails, both orders"
    return f"fails with {failing[0]} first"


def _shim_cell(layout: str) -> str:
    waiting = [first for first in ORDERS if (layout, first) in SHIM_XFAIL]
    if not waiting:
        return "works, both orders"
    works = [first for first in ORDERS if first not in waiting]
    return f"{works[0]} first works; {waiting[0]} first waits for issue 11 (xfail)"


def test_registry_table_matches_the_tests() -> None:
    """docs/registries.md's table says exactly what STOCK_FAILS and SHIM_XFAIL assert."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "registries.md").read_text()
    table = doc.split("<!-- registry-table -->\n", 1)[1].split("<!-- /registry-table -->")[0]
    rows = table.strip().splitlines()[2:]
    expected = [
        f"| {name} | {_stock_cell(name, OLDEST_PIP)} | {_stock_cell(name, NEWEST_PIP)} "
        f"| {_shim_cell(name)} |"
        for name in LAYOUTS
    ]
    assert rows == expected
