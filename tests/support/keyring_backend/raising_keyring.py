"""A keyring backend that raises on every call, for ``tests/integration/test_faults.py``.

Selected with ``PYTHON_KEYRING_BACKEND=raising_keyring.RaisingKeyring`` and this
file's directory on ``PYTHONPATH`` of the pip under test. The message is
deliberately free of secrets: pip prints it (``Keyring is skipped due to an
exception: ...``).
"""

from __future__ import annotations

from keyring.backend import KeyringBackend


class KeyringExploded(RuntimeError):
    """What every call raises."""


class RaisingKeyring(KeyringBackend):
    priority = 1

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringExploded("test keyring backend failure")

    def get_credential(self, service: str, username: str | None) -> None:
        raise KeyringExploded("test keyring backend failure")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringExploded("test keyring backend failure")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringExploded("test keyring backend failure")
