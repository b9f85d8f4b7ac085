"""What a child pip is to the shim: does it arm the shim, and what did its parent hand over.

Standard library and ``core`` only (no ``wrapt``): ``status`` imports it to
say what a build-dependency child pip of this interpreter gets, and the pip
layer reads the hand-over (:mod:`pip_scoped_auth.core.handover`) here before
anything is patched. :mod:`.build` does the parent's side.
"""

from __future__ import annotations

import glob
import os
import sys

from pip_scoped_auth.core.handover import ENV_VAR, Handover
from pip_scoped_auth.core.notice import warn_once

__all__ = ["child_is_scoped", "describe_children", "receive"]

#: The start-up hook module, on ``sys.meta_path`` where the ``.pth`` armed the shim.
_HOOK_MODULE = "_pip_scoped_auth_hook"

_received: list[Handover] = []


def receive() -> Handover:
    """The logins a parent pip handed to this process (read, and removed, on first call).

    Removed from ``os.environ`` so that nothing this pip starts (a build
    backend, a grandchild pip) inherits it; a grandchild pip gets its own
    hand-over from :func:`_rewrite`.
    """
    if not _received:
        text = os.environ.pop(ENV_VAR, None)
        handover = Handover()
        if text:
            try:
                handover = Handover.decode(text)
            except ValueError as exc:
                warn_once(f"ignored a malformed {ENV_VAR} ({exc})")
        _received.append(handover)
    return _received[0]


def child_is_scoped(executable: str) -> bool:
    """Whether the child pip run by ``executable`` arms the shim, so it may get a stripped argv.

    A stock child (no shim) needs the credentials in its URLs: stripping them
    would break it. The default build isolation runs this very interpreter
    (``sys.executable``, compared as a string: a venv's ``python`` is a
    symlink to its base interpreter, which may run without the shim), which
    arms the shim where start-up armed it here (:func:`_is_hook`), also where the
    child's ``PYTHONPATH`` brings a ``sitecustomize`` that drops site-packages
    from ``sys.path`` (pip 26.2 starts the child inside its build environment):
    the start-up hook then loads the shim from its own directory. pip 26.2+'s
    ``venv-isolation`` runs a build venv's interpreter: scoped where the shim
    armed that venv.
    """
    if executable == sys.executable:
        return any(_is_hook(f) for f in sys.meta_path)
    return _build_venv_armed(executable)


def _build_venv_armed(executable: str) -> bool:
    """pip 26.2+'s ``venv-isolation``: a child in pip's build venv where :mod:`.build_venv`
    wrote its arming ``.pth`` (so the child loads the shim from here)."""
    from pip_scoped_auth.pip_layer.build_venv import PTH_NAME

    root = os.path.dirname(os.path.dirname(executable))
    if not os.path.isfile(os.path.join(root, "pyvenv.cfg")):
        return False
    posix = os.path.join(glob.escape(root), "lib*", "*", "site-packages", PTH_NAME)
    windows = os.path.join(root, "Lib", "site-packages", PTH_NAME)
    return bool(glob.glob(posix)) or os.path.isfile(windows)


def _is_hook(finder: object) -> bool:
    """A finder that start-up put there, so every process of this interpreter has one: the
    ``.pth`` hook, or the remote finder of ``preload`` or of pip's build venv (not
    :func:`pip_scoped_auth.activate`, which arms one process only)."""
    if getattr(finder, "__name__", None) == _HOOK_MODULE:
        return True
    return getattr(finder, "mechanism", None) in ("preload", "build-venv")


def describe_children() -> str:
    """One line for ``status``: what a build-dependency child pip of this interpreter gets."""
    if child_is_scoped(sys.executable):
        return (
            "build-dependency child pips get index URLs without credentials, "
            f"their logins in {ENV_VAR} (inprocess-build-deps: nothing to hand over)"
        )
    return (
        "build-dependency child pips get pip's own command line "
        "(a child of this interpreter would not arm the shim at start-up)"
    )
