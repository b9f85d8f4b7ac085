"""``pip-scoped-auth``: check the shim, explain its choices, keep tokens in keyring.

A shim that silently changes pip must be easy to check. ``status`` answers
"will it work in this environment?" with an exit code a CI image build can
assert; ``explain`` answers "which credentials will this URL get, and which
rule decided?" using the very resolver pip runs; ``login``/``logout`` keep
tokens out of URLs, pip.conf and shell history.

Nothing here prints a secret: URLs are shown the way pip redacts them, a
decision is shown through :meth:`Decision.describe`, and keyring is asked in a
child process that never hands a password back (:mod:`.keyring_probe`).

Exit codes (stable, for scripts): 0 ok; 1 the shim would not be in effect
(not loaded, disabled, pip missing or unsupported); 2 usage error (bad
options, unreadable requirements file, a password in a URL given to
``login``); 3 keyring unavailable (not installed, no usable backend, or the
backend refused).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from pip_scoped_auth import __version__
from pip_scoped_auth.cli.errors import (
    EXIT_KEYRING,
    EXIT_NOT_IN_EFFECT,
    EXIT_OK,
    EXIT_USAGE,
    KeyringUnavailable,
    UsageError,
)
from pip_scoped_auth.cli.options import add_pip_index_options

__all__ = ["EXIT_KEYRING", "EXIT_NOT_IN_EFFECT", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]


#: Where each command lives; imported only when it runs, so a broken install
#: (a module of this package missing) is reported in one line, not a traceback.
COMMANDS = {
    "status": ("pip_scoped_auth.cli.report", "cmd_status"),
    "explain": ("pip_scoped_auth.cli.report", "cmd_explain"),
    "login": ("pip_scoped_auth.cli.keyring_cmds", "cmd_login"),
    "logout": ("pip_scoped_auth.cli.keyring_cmds", "cmd_logout"),
    "demo": ("pip_scoped_auth.demo", "run"),
    "preload": ("pip_scoped_auth.cli.preload", "cmd_preload"),
}

BROKEN_FIX = "python -m pip install --force-reinstall pip-scoped-auth"

EPILOG = (
    "exit codes: 0 ok; 1 the shim would not be in effect (not loaded, disabled by "
    "PIP_SCOPED_AUTH, pip missing or unsupported); 2 usage error; 3 keyring unavailable"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pip-scoped-auth",
        description="Check and explain pip-scoped-auth, and keep index tokens in keyring.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"pip-scoped-auth {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    status = sub.add_parser(
        "status",
        help="is the shim active here, and which credentials each index gets",
        description="Report whether the shim loads and supports this pip, then list the "
        "indexes pip would use with each one's scope and credential source (secrets redacted). "
        "Exits 1 when the shim would not be in effect, so an image build can assert it.",
        epilog=EPILOG,
    )
    add_pip_index_options(status)
    status.set_defaults(func="status")

    explain = sub.add_parser(
        "explain",
        help="which scope and credential source a request to URL gets, and why",
        description="Show the scope that contains URL, the credentials the first request and a "
        "401 retry would carry (redacted), and the rule that decided.",
        epilog=EPILOG,
    )
    explain.add_argument("url", metavar="URL", help="a page or file URL pip would request")
    add_pip_index_options(explain)
    explain.set_defaults(func="explain")

    login = sub.add_parser(
        "login",
        help="store a token in keyring for one index URL",
        description="Store a token in keyring under INDEX_URL (credentials removed), the key "
        "pip-scoped-auth asks for that index. Needs the keyring extra.",
        epilog=EPILOG,
    )
    login.add_argument("index_url", metavar="INDEX_URL", help="the index URL as pip uses it")
    login.add_argument("-u", "--username", help="the username to store with the token")
    login.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the token from standard input (for CI) instead of prompting",
    )
    login.set_defaults(func="login")

    logout = sub.add_parser(
        "logout",
        help="remove the token stored for one index URL",
        description="Remove the token stored in keyring under INDEX_URL. Succeeds when nothing "
        "was stored. Needs the keyring extra.",
        epilog=EPILOG,
    )
    logout.add_argument("index_url", metavar="INDEX_URL", help="the index URL given to login")
    logout.add_argument("-u", "--username", help="the username stored (default: the one found)")
    logout.set_defaults(func="logout")

    preload = sub.add_parser(
        "preload",
        help="scope every venv made from this Python (CI images, shared interpreters)",
        description="Add a marked block to the sitecustomize.py of this Python's standard "
        "library that arms pip-scoped-auth, from this installation, in every venv made from "
        "this Python (python -m venv, virtualenv, tox, nox, pip's build venvs), without "
        "installing anything into them or putting this site-packages on their sys.path. "
        "Prints one line naming the file; running it again changes nothing.",
        epilog=EPILOG,
    )
    preload.add_argument(
        "--remove",
        action="store_true",
        help="remove the block, restoring the file (or its absence) byte for byte",
    )
    preload.set_defaults(func="preload")

    demo = sub.add_parser(
        "demo",
        help="reproduce the bug and the fix on a local two-tenant registry (offline)",
        description="Start a local registry with two tenants on one host, each readable only "
        "with its own token, run the same pip install with the shim off and on, and print "
        "which token the registry saw on each request (never the token itself). Exits 0 when "
        "the shim's run is right, 1 otherwise.",
    )
    try:
        from pip_scoped_auth.demo import configure_parser
    except ImportError:
        pass  # reported as a broken install when the command runs
    else:
        configure_parser(demo)
    demo.set_defaults(func="demo")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        module, name = COMMANDS[args.func]
        command: Callable[[argparse.Namespace], int] = getattr(
            importlib.import_module(module), name
        )
        config_error: type[Exception] = importlib.import_module(
            "pip_scoped_auth.pip_layer.config"
        ).PipConfigError
    except ImportError as exc:
        print(
            f"pip-scoped-auth {args.command}: error: this installation is broken "
            f"({type(exc).__name__}: {exc.name or '?'}): {BROKEN_FIX}",
            file=sys.stderr,
        )
        return EXIT_NOT_IN_EFFECT
    try:
        code: int = command(args)
    except UsageError as exc:
        print(f"pip-scoped-auth {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except config_error as exc:
        print(f"pip-scoped-auth {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyringUnavailable as exc:
        print(f"pip-scoped-auth {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_KEYRING
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        # Never a traceback: the type only, since a message could quote a URL.
        print(
            f"pip-scoped-auth {args.command}: internal error ({type(exc).__name__}); "
            "please report it with the output of --version",
            file=sys.stderr,
        )
        return EXIT_NOT_IN_EFFECT
    sys.stdout.flush()
    return code
