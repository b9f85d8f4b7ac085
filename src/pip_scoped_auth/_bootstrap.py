"""The hand-over from the start-up hook to the pip layer: standard library only.

Interpreter start-up runs only :mod:`_pip_scoped_auth_hook` (a top-level
module of its own, armed by the ``.pth`` line on Python <= 3.14 and by the
PEP 829 ``.start`` entry point on 3.15+). That finder answers ``None`` for
every module except pip's auth module and link model (:data:`TARGETS`); for
those, and only then, it imports this module and hands over to
:class:`ScopedAuthFinder`, which lets pip's module load and then gives it to
:mod:`pip_scoped_auth.pip_layer`, the first heavy import.

This module also writes the two start-up files (:func:`pth_line`,
:func:`start_line`); the tests check the shipped files against them.
"""

import os
import sys

# ``typing`` alone drags ``re``, ``collections``, ``enum`` and ``functools`` into
# every interpreter start-up (~2 ms, doubling ``python -c pass``); so does
# ``from __future__ import annotations`` (one more module). Names used only in
# annotations are imported for type checkers alone and the annotations quoted.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Any

#: pip's auth module and link model, pipenv's vendored copies of them, pip
#: 26.2+'s venv build environment (``--use-feature venv-isolation``), pip's
#: build-env module (child pips; 26.2+ starts them in ``build_env.installer``)
#: and its requirement reading (``pylock.toml``).
TARGETS = frozenset(
    {
        "pip._internal.network.auth",
        "pip._internal.models.link",
        "pipenv.patched.pip._internal.network.auth",
        "pipenv.patched.pip._internal.models.link",
        "pip._internal.build_env.venv",
        "pip._internal.build_env",
        "pip._internal.build_env.installer",
        "pip._internal.cli.req_command",
    }
)

_OFF_VALUES = frozenset({"0", "false", "off", "no"})

#: The start-up module (``src/_pip_scoped_auth_hook.py``, installed top-level)
#: and its entry point, shared by the ``.pth`` line and the ``.start`` file.
HOOK_MODULE = "_pip_scoped_auth_hook"
HOOK_ENTRY_POINT = f"{HOOK_MODULE}:arm"


def pth_line() -> str:
    """The single line of ``pip_scoped_auth.pth`` (Python <= 3.14): a plain import.

    Importing the precompiled hook module arms it (once; ``PIP_SCOPED_AUTH``
    is honoured inside). ``site`` compiles the line every time it runs it
    (twice per process in a 3.11-3.14 venv, cpython#75723), and a second run
    of a plain import is a dictionary lookup. This is the cheapest executable
    line measured (docs/benchmarks.md): an ``exec`` of a ``try`` around the
    import, which kept a half-removed install (the ``.pth`` left, the module
    gone) from making ``site`` print its "Error processing line" report, cost
    0.8 % of ``python -c pass`` in every process, for a state ``pip
    uninstall`` never leaves. The line uses no name of ``site``'s frame,
    which 3.15 no longer lends to it.
    """
    return f"import {HOOK_MODULE}\n"


def start_line() -> str:
    """The single entry of ``pip_scoped_auth.start`` (PEP 829, Python 3.15+).

    Same stem as the ``.pth``: 3.15+ then skips the ``.pth``'s import line and
    calls this entry point instead, with no arguments.
    """
    return f"{HOOK_ENTRY_POINT}\n"


def is_ours(finder: object) -> bool:
    return bool(getattr(finder, "pip_scoped_auth_finder", False))


def disabled_by_env() -> bool:
    """``PIP_SCOPED_AUTH=0`` (or false/off/no) switches the shim off completely."""
    return os.environ.get("PIP_SCOPED_AUTH", "1").strip().lower() in _OFF_VALUES


class _PatchingLoader:
    """Runs the real loader, then patches the freshly executed module."""

    def __init__(self, loader: "Any") -> None:
        self.loader = loader

    def create_module(self, spec: "Any") -> "Any":
        create = getattr(self.loader, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module: "ModuleType") -> None:
        self.loader.exec_module(module)
        # Put the real loader back so introspection (inspect, linecache,
        # importlib.reload) sees pip's own module exactly as unpatched.
        module.__loader__ = self.loader
        if module.__spec__ is not None:
            module.__spec__.loader = self.loader
        on_import(module)

    def __getattr__(self, name: str) -> "Any":
        return getattr(self.loader, name)


class ScopedAuthFinder:
    """A meta-path finder that only ever answers for :data:`TARGETS`."""

    pip_scoped_auth_finder = True
    #: What armed it, for ``status`` (the ``.pth`` arms the hook module instead).
    mechanism = "activate"

    def find_spec(self, fullname: str, path: "Any" = None, target: "Any" = None) -> "Any":
        if fullname not in TARGETS:
            return None
        for finder in sys.meta_path:
            if is_ours(finder):
                continue
            find_spec = getattr(finder, "find_spec", None)
            if find_spec is None:
                continue
            spec = find_spec(fullname, path, target)
            if spec is None:
                continue
            if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                spec.loader = _PatchingLoader(spec.loader)
            return spec
        return None

    def invalidate_caches(self) -> None:
        return None


def on_import(module: "ModuleType") -> None:
    """Patch a just-imported pip auth module; never let an error escape."""
    try:
        from pip_scoped_auth import pip_layer

        pip_layer.patch_module(module)
    except Exception as exc:
        # The pip layer reports its own failures; this only catches one that
        # cannot even be imported (wrapt missing, a broken install).
        try:
            from pip_scoped_auth.core.notice import warn_once

            warn_once(f"cannot load ({type(exc).__name__}: {exc}); pip runs unpatched")
        except Exception:  # noqa: S110 - a broken install must not break pip
            pass


def arm(force: bool = False) -> bool:
    """Install the finder (once); patch any target that is already imported.

    Returns False where ``PIP_SCOPED_AUTH`` disables the shim (unless
    ``force``, used by :func:`pip_scoped_auth.activate`).
    """
    if not force and disabled_by_env():
        return False
    if not any(is_ours(f) for f in sys.meta_path):
        sys.meta_path.insert(0, ScopedAuthFinder())
    for name in TARGETS:
        module = sys.modules.get(name)
        if module is not None:
            on_import(module)
    return True


def disarm() -> None:
    """Remove our finders; already patched modules stay patched until unpatched."""
    sys.meta_path[:] = [f for f in sys.meta_path if not is_ours(f)]
