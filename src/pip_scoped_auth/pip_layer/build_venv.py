"""Arm the shim inside pip 26.2+'s temporary build venv (``--use-feature venv-isolation``).

With that feature pip creates a fresh venv for each build
(``pip._internal.build_env.venv.VenvBuildEnvironment``) and installs the
build dependencies with a child pip run by that venv's interpreter. That venv
has no ``pip_scoped_auth.pth``: unarmed, the child sent the first index's
token to every file on the host (issue 20). Copying the package and ``wrapt``
into the venv would let the build backend import them, which the isolation
exists to prevent.

So right after pip has created the venv, one ``.pth`` is written into its
site-packages (:data:`PTH_NAME`): it loads ``_pip_scoped_auth_remote`` by
path from the directory this package runs from and arms it, so the child pip
is patched as soon as it imports its auth module, while a build backend that
imports ``wrapt`` or ``pip_scoped_auth`` gets ``ImportError``. The venv lives
only as long as the parent pip, which keeps the directory it points to.

The wrapper is plain (no ``wrapt``), reversible (:func:`unpatch_all`), and
never breaks pip: if the ``.pth`` cannot be written, one warning line says
so and the build goes on unscoped, as pip would without the shim.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

from pip_scoped_auth.core import arming
from pip_scoped_auth.core.notice import warn_once

__all__ = ["MODULE_SUFFIX", "PTH_NAME", "arm_build_venv", "patch_module", "unpatch_all"]

#: The module (of pip, or of a vendored copy) that defines the venv build environment.
MODULE_SUFFIX = "._internal.build_env.venv"

#: The file written into the build venv's site-packages.
PTH_NAME = "pip_scoped_auth_build_venv.pth"

_lock = threading.Lock()
#: module name -> (class, pip's own ``__init__``)
_patched: dict[str, tuple[type, Callable[..., None]]] = {}


def arm_build_venv(lib_dirs: list[str]) -> str:
    """Write the arming ``.pth`` into the build venv's first library directory; its path."""
    path = os.path.join(lib_dirs[0], PTH_NAME)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(arming.pth_line(arming.shim_dirs(), "build-venv"))
    return path


def _wrap_init(original: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        try:
            arm_build_venv(list(self.lib_dirs))
        except Exception as exc:
            # The type only: a message could quote a path with a user name.
            warn_once(
                f"cannot arm pip's build venv ({type(exc).__name__}); "
                "build dependencies are fetched unscoped"
            )

    return __init__


def patch_module(module: ModuleType) -> bool:
    """Wrap ``VenvBuildEnvironment.__init__``; False (pip untouched) where it is not there."""
    with _lock:
        name = module.__name__
        if name in _patched:
            return True
        cls = getattr(module, "VenvBuildEnvironment", None)
        original = getattr(cls, "__dict__", {}).get("__init__")
        if cls is None or not callable(original):
            return False
        cls.__init__ = _wrap_init(original)
        _patched[name] = (cls, original)
        return True


def unpatch_all() -> None:
    """Give pip back its own ``VenvBuildEnvironment.__init__``."""
    with _lock:
        for cls, original in _patched.values():
            cls.__init__ = original  # type: ignore[misc]
        _patched.clear()


def patched_modules() -> list[str]:
    with _lock:
        return sorted(_patched)
