"""``pip-scoped-auth preload [--remove]``: scope every venv made from this Python.

A CI image installs the shim into its base interpreter, then jobs run
``python -m venv .venv && .venv/bin/pip install ...`` (or tox, nox,
virtualenv): those venvs do not have the shim's ``.pth``. ``preload`` adds a
marked block to the base interpreter's ``sitecustomize.py`` that arms the
shim from this interpreter's site-packages in every process of those venvs,
without that directory joining their ``sys.path``
(:mod:`pip_scoped_auth.core.arming`).

Where the block lives, and why: the ``sitecustomize.py`` in the base
interpreter's *standard library directory* (``sysconfig`` ``stdlib``). A venv
made with ``include-system-site-packages = false`` (the default of ``python -m
venv`` and ``virtualenv``) has the base's standard library on ``sys.path`` but
not its site-packages, so a ``sitecustomize`` in the base's site-packages is
never imported there (checked on CPython 3.9 to 3.14). Debian keeps its own
``sitecustomize`` in the same place; an existing file gets the block appended,
and ``--remove`` restores it byte for byte (content and modification time).
"""

from __future__ import annotations

import argparse
import glob
import os
import py_compile
import sys
import sysconfig

from pip_scoped_auth.cli.errors import EXIT_NOT_IN_EFFECT, EXIT_OK
from pip_scoped_auth.core import arming, preload_block

__all__ = ["cmd_preload"]

PROG = "pip-scoped-auth preload"


class PreloadError(Exception):
    """One line for the user: what cannot be done and what to do."""


def _shadowed(stdlib: str) -> str | None:
    """A ``sitecustomize`` of the base's site-packages that a new stdlib one would hide."""
    base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}
    for key in ("purelib", "platlib"):
        directory = sysconfig.get_path(key, vars=base)
        if os.path.realpath(directory) == os.path.realpath(stdlib):
            continue
        for name in ("sitecustomize.py", "sitecustomize"):
            candidate = os.path.join(directory, name)
            if os.path.exists(candidate):
                return candidate
    return None


def _write(path: str, text: str, mode: int, mtime_ns: int | None = None) -> None:
    """Replace ``path`` atomically (a reader never sees half a file)."""
    temp = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.pip-scoped-auth.tmp")
    try:
        with open(temp, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(temp, mode)
        if mtime_ns is not None:
            os.utime(temp, ns=(mtime_ns, mtime_ns))
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def _compile(path: str) -> None:
    """Precompile the file now: every process of every venv imports it, and an image
    layer may be read-only or run with ``PYTHONDONTWRITEBYTECODE`` later."""
    try:
        py_compile.compile(path, doraise=True)
    except (OSError, py_compile.PyCompileError):
        pass  # compiled on first import instead, where it can be written


def _read(path: str) -> tuple[str, os.stat_result] | None:
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            text = handle.read()
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise PreloadError(
            f"{path} is not UTF-8 text: add the block by hand or convert the file"
        ) from None
    return text, os.stat(path)


def _install(path: str) -> str:
    dirs = arming.shim_dirs()
    if not os.path.isfile(os.path.join(dirs[0], arming.REMOTE_FILE)):
        raise PreloadError(
            f"{arming.REMOTE_FILE} is missing from {dirs[0]}: "
            "python -m pip install --force-reinstall pip-scoped-auth"
        )
    source = arming.loader_source(dirs, "preload")
    found = _read(path)
    if found is None:
        shadowed = _shadowed(os.path.dirname(path))
        if shadowed is not None:
            raise PreloadError(
                f"{shadowed} exists and a {path} would hide it: "
                "add its code to a sitecustomize.py in the standard library first"
            )
        _write(path, preload_block.add("", source, dirs[0], existed=False, mtime_ns=0), 0o644)
        _compile(path)
        return f"{PROG}: created {path}: every venv made from this Python is scoped"
    text, stat = found
    block = preload_block.find(text)
    if block is None:
        new = preload_block.add(text, source, dirs[0], existed=True, mtime_ns=stat.st_mtime_ns)
    else:
        new = preload_block.replace(text, block, source, dirs[0])
        if new == text:
            return f"{PROG}: {path} already has the block: nothing changed"
    _write(path, new, stat.st_mode & 0o7777)
    _compile(path)
    return f"{PROG}: added the block to {path}: every venv made from this Python is scoped"


def _remove(path: str) -> str:
    found = _read(path)
    block = preload_block.find(found[0]) if found else None
    if found is None or block is None:
        return f"{PROG}: {path} has no pip-scoped-auth block: nothing changed"
    text, stat = found
    if block.created and preload_block.remove(text, block) == "":
        os.unlink(path)
        cache = os.path.join(os.path.dirname(path), "__pycache__")
        for pyc in glob.glob(os.path.join(glob.escape(cache), "sitecustomize.*.pyc")):
            os.unlink(pyc)
        return f"{PROG}: removed {path} (created by preload)"
    restored = preload_block.remove(text, block)
    _write(path, restored, stat.st_mode & 0o7777, mtime_ns=block.mtime_ns or None)
    return f"{PROG}: removed the block from {path}"


def cmd_preload(args: argparse.Namespace) -> int:
    """Add (or with ``--remove``, remove) the block; one line, never a traceback."""
    shown = arming.sitecustomize_path()
    # Write through a symbolic link (Debian links /usr/lib/python3.X/sitecustomize.py
    # to /etc), so the link itself stays.
    path = os.path.realpath(shown)
    try:
        line = _remove(path) if args.remove else _install(path)
    except PreloadError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_NOT_IN_EFFECT
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        print(
            f"{PROG}: error: cannot write {path} ({reason}): run it as the user that owns "
            "this Python (root in an image build)",
            file=sys.stderr,
        )
        return EXIT_NOT_IN_EFFECT
    print(line)
    return EXIT_OK
