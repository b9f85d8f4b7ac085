"""The per-registry recipes of docs/registries.md, run as written against each fake.

Blocks marked ``<!-- registry-recipe: LAYOUT -->`` (in docs/registries.md or
the README) run with bash, ``TOKEN_A``/``TOKEN_B`` set to the tenants' secrets
and the shim venv's ``bin`` first on ``PATH``; the only edit is the host:
``https://registry.example`` becomes the fake registry. Each must install both
packages with every request carrying its own tenant's credential.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pip_scoped_auth.demo.registries import LAYOUTS, Registry
from tests.support import keyring_backend, leaks
from tests.support.pip_versions import NEWEST_PIP
from tests.support.pipenvs import ROOT, MakePip
from tests.support.recipes import run_steps, with_path
from tests.support.registries import ServeRegistry, assert_own_credentials

DOC_HOST = re.compile(r"https://(?P<userinfo>[^/@\s\"]*@)?registry\.example")
MARKER = re.compile(r"<!-- registry-recipe: (?P<name>[\w-]+) -->\n```sh\n(?P<body>.*?)\n```", re.S)


def recipes() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in (ROOT / "README.md", ROOT / "docs" / "registries.md"):
        for match in MARKER.finditer(path.read_text()):
            assert match["name"] not in found, f"two recipes for {match['name']}"
            found[match["name"]] = match["body"]
    return found


RECIPES = recipes()


def test_every_registry_has_a_recipe() -> None:
    assert set(RECIPES) == set(LAYOUTS)


def local_host(text: str, registry: Registry) -> str:
    host = registry.base_url.split("://", 1)[1]
    return DOC_HOST.sub(lambda m: f"http://{m['userinfo'] or ''}{host}", text)


@pytest.mark.parametrize("pip_version", [NEWEST_PIP])
@pytest.mark.parametrize("layout", sorted(RECIPES))
def test_registry_recipe(
    serve_registry: ServeRegistry,
    make_pip: MakePip,
    tmp_path: Path,
    pip_version: str,
    layout: str,
) -> None:
    registry = serve_registry(layout)
    pip = make_pip(pip_version)
    secrets = [t.secret for t in registry.tenants.values()]
    pip.secrets.extend(secrets)
    env = pip.env(
        {
            "TOKEN_A": registry.tenants["A"].secret,
            "TOKEN_B": registry.tenants["B"].secret,
            "PIP_TARGET": str(tmp_path / "target"),
            # The keyring recipe's store (pip-scoped-auth login writes, pip reads).
            "PYTHONPATH": str(keyring_backend.HERE),
            "PYTHON_KEYRING_BACKEND": "cli_keyring.FileKeyring",
            "CLI_KEYRING_FILE": str(tmp_path / "keyring.json"),
        }
    )
    script = local_host(RECIPES[layout], registry)
    result = run_steps([script], with_path(env, pip.venv / "bin"), tmp_path, secrets)
    leaks.record_output(f"{layout} recipe", result.output)
    assert_own_credentials(result, registry)
    assert sorted(p.name for p in (tmp_path / "target").glob("*.dist-info")) == [
        "package_a-1.0.dist-info",
        "package_b-2.0.dist-info",
    ], registry.describe_log()
