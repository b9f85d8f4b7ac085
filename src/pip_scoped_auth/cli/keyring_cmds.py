"""``login`` and ``logout``: keep index tokens in keyring instead of URLs and pip.conf."""

from __future__ import annotations

import argparse
import getpass
import importlib
import sys
from typing import Any

from pip_scoped_auth.cli.errors import EXIT_OK, KeyringUnavailable, UsageError
from pip_scoped_auth.core.urls import redact_url, request_location, split_userinfo, without_userinfo

__all__ = ["cmd_login", "cmd_logout", "service_name"]

KEYRING_HINT = "install it with: python -m pip install 'pip-scoped-auth[keyring]'"


def service_name(url: str) -> str:
    """``url`` without its userinfo: the keyring service name for an index."""
    if request_location(url) is None:
        raise UsageError(f"not an http(s) URL with a host: {redact_url(url)}")
    return without_userinfo(url)


def _keyring_module() -> Any:
    try:
        return importlib.import_module("keyring")
    except ImportError:
        raise KeyringUnavailable(f"keyring is not installed; {KEYRING_HINT}") from None


def _usable_backend(keyring: Any) -> Any:
    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if name in ("keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"):
        raise KeyringUnavailable(
            f"keyring has no usable backend here ({name}); install one (for example "
            "keyrings.alt on a headless machine) or choose one with PYTHON_KEYRING_BACKEND"
        )
    return backend


def _backend_name(backend: Any) -> str:
    return f"{type(backend).__module__}.{type(backend).__name__}"


def _login_target(index_url: str) -> tuple[str, str | None]:
    username, password = split_userinfo(index_url)
    if password is not None:
        raise UsageError(
            "the index URL carries a password; give the URL without it, the token is read "
            "from the prompt or from --password-stdin"
        )
    return service_name(index_url), username


def cmd_login(args: argparse.Namespace) -> int:
    service, url_user = _login_target(args.index_url)
    username = args.username or url_user
    interactive = sys.stdin is not None and sys.stdin.isatty()
    if username is None and (args.password_stdin or not interactive):
        raise UsageError("--username is required (or a username in the index URL)")
    if not args.password_stdin and not interactive:
        raise UsageError("no terminal to prompt on: pipe the token in with --password-stdin")
    keyring = _keyring_module()
    backend = _usable_backend(keyring)
    if username is None:
        username = input(f"Username for {service}: ").strip()
    if args.password_stdin:
        token = sys.stdin.readline().strip()
    else:
        token = getpass.getpass(f"Token (password) for {username} at {service}: ").strip()
    if not username or not token:
        raise UsageError("empty username or token")
    try:
        keyring.set_password(service, username, token)
    except Exception as exc:
        raise KeyringUnavailable(
            f"keyring ({_backend_name(backend)}) refused to store it ({type(exc).__name__})"
        ) from None
    print(f"Stored the token of {username!r} for {service} in keyring ({_backend_name(backend)}).")
    print("pip sends it to that index's scope after the index answers 401.")
    base = importlib.import_module("keyring.backend").KeyringBackend
    chainer = type(backend).__name__ == "ChainerBackend"
    if not chainer and type(backend).get_credential is base.get_credential and not url_user:
        print(
            "Note: this keyring backend cannot look up a credential without a username; "
            f"put the username in the index URL pip uses (for example {username}@host)."
        )
    return EXIT_OK


def cmd_logout(args: argparse.Namespace) -> int:
    service, url_user = _login_target(args.index_url)
    keyring = _keyring_module()
    backend = _usable_backend(keyring)
    username = args.username or url_user
    if username is None:
        cred = keyring.get_credential(service, None)
        username = cred.username if cred is not None else None
    errors = importlib.import_module("keyring.errors")
    if username is None:
        print(f"No token stored for {service}; nothing to remove.")
        return EXIT_OK
    try:
        keyring.delete_password(service, username)
    except errors.PasswordDeleteError:
        print(f"No token stored for {username!r} at {service}; nothing to remove.")
        return EXIT_OK
    except Exception as exc:
        raise KeyringUnavailable(
            f"keyring ({_backend_name(backend)}) refused to delete it ({type(exc).__name__})"
        ) from None
    print(f"Removed the token of {username!r} for {service} from keyring.")
    return EXIT_OK
