"""Exit codes and the two errors the commands raise (stable, for scripts)."""

from __future__ import annotations

__all__ = [
    "EXIT_KEYRING",
    "EXIT_NOT_IN_EFFECT",
    "EXIT_OK",
    "EXIT_USAGE",
    "KeyringUnavailable",
    "UsageError",
]

EXIT_OK = 0
EXIT_NOT_IN_EFFECT = 1
EXIT_USAGE = 2
EXIT_KEYRING = 3


class UsageError(Exception):
    """A mistake in what the user asked for (exit code 2)."""


class KeyringUnavailable(Exception):
    """login/logout cannot reach a usable keyring (exit code 3)."""
