"""The wrappers around pip's credential methods, and patch/unpatch.

It wraps (with ``wrapt``) three methods of ``MultiDomainBasicAuth``, plus
``Link.__init__`` (provenance) and the vendored requests'
``SessionRedirectMixin.rebuild_auth`` (same-origin redirects), and asks
:mod:`pip_scoped_auth.core.resolver` which credentials a URL gets. Everything
that changes between pip releases (names, signatures, the keyring entry point,
the shape of ``_credentials_to_save``) is checked in :mod:`.compat` or bridged
here, so a new pip release means touching this folder only.

Failure policy: if the expected names are missing, pip is left unpatched with
one warning line. If a wrapper raises at run time, that call gets pip's own
result, one warning line is printed, and the shim stands down for the rest of
the process so a run never mixes two credential policies. Where pip's own
method has already run (``handle_401`` sends a retry), a failure in what the
shim does afterwards keeps pip's result: pip's method never runs twice.
"""

from __future__ import annotations

import base64
import logging
import sys
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

import wrapt

from pip_scoped_auth.core.provenance import Provenance
from pip_scoped_auth.core.resolver import AuthState, Decision, Lookup
from pip_scoped_auth.core.scopes import Credentials
from pip_scoped_auth.core.urls import without_userinfo
from pip_scoped_auth.pip_layer import compat

_STATE_ATTR = "_pip_scoped_auth_state"


_lock = threading.RLock()
#: module name -> [(owner, attribute, original)], for unpatch.
_patched: dict[str, list[tuple[Any, str, Any]]] = {}
#: pip root ("pip", "pipenv.patched.pip") -> the link/page map of this process.
_provenances: dict[str, Provenance] = {}
#: pip roots found unsupported: nothing of theirs is patched.
_unsupported: set[str] = set()
_stood_down = False


def _refuse(module: ModuleType, problems: list[str]) -> bool:
    """Leave this pip entirely unpatched, with the one warning line."""
    root = compat.pip_root(module)
    _unsupported.add(root)
    for name in [n for n in _patched if n.startswith(f"{root}._internal.")]:
        _unpatch(name)
    version = compat.pip_version(module)
    compat.warn_once(f"pip {version} is not supported ({'; '.join(problems)}); pip runs unpatched")
    return False


def _wrap_all(name: str, targets: list[tuple[Any, str, Callable[..., Any]]]) -> None:
    undo: list[tuple[Any, str, Any]] = []
    try:
        for owner, attr, wrapper in targets:
            original = owner.__dict__[attr]
            wrapt.wrap_function_wrapper(owner, attr, wrapper)
            undo.append((owner, attr, original))
    except Exception:
        for owner, attr, original in reversed(undo):
            setattr(owner, attr, original)
        raise
    _patched[name] = undo


def patch_module(module: ModuleType) -> bool:
    """Patch one of pip's modules (auth or link); warn and leave pip alone if it does not fit."""
    with _lock:
        name = module.__name__
        root = compat.pip_root(module)
        if name in _patched:
            return True
        if root in _unsupported:
            return False
        if name.endswith(compat.AUTH_SUFFIX):
            problems = compat.check_module(module)
            if problems:
                return _refuse(module, problems)
            bridge = _PipBridge(module, _provenances.setdefault(root, Provenance()))
            cls = module.MultiDomainBasicAuth
            targets: list[tuple[Any, str, Callable[..., Any]]] = [
                (cls, "_get_url_and_credentials", _guarded(bridge, _get_url_and_credentials)),
                (cls, "_get_new_credentials", _guarded(bridge, _get_new_credentials)),
                (cls, "handle_401", _guarded(bridge, _handle_401)),
            ]
            mixin = compat.redirect_mixin(root)
            if mixin is not None:
                targets.append((mixin, "rebuild_auth", _guarded(bridge, _rebuild_auth)))
            _wrap_all(name, targets)
            return True
        if name.endswith(compat.LINK_SUFFIX):
            problems = compat.check_link_module(module)
            if problems:
                return _refuse(module, problems)
            provenance = _provenances.setdefault(root, Provenance())
            link_init = _link_init(provenance, compat.pip_version(module))
            _wrap_all(name, [(module.Link, "__init__", link_init)])
            return True
        return False


def _unpatch(name: str) -> None:
    for owner, attr, original in reversed(_patched.pop(name, [])):
        setattr(owner, attr, original)


def unpatch_all() -> None:
    """Restore pip's own methods in every module patched so far."""
    with _lock:
        for name in list(_patched):
            _unpatch(name)


def patched_modules() -> list[str]:
    with _lock:
        return sorted(_patched)


class _PipBridge:
    """The few pip functions the resolver needs, found once per pip module."""

    def __init__(self, module: ModuleType, provenance: Provenance) -> None:
        self.module = module
        self.provenance = provenance
        self.version = compat.pip_version(module)
        self.untested = compat.untested_newer(self.version)
        self.split_auth_netloc_from_url: Callable[[str], tuple[str, str, Credentials]] = (
            module.split_auth_netloc_from_url
        )
        self.get_netrc_auth: Callable[[str], Any] = module.get_netrc_auth
        requests_auth = sys.modules.get(f"{compat.pip_root(module)}._vendor.requests.auth")
        self._basic_auth_str: Callable[[str, str], str] | None = getattr(
            requests_auth, "_basic_auth_str", None
        )

    def basic_auth_header(self, username: str, password: str) -> str:
        """The header value requests' own ``HTTPBasicAuth`` would send."""
        if self._basic_auth_str is not None:
            return self._basic_auth_str(username, password)
        raw = f"{username}:{password}".encode("latin1")
        return "Basic " + base64.b64encode(raw).decode("ascii")

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
            state = AuthState(self.provenance)
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
            _note_untested(bridge)
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
    _stand_down_version(bridge.version, exc)


def _stand_down_version(version: str, exc: BaseException) -> None:
    global _stood_down
    _stood_down = True
    # Only the exception's type: its message could quote a URL with a token.
    compat.warn_once(
        f"internal error ({type(exc).__name__}) with pip {version}; "
        "pip continues unpatched for this run"
    )


_logged: set[tuple[str, str, str]] = set()


def _note_untested(bridge: _PipBridge) -> None:
    """Say once per process, in pip's ``-v`` log, that this pip is newer than any tested.

    Logged on the first call rather than at patch time: pip imports its auth
    module before it sets up logging, so a line logged then would be lost.
    """
    if bridge.untested is None or ("untested", "", "") in _logged:
        return
    with _lock:
        _logged.add(("untested", "", ""))
    logger = logging.getLogger(bridge.module.__name__)
    log = getattr(logger, "verbose", None) or logger.debug
    log("pip-scoped-auth: %s; patched all the same", bridge.untested)


def _log_decision(bridge: _PipBridge, decision: Decision) -> None:
    """One line in pip's own log per (scope, source), the first time it is decided.

    pip's logger for its auth module, so pip's ``-v`` shows it (pip's VERBOSE
    level, 22.0+) and default verbosity does not. ``describe`` is redacted.
    """
    where = decision.page or (str(decision.entry.scope) if decision.entry is not None else "")
    key = (bridge.module.__name__, where, decision.source)
    with _lock:
        if key in _logged:
            return
        _logged.add(key)
    logger = logging.getLogger(bridge.module.__name__)
    log = getattr(logger, "verbose", None) or logger.debug
    log("pip-scoped-auth: %s", decision.describe())


def _get_url_and_credentials(
    bridge: _PipBridge, wrapped: Any, auth: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    original_url = _arg(args, kwargs, 0, "original_url")
    url, netloc, _ = bridge.split_auth_netloc_from_url(original_url)
    decision = _decide(bridge, auth, original_url)
    if decision is None:
        return _call_pip(wrapped, *args, **kwargs)
    _log_decision(bridge, decision)
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
    _log_decision(bridge, decision)
    return decision.credentials


def _handle_401(
    bridge: _PipBridge, wrapped: Any, auth: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """pip's 401 retry, plus what every answer teaches (pip calls this for every response)."""
    resp = _arg(args, kwargs, 0, "resp")
    new_resp = _call_pip(wrapped, *args, **kwargs)
    try:
        if getattr(resp, "status_code", None) == 401:
            _after_401(bridge, auth, resp, new_resp)
        _remember_page(bridge, new_resp)
    except Exception as exc:
        _stand_down(bridge, exc)
    return new_resp


def _after_401(bridge: _PipBridge, auth: Any, resp: Any, new_resp: Any) -> None:
    state = bridge.state(auth)
    entry = state.entry_for(auth.index_urls, without_userinfo(resp.url))
    if entry is None:
        return
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


#: Content types of index pages (PEP 503 HTML, PEP 691 JSON and HTML).
_PAGE_TYPES = ("text/html", "application/vnd.pypi.simple.")


def _remember_page(bridge: _PipBridge, resp: Any) -> None:
    """Record which credentials a successful index page was read with.

    Every successful response says which credentials worked for which URL;
    for pages, that is what the files they list will be fetched with, even
    where pip stripped the page URL's credentials before recording it as the
    links' ``comes_from``.
    """
    status = getattr(resp, "status_code", None)
    if not isinstance(status, int) or not 200 <= status < 300:
        return
    content_type = str(resp.headers.get("Content-Type", "")).lower()
    if not content_type.startswith(_PAGE_TYPES):
        return
    url = without_userinfo(resp.url)
    bridge.provenance.page_fetched(url, _basic_credentials(getattr(resp, "request", None)))


def _link_init(provenance: Provenance, version: str) -> Callable[..., Any]:
    """Wrapper for ``Link.__init__``: links of a page we saw answer inherit its credentials."""

    def wrapper(wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        result = wrapped(*args, **kwargs)
        if _stood_down:
            return result
        try:
            comes_from = getattr(instance, "comes_from", None)
            page_url = getattr(comes_from, "url", comes_from)
            if isinstance(page_url, str):
                provenance.link_listed(instance.url, page_url)
        except Exception as exc:
            _stand_down_version(version, exc)
        return result

    return wrapper


def _rebuild_auth(
    bridge: _PipBridge, wrapped: Any, session: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """Re-decide the ``Authorization`` header when a redirect stays on the same origin.

    requests keeps the header across any same-host redirect, whatever the
    path, and never runs the session's auth again: a redirect from one
    project's path to another's would carry the first project's token. Here
    the redirect target gets what a fresh request to it would get; a target
    outside every scope and page loses credentials that came from a scope.
    (Cross-origin redirects are already stripped by requests.)
    """
    result = _call_pip(wrapped, *args, **kwargs)
    try:
        _redecide_redirect(bridge, session, args, kwargs)
    except Exception as exc:
        _stand_down(bridge, exc)
    return result


def _redecide_redirect(
    bridge: _PipBridge, session: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    auth = getattr(session, "auth", None)
    if auth is None or not isinstance(auth.__dict__.get(_STATE_ATTR), AuthState):
        return
    prepared = _arg(args, kwargs, 0, "prepared_request")
    response = _arg(args, kwargs, 1, "response")
    headers = prepared.headers
    target = _decide(bridge, auth, prepared.url)
    if target is not None:
        username, password = target.credentials
        if username is None and password is None:
            headers.pop("Authorization", None)
        else:
            headers["Authorization"] = bridge.basic_auth_header(username or "", password or "")
        return
    source_url = getattr(getattr(response, "request", None), "url", None)
    if "Authorization" in headers and source_url and _decide(bridge, auth, source_url) is not None:
        headers.pop("Authorization", None)


def _decide(bridge: _PipBridge, auth: Any, original_url: str) -> Decision | None:
    """What a fresh request to ``original_url`` would get from the shim (no side effects)."""
    url, _netloc, (username, password) = bridge.split_auth_netloc_from_url(original_url)
    return bridge.state(auth).resolve(
        auth.index_urls,
        url,
        username,
        password,
        bridge.lookup(auth),
        allow_netrc=True,
        keyring_for_named_user=compat.keyring_allowed(auth),
    )


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
