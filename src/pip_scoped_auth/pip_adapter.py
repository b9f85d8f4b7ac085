"""The only module that knows pip's internals.

It wraps three methods of ``MultiDomainBasicAuth`` (with ``wrapt``) and asks
:mod:`pip_scoped_auth.resolver` which credentials a URL gets. Everything that
changes between pip releases (names, signatures, the keyring entry point, the
shape of ``_credentials_to_save``) is checked or bridged here, so a new pip
release means touching this file only.

Failure policy: if the expected names are missing, pip is left unpatched with
one warning line. If a wrapper raises at run time, that call gets pip's own
result, one warning line is printed, and the shim stands down for the rest of
the process so a run never mixes two credential policies.
"""

from __future__ import annotations

import base64
import inspect
import sys
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

import wrapt

from pip_scoped_auth import _bootstrap
from pip_scoped_auth.resolver import AuthState, Lookup
from pip_scoped_auth.scopes import Credentials

#: Oldest pip whose auth module this adapter was written against.
MIN_PIP = (22, 0)

#: Hooked methods and the parameters each must accept.
HOOKS: dict[str, tuple[str, ...]] = {
    "_get_url_and_credentials": ("self", "original_url"),
    "_get_new_credentials": ("self", "original_url", "allow_netrc", "allow_keyring"),
    "handle_401": ("self", "resp"),
}

_STATE_ATTR = "_pip_scoped_auth_state"

_lock = threading.Lock()
#: module name -> {method name: original function}, for unpatch.
_patched: dict[str, dict[str, Any]] = {}
_stood_down = False


def pip_version(module: ModuleType) -> str:
    """The version of the pip that owns ``module`` (pip's or pipenv's copy)."""
    root = module.__name__.rsplit("._internal", 1)[0]
    pip = sys.modules.get(root)
    return str(getattr(pip, "__version__", "unknown"))


def _version_tuple(version: str) -> tuple[int, ...]:
    parts: list[int] = []
    for piece in version.split(".")[:2]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def check_module(module: ModuleType) -> list[str]:
    """What in ``module`` differs from what the wrappers expect (empty: all good)."""
    problems: list[str] = []
    version = _version_tuple(pip_version(module))
    if version and version < MIN_PIP:
        problems.append(f"pip older than {'.'.join(map(str, MIN_PIP))}")
    cls = getattr(module, "MultiDomainBasicAuth", None)
    if not isinstance(cls, type):
        return [*problems, "MultiDomainBasicAuth is missing"]
    for name, expected in HOOKS.items():
        func = cls.__dict__.get(name)
        if not callable(func):
            problems.append(f"MultiDomainBasicAuth.{name} is missing")
            continue
        try:
            params = tuple(inspect.signature(func).parameters)
        except (TypeError, ValueError):
            problems.append(f"MultiDomainBasicAuth.{name} has no readable signature")
            continue
        missing = [p for p in expected if p not in params]
        if missing:
            problems.append(f"MultiDomainBasicAuth.{name} lacks {', '.join(missing)}")
    init_params = _params(cls.__dict__.get("__init__"))
    if "index_urls" not in init_params:
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


def _params(func: Any) -> tuple[str, ...]:
    try:
        return tuple(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return ()


def patch_module(module: ModuleType) -> bool:
    """Wrap ``module.MultiDomainBasicAuth``; warn and leave it alone if it does not fit."""
    with _lock:
        if module.__name__ in _patched:
            return True
        problems = check_module(module)
        if problems:
            _bootstrap.warn_once(
                f"pip {pip_version(module)} is not supported ({'; '.join(problems)}); "
                "pip runs unpatched"
            )
            return False
        cls = module.MultiDomainBasicAuth
        originals = {name: cls.__dict__[name] for name in HOOKS}
        bridge = _PipBridge(module)
        wrappers = {
            "_get_url_and_credentials": _guarded(bridge, _get_url_and_credentials),
            "_get_new_credentials": _guarded(bridge, _get_new_credentials),
            "handle_401": _guarded(bridge, _handle_401),
        }
        try:
            for name, wrapper in wrappers.items():
                wrapt.wrap_function_wrapper(cls, name, wrapper)
        except Exception:
            for name, original in originals.items():
                setattr(cls, name, original)
            raise
        _patched[module.__name__] = originals
        return True


def unpatch_all() -> None:
    """Restore pip's own methods in every module patched so far."""
    with _lock:
        for name, originals in list(_patched.items()):
            module = sys.modules.get(name)
            cls = getattr(module, "MultiDomainBasicAuth", None)
            if cls is not None:
                for attr, original in originals.items():
                    setattr(cls, attr, original)
            del _patched[name]


def patched_modules() -> list[str]:
    with _lock:
        return sorted(_patched)


class _PipBridge:
    """The few pip functions the resolver needs, found once per pip module."""

    def __init__(self, module: ModuleType) -> None:
        self.module = module
        self.version = pip_version(module)
        self.split_auth_netloc_from_url: Callable[[str], tuple[str, str, Credentials]] = (
            module.split_auth_netloc_from_url
        )
        self.get_netrc_auth: Callable[[str], Any] = module.get_netrc_auth

    def keyring(self, auth: Any, url: str, username: str | None) -> Credentials | None:
        """Ask keyring the way this pip version does (module function or method)."""
        method = getattr(auth, "_get_keyring_auth", None)
        if method is not None:
            result = method(url, username)
        else:
            result = self.module.get_keyring_auth(url, username)
        if not result:
            return None
        return result[0], result[1]

    def state(self, auth: Any) -> AuthState:
        state = auth.__dict__.get(_STATE_ATTR)
        if not isinstance(state, AuthState):
            state = AuthState()
            auth.__dict__[_STATE_ATTR] = state
        return state

    def lookup(self, auth: Any) -> Lookup:
        def keyring(url: str, username: str | None) -> Credentials | None:
            return self.keyring(auth, url, username)

        def netrc(url: str) -> Credentials | None:
            found = self.get_netrc_auth(url)
            return (found[0], found[1]) if found else None

        return Lookup(netrc=netrc, keyring=keyring)


Wrapper = Callable[[_PipBridge, Any, Any, tuple[Any, ...], dict[str, Any]], Any]


def _guarded(bridge: _PipBridge, body: Wrapper) -> Callable[..., Any]:
    """Turn ``body`` into a wrapt wrapper that falls back to pip on any error."""

    def wrapper(wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if _stood_down or instance is None:
            return wrapped(*args, **kwargs)
        try:
            return body(bridge, wrapped, instance, args, kwargs)
        except _PipRaised as raised:
            raise raised.original from None
        except Exception as exc:
            _stand_down(bridge, exc)
            return wrapped(*args, **kwargs)

    return wrapper


class _PipRaised(Exception):
    """Carries an exception raised by pip's own code through the guard unchanged."""

    def __init__(self, original: BaseException) -> None:
        super().__init__()
        self.original = original


def _call_pip(wrapped: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return wrapped(*args, **kwargs)
    except Exception as exc:
        raise _PipRaised(exc) from None


def _stand_down(bridge: _PipBridge, exc: BaseException) -> None:
    global _stood_down
    _stood_down = True
    # Only the exception's type: its message could quote a URL with a token.
    _bootstrap.warn_once(
        f"internal error ({type(exc).__name__}) with pip {bridge.version}; "
        "pip continues unpatched for this run"
    )


def _get_url_and_credentials(
    bridge: _PipBridge, wrapped: Any, auth: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    original_url = _arg(args, kwargs, 0, "original_url")
    url, netloc, (username, password) = bridge.split_auth_netloc_from_url(original_url)
    state = bridge.state(auth)
    decision = state.resolve(
        auth.index_urls,
        url,
        username,
        password,
        bridge.lookup(auth),
        allow_netrc=True,
        keyring_for_named_user=_keyring_allowed(auth),
    )
    if decision is None:
        return _call_pip(wrapped, *args, **kwargs)
    username, password = decision.credentials
    if username is not None or password is not None:
        # pip's own normalisation: HTTPBasicAuth needs strings, and code that
        # reads ``passwords[netloc]`` expects the credentials just used there.
        username = username or ""
        password = password or ""
        auth.passwords[netloc] = (username, password)
    return url, username, password


def _get_new_credentials(
    bridge: _PipBridge, wrapped: Any, auth: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    original_url = _arg(args, kwargs, 0, "original_url")
    allow_netrc = bool(_arg(args, kwargs, 1, "allow_netrc", True))
    allow_keyring = bool(_arg(args, kwargs, 2, "allow_keyring", False))
    url, _netloc, (username, password) = bridge.split_auth_netloc_from_url(original_url)
    decision = bridge.state(auth).resolve(
        auth.index_urls,
        url,
        username,
        password,
        bridge.lookup(auth),
        allow_netrc=allow_netrc,
        allow_keyring=allow_keyring,
    )
    if decision is None:
        return _call_pip(wrapped, *args, **kwargs)
    return decision.credentials


def _handle_401(
    bridge: _PipBridge, wrapped: Any, auth: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    resp = _arg(args, kwargs, 0, "resp")
    if getattr(resp, "status_code", None) != 401:
        return _call_pip(wrapped, *args, **kwargs)
    new_resp = _call_pip(wrapped, *args, **kwargs)
    state = bridge.state(auth)
    entry = state.entry_for(auth.index_urls, _without_auth(bridge, resp.url))
    if entry is None:
        return new_resp
    # Prompted credentials that pip offers to save go to keyring under the
    # index URL, not the bare host, so the next run finds them for this index
    # only. ``save_credentials`` reads this attribute when the retried
    # response arrives, which is after this wrapper returns.
    to_save = getattr(auth, "_credentials_to_save", None)
    if to_save is not None:
        key = state.keyring_key(entry)
        replace = getattr(to_save, "_replace", None)
        auth._credentials_to_save = replace(url=key) if replace else (key, *to_save[1:])
    # Anything but another 401 means the server took the credentials (GitLab
    # answers 404 when a valid token finds no such package), so later
    # requests in this scope send them up front: one challenge per index.
    if new_resp is not resp and getattr(new_resp, "status_code", 401) != 401:
        sent = _basic_credentials(getattr(new_resp, "request", None))
        if sent is not None:
            state.learn(entry, *sent)
    return new_resp


def _keyring_allowed(auth: Any) -> bool:
    """Whether this pip would ask keyring after a 401 in this run.

    pip 23.1+ says so in ``use_keyring`` (prompting, or an explicit
    ``--keyring-provider``); older pips ask keyring only when prompting.
    Read at call time: pip sets both after building the session.
    """
    if isinstance(getattr(type(auth), "use_keyring", None), property):
        return bool(auth.use_keyring)
    return bool(getattr(auth, "prompting", False))


def _without_auth(bridge: _PipBridge, url: str) -> str:
    return bridge.split_auth_netloc_from_url(url)[0]


def _basic_credentials(request: Any) -> tuple[str, str] | None:
    """The credentials a request carried in its ``Authorization: Basic`` header."""
    headers = getattr(request, "headers", None)
    value = headers.get("Authorization") if headers is not None else None
    if not value:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin1")
    scheme, _, encoded = value.partition(" ")
    if scheme.lower() != "basic":
        return None
    decoded = base64.b64decode(encoded.strip()).decode("latin1")
    username, sep, password = decoded.partition(":")
    if not sep:
        return None
    return username, password


def _arg(
    args: tuple[Any, ...], kwargs: dict[str, Any], pos: int, name: str, default: Any = None
) -> Any:
    if len(args) > pos:
        return args[pos]
    return kwargs.get(name, default)
