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
import getpass
import importlib
import importlib.metadata
import os
import site
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pip_scoped_auth import __version__, _bootstrap
from pip_scoped_auth.keyring_probe import KeyringAnswers, probe
from pip_scoped_auth.pip_config import IndexOptions, PipConfigError, PipIndexes, read_pip_indexes
from pip_scoped_auth.resolver import AuthState, Decision, Lookup, Source
from pip_scoped_auth.scopes import IndexEntry, ScopeTable, request_location, split_userinfo

__all__ = ["EXIT_KEYRING", "EXIT_NOT_IN_EFFECT", "EXIT_OK", "EXIT_USAGE", "main"]

EXIT_OK = 0
EXIT_NOT_IN_EFFECT = 1
EXIT_USAGE = 2
EXIT_KEYRING = 3

AUTH_MODULE = "pip._internal.network.auth"
KEYRING_HINT = "install it with: python -m pip install 'pip-scoped-auth[keyring]'"

#: Why each credential source wins, numbered as in the resolver's docstring.
RULES = {
    Source.PAGE: "an index page listed this URL; it inherits that page's credentials (rule 2)",
    Source.INDEX_URL: "the index URL carries a username and password (rule 3)",
    Source.LEARNED: "credentials accepted earlier in this run for this scope (rule 4)",
    Source.NETRC: (
        "netrc has an entry for this host and the scope has no credentials of its own "
        "(rule 6; netrc is per host by design)"
    ),
    Source.KEYRING: "keyring has credentials stored under {service} (rules 5 and 7)",
    Source.USERNAME_ONLY: (
        "the index URL names a user but no password (rule 8): pip sends no password "
        "and may prompt after a 401"
    ),
    Source.NONE: "no source has credentials for this scope: the request goes anonymous",
}


class UsageError(Exception):
    """A mistake in what the user asked for (exit code 2)."""


class KeyringUnavailable(Exception):
    """login/logout cannot reach a usable keyring (exit code 3)."""


# --------------------------------------------------------------------- redaction


def redact_url(url: str) -> str:
    """``url`` as pip shows it: ``user:****@`` for a password, ``****@`` for a lone username."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
    except ValueError:
        return "<URL not shown: unparsable>"
    if "@" not in netloc:
        return url
    userinfo, _, host = netloc.rpartition("@")
    user, colon, _password = userinfo.partition(":")
    shown = f"{user}:****" if colon else "****"
    return urlunsplit(parts._replace(netloc=f"{shown}@{host}"))


def strip_auth(url: str) -> str:
    """``url`` without its userinfo: the keyring service name for an index."""
    entry = ScopeTable().add(url)
    if entry is None:
        raise UsageError(f"not an http(s) URL with a host: {redact_url(url)}")
    return AuthState().keyring_key(entry)


# ------------------------------------------------------------------ shim health


@dataclass
class Health:
    """Whether the shim is installed, armed and able to patch this pip."""

    pth_files: list[str]
    disabled: bool
    armed: bool
    distribution: str | None
    pip_version: str | None = None
    pip_error: str | None = None
    pip_problems: list[str] = field(default_factory=list)
    active: bool = False
    auth_module: ModuleType | None = None

    @property
    def will_load(self) -> bool:
        return bool(self.pth_files) and not self.disabled

    @property
    def in_effect(self) -> bool:
        return self.will_load and self.pip_error is None and not self.pip_problems

    def reasons(self) -> list[str]:
        """Why the shim would not be in effect (empty when it would)."""
        out: list[str] = []
        if not self.pth_files:
            out.append("pip_scoped_auth.pth is not in this interpreter's site-packages")
        if self.disabled:
            out.append(f"disabled by PIP_SCOPED_AUTH={os.environ.get('PIP_SCOPED_AUTH', '')}")
        if self.pip_error:
            out.append(self.pip_error)
        if self.pip_problems:
            out.append(f"pip {self.pip_version} is not supported: {'; '.join(self.pip_problems)}")
        return out


def _site_dirs() -> list[str]:
    dirs = list(site.getsitepackages()) if hasattr(site, "getsitepackages") else []
    if site.ENABLE_USER_SITE:
        dirs.append(site.getusersitepackages())
    return list(dict.fromkeys(dirs))


def check_health() -> Health:
    """Inspect this interpreter; importing pip's auth module lets the hook patch it."""
    try:
        distribution: str | None = importlib.metadata.version("pip-scoped-auth")
    except importlib.metadata.PackageNotFoundError:
        distribution = None
    health = Health(
        pth_files=[
            path
            for path in (os.path.join(d, "pip_scoped_auth.pth") for d in _site_dirs())
            if os.path.isfile(path)
        ],
        disabled=_bootstrap.disabled_by_env(),
        armed=any(_bootstrap.is_ours(f) for f in sys.meta_path),
        distribution=distribution,
    )
    try:
        pip = importlib.import_module("pip")
        health.pip_version = str(getattr(pip, "__version__", "unknown"))
        module = importlib.import_module(AUTH_MODULE)
    except Exception as exc:
        health.pip_error = f"pip cannot be imported here ({type(exc).__name__})"
        return health
    from pip_scoped_auth import is_active, pip_adapter

    health.auth_module = module
    health.pip_problems = pip_adapter.check_module(module)
    health.active = is_active()
    return health


# -------------------------------------------------------------- credential view


def _netloc(url: str) -> str:
    """The netloc the resolver uses for keyring's host fallback (same expression)."""
    return url.partition("://")[2].partition("/")[0]


def _stdlib_netrc(url: str) -> tuple[str, str] | None:
    """requests' ``get_netrc_auth``, for when pip cannot be imported."""
    import netrc

    host = urlsplit(url).hostname or ""
    path = os.environ.get("NETRC") or os.path.expanduser("~/.netrc")
    try:
        found = netrc.netrc(path).authenticators(host)
    except (OSError, netrc.NetrcParseError):
        return None
    if not found:
        return None
    login, account, password = found
    return (login or account or ""), password or ""


def _lookup(auth_module: ModuleType | None, answers: KeyringAnswers) -> Lookup:
    """pip's netrc lookup, and keyring answers gathered without any password."""
    pip_netrc = getattr(auth_module, "get_netrc_auth", None)

    def netrc(url: str) -> tuple[str | None, str | None] | None:
        found: Any = pip_netrc(url) if callable(pip_netrc) else _stdlib_netrc(url)
        return (found[0], found[1]) if found else None

    def keyring(service: str, username: str | None) -> tuple[str | None, str | None] | None:
        found = answers.username_for(service, username)
        # The probe never returns passwords; a placeholder keeps the resolver's
        # "both present" check meaningful and is never printed.
        return (found, "<from keyring>") if found is not None else None

    return Lookup(netrc=netrc, keyring=keyring)


def _keyring_questions(entry: IndexEntry, url: str) -> list[tuple[str, str | None]]:
    """The questions the resolver may ask keyring for ``url`` in ``entry``'s scope."""
    username = split_userinfo(url)[0] or entry.username
    service = AuthState().keyring_key(entry)
    return [(service, username), (_netloc(url), username)]


def _keyring_service(entry: IndexEntry, url: str, answers: KeyringAnswers) -> str:
    for service, username in _keyring_questions(entry, url):
        if answers.username_for(service, username) is not None:
            return service
    return "?"


@dataclass
class View:
    """Everything ``status`` and ``explain`` show about credentials."""

    health: Health
    indexes: PipIndexes
    table: ScopeTable
    answers: KeyringAnswers

    def decide(self, url: str, *, first_request: bool) -> Decision | None:
        """The resolver's answer, as pip's first request or its 401 retry would get it."""
        bare, (username, password) = _split(url)
        return AuthState().resolve(
            self.indexes.index_urls,
            bare,
            username,
            password,
            _lookup(self.health.auth_module, self.answers),
            allow_netrc=first_request,
            allow_keyring=not first_request and self.indexes.keyring_allowed,
        )

    def effective(self, entry: IndexEntry) -> Decision | None:
        """What a file in ``entry``'s scope ends up with (netrc first, then keyring)."""
        return AuthState().resolve(
            self.indexes.index_urls,
            str(entry.scope),
            None,
            None,
            _lookup(self.health.auth_module, self.answers),
            allow_netrc=True,
            allow_keyring=self.indexes.keyring_allowed,
        )

    def rule(self, decision: Decision, url: str) -> str:
        text = RULES.get(decision.source, decision.source)
        if decision.source == Source.KEYRING and decision.entry is not None:
            text = text.format(service=_keyring_service(decision.entry, url, self.answers))
        return text


def _split(url: str) -> tuple[str, tuple[str | None, str | None]]:
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=host)), split_userinfo(url)


def build_view(options: IndexOptions, extra_urls: Sequence[str] = ()) -> View:
    health = check_health()
    indexes = read_pip_indexes(options)
    table = ScopeTable.from_urls(indexes.index_urls)
    questions: list[tuple[str, str | None]] = []
    if indexes.keyring_allowed:
        for entry in table.entries.values():
            if not entry.has_credentials:
                questions += _keyring_questions(entry, str(entry.scope))
        for url in extra_urls:
            found = table.lookup(url)
            if found is not None and not found.has_credentials:
                questions += _keyring_questions(found, _split(url)[0])
    answers = probe(questions) if questions else KeyringAnswers()
    return View(health, indexes, table, answers)


# -------------------------------------------------------------------- commands


def _print_health(health: Health) -> None:
    where = os.path.dirname(os.path.abspath(__file__))
    installed = (
        f"installed ({health.distribution})"
        if health.distribution
        else "not installed as a distribution"
    )
    print(f"pip-scoped-auth {__version__}: {installed}, {where}")
    print(f"python:  {sys.executable} ({sys.version.split()[0]})")
    print(f".pth:    {', '.join(health.pth_files) if health.pth_files else 'missing'}")
    if health.disabled:
        print(f"enabled: no (PIP_SCOPED_AUTH={os.environ.get('PIP_SCOPED_AUTH', '')})")
    elif health.will_load and not health.armed:
        print("enabled: yes, but the .pth did not run in this process (python -S?)")
    else:
        print("enabled: yes")
    if health.pip_error:
        print(f"pip:     {health.pip_error}")
    elif health.pip_problems:
        print(f"pip:     {health.pip_version}, NOT supported: {'; '.join(health.pip_problems)}")
    else:
        print(f"pip:     {health.pip_version}, supported")
    active = "yes" if health.active else "no"
    print(f"active:  {active} (pip's auth module patched in this process)")


def _label(indexes: PipIndexes, position: int) -> str:
    return "index-url" if position == 0 and indexes.first_is_index_url else "extra-index-url"


def _print_sources(indexes: PipIndexes, answers: KeyringAnswers) -> None:
    print(f"read by: {indexes.method}")
    print(f"  pip config files: {', '.join(indexes.config_files) or 'none'}")
    print(f"  PIP_* variables:  {', '.join(indexes.env_names) or 'none'}")
    if not indexes.keyring_allowed:
        print("  keyring:          not used by pip here (--keyring-provider / --no-input)")
    elif answers.problem:
        print(f"  keyring:          {answers.problem}")
    elif answers.backend:
        print(f"  keyring:          {answers.backend}")
    for note in indexes.notes:
        print(f"  note: {note}")


def cmd_status(args: argparse.Namespace) -> int:
    view = build_view(_index_options(args))
    _print_health(view.health)
    indexes = view.indexes
    print()
    print("Indexes pip would use here, each with its scope and credential source:")
    _print_sources(indexes, view.answers)
    if not indexes.index_urls:
        print("  (no index: --no-index)")
    for position, url in enumerate(indexes.index_urls):
        print(f"  {_label(indexes, position):<16} {redact_url(url)}")
        entry = view.table.lookup(url)
        decision = view.effective(entry) if entry is not None else None
        if entry is None:
            print("    not an http(s) index: pip decides, as without the shim")
        elif entry.url != url:
            print(f"    same scope as an earlier index ({entry.scope}): the first one listed wins")
        elif decision is not None:
            print(f"    {decision.describe()}")
    for url in indexes.find_links:
        print(f"  {'find-links':<16} {redact_url(url)}")
        print("    not an index scope: pip matches find-links credentials by host")
    print()
    reasons = view.health.reasons()
    if reasons:
        for reason in reasons:
            print(f"NOT IN EFFECT: {reason}")
        print("pip runs unpatched here: credentials are chosen per host, as in stock pip.")
        return EXIT_NOT_IN_EFFECT
    print("OK: pip's credentials are scoped per index in this environment.")
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    url: str = args.url
    location = request_location(url)
    if location is None:
        raise UsageError(f"not an http(s) URL with a host: {redact_url(url)}")
    view = build_view(_index_options(args), extra_urls=[url])
    indexes = view.indexes
    print(f"URL:     {redact_url(url)}")
    print(f"origin:  {location.origin}")
    print("Indexes (the scopes pip-scoped-auth builds from them):")
    _print_sources(indexes, view.answers)
    for position, index_url in enumerate(indexes.index_urls):
        scope = view.table.lookup(index_url)
        shown = scope.scope if scope is not None else "(not http(s): no scope)"
        print(f"  {_label(indexes, position):<16} {redact_url(index_url)}")
        print(f"    scope {shown}")
    print()
    _explain_decision(view, url, location)
    reasons = view.health.reasons()
    if reasons:
        print()
        for reason in reasons:
            print(f"NOT IN EFFECT: {reason}")
        print("pip runs unpatched here, so pip itself chooses by host, whatever is shown above.")
        return EXIT_NOT_IN_EFFECT
    return EXIT_OK


def _explain_decision(view: View, url: str, location: Any) -> None:
    _bare, (username, password) = _split(url)
    if username is not None and password is not None:
        print("Decision: the URL carries its own username and password; pip sends those")
        print("          (rule 1: credentials in the request URL always win).")
        return
    entry = view.table.lookup(url)
    if entry is None:
        print("Decision: no index scope contains this URL, so pip-scoped-auth stays out of it:")
        print("          pip chooses by host (URL credentials, netrc, its per-host cache).")
        same_host = view.table.scopes_on(location.origin)
        if same_host:
            print(f"Note:     {len(same_host)} index scope(s) are on this host, none contains this")
            print("          path: a file linked outside its index's path gets pip's per-host")
            print("          choice, which may be another index's token (docs/troubleshooting.md).")
        return
    containing = [s for s in view.table.scopes_on(location.origin) if s.contains(location)]
    print(f"Scope:   {entry.scope}")
    print(f"         index {redact_url(entry.url)}")
    why = "the only index scope that contains the URL (on path-segment boundaries)"
    if len(containing) > 1:
        why = f"the longest of {len(containing)} index scopes that contain the URL"
    print(f"         why: {why}")
    first = view.decide(url, first_request=True)
    retry = view.decide(url, first_request=False)
    for title, decision in (("First request:", first), ("After a 401:  ", retry)):
        if decision is None:
            continue
        print(f"{title} {decision.describe()}")
        print(f"               why: {view.rule(decision, url)}")
    if not view.indexes.keyring_allowed:
        print("               (keyring is not consulted: pip would not use it with these options)")


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
    return strip_auth(index_url), username


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


# ---------------------------------------------------------------------- parser


def _index_options(args: argparse.Namespace) -> IndexOptions:
    return IndexOptions(
        index_url=args.index_url,
        extra_index_urls=tuple(args.extra_index_url),
        find_links=tuple(args.find_links),
        requirements=tuple(args.requirement),
        constraints=tuple(args.constraint),
        no_index=args.no_index,
    )


def _add_pip_index_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "pip index options",
        "The same options pip install takes. pip's config files and PIP_* variables are read "
        "too, by pip's own option parser, exactly as pip install would.",
    )
    group.add_argument("-i", "--index-url", metavar="URL", help="base URL of the package index")
    group.add_argument(
        "--extra-index-url", metavar="URL", action="append", default=[], help="extra index URL"
    )
    group.add_argument(
        "-f", "--find-links", metavar="URL", action="append", default=[], help="find-links URL"
    )
    group.add_argument(
        "-r",
        "--requirement",
        metavar="FILE",
        action="append",
        default=[],
        help="requirements file (its --index-url/--extra-index-url lines count)",
    )
    group.add_argument(
        "-c", "--constraint", metavar="FILE", action="append", default=[], help="constraints file"
    )
    group.add_argument("--no-index", action="store_true", help="ignore package indexes")


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
    _add_pip_index_options(status)
    status.set_defaults(func=cmd_status)

    explain = sub.add_parser(
        "explain",
        help="which scope and credential source a request to URL gets, and why",
        description="Show the scope that contains URL, the credentials the first request and a "
        "401 retry would carry (redacted), and the rule that decided.",
        epilog=EPILOG,
    )
    explain.add_argument("url", metavar="URL", help="a page or file URL pip would request")
    _add_pip_index_options(explain)
    explain.set_defaults(func=cmd_explain)

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
    login.set_defaults(func=cmd_login)

    logout = sub.add_parser(
        "logout",
        help="remove the token stored for one index URL",
        description="Remove the token stored in keyring under INDEX_URL. Succeeds when nothing "
        "was stored. Needs the keyring extra.",
        epilog=EPILOG,
    )
    logout.add_argument("index_url", metavar="INDEX_URL", help="the index URL given to login")
    logout.add_argument("-u", "--username", help="the username stored (default: the one found)")
    logout.set_defaults(func=cmd_logout)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except UsageError as exc:
        print(f"pip-scoped-auth {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except PipConfigError as exc:
        print(f"pip-scoped-auth {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyringUnavailable as exc:
        print(f"pip-scoped-auth {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_KEYRING
    except KeyboardInterrupt:
        return 130
    sys.stdout.flush()
    return code
