"""The only folder that knows pip: its internals, its option parser, its versions.

:mod:`.hooks` wraps pip's credential methods (and needs ``wrapt``),
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

_HOOKS = "pip_scoped_auth.pip_layer.hooks"


def patch_module(module: ModuleType) -> bool:
    """Hand a just-imported pip module to the wrappers (imports ``wrapt``)."""
    from pip_scoped_auth.pip_layer import hooks

    return hooks.patch_module(module)


def unpatch_all() -> None:
    """Restore pip's own methods wherever they were patched in this process."""
    hooks = sys.modules.get(_HOOKS)
    if hooks is not None:
        hooks.unpatch_all()


def patched_modules() -> list[str]:
    """pip modules patched in this process (none if the wrappers never loaded)."""
    hooks = sys.modules.get(_HOOKS)
    return hooks.patched_modules() if hooks is not None else []
