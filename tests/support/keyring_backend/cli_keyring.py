"""A file-backed keyring for CLI tests, shared by the CLI and pip subprocesses.

Selected with ``PYTHON_KEYRING_BACKEND=cli_keyring.FileKeyring`` and this
directory on ``PYTHONPATH``; the JSON file named by ``CLI_KEYRING_FILE``
holds ``{service: {username: password}}``. It implements ``get_credential``
with no username, as desktop backends do, because that is how pip asks.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.credentials import SimpleCredential
from keyring.errors import PasswordDeleteError


class FileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    @property
    def _path(self) -> Path:
        return Path(os.environ["CLI_KEYRING_FILE"])

    def _load(self) -> dict[str, dict[str, str]]:
        try:
            return dict(json.loads(self._path.read_text()))
        except FileNotFoundError:
            return {}

    def _save(self, data: dict[str, dict[str, str]]) -> None:
        self._path.write_text(json.dumps(data))

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data.setdefault(service, {})[username] = password
        self._save(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if username not in data.get(service, {}):
            raise PasswordDeleteError(username)
        del data[service][username]
        self._save(data)

    def get_credential(self, service: str, username: str | None) -> SimpleCredential | None:
        users = self._load().get(service, {})
        for user, password in users.items():
            if username is None or user == username:
                return SimpleCredential(user, password)
        return None
