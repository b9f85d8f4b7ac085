"""What this package expects of pip: versions, names, signatures, keyring policy.

Everything that changes between pip releases is checked here before anything
is patched, so a pip whose internals moved is left alone with one warning
line, and ``status`` can say why. Together with the wrappers and
:mod:`.config` this is the only code that knows pip's internals.
"""

from __future__ import annotations

import inspect
import sys
from types import ModuleType
from typing import Any

from pip_scoped_auth.core.notice import warn_once
from pip_scoped_auth.core.versions import version_tuple

__all__ = [
    "AUTH_MODULE",
    "HOOKS",
    "LINK_INIT",
    "MIN_PIP",
    "REBUILD_AUTH",
    "TESTED_THROUGH",
    "check_link_module",
    "check_module",
    "keyring_allowed",
    "pip_root",
    "pip_version",
    "redact_module",
    "redirect_mixin",
    "untested_newer",
    "warn_once",
]

#: pip's auth module, the one ``status`` imports to see it patched.
AUTH_MODULE = "pip._internal.network.auth"
AUTH_SUFFIX = "._internal.network.auth"
LINK_SUFFIX = "._internal.models.link"

#: Oldest pip whose auth module this adapter was written against.
MIN_PIP = (22, 0)

#: Newest pip release line the whole suite ran on (docs/compatibility.md). A
#: newer pip whose internals still check out is patched, but the shim replaces
#: the bodies of pip's credential methods, so a fix pip made there would be
#: dropped silently: ``status`` warns and ``pip -v`` says so once.
TESTED_THROUGH = (26, 3)

#: Hooked methods of ``MultiDomainBasicAuth`` and the parameters each must accept.
HOOKS: dict[str, tuple[str, ...]] = {
    "_get_url_and_credentials": ("self", "original_url"),
    "_get_new_credentials": ("self", "original_url", "allow_netrc", "allow_keyring"),
    "handle_401": ("self", "resp"),
}
#: ``Link.__init__`` parameters provenance reads.
LINK_INIT = ("self", "url", "comes_from")
#: ``SessionRedirectMixin.rebuild_auth`` (pip's vendored requests) parameters.
REBUILD_AUTH = ("self", "prepared_request", "response")


def pip_root(module: ModuleType) -> str:
    """``pip`` or ``pipenv.patched.pip``: the package that owns ``module``."""
    return module.__name__.rsplit("._internal", 1)[0]


def pip_version(module: ModuleType) -> str:
    """The version of the pip that owns ``module`` (pip's or pipenv's copy)."""
    pip = sys.modules.get(pip_root(module))
    return str(getattr(pip, "__version__", "unknown"))


def _params(func: Any) -> tuple[str, ...]:
    try:
        return tuple(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return ()


def _missing_params(owner: type, name: str, expected: tuple[str, ...]) -> str | None:
    func = owner.__dict__.get(name)
    if not callable(func):
        return f"{owner.__name__}.{name} is missing"
    params = _params(func)
    if not params:
        return f"{owner.__name__}.{name} has no readable signature"
    missing = [p for p in expected if p not in params]
    if missing:
        return f"{owner.__name__}.{name} lacks {', '.join(missing)}"
    return None


def check_module(module: ModuleType) -> list[str]:
    """What in pip's auth module differs from what the wrappers expect (empty: all good)."""
    problems: list[str] = []
    version = version_tuple(pip_version(module))
    if version and version < MIN_PIP:
        problems.append(f"pip older than {'.'.join(map(str, MIN_PIP))}")
    cls = getattr(module, "MultiDomainBasicAuth", None)
    if not isinstance(cls, type):
        return [*problems, "MultiDomainBasicAuth is missing"]
    for name, expected in HOOKS.items():
        problem = _missing_params(cls, name, expected)
        if problem:
            problems.append(problem)
    if "index_urls" not in _params(cls.__dict__.get("__init__")):
        problems.append("MultiDomainBasicAuth.__init__ lacks index_urls")
    if not callable(getattr(module, "split_auth_netloc_from_url", None)):
        problems.append("split_auth_netloc_from_url is missing")
    if not callable(getattr(module, "get_netrc_auth", None)):
        problems.append("get_netrc_auth is missing")
    has_keyring = callable(getattr(module, "get_keyring_auth", None)) or callable(
        cls.__dict__.get("_get_keyring_auth")
    )
    if not has_keyring:
        problems.append("no keyring entry point (get_keyring_auth or _get_keyring_auth)")
    return problems


def untested_newer(version: str) -> str | None:
    """A warning when ``version`` is newer than :data:`TESTED_THROUGH` (None otherwise).

    Compares major and minor only: a bug-fix release of a tested line
    (26.3.1) is tested; an unparsable version gets no warning, because
    :func:`check_module` is what decides whether pip's internals fit.
    """
    parsed = version_tuple(version)
    if not parsed or parsed[:2] <= TESTED_THROUGH:
        return None
    tested = ".".join(map(str, TESTED_THROUGH))
    return f"pip {version} is newer than the newest tested ({tested})"


def check_link_module(module: ModuleType) -> list[str]:
    """What in pip's ``models.link`` differs from what provenance expects."""
    cls = getattr(module, "Link", None)
    if not isinstance(cls, type):
        return ["Link is missing"]
    problem = _missing_params(cls, "__init__", LINK_INIT)
    return [problem] if problem else []


def redirect_mixin(root: str) -> type | None:
    sessions = sys.modules.get(f"{root}._vendor.requests.sessions")
    mixin = getattr(sessions, "SessionRedirectMixin", None)
    if isinstance(mixin, type) and _missing_params(mixin, "rebuild_auth", REBUILD_AUTH) is None:
        return mixin
    return None


def redact_module(root: str) -> ModuleType | None:
    """pip's ``utils.misc``, where ``redact_netloc`` lives (looked up there at each call)."""
    misc = sys.modules.get(f"{root}._internal.utils.misc")
    func = getattr(misc, "redact_netloc", None)
    if misc is not None and callable(func) and _params(func)[:1] == ("netloc",):
        return misc
    return None


def keyring_allowed(auth: Any) -> bool:
    """Whether this pip would ask keyring after a 401 in this run.

    pip 23.1+ says so in ``use_keyring`` (prompting, or an explicit
    ``--keyring-provider``); older pips ask keyring only when prompting.
    Read at call time: pip sets both after building the session.
    """
    if isinstance(getattr(type(auth), "use_keyring", None), property):
        # ``--keyring-provider disabled`` with prompting still reads as
        # use_keyring in pip, but its null provider never answers.
        provider = auth.__dict__.get("_keyring_provider", "auto")
        return bool(auth.use_keyring) and provider != "disabled"
    return bool(getattr(auth, "prompting", False))
