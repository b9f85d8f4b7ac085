"""``handle_401``, which pip hooks onto every response: rejections, retries, learning.

Before pip's own 401 handling: a 401 or 403 on a host the shim owns marks the
header just sent as rejected for that URL, and where another candidate exists
(the next page that listed the file, or the URL's own scope) the request is
sent again with it. Only when no candidate is left does pip's handler run
(keyring, the prompt), and it then sees the rejection too. After it: what the
answer teaches (pages read with which login, logins a server accepted).

Which login a request carried is decided by comparing whole header values
(fingerprints) with the logins the shim handed out and the ones pip chose
itself, never by splitting a decoded header at ``:``. Retries are a bounded
loop, never a recursive call: a server that always answers 401 costs at most
one request per distinct candidate, plus pip's own retry.
"""

from __future__ import annotations

from typing import Any

from pip_scoped_auth.core.decision import Decision
from pip_scoped_auth.core.secrets import NOBODY, header_fingerprint
from pip_scoped_auth.core.urls import directory_of, without_userinfo
from pip_scoped_auth.pip_layer import helpers
from pip_scoped_auth.pip_layer.bridge import PipBridge
from pip_scoped_auth.pip_layer.runtime import FAILED
from pip_scoped_auth.pip_layer.wrappers import Wrapper, arg, decide

__all__ = ["MAX_RETRIES", "handle_401"]

#: Retries of one request with other candidates: the pages a link keeps (8) at most.
MAX_RETRIES = 8

#: Content types of index pages (PEP 503 HTML, PEP 691 JSON and HTML).
_PAGE_TYPES = ("text/html", "application/vnd.pypi.simple.")


def handle_401(bridge: PipBridge) -> Wrapper:
    """The wrapper for ``MultiDomainBasicAuth.handle_401``."""

    def wrapper(wrapped: Any, auth: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        runtime = bridge.runtime
        if not runtime.active(auth):
            return wrapped(*args, **kwargs)
        resp = arg(args, kwargs, 0, "resp")
        tried: set[bytes] = set()
        for _attempt in range(MAX_RETRIES):
            retry = runtime.safely(_next_candidate, bridge, auth, resp, tried)
            if not isinstance(retry, Decision):
                break
            prepared = runtime.safely(_prepare_retry, resp, retry)
            if prepared is None or prepared is FAILED:
                break
            new_resp = resp.connection.send(prepared, **kwargs)
            new_resp.history.append(resp)
            resp = new_resp
        if args:
            args = (resp, *args[1:])
        else:
            kwargs = {**kwargs, "resp": resp}
        new_resp = wrapped(*args, **kwargs)
        if runtime.active(auth):
            runtime.safely(_after_response, bridge, auth, resp, new_resp)
        return new_resp

    return wrapper


def _sent(response: Any) -> bytes:
    """The fingerprint of the ``Authorization`` header the response's request carried."""
    headers = getattr(getattr(response, "request", None), "headers", None)
    return header_fingerprint(headers.get("Authorization") if headers is not None else None)


def _next_candidate(bridge: PipBridge, auth: Any, resp: Any, tried: set[bytes]) -> Decision | None:
    """After a 401/403 on a host the shim owns: the next login to try, if any."""
    _remember_page(bridge, auth, resp)
    if getattr(resp, "status_code", None) not in (401, 403):
        return None
    state = bridge.state(auth)
    url = without_userinfo(resp.url)
    if not state.owns_host(auth.index_urls, url):
        return None
    sent = _sent(resp)
    tried.add(sent)
    state.reject(url, sent)
    decision = decide(bridge, auth, resp.url)
    if decision is None or decision.login.empty or decision.login.password is None:
        return None
    if decision.login.fingerprint() in tried:
        return None
    tried.add(decision.login.fingerprint())
    bridge.log_decision(decision, prefix=f"after {resp.status_code}, retrying with ")
    return decision


def _prepare_retry(resp: Any, decision: Decision) -> Any:
    """The rejected request again, with the next candidate's login (pip's own retry shape)."""
    header = decision.login.basic_header()
    if header is None:
        return None
    resp.content  # noqa: B018 - consume the body so the connection can be reused
    resp.raw.release_conn()
    prepared = resp.request.copy()
    prepared.headers["Authorization"] = header
    return prepared


def _after_response(bridge: PipBridge, auth: Any, resp: Any, new_resp: Any) -> None:
    """What pip's own 401 handling taught: the login the server took, or rejected."""
    if new_resp is not resp:
        _remember_page(bridge, auth, new_resp)
    if getattr(resp, "status_code", None) != 401 or new_resp is resp:
        return
    state = bridge.state(auth)
    url = without_userinfo(resp.url)
    if not state.owns_host(auth.index_urls, url):
        return
    entry = state.entry_for(auth.index_urls, url)
    # Prompted credentials that pip offers to save go to keyring under the
    # index URL (or the URL's own directory), not the bare host, so the next
    # run finds them for this scope only. ``save_credentials`` reads this
    # attribute when the retried response arrives, after this returns.
    to_save = getattr(auth, "_credentials_to_save", None)
    if to_save is not None:
        key = entry.url if entry is not None else _directory_url(url)
        replace = getattr(to_save, "_replace", None)
        auth._credentials_to_save = replace(url=key) if replace else (key, *to_save[1:])
    sent = _sent(new_resp)
    # Anything but another 401/403 means the server took the credentials (GitLab
    # answers 404 when a valid token finds no such package), so later requests
    # in this scope send them up front: one challenge per index.
    if getattr(new_resp, "status_code", 401) in (401, 403):
        state.reject(url, sent)
        return
    login = state.identify(sent, *bridge.pips_own_logins(auth, resp.url))
    if login is not None and not login.empty:
        state.learn(entry, url, login)


def _directory_url(url: str) -> str:
    directory = directory_of(url)
    return url if directory is None else directory.url


def _remember_page(bridge: PipBridge, auth: Any, resp: Any) -> None:
    """Record which login a successful index page was read with.

    Every successful response says which credentials worked for which URL;
    for pages, that is what the files they list will be fetched with, even
    where pip stripped the page URL's credentials before recording it as the
    links' ``comes_from``. A header that is none of the logins the shim or
    pip chose (nothing the shim can name) records nothing, unless a
    credential helper sent it.
    """
    status = getattr(resp, "status_code", None)
    if not isinstance(status, int) or not 200 <= status < 300:
        return
    content_type = str(resp.headers.get("Content-Type", "")).lower()
    if not content_type.startswith(_PAGE_TYPES):
        return
    login = bridge.state(auth).identify(_sent(resp), *bridge.pips_own_logins(auth, resp.url))
    if login is None and helpers.sent_by_helper(getattr(resp, "request", None)):
        # Read with a credential helper's headers: its files get that helper
        # (:func:`.helper_config.plan_for`), and no login of the resolver's.
        login = NOBODY
    if login is not None:
        bridge.provenance.page_fetched(without_userinfo(resp.url), None if login.empty else login)
