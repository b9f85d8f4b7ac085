"""The wrappers around pip's credential methods, and patch/unpatch.

It wraps (with ``wrapt``) three methods of ``MultiDomainBasicAuth``, plus
``Link.__init__`` (provenance) and the vendored requests'
``SessionRedirectMixin.rebuild_auth`` (same-origin redirects), and asks
:mod:`pip_scoped_auth.core.resolver` which credentials a URL gets. Everything
that changes between pip releases (names, signatures, the keyring entry point,
the shape of ``_credentials_to_save``) is checked in :mod:`.compat` or bridged
here, so a new pip release means touching this folder only.

Failure policy: if the expected names are missing, pip is left unpatched with
one warning line. If the shim's own code raises at run time, that call gets
pip's own result, one warning line is printed, and the shim stands down for
the rest of the process so a run never mixes two credential policies. pip's
own methods are called outside every ``try`` of the shim: what they raise
reaches pip unchanged, chaining included, and they never run twice.
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
from pip_scoped_auth.core.secrets import NOBODY, Login
from pip_scoped_auth.core.urls import directory_of, origin_of, without_userinfo
from pip_scoped_auth.core.versions import version_tuple
from pip_scoped_auth.pip_layer import compat, helpers

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
                (cls, "_get_url_and_credentials", _url_and_credentials_wrapper(bridge)),
                (cls, "_get_new_credentials", _new_credentials_wrapper(bridge)),
                (cls, "handle_401", _response_wrapper(bridge)),
                (cls, "__call__", helpers.call_wrapper(bridge, _active, _stand_down)),
            ]
            mixin = compat.redirect_mixin(root)
            if mixin is not None:
                targets.append((mixin, "rebuild_auth", _redirect_wrapper(bridge)))
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
        #: pip 23.1+ asks keyring by the index URL with one trailing slash.
        self.keyring_slash_first = version_tuple(self.version) >= (23, 1)
        self.split_auth_netloc_from_url: Callable[[str], tuple[str, str, Credentials]] = (
            module.split_auth_netloc_from_url
        )
        self.get_netrc_auth: Callable[[str], Any] = module.get_netrc_auth
        requests_auth = sys.modules.get(f"{compat.pip_root(module)}._vendor.requests.auth")
        self._basic_auth_str: Callable[[str, str], str] | None = getattr(
            requests_auth, "_basic_auth_str", None
        )

    def __repr__(self) -> str:
        return f"_PipBridge(pip {self.version})"

    def basic_auth_header(self, login: Login) -> str:
        """The header value requests' own ``HTTPBasicAuth`` would send."""
        username, password = login.reveal()
        if self._basic_auth_str is not None:
            return self._basic_auth_str(username or "", password or "")
        raw = f"{username or ''}:{password or ''}".encode("latin1")
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

    def netrc(self, url: str) -> Credentials | None:
        found = self.get_netrc_auth(url)
        return (found[0], found[1]) if found else None

    def state(self, auth: Any) -> AuthState:
        state = auth.__dict__.get(_STATE_ATTR)
        if not isinstance(state, AuthState):
            state = AuthState(self.provenance)
            auth.__dict__[_STATE_ATTR] = state
        return state

    def lookup(self, auth: Any) -> Lookup:
        def keyring(url: str, username: str | None) -> Credentials | None:
            return self.keyring(auth, url, username)

        return Lookup(
            netrc=self.netrc, keyring=keyring, keyring_slash_first=self.keyring_slash_first
        )


# ------------------------------------------------------------------- guard

_FAILED: Any = object()


def _safely(bridge: _PipBridge, step: Callable[..., Any], *args: Any) -> Any:
    """Run one step of the shim's own code; on any error stand down and return ``_FAILED``.

    Only the shim's code runs in here, never a method of pip's: an exception
    pip raises must reach pip unchanged (``raise ... from None`` would drop its
    ``__cause__`` and ``__context__``).
    """
    try:
        return step(*args)
    except Exception as exc:
        _stand_down(bridge.version, exc)
        return _FAILED


def _active(instance: Any) -> bool:
    return not _stood_down and instance is not None


def _stand_down(version: str, exc: BaseException) -> None:
    global _stood_down
    _stood_down = True
    # Only the exception's type: its message could quote a URL with a token.
    compat.warn_once(
        f"internal error ({type(exc).__name__}) with pip {version}; "
        "pip continues unpatched for this run"
    )


_logged: set[tuple[str, str, str, str]] = set()


def _note_untested(bridge: _PipBridge) -> None:
    """Say once per process, in pip's ``-v`` log, that this pip is newer than any tested.

    Logged on the first decision rather than at patch time: pip imports its
    auth module before it sets up logging, so a line logged then would be lost.
    """
    key = ("untested", "", "", "")
    if bridge.untested is None or key in _logged:
        return
    _logged.add(key)
    logger = logging.getLogger(bridge.module.__name__)
    log = getattr(logger, "verbose", None) or logger.debug
    log("pip-scoped-auth: %s; patched all the same", bridge.untested)


def _log_decision(bridge: _PipBridge, decision: Decision, prefix: str = "") -> None:
    """One line in pip's own log per (scope, source, reason), the first time it is decided.

    pip's logger for its auth module, so pip's ``-v`` shows it (pip's VERBOSE
    level, 22.0+) and default verbosity does not. ``describe`` is redacted.
    """
    where = decision.page or (str(decision.entry.scope) if decision.entry is not None else "")
    key = (bridge.module.__name__, where, decision.source, prefix + (decision.detail or ""))
    if key in _logged:
        return
    _logged.add(key)
    logger = logging.getLogger(bridge.module.__name__)
    log = getattr(logger, "verbose", None) or logger.debug
    log("pip-scoped-auth: %s%s", prefix, decision.describe())


# ---------------------------------------------------------------- deciding


def _resolve(bridge: _PipBridge, auth: Any, original_url: str, **sources: bool) -> Decision | None:
    """The resolver's decision for ``original_url`` (None: pip decides), logged once."""
    _note_untested(bridge)
    url, _netloc, (username, password) = bridge.split_auth_netloc_from_url(original_url)
    decision = bridge.state(auth).resolve(
        auth.index_urls, url, username, password, bridge.lookup(auth), **sources
    )
    if decision is not None:
        _log_decision(bridge, decision)
    return decision


def _decide(bridge: _PipBridge, auth: Any, original_url: str) -> Decision | None:
    """What a first request to ``original_url`` gets from the shim (None: pip decides)."""
    return _resolve(
        bridge,
        auth,
        original_url,
        allow_netrc=True,
        keyring_for_named_user=compat.keyring_allowed(auth),
    )


def _url_and_credentials_wrapper(bridge: _PipBridge) -> Callable[..., Any]:
    """``_get_url_and_credentials``: every request on a scoped origin is decided here.

    Nothing is written to pip's per-host ``passwords`` cache: on an origin the
    shim owns, that cache is never read; elsewhere pip fills it itself.
    """

    def wrapper(wrapped: Any, auth: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if not _active(auth):
            return wrapped(*args, **kwargs)
        original_url = _arg(args, kwargs, 0, "original_url")
        decision = _safely(bridge, _decide, bridge, auth, original_url)
        if decision is None or decision is _FAILED:
            return wrapped(*args, **kwargs)
        url = bridge.split_auth_netloc_from_url(original_url)[0]
        username, password = decision.credentials
        if username is not None or password is not None:
            # pip's own normalisation: HTTPBasicAuth needs two strings.
            return url, username or "", password or ""
        return url, None, None

    return wrapper


def _new_credentials(
    bridge: _PipBridge, auth: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Decision | None:
    """pip's own source lookup (its 401 path too), with pip's own permissions."""
    return _resolve(
        bridge,
        auth,
        _arg(args, kwargs, 0, "original_url"),
        allow_netrc=bool(_arg(args, kwargs, 1, "allow_netrc", True)),
        allow_keyring=bool(_arg(args, kwargs, 2, "allow_keyring", False)),
    )


def _new_credentials_wrapper(bridge: _PipBridge) -> Callable[..., Any]:
    """``_get_new_credentials``: pip's source lookup, scoped (pip's 401 path calls it too)."""

    def wrapper(wrapped: Any, auth: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if not _active(auth):
            return wrapped(*args, **kwargs)
        decision = _safely(bridge, _new_credentials, bridge, auth, args, kwargs)
        if decision is None or decision is _FAILED:
            return wrapped(*args, **kwargs)
        return decision.credentials

    return wrapper


# --------------------------------------------------------------- responses


def _response_wrapper(bridge: _PipBridge) -> Callable[..., Any]:
    """``handle_401``, which pip hooks onto every response.

    Before pip's own 401 handling: a 401 or 403 on an origin the shim owns
    marks the login just sent as rejected for that URL, and where another
    candidate exists (the next page that listed the file, or the URL's own
    scope) the request is sent again with it. Only when no candidate is left
    does pip's handler run (keyring, the prompt), and it then sees the
    rejection too. After it: what the answer teaches (pages, accepted logins).
    """

    def wrapper(wrapped: Any, auth: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if not _active(auth):
            return wrapped(*args, **kwargs)
        resp = _arg(args, kwargs, 0, "resp")
        retry = _safely(bridge, _next_candidate, bridge, auth, resp)
        if isinstance(retry, Decision):
            prepared = _safely(bridge, _prepare_retry, bridge, resp, retry)
            if prepared is not _FAILED:
                new_resp = resp.connection.send(prepared, **kwargs)
                new_resp.history.append(resp)
                return wrapper(wrapped, auth, (new_resp,), kwargs)
        new_resp = wrapped(*args, **kwargs)
        if _active(auth):
            _safely(bridge, _after_response, bridge, auth, resp, new_resp)
        return new_resp

    return wrapper


def _next_candidate(bridge: _PipBridge, auth: Any, resp: Any) -> Decision | None:
    """After a 401/403 on an origin the shim owns: the next login to try, if any."""
    _remember_page(bridge, resp)
    if getattr(resp, "status_code", None) not in (401, 403):
        return None
    state = bridge.state(auth)
    url = without_userinfo(resp.url)
    if not state.decides(auth.index_urls, url):
        return None
    sent = _sent_login(getattr(resp, "request", None))
    state.reject(url, sent)
    decision = _decide(bridge, auth, resp.url)
    if decision is None or decision.login.empty or decision.login.password is None:
        return None
    if decision.login.fingerprint() == sent.fingerprint():
        return None
    _log_decision(bridge, decision, prefix=f"after {resp.status_code}, retrying with ")
    return decision


def _prepare_retry(bridge: _PipBridge, resp: Any, decision: Decision) -> Any:
    """The rejected request again, with the next candidate's login (pip's own retry shape)."""
    resp.content  # noqa: B018 - consume the body so the connection can be reused
    resp.raw.release_conn()
    prepared = resp.request.copy()
    prepared.headers["Authorization"] = bridge.basic_auth_header(decision.login)
    return prepared


def _after_response(bridge: _PipBridge, auth: Any, resp: Any, new_resp: Any) -> None:
    """What pip's own 401 handling taught: the login the server took, or rejected."""
    if new_resp is not resp:
        _remember_page(bridge, new_resp)
    if getattr(resp, "status_code", None) != 401 or new_resp is resp:
        return
    state = bridge.state(auth)
    url = without_userinfo(resp.url)
    if not state.decides(auth.index_urls, url):
        return
    entry = state.entry_for(auth.index_urls, url)
    # Prompted credentials that pip offers to save go to keyring under the
    # index URL (or the URL's own directory), not the bare host, so the next
    # run finds them for this scope only. ``save_credentials`` reads this
    # attribute when the retried response arrives, after this returns.
    to_save = getattr(auth, "_credentials_to_save", None)
    if to_save is not None:
        key = state.keyring_key(entry) if entry is not None else _directory_url(url)
        replace = getattr(to_save, "_replace", None)
        auth._credentials_to_save = replace(url=key) if replace else (key, *to_save[1:])
    sent = _sent_login(getattr(new_resp, "request", None))
    # Anything but another 401/403 means the server took the credentials (GitLab
    # answers 404 when a valid token finds no such package), so later requests
    # in this scope send them up front: one challenge per index.
    if getattr(new_resp, "status_code", 401) in (401, 403):
        state.reject(url, sent)
    elif not sent.empty:
        state.learn(entry, url, sent)


def _directory_url(url: str) -> str:
    directory = directory_of(url)
    if directory is None:
        return url
    return f"{directory.origin}/{'/'.join(directory.segments)}"


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
    sent = _sent_login(getattr(resp, "request", None))
    bridge.provenance.page_fetched(without_userinfo(resp.url), None if sent.empty else sent)


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
            _stand_down(version, exc)
        return result

    return wrapper


# --------------------------------------------------------------- redirects


def _redirect_wrapper(bridge: _PipBridge) -> Callable[..., Any]:
    """requests' ``rebuild_auth``: re-decide ``Authorization`` for a redirect target.

    requests keeps the header across any same-host redirect, whatever the
    path, and never runs the session's auth again: a redirect from one
    project's path to another's would carry the first project's token.
    """

    def wrapper(wrapped: Any, session: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        result = wrapped(*args, **kwargs)
        if _active(session):
            _safely(bridge, _redecide_redirect, bridge, session, args, kwargs)
            helpers.redecide_redirect(bridge, session, args, kwargs, _active, _stand_down)
        return result

    return wrapper


def _redecide_redirect(
    bridge: _PipBridge, session: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """The rules, for a redirect away from an origin the shim owns.

    * Another origin: no scoped credential; netrc credentials that requests
      set for the new host stay.
    * The same origin, into a scope or a listed URL: what a fresh request
      there gets.
    * The same origin, outside every scope and page: the redirected request's
      own credential (the server sent us there, as a page links a file).
    """
    auth = getattr(session, "auth", None)
    if auth is None or not isinstance(auth.__dict__.get(_STATE_ATTR), AuthState):
        return
    prepared = _arg(args, kwargs, 0, "prepared_request")
    response = _arg(args, kwargs, 1, "response")
    source = getattr(getattr(response, "request", None), "url", None)
    state = bridge.state(auth)
    if not isinstance(source, str) or not state.decides(auth.index_urls, source):
        return
    headers = prepared.headers
    target = prepared.url
    if origin_of(target) != origin_of(source):
        if "Authorization" in headers and bridge.netrc(target) is None:
            headers.pop("Authorization", None)
        return
    decision = _decide(bridge, auth, target)
    if decision is not None and (decision.entry is not None or decision.page is not None):
        if decision.login.empty:
            headers.pop("Authorization", None)
        else:
            headers["Authorization"] = bridge.basic_auth_header(decision.login)
        return
    original = response.request.headers.get("Authorization")
    if original is None:
        headers.pop("Authorization", None)
    else:
        headers["Authorization"] = original


def _sent_login(request: Any) -> Login:
    """The login a request carried in its ``Authorization: Basic`` header (NOBODY: none)."""
    headers = getattr(request, "headers", None)
    value = headers.get("Authorization") if headers is not None else None
    if not value:
        return NOBODY
    if isinstance(value, bytes):
        value = value.decode("latin1")
    scheme, _, encoded = value.partition(" ")
    if scheme.lower() != "basic":
        return NOBODY
    decoded = base64.b64decode(encoded.strip()).decode("latin1")
    username, sep, password = decoded.partition(":")
    if not sep:
        return NOBODY
    return Login.of(username, password)


def _arg(
    args: tuple[Any, ...], kwargs: dict[str, Any], pos: int, name: str, default: Any = None
) -> Any:
    if len(args) > pos:
        return args[pos]
    return kwargs.get(name, default)
