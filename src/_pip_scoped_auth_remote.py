"""Arm pip-scoped-auth in an interpreter that does not have it installed.

Two places need the shim where it is not installed: venvs made from a base
interpreter that ``pip-scoped-auth preload`` prepared (its ``sitecustomize``
block loads this file by path), and the temporary build venv of pip 26.2+'s
``--use-feature venv-isolation`` (a ``.pth`` that pip-scoped-auth writes into
it). In both, the package and ``wrapt`` live in another interpreter's
site-packages, which must not join ``sys.path``: user code there must keep
getting ``ImportError`` for ``wrapt`` and ``pip_scoped_auth``, and a build
backend must not see the parent's packages (the isolation pip exists for).

So this module is a meta-path finder with two states. Armed, it answers only
for pip's auth module and link model (:data:`TARGETS`, as the start-up hook).
When pip imports one of them (or the process is ``python -m pip_scoped_auth``
on Python 3.10+, so that ``status`` works in a preloaded venv), it switches
on and from then on also answers
for :data:`SERVED` (``pip_scoped_auth``, ``wrapt``, their submodules), found
in the recorded directories only; then it hands the pip module over exactly
as the start-up hook does. A process that never imports pip's auth module
never sees those names.

Standard library only, and it imports nothing (``os`` and ``sys`` are loaded
before ``site`` runs): it runs at the start of every process of those venvs.
It is loaded by path, never put on ``sys.path`` or in ``sys.modules``, so
``import _pip_scoped_auth_remote`` fails in user code too.
"""

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: Marks this module as one of our finders: whichever copy arms first (a
#: venv's own ``.pth`` runs before ``sitecustomize``) is the only one.
pip_scoped_auth_finder = True

#: The modules the shim patches (see the start-up hook).
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

#: Top-level names served from :data:`DIRS` once pip has imported a target.
SERVED = frozenset({"pip_scoped_auth", "wrapt"})

#: ``PIP_SCOPED_AUTH`` values that switch the shim off (as ``_bootstrap``).
OFF_VALUES = frozenset({"0", "false", "off", "no"})


def _path_finder() -> "Any":
    for finder in sys.meta_path:
        if getattr(finder, "__name__", "") == "PathFinder":
            return finder
    return None


def _running_our_cli() -> bool:
    """``python -m pip_scoped_auth ...`` (Python 3.10+, which keeps ``sys.orig_argv``)."""
    argv = list(getattr(sys, "orig_argv", ()))[1:]
    while argv:
        arg = argv.pop(0)
        if arg in ("-X", "-W"):
            argv[:1] = []
        elif arg == "-m" or arg.startswith("-m"):
            module = arg[2:] or (argv[0] if argv else "")
            return module.partition(".")[0] == "pip_scoped_auth"
        elif not arg.startswith("-") or arg in ("-", "-c"):
            return False
    return False


class RemoteFinder:
    """The finder :func:`arm` puts on ``sys.meta_path`` (one per process)."""

    pip_scoped_auth_finder = True

    def __init__(self, dirs: "list[str]", mechanism: str) -> None:
        #: Where ``pip_scoped_auth`` and ``wrapt`` are.
        self.dirs = [d for d in dirs if d]
        #: How this process was armed: ``preload`` or ``build-venv`` (``status`` says it).
        self.mechanism = mechanism
        #: True once pip imported a target in this process, or from the start
        #: under ``python -m pip_scoped_auth`` (``status`` in a preloaded venv).
        self.active = _running_our_cli()

    def find_spec(self, name: str, path: "Any" = None, target: "Any" = None) -> "Any":
        """Targets always; :data:`SERVED` only after a target, and only from ``dirs``."""
        if name in TARGETS:
            self.active = True
            try:
                from pip_scoped_auth import _bootstrap
            except Exception:
                return None
            return _bootstrap.ScopedAuthFinder().find_spec(name, path, target)
        if not self.active or name.partition(".")[0] not in SERVED:
            return None
        finder = _path_finder()
        if finder is None:
            return None
        return finder.find_spec(name, path if path is not None else self.dirs, target)

    def invalidate_caches(self) -> None:
        return None


def arm(dirs: "list[str]", mechanism: str) -> bool:
    """Put a :class:`RemoteFinder` first on :data:`sys.meta_path`, unless one of ours is there.

    Returns whether it armed. Never raises: it runs before the user's first line.
    """
    try:
        if os.environ.get("PIP_SCOPED_AUTH", "1").strip().lower() in OFF_VALUES:
            return False
        for finder in sys.meta_path:
            if getattr(finder, "pip_scoped_auth_finder", False):
                return False
        sys.meta_path.insert(0, RemoteFinder(dirs, mechanism))
        return True
    except Exception:
        return False
