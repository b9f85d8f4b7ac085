"""Wrap and unwrap pip's methods, all or nothing, and reset every piece of state.

It wraps (with ``wrapt``) four methods of ``MultiDomainBasicAuth`` (``__call__``
for credential helpers, :mod:`.helpers`) plus
``Link.__init__`` (provenance), the vendored requests'
``SessionRedirectMixin.rebuild_auth`` (redirects) and pip's ``redact_netloc``
(a token written as ``TOKEN:@host``). If the expected names are
missing (:mod:`.compat` checks them first), that pip is left entirely
unpatched with one warning line. :func:`unpatch_all` puts back every original
object and drops every :class:`.PipRuntime`, so a second :func:`patch_module`
starts as the first did (the model is truststore's inject/extract pair).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

import wrapt

from pip_scoped_auth.core import notice
from pip_scoped_auth.pip_layer import compat, helpers
from pip_scoped_auth.pip_layer.bridge import PipBridge
from pip_scoped_auth.pip_layer.redirects import rebuild_auth
from pip_scoped_auth.pip_layer.responses import handle_401
from pip_scoped_auth.pip_layer.runtime import PipRuntime
from pip_scoped_auth.pip_layer.wrappers import (
    link_init,
    new_credentials,
    redact_netloc,
    url_and_credentials,
)

__all__ = ["patch_module", "patched_modules", "runtime_for", "runtime_of", "unpatch_all"]

Target = tuple[Any, str, Callable[..., Any]]


class _Patches:
    """What is patched in this process, by module name, and each pip root's runtime."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        #: module name -> [(owner, attribute, original)], for unpatch.
        self.undo: dict[str, list[tuple[Any, str, Any]]] = {}
        #: pip root ("pip", "pipenv.patched.pip") -> its runtime.
        self.runtimes: dict[str, PipRuntime] = {}
        #: pip roots found unsupported: nothing of theirs is patched.
        self.unsupported: set[str] = set()

    def runtime(self, root: str) -> PipRuntime:
        return self.runtimes.setdefault(root, PipRuntime(root))


_PATCHES = _Patches()


def runtime_of(root: str) -> PipRuntime | None:
    """The runtime of a patched pip root (for tests and diagnostics)."""
    return _PATCHES.runtimes.get(root)


def runtime_for(root: str) -> PipRuntime:
    """The runtime of a pip root, made if need be (for the ``pylock.toml`` hook)."""
    with _PATCHES.lock:
        return _PATCHES.runtime(root)


def _refuse(module: ModuleType, problems: list[str]) -> bool:
    """Leave this pip entirely unpatched, with the one warning line."""
    root = compat.pip_root(module)
    _PATCHES.unsupported.add(root)
    for name in [n for n in _PATCHES.undo if n.startswith(f"{root}._internal.")]:
        _unpatch(name)
    version = compat.pip_version(module)
    compat.warn_once(f"pip {version} is not supported ({'; '.join(problems)}); pip runs unpatched")
    return False


def _wrap_all(name: str, targets: list[Target]) -> None:
    undo: list[tuple[Any, str, Any]] = []
    try:
        for owner, attr, wrapper in targets:
            original = owner.__dict__[attr]
            wrapt.wrap_function_wrapper(owner, attr, wrapper)
            undo.append((owner, attr, original))
    except Exception:
        for owner, attr, original in reversed(undo):
            setattr(owner, attr, original)
        raise
    _PATCHES.undo[name] = undo


def _auth_targets(module: ModuleType, runtime: PipRuntime) -> list[Target]:
    runtime.version = compat.pip_version(module)
    bridge = PipBridge(module, runtime)
    cls = module.MultiDomainBasicAuth
    targets: list[Target] = [
        (cls, "_get_url_and_credentials", url_and_credentials(bridge)),
        (cls, "_get_new_credentials", new_credentials(bridge)),
        (cls, "handle_401", handle_401(bridge)),
        (cls, "__call__", helpers.call_wrapper(bridge)),
    ]
    mixin = compat.redirect_mixin(runtime.root)
    if mixin is not None:
        targets.append((mixin, "rebuild_auth", rebuild_auth(bridge)))
    misc = compat.redact_module(runtime.root)
    if misc is not None:
        targets.append((misc, "redact_netloc", redact_netloc(runtime)))
    return targets


def patch_module(module: ModuleType) -> bool:
    """Patch one of pip's modules (auth or link); warn and leave pip alone if it does not fit."""
    with _PATCHES.lock:
        name = module.__name__
        root = compat.pip_root(module)
        if name in _PATCHES.undo:
            return True
        if root in _PATCHES.unsupported:
            return False
        if name.endswith(compat.AUTH_SUFFIX):
            problems = compat.check_module(module)
            if problems:
                return _refuse(module, problems)
            _wrap_all(name, _auth_targets(module, _PATCHES.runtime(root)))
            return True
        if name.endswith(compat.LINK_SUFFIX):
            problems = compat.check_link_module(module)
            if problems:
                return _refuse(module, problems)
            _wrap_all(name, [(module.Link, "__init__", link_init(_PATCHES.runtime(root)))])
            return True
        return False


def _unpatch(name: str) -> None:
    for owner, attr, original in reversed(_PATCHES.undo.pop(name, [])):
        setattr(owner, attr, original)


def unpatch_all() -> None:
    """Restore pip's own methods everywhere, and forget everything the shim kept.

    After this, pip's classes hold the very objects they were imported with,
    and the next :func:`patch_module` starts with no provenance, no stand-down,
    no logged lines and the warning line unspent.
    """
    with _PATCHES.lock:
        for name in list(_PATCHES.undo):
            _unpatch(name)
        _PATCHES.runtimes.clear()
        _PATCHES.unsupported.clear()
        helpers.reset()
        notice.reset()


def patched_modules() -> list[str]:
    with _PATCHES.lock:
        return sorted(_PATCHES.undo)
