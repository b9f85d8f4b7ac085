"""The only folder that knows pip: its internals, its option parser, its versions.

:mod:`.patching` wraps and unwraps pip's methods (and needs ``wrapt``):
:mod:`.wrappers` (the credential lookups and ``Link``), :mod:`.responses`
(401/403, retries, learning) and :mod:`.redirects`, over :mod:`.bridge` (pip's
functions per version) and :mod:`.runtime` (all the state, per pip root).
:mod:`.build_venv` arms the shim in pip 26.2+'s temporary build venvs.
:mod:`.compat` checks what pip looks like before anything is patched, and
:mod:`.config` reads the index list through pip's own option parser.
:mod:`.build` keeps credentials off the command line of the child pips that
install build dependencies, :mod:`.pylock` pins ``pylock.toml`` files to their
index. A new pip
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
_BUILD = "pip_scoped_auth.pip_layer.build"
_PYLOCK = "pip_scoped_auth.pip_layer.pylock"
#: pip 26.2+'s venv build environment (``build_venv.MODULE_SUFFIX``, kept here
#: so that patching pip's auth module does not import that module).
_BUILD_VENV_SUFFIX = "._internal.build_env.venv"


def patch_module(module: ModuleType) -> bool:
    """Hand a just-imported pip module to the wrappers (imports ``wrapt``).

    pip's build-env modules go to :mod:`.build` (child pips), its requirement
    reading to :mod:`.pylock` (locked files); before anything is patched, a
    hand-over from a parent pip is taken out of the environment.
    """
    if module.__name__.endswith(_BUILD_VENV_SUFFIX):
        from pip_scoped_auth.pip_layer import build_venv

        return build_venv.patch_module(module)
    from pip_scoped_auth.pip_layer import build, children, patching, pylock

    children.receive()
    if module.__name__.endswith(build.BUILD_SUFFIXES):
        return build.patch_build_module(module)
    if module.__name__.endswith(pylock.REQ_COMMAND_SUFFIX):
        return pylock.patch_req_command(module)
    return patching.patch_module(module)


def unpatch_all() -> None:
    """Restore pip's own methods wherever they were patched in this process."""
    for name in (_PATCHING, _BUILD_VENV, _BUILD, _PYLOCK):
        module = sys.modules.get(name)
        if module is not None:
            module.unpatch_all()


def patched_modules() -> list[str]:
    """pip modules patched in this process (none if the wrappers never loaded)."""
    patching = sys.modules.get(_PATCHING)
    return patching.patched_modules() if patching is not None else []
