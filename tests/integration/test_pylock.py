"""``pip install -r pylock.toml`` (pip 26.1+): each locked file gets its lock's index's credential.

pip fetches locked file URLs without reading an index page. On the GitLab
encoded-path layout and Azure's one-organisation-two-feeds layout the files
live outside both index paths under a shared prefix, so stock pip 26.3's
common-path guess sends one tenant's token to the other's file; the lock's
``packages.index`` says which index each file belongs to.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pip_scoped_auth.demo.registries import Registry
from tests.support.pip_versions import NEWEST_PIP, pips
from tests.support.pipenvs import MakePip, PipEnv, PipResult
from tests.support.registries import ServeRegistry, assert_own_credentials

LAYOUTS = ["gitlab", "azure"]


def _locked_file(registry: Registry, key: str) -> tuple[str, str, str, str, str]:
    """Tenant ``key``'s file as its index page links it: name, version, filename, URL, sha256."""
    tenant = registry.tenants[key]
    model = getattr(registry, "model", None)
    if model is not None:  # the GitLab layout serves the one fake GitLab model
        project = int(tenant.index)
        found = next(f for f in model.packages if f.project_id == project)
        url = registry.base_url + found.path
        return found.name, found.version, found.filename, url, found.sha256
    index = registry.indexes[tenant.index]
    package = index.packages[0]
    url = registry.file_href(index.name, index.name, package)
    return package.name, package.version, package.filename, url, package.sha256


def write_pylock(registry: Registry, directory: Path) -> Path:
    """A PEP 751 lock of both tenants' packages, each naming its own index."""
    lines = ['lock-version = "1.0"', 'created-by = "pip-scoped-auth tests"', ""]
    for key in ("A", "B"):
        name, version, filename, url, sha256 = _locked_file(registry, key)
        lines += [
            "[[packages]]",
            f'name = "{name}"',
            f'version = "{version}"',
            f'index = "{registry.index_url(key, credentials=False)}"',
            "[[packages.wheels]]",
            f'name = "{filename}"',
            f'url = "{url}"',
            f'hashes = {{sha256 = "{sha256}"}}',
            "",
        ]
    path = directory / "pylock.toml"
    path.write_text("\n".join(lines))
    return path


def _install(pip: PipEnv, registry: Registry, first: str) -> tuple[PipResult, str]:
    second = "B" if first == "A" else "A"
    lock = write_pylock(registry, pip.workdir)
    result = pip.install(
        "-r",
        str(lock),
        "--no-input",
        "--index-url",
        registry.index_url(first),
        "--extra-index-url",
        registry.index_url(second),
    )
    return result, registry.describe_log()


@pytest.mark.parametrize("pip_version", pips(matrix=True, since="26.1"))
@pytest.mark.parametrize("first", ["A", "B"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_locked_files_get_their_own_index_credential(
    serve_registry: ServeRegistry, make_pip: MakePip, pip_version: str, layout: str, first: str
) -> None:
    registry = serve_registry(layout)
    pip = make_pip(pip_version)
    pip.secrets.extend(t.secret for t in registry.tenants.values())
    result, _log = _install(pip, registry, first)
    assert_own_credentials(result, registry)
    # pip read no index page: the lock alone said where each file belongs.
    assert not [r for r in registry.all_requests() if "/simple/" in r.path], _log
    for key in ("A", "B"):
        index = registry.index_url(key, credentials=False)
        assert f"locked to {index}" in result.output, result.redacted()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_locked_files_on_stock_pip(
    serve_registry: ServeRegistry, make_pip: MakePip, layout: str
) -> None:
    """Stock pip 26.3 guesses by common path and sends one tenant's token to the other's file."""
    registry = serve_registry(layout)
    pip = make_pip(NEWEST_PIP, shim=False)
    pip.secrets.extend(t.secret for t in registry.tenants.values())
    result, log = _install(pip, registry, "A")
    assert [r for r in registry.all_requests() if r.wrong_credential], log
    assert result.returncode != 0, log


@pytest.mark.parametrize("pip_version", pips(matrix=True, since="26.1"))
def test_a_lock_naming_an_unconfigured_index_gets_the_usual_rules(
    serve_registry: ServeRegistry, make_pip: MakePip, pip_version: str
) -> None:
    """The lock is no credential source of its own: an index pip was not given gets nothing."""
    registry = serve_registry("gitlab")
    pip = make_pip(pip_version)
    pip.secrets.extend(t.secret for t in registry.tenants.values())
    lock = write_pylock(registry, pip.workdir)
    result = pip.install("-r", str(lock), "--no-input", "--index-url", registry.index_url("A"))
    log = registry.describe_log()
    assert result.returncode != 0, log
    b_files = [r for r in registry.file_requests() if "package_b" in r.path]
    assert b_files and all(r.credential in ("none", "B") for r in b_files), log
    assert not [r for r in registry.all_requests() if r.wrong_credential], log
