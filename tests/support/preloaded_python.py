"""A writable copy of a pyenv interpreter with the shim installed, for ``preload`` tests.

``$(pyenv root)/versions/3.12.1`` copied to another directory is a working,
relocatable interpreter. The cached template (in the test cache, keyed by
this checkout and the shim's source digest) has the shim wheel, ``wrapt`` and
``virtualenv`` installed in its own site-packages; that install is the only
step that uses the machine's pip configuration (to reach the registry).
Each test gets its own copy of the template, so ``preload`` may write into it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support import pipenvs

#: The interpreter the issue names: pyenv's 3.12.1.
VERSION = "3.12.1"

#: What the template installs next to the shim (the shim's dependency, and a
#: second venv maker).
PACKAGES = ("wrapt>=1.14,<2", "virtualenv")


def _python(root: Path) -> Path:
    return root / "bin" / f"python{VERSION.rsplit('.', 1)[0]}"


def _copy(source: Path, dest: Path) -> None:
    """``cp -a`` (fast, keeps links); the bulky test suite and IDLE are left out."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    stdlib = f"./lib/python{VERSION.rsplit('.', 1)[0]}"
    tar = ["tar", "--exclude", f"{stdlib}/test", "--exclude", f"{stdlib}/idlelib", "-cf", "-", "."]
    with subprocess.Popen(tar, cwd=source, stdout=subprocess.PIPE) as pack:
        subprocess.run(["tar", "-xf", "-", "-C", str(dest)], stdin=pack.stdout, check=True)
    if pack.returncode != 0:
        raise RuntimeError(f"copying {source} failed")


def ensure_template(wheel: Path) -> Path:
    """The cached copy of pyenv's interpreter with the shim installed (built once)."""
    source = pipenvs.pyenv_root() / "versions" / VERSION
    if not _python(source).is_file():
        pytest.skip(
            f"NO PYTHON {VERSION} at {source}: run `pyenv install {VERSION}` (the preload "
            "tests copy it)"
        )
    name = f"pyenv{VERSION}-preload-{pipenvs.checkout_tag()}"
    root = pipenvs.cache_root() / name
    ready = root / ".ready"
    stamp = f"{pipenvs.source_digest()} {','.join(PACKAGES)}"
    with pipenvs._locked(pipenvs.cache_root() / f"{name}.lock"):
        if not ready.exists() or ready.read_text() != stamp:
            _copy(source, root)
            python = _python(root)
            install = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
            pipenvs._run_checked([*install, *PACKAGES], f"installing {PACKAGES} into {name}")
            pipenvs._run_checked([*install, "--no-deps", wheel], f"installing the shim into {name}")
            ready.write_text(stamp)
    return root


def fresh_copy(wheel: Path, dest: Path) -> Path:
    """A copy of the template at ``dest``; its interpreter."""
    _copy(ensure_template(wheel), dest)
    return _python(dest)


def stdlib_dir(python: Path) -> Path:
    return python.parent.parent / "lib" / f"python{VERSION.rsplit('.', 1)[0]}"


def tree_digest(root: Path) -> dict[str, str]:
    """path -> content digest (or link target) of every file, ``__pycache__`` aside.

    Byte code is left out: every run of the interpreter may write it.
    """
    import hashlib

    found: dict[str, str] = {}
    for directory, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            path = Path(directory, name)
            key = str(path.relative_to(root))
            if path.is_symlink():
                found[key] = "link:" + os.readlink(path)
            else:
                found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found
