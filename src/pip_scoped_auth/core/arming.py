"""The code that arms the shim in an interpreter that does not have it installed.

``pip-scoped-auth preload`` appends it to the base interpreter's
``sitecustomize`` (every venv made from that interpreter runs it), and the
build-venv wrapper puts it in a ``.pth`` of pip's temporary build venv. It
loads ``_pip_scoped_auth_remote`` *by path* from the directory this package
is installed in and arms it with the directories of ``pip_scoped_auth`` and
``wrapt``; none of them joins ``sys.path`` (see that module for why).

The generated source imports only ``sys`` and ``_frozen_importlib_external``
(both already loaded when ``site`` runs), arms nothing where a finder of ours
is already armed (a venv's own ``.pth`` runs before ``sitecustomize``), and
never raises: a missing file (the shim was uninstalled from the base) only
means the shim is not armed.
"""

from __future__ import annotations

import importlib.util
import os
import sysconfig

__all__ = [
    "MECHANISMS",
    "REMOTE_FILE",
    "REMOTE_MODULE",
    "loader_source",
    "pth_line",
    "shim_dirs",
    "sitecustomize_path",
]

#: The stdlib-only finder module, installed top-level beside the package.
REMOTE_MODULE = "_pip_scoped_auth_remote"
REMOTE_FILE = f"{REMOTE_MODULE}.py"

#: How a process was armed, as ``status`` names it.
MECHANISMS = {
    "pth": "pip_scoped_auth.pth in this environment",
    "preload": "preload from the base interpreter (its sitecustomize)",
    "build-venv": "pip's build venv, armed by the parent pip",
    "activate": "pip_scoped_auth.activate()",
}


def sitecustomize_path() -> str:
    """The ``sitecustomize.py`` ``preload`` writes: in the base's standard library directory.

    A venv made with ``include-system-site-packages = false`` has the base's
    standard library on ``sys.path``, not its site-packages (CPython 3.9-3.14,
    ``python -m venv`` and ``virtualenv``), so only a ``sitecustomize`` there
    runs in every venv made from that interpreter.
    """
    return os.path.join(sysconfig.get_paths()["stdlib"], "sitecustomize.py")


def _package_parent() -> str:
    """The directory holding the ``pip_scoped_auth`` package (site-packages, or src/)."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def shim_dirs() -> list[str]:
    """Where ``pip_scoped_auth``, ``_pip_scoped_auth_remote`` and ``wrapt`` are, first ours.

    Usually one site-packages; an editable install adds the checkout's ``src``.
    """
    dirs = [_package_parent()]
    spec = importlib.util.find_spec("wrapt")
    if spec is not None and spec.submodule_search_locations:
        dirs.append(os.path.dirname(next(iter(spec.submodule_search_locations))))
    return list(dict.fromkeys(dirs))


def loader_source(dirs: list[str], mechanism: str) -> str:
    """Python source that loads the remote finder from ``dirs[0]`` and arms it."""
    remote = os.path.join(dirs[0], REMOTE_FILE)
    return (
        "def _pip_scoped_auth_arm():\n"
        "    import sys\n"
        "    for finder in sys.meta_path:\n"
        '        if getattr(finder, "pip_scoped_auth_finder", False):\n'
        "            return\n"
        "    import _frozen_importlib_external as external\n"
        f"    spec = external.spec_from_file_location({REMOTE_MODULE!r}, {remote!r})\n"
        "    module = type(sys)(spec.name)\n"
        "    spec.loader.exec_module(module)\n"
        f"    module.arm({dirs!r}, {mechanism!r})\n"
        "\n"
        "\n"
        "try:\n"
        "    _pip_scoped_auth_arm()\n"
        "except Exception:\n"
        "    pass\n"
        "del _pip_scoped_auth_arm\n"
    )


def pth_line(dirs: list[str], mechanism: str) -> str:
    """:func:`loader_source` as one ``.pth`` line (``site`` runs lines that start with import)."""
    return f"import sys; exec({loader_source(dirs, mechanism)!r})\n"
