"""The folder tells the design: only ``pip_layer/`` knows pip, dependencies point one way.

``cli -> diagnostics -> pip_layer -> core``; ``core`` imports nothing of ours
outside itself, and nothing imports ``cli``. These are checked on the source
(AST), so a new module that reaches into pip from the wrong folder fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "pip_scoped_auth"
NAME = "pip_scoped_auth"

#: Where each layer may import from (besides itself and the standard library).
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "pip_layer": {"core"},
    "diagnostics": {"core", "pip_layer", "_bootstrap", "__init__"},
    "cli": {"core", "pip_layer", "diagnostics", "demo", "__init__"},
    # The start-up hook hands a just-imported pip module to the pip layer.
    "_bootstrap": {"pip_layer", "core"},
    "__init__": {"_bootstrap", "pip_layer"},
    "__main__": {"cli"},
    # The demo runs pip as a subprocess, never imports it; it writes the .pth
    # line into a throw-away venv.
    "demo": {"_bootstrap", "__init__"},
}

#: The start-up hook must name the pip modules it waits for; nothing else may.
PIP_NAMES_ALLOWED = {"_bootstrap.py"}


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _layer(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imports(path: Path) -> list[str]:
    """Every module this file imports, at any depth (function-level imports included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module != NAME:  # ``from pip_scoped_auth import x`` is about x
                found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def _our_layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != NAME:
        return None
    if len(parts) == 1:
        return "__init__"
    # ``from pip_scoped_auth import is_active`` names the package's own attribute.
    exists = (PACKAGE / parts[1]).is_dir() or (PACKAGE / f"{parts[1]}.py").is_file()
    return parts[1] if exists else "__init__"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_pip_layer_imports_pip(path: Path) -> None:
    if _layer(path) == "pip_layer":
        return
    bad = [m for m in _imports(path) if m.split(".")[0] in ("pip", "pipenv")]
    assert not bad, f"{path.name} imports {bad}: only pip_layer/ may"
    if path.name in PIP_NAMES_ALLOWED:
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    strings = [
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]
    named = [s for s in strings if "_internal" in s or "_vendor" in s]
    assert not named, f"{path.name} names pip's private modules {named}: only pip_layer/ may"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_dependencies_point_one_way(path: Path) -> None:
    layer = _layer(path)
    allowed = ALLOWED.get(layer, set()) | {layer}
    used = {_our_layer(m) for m in _imports(path)} - {None}
    assert used <= allowed, f"{path.relative_to(PACKAGE)} ({layer}) imports {used - allowed}"


def test_no_module_imports_the_cli() -> None:
    for path in _modules():
        if _layer(path) in ("cli", "__main__"):
            continue
        assert "cli" not in {_our_layer(m) for m in _imports(path)}, path


def test_cli_modules_stay_small() -> None:
    """The CLI only talks: argparse and printing, each module under 250 lines."""
    for path in (PACKAGE / "cli").glob("*.py"):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines < 250, f"{path.name} has {lines} lines"


def test_the_layout_check_catches_a_violation(tmp_path: Path) -> None:
    """The checker itself can fail: a core module importing pip is reported."""
    bad = tmp_path / "bad.py"
    bad.write_text("import pip._internal.network.auth\nfrom pip_scoped_auth.cli import main\n")
    used = _imports(bad)
    assert "pip._internal.network.auth" in used
    assert _our_layer("pip_scoped_auth.cli.main") == "cli"


def test_one_url_module() -> None:
    """The shim parses URLs in ``core/urls.py`` only, so no two modules read one differently.

    (The demo's fake registries parse their own request paths: they are servers.)
    """
    for path in _modules():
        if path.relative_to(PACKAGE).as_posix() == "core/urls.py" or _layer(path) == "demo":
            continue
        assert "urllib.parse" not in _imports(path), path


def test_core_and_pip_layer_modules_stay_small() -> None:
    """One job per module: none in ``core/`` or ``pip_layer/`` over 300 lines (issue 21)."""
    for folder in ("core", "pip_layer"):
        for path in (PACKAGE / folder).glob("*.py"):
            lines = len(path.read_text("utf-8").splitlines())
            assert lines <= 300, f"{path.relative_to(PACKAGE)} has {lines} lines"
