"""The only folder that knows pip: its internals, its option parser, its versions.

:mod:`.patching` wraps and unwraps pip's methods (and needs ``wrapt``):
:mod:`.wrappers` (the credential lookups and ``Link``), :mod:`.responses`
(401/403, retries, learning) and :mod:`.redirects`, over :mod:`.bridge` (pip's
functions per version) and :mod:`.runtime` (all the state, per pip root).
:mod:`.build_venv` arms the shim in pip 26.2+'s temporary build venvs.
:mod:`.compat` checks what pip looks like before anything is patched, and
:mod:`.config` reads the index list through pip's own option parser. A new pip
release means touching this folder only; a test fails if any module outside it
imports pip or names pip's private modules.

This ``__init__`` imports nothing heavy, so :mod:`.compat` and :mod:`.config`
work (and ``status`` can explain what is wrong) even where ``wrapt`` is missing.
"""

from __future__ import annotations

import sys
from types import ModuleType

__all__ = ["patch_module", "patched_modules", "unpatch_all"]

_PATCHING = "pip_scoped_auth.pip_layer.patching"
_BUILD_VENV = "pip_scoped_auth.pip_layer.build_venv"
#: pip 26.2+'s venv build environment (``build_venv.MODULE_SUFFIX``, kept here
#: so that patching pip's auth module does not import that module).
_BUILD_VENV_SUFFIX = "._internal.build_env.venv"


def patch_module(module: ModuleType) -> bool:
    """Hand a just-imported pip module to the wrappers (imports ``wrapt``)."""
    if module.__name__.endswith(_BUILD_VENV_SUFFIX):
        from pip_scoped_auth.pip_layer import build_venv

        return build_venv.patch_module(module)
    from pip_scoped_auth.pip_layer import patching

    return patching.patch_module(module)


def unpatch_all() -> None:
    """Restore pip's own methods wherever they were patched in this process."""
    patching = sys.modules.get(_PATCHING)
    if patching is not None:
        patching.unpatch_all()
    build_venv = sys.modules.get(_BUILD_VENV)
    if build_venv is not None:
        build_venv.unpatch_all()


def patched_modules() -> list[str]:
    """pip modules patched in this process (none if the wrappers never loaded)."""
    patching = sys.modules.get(_PATCHING)
    return patching.patched_modules() if patching is not None else []
