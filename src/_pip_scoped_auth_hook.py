"""pip-scoped-auth's start-up hook: the only code that runs in every Python process.

Both start-up paths arm it: the ``pip_scoped_auth.pth`` line on Python <= 3.14
imports it (importing arms), and the PEP 829 entry point in
``pip_scoped_auth.start`` (``_pip_scoped_auth_hook:arm``) imports it and calls
:func:`arm` on 3.15+, where a ``.start`` file beside the
same-named ``.pth`` makes ``site`` skip the ``.pth``'s import lines (3.18
ignores them altogether).

Why a top-level module of its own: it is one small file, precompiled by pip
at install time. Importing it costs one module; ``pip_scoped_auth._bootstrap``
would cost two (the package's ``__init__`` first), and the ``exec`` of a
finder's source that the ``.pth`` line used to carry compiled that source in
every process (docs/benchmarks.md has the measurements). It imports nothing
(``os`` and ``sys`` are loaded before ``site`` reads ``.pth`` files) and reads
none of ``site``'s locals, which 3.15 no longer lends to ``.pth`` lines.

The module itself is the finder: a module-level :func:`find_spec` is all
:data:`sys.meta_path` needs, so no class is built at start-up. It answers
``None`` for every module but pip's auth module and link model; for those,
and only then, it hands over to :mod:`pip_scoped_auth._bootstrap`.
"""

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: Marks this module as one of our finders (``_bootstrap.is_ours``, ``disarm``).
pip_scoped_auth_finder = True

#: pip's auth module and link model, pipenv's vendored copies of them, pip
#: 26.2+'s venv build environment (``--use-feature venv-isolation``), pip's
#: build-env module (child pips; 26.2+ starts them in ``build_env.installer``)
#: and its requirement reading (``pylock.toml``).
#: Must equal ``pip_scoped_auth._bootstrap.TARGETS`` (a unit test checks).
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

#: ``PIP_SCOPED_AUTH`` values that switch the shim off (as ``_bootstrap``).
OFF_VALUES = frozenset({"0", "false", "off", "no"})


#: Top-level names served from this file's own directory, in a process where a
#: target was imported while that directory was no longer on ``sys.path``.
SERVED = frozenset({"pip_scoped_auth", "wrapt"})

#: ``None``, or this file's directory once :func:`_bootstrap_from_here` ran:
#: pip 26.2 starts its build-dependency child pip with a ``sitecustomize``
#: that takes site-packages off ``sys.path`` after ``site`` ran this hook, so
#: ``pip_scoped_auth`` and ``wrapt`` are found here, for pip only, by path.
_serve_from: "list[str] | None" = None


def find_spec(name: str, path: "Any" = None, target: "Any" = None) -> "Any":
    """Answer only for :data:`TARGETS`, through ``_bootstrap`` (imported only then)."""
    if name not in TARGETS:
        if _serve_from is None or name.partition(".")[0] not in SERVED:
            return None
        return _from_here(name, path, target)
    try:
        from pip_scoped_auth import _bootstrap
    except Exception:
        _bootstrap = _bootstrap_from_here()
        if _bootstrap is None:
            return None
    return _bootstrap.ScopedAuthFinder().find_spec(name, path, target)


def _bootstrap_from_here() -> "Any":
    """``_bootstrap`` found in this file's directory, once per process (None: not there)."""
    global _serve_from
    if _serve_from is not None:
        return None
    try:
        _serve_from = [os.path.dirname(os.path.abspath(__file__))]
        from pip_scoped_auth import _bootstrap

        return _bootstrap
    except Exception:
        return None


def _from_here(name: str, path: "Any", target: "Any") -> "Any":
    for finder in sys.meta_path:
        if getattr(finder, "__name__", "") == "PathFinder":
            return finder.find_spec(name, path if path is not None else _serve_from, target)
    return None


def arm() -> None:
    """Put this module at the front of :data:`sys.meta_path`, at most once per process.

    ``site`` may run it more than once (3.11-3.14 process a venv's ``.pth``
    files twice, cpython#75723), and ``pip_scoped_auth.activate()`` may have
    armed already: any finder of ours on the path means done. Never raises:
    it runs before the user's first line.
    """
    try:
        if os.environ.get("PIP_SCOPED_AUTH", "1").strip().lower() in OFF_VALUES:
            return
        for finder in sys.meta_path:
            if getattr(finder, "pip_scoped_auth_finder", False):
                return
        sys.meta_path.insert(0, sys.modules[__name__])
    except Exception:  # noqa: S110 - start-up must never fail because of us
        pass


# Importing this module is what arms it: the ``.pth`` line is a plain
# ``import`` (the cheapest executable line), and the ``.start`` entry point's
# call of :func:`arm` after the import is then a no-op.
arm()
