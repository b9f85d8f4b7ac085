"""requests' ``rebuild_auth``: re-decide ``Authorization`` for a redirect target.

requests keeps the header across any same-host redirect, whatever the path
(and on an http->https upgrade of the same host on the default ports), and
never runs the session's auth again: a redirect from one project's path to
another's would carry the first project's token.
"""

from __future__ import annotations

from typing import Any

from pip_scoped_auth.core.urls import request_location
from pip_scoped_auth.pip_layer import helpers
from pip_scoped_auth.pip_layer.bridge import PipBridge
from pip_scoped_auth.pip_layer.wrappers import Wrapper, arg, decide

__all__ = ["rebuild_auth"]


def rebuild_auth(bridge: PipBridge) -> Wrapper:
    """The wrapper for the vendored requests' ``SessionRedirectMixin.rebuild_auth``."""

    def wrapper(wrapped: Any, session: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        result = wrapped(*args, **kwargs)
        runtime = bridge.runtime
        if runtime.active(session):
            runtime.safely(_redecide, bridge, session, args, kwargs)
            helpers.redecide_redirect(bridge, session, args, kwargs)
        return result

    return wrapper


def _redecide(
    bridge: PipBridge, session: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """The rules, for a redirect away from a host the shim owns.

    * Another origin (https down to http included): no scoped credential;
      netrc credentials that requests set for the new host stay.
    * The same origin, or its https upgrade, into a scope or a listed URL:
      what a fresh request there gets.
    * The same origin or its upgrade, outside every scope and page: the
      redirected request's own credential (the server sent us there, as a
      page links a file).
    """
    auth = getattr(session, "auth", None)
    if auth is None or not bridge.has_state(auth):
        return
    prepared = arg(args, kwargs, 0, "prepared_request")
    response = arg(args, kwargs, 1, "response")
    source = getattr(getattr(response, "request", None), "url", None)
    state = bridge.state(auth)
    if not isinstance(source, str) or not state.owns_host(auth.index_urls, source):
        return
    headers = prepared.headers
    target = prepared.url
    source_at, target_at = request_location(source), request_location(target)
    if (
        source_at is None
        or target_at is None
        or not target_at.origin.accepts_credentials_of(source_at.origin)
    ):
        if "Authorization" in headers and bridge.netrc(target) is None:
            headers.pop("Authorization", None)
        return
    decision = decide(bridge, auth, target)
    if decision is not None and (decision.entry is not None or decision.page is not None):
        header = decision.login.basic_header()
        if header is None:
            headers.pop("Authorization", None)
        else:
            headers["Authorization"] = header
        return
    original = response.request.headers.get("Authorization")
    if original is None:
        headers.pop("Authorization", None)
    else:
        headers["Authorization"] = original
