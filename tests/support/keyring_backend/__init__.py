"""A real keyring backend for the integration tests, and the test-side view of it.

``scoped_test_keyring`` is what pip under test loads (this directory goes on its
``PYTHONPATH``); :class:`TestKeyring` is how a test seeds that store, builds
the environment that selects it, and reads back which lookups pip made.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.keyring_backend import scoped_test_keyring as backend

HERE = Path(__file__).resolve().parent

__all__ = ["HERE", "TestKeyring"]


@dataclass
class TestKeyring:
    """One test's keyring: a JSON store in ``path`` and its call log."""

    __test__ = False  # not a pytest test class

    path: Path

    def env(self) -> dict[str, str]:
        """What a pip subprocess needs to use this keyring through ``import keyring``."""
        return {
            "PYTHONPATH": str(HERE),
            "PYTHON_KEYRING_BACKEND": backend.BACKEND,
            backend.ENV_VAR: str(self.path),
        }

    def cli_env(self, python: Path, bin_dir: Path) -> dict[str, str]:
        """:meth:`env` plus a ``keyring`` command on ``PATH`` for pip's subprocess provider.

        pip 23.1+ skips a ``keyring`` found in its own environment's scripts
        directory, so the command lives in ``bin_dir`` and runs the venv's
        ``python -m keyring`` (which loads this backend from ``PYTHONPATH``).
        """
        bin_dir.mkdir(parents=True, exist_ok=True)
        script = bin_dir / "keyring"
        script.write_text(f'#!/bin/sh\nexec "{python}" -m keyring "$@"\n')
        script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return {**self.env(), "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}

    def set(self, service: str, username: str, password: str) -> None:
        entries = [
            e
            for e in backend.read_entries(self.path)
            if (e["service"], e["username"]) != (service, username)
        ]
        entries.append({"service": service, "username": username, "password": password})
        backend.write_entries(self.path, entries)

    def entries(self) -> list[dict[str, str]]:
        return backend.read_entries(self.path)

    def calls(self) -> list[dict[str, Any]]:
        return backend.read_log(self.path)

    def lookups(self) -> list[tuple[str, str | None]]:
        """``(service, username)`` of every read pip made, in order."""
        return [
            (c["service"], c["username"])
            for c in self.calls()
            if c["op"] in ("get_credential", "get_password")
        ]
