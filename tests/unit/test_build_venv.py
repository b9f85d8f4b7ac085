"""The wrapper on pip 26.2+'s ``VenvBuildEnvironment``, on a stand-in class: it writes the
arming ``.pth`` after pip's own ``__init__``, never raises into pip, and is reversible."""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from pip_scoped_auth import pip_layer
from pip_scoped_auth.core import arming, notice
from pip_scoped_auth.pip_layer import build_venv


def _fake_pip_module(lib_dir: Path) -> types.ModuleType:
    module = types.ModuleType("pip._internal.build_env.venv")

    class VenvBuildEnvironment:
        def __init__(self, installer: object) -> None:
            self.installer = installer
            self.lib_dirs = [str(lib_dir)]

    module.VenvBuildEnvironment = VenvBuildEnvironment  # type: ignore[attr-defined]
    return module


@pytest.fixture(autouse=True)
def _unpatched() -> object:
    yield
    build_venv.unpatch_all()


def test_the_pth_goes_into_the_new_venv(tmp_path: Path) -> None:
    module = _fake_pip_module(tmp_path)
    original = module.VenvBuildEnvironment.__init__
    assert pip_layer.patch_module(module)
    env = module.VenvBuildEnvironment("installer")
    assert env.installer == "installer"
    pth = tmp_path / build_venv.PTH_NAME
    assert pth.read_text() == arming.pth_line(arming.shim_dirs(), "build-venv")
    assert build_venv.patched_modules() == [module.__name__]
    assert pip_layer.patch_module(module)  # once
    pip_layer.unpatch_all()
    assert module.VenvBuildEnvironment.__init__ is original


def test_a_venv_it_cannot_write_to_warns_once_and_pip_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(notice, "_warned", False)
    module = _fake_pip_module(tmp_path / "missing")
    assert build_venv.patch_module(module)
    env = module.VenvBuildEnvironment(None)
    assert env.lib_dirs == [str(tmp_path / "missing")]
    err = capsys.readouterr().err
    assert err == (
        "WARNING: pip-scoped-auth: cannot arm pip's build venv (FileNotFoundError); "
        "build dependencies are fetched unscoped\n"
    )


def test_a_pip_without_the_class_is_left_alone() -> None:
    module = types.ModuleType("pip._internal.build_env.venv")
    assert not build_venv.patch_module(module)
    assert build_venv.patched_modules() == []
