"""A real ``keyring`` backend for the integration tests: a JSON file plus a call log.

pip under test loads it the way a user's pip loads any backend: ``keyring``
imports it by name from ``PYTHON_KEYRING_BACKEND=scoped_test_keyring.Backend``
(this directory on ``PYTHONPATH``). That holds for ``import keyring`` inside
pip and for the ``keyring`` command line that pip's subprocess provider runs,
so every provider reaches the same store.

The store is the JSON file named by ``SCOPED_TEST_KEYRING_FILE``: a list of
``{"service", "username", "password"}`` entries. Every call is appended to the
sibling ``<file>.log`` (JSON lines: operation, service, username, found), so a
test can assert how many lookups pip made and under which service names.
Passwords are never written to the log.

Stdlib and ``keyring`` only: this module runs inside the pip under test.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from keyring.backend import KeyringBackend
from keyring.credentials import SimpleCredential
from keyring.errors import PasswordDeleteError

ENV_VAR = "SCOPED_TEST_KEYRING_FILE"
BACKEND = "scoped_test_keyring.Backend"

Entry = dict[str, str]


def store_path() -> Path:
    return Path(os.environ[ENV_VAR])


def log_path(store: Path) -> Path:
    return store.with_name(store.name + ".log")


def read_entries(store: Path) -> list[Entry]:
    try:
        data = json.loads(store.read_text())
    except FileNotFoundError:
        return []
    return [dict(e) for e in data]


def write_entries(store: Path, entries: list[Entry]) -> None:
    tmp = store.with_name(store.name + ".tmp")
    tmp.write_text(json.dumps(entries, indent=1))
    tmp.replace(store)


def read_log(store: Path) -> list[dict[str, Any]]:
    """Every call recorded so far, oldest first."""
    try:
        text = log_path(store).read_text()
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _record(op: str, service: str, username: str | None, found: bool) -> None:
    line = json.dumps({"op": op, "service": service, "username": username, "found": found})
    # One short O_APPEND write per call: safe across pip and keyring CLI processes.
    fd = os.open(log_path(store_path()), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


#: Set to 1: answer by service alone, whatever username is asked (backends that
#: hold one token per host do this).
IGNORE_USERNAME = "SCOPED_TEST_KEYRING_IGNORE_USERNAME"


def _find(service: str, username: str | None) -> Entry | None:
    if os.environ.get(IGNORE_USERNAME) == "1":
        username = None
    for entry in read_entries(store_path()):
        if entry["service"] == service and username in (None, entry["username"]):
            return entry
    return None


class Backend(KeyringBackend):
    """Exact service-name matches, like the desktop keyrings pip users have."""

    priority = 1

    def get_password(self, service: str, username: str) -> str | None:
        entry = _find(service, username)
        _record("get_password", service, username, entry is not None)
        return None if entry is None else entry["password"]

    def get_credential(self, service: str, username: str | None) -> SimpleCredential | None:
        """Like the Secret Service backend: a ``None`` username matches any entry."""
        entry = _find(service, username)
        _record("get_credential", service, username, entry is not None)
        if entry is None:
            return None
        return SimpleCredential(entry["username"], entry["password"])

    def set_password(self, service: str, username: str, password: str) -> None:
        store = store_path()
        entries = [
            e
            for e in read_entries(store)
            if not (e["service"] == service and e["username"] == username)
        ]
        entries.append({"service": service, "username": username, "password": password})
        write_entries(store, entries)
        _record("set_password", service, username, True)

    def delete_password(self, service: str, username: str) -> None:
        store = store_path()
        entries = read_entries(store)
        kept = [e for e in entries if not (e["service"] == service and e["username"] == username)]
        if len(kept) == len(entries):
            raise PasswordDeleteError("no such password")
        write_entries(store, kept)
        _record("delete_password", service, username, True)
