"""Credential helpers in pip: configuration through pip's loader, headers on pip's requests.

Configuration: key ``credential-helpers`` of a ``[pip-scoped-auth]`` section
in any pip configuration file, read with pip's own
``pip._internal.configuration.Configuration`` (global, user, site, then
``PIP_CONFIG_FILE``: the last file that sets it wins, as for pip's own keys).
``PIP_SCOPED_AUTH_CREDENTIAL_HELPERS`` (same lines) wins over every file;
``credential-helper-timeout`` / ``PIP_SCOPED_AUTH_CREDENTIAL_HELPER_TIMEOUT``
sets the per-call timeout. pip ignores sections it does not know, so the same
file works with and without the shim.

Requests: a helper answer is headers, possibly ``Bearer``, which pip's
``(username, password)`` tuple cannot carry. So ``MultiDomainBasicAuth.__call__``
is wrapped: where a helper applies, the request is prepared here (pip's three
steps, the helper's headers in place of pip's lookup), and a response hook,
run before pip's ``handle_401``, asks the helper again once after a 401/403
on a reused answer; everywhere else pip's own ``__call__`` runs. Redirects
drop the helper's headers and re-decide for the target.

Order of sources: credentials written in the request URL or in the index URL
(or on the page that listed a file, read with them) first: they are what the
user wrote for that exact index. Then a helper for the URL. Then the
existing order (learned, keyring, netrc, the prompt), which this module leaves
to pip and the resolver wherever no helper answers.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from pip_scoped_auth.core.helper_answers import HelperAnswer, HelperCache
from pip_scoped_auth.core.helper_lines import (
    HelperTable,
)
from pip_scoped_auth.pip_layer.helper_config import HelperConfig, HelperPlan, load_config, plan_for

__all__ = ["call_wrapper", "redecide_redirect", "reset", "sent_by_helper"]

#: Set on a prepared request: the helper headers it carries, so a redirect can drop them.
_SENT_ATTR = "_pip_scoped_auth_helper"


class _Helpers:
    """The process's helper configuration and answer cache, loaded on first use."""

    def __init__(self) -> None:
        self.config: HelperConfig | None = None
        self.cache: HelperCache | None = None
        self.logged: set[tuple[str, str]] = set()

    def load(self, root: str) -> HelperCache | None:
        if self.config is None:
            self.config = load_config(root)
            self.cache = HelperCache(timeout=self.config.timeout, warn=_warn)
            for problem in self.config.problems[:3]:
                _warn(f"credential helpers: {problem}")
        return self.cache if self.config.table else None


_helpers = _Helpers()


def _warn(message: str) -> None:
    """One line on stderr per failing helper and prefix (never the helper's output)."""
    try:
        sys.stderr.write(f"WARNING: pip-scoped-auth: {message}\n")
        sys.stderr.flush()
    except Exception:  # noqa: S110 - a closed stderr must not break pip
        pass


def _log(bridge: Any, plan: HelperPlan, answer: HelperAnswer) -> None:
    """pip ``-v``: "credential helper for <prefix>", once per prefix and scope."""
    key = (str(plan.helper.prefix), str(plan.scope))
    if key in _helpers.logged:
        return
    _helpers.logged.add(key)
    logger = logging.getLogger(bridge.module.__name__)
    log = getattr(logger, "verbose", None) or logger.debug
    via = f", listed on {plan.via_page}" if plan.via_page else ""
    log(
        "pip-scoped-auth: credential helper for %s (%r): scope %s%s: %s",
        plan.helper.prefix,
        plan.helper.name,
        plan.scope,
        via,
        answer.shown(),
    )


def _table(root: str) -> HelperTable | None:
    cache = _helpers.load(root)
    config = _helpers.config
    return config.table if cache is not None and config is not None else None


def call_wrapper(
    bridge: Any,
) -> Callable[..., Any]:
    """``MultiDomainBasicAuth.__call__``: pip prepares the request, then a helper's headers.

    The bridge's runtime is the guard: an exception in this code stands the
    shim down with its one warning line, and pip's own ``__call__`` then runs,
    outside every ``try``.
    """
    root = bridge.module.__name__.split("._internal.")[0]

    def plan(auth: Any, url: str) -> tuple[HelperPlan, HelperAnswer] | None:
        table = _table(root)
        cache = _helpers.cache
        if table is None or cache is None:
            return None
        found = plan_for(table, bridge.state(auth), auth.index_urls, url)
        if found is None:
            return None
        answer = cache.answer(found.helper, found.scope, found.uri)
        if answer is None or answer.empty:
            return None
        _log(bridge, found, answer)
        return found, answer

    def prepare(auth: Any, request: Any, chosen: tuple[HelperPlan, HelperAnswer]) -> Any:
        """pip's ``__call__`` with the helper's headers in place of pip's own sources.

        Its three steps, as in pip 22.0 to 26.3: the URL without userinfo
        (pip's own function), the headers, pip's ``handle_401`` hook. pip's
        lookup is skipped, so no other source (netrc, keyring before
        sending) is consulted for a request a helper answers.
        """
        request.url = bridge.split_auth_netloc_from_url(request.url)[0]
        _apply(request, *chosen)
        request.register_hook("response", auth.handle_401)
        _hook_first(request, _response_hook(bridge, auth))
        return request

    def wrapper(wrapped: Any, auth: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        request: Any = args[0] if args else kwargs.get("req")
        if bridge.runtime.active(auth):
            try:
                chosen = plan(auth, str(request.url))
                if chosen is not None:
                    return prepare(auth, request, chosen)
            except Exception as exc:
                bridge.runtime.stand_down(exc)
        return wrapped(*args, **kwargs)

    return wrapper


def sent_by_helper(request: Any) -> bool:
    """Whether a credential helper's headers went out with ``request``."""
    return getattr(request, _SENT_ATTR, None) is not None


def _apply(request: Any, plan: HelperPlan, answer: HelperAnswer) -> None:
    """Set the helper's headers on a prepared request (they replace what pip chose)."""
    headers = answer.reveal()
    request.headers.update(headers)
    setattr(request, _SENT_ATTR, (plan, tuple(headers)))


def _hook_first(request: Any, hook: Callable[..., Any]) -> None:
    """Run ``hook`` before pip's ``handle_401``, which is already registered."""
    hooks = request.hooks.setdefault("response", [])
    hooks.insert(0, hook)


def _response_hook(
    bridge: Any,
    auth: Any,
) -> Callable[..., Any]:
    """After a 401/403 on a reused helper answer: ask the helper again once and resend.

    Anything else (a fresh answer rejected, the same headers again) passes the
    response on to pip's ``handle_401`` unchanged: the shim's other sources,
    then pip's keyring and prompt.
    """

    def hook(resp: Any, **kwargs: Any) -> Any:
        if getattr(resp, "status_code", None) not in (401, 403) or not bridge.runtime.active(auth):
            return resp
        sent = getattr(resp.request, _SENT_ATTR, None)
        if sent is None:
            return resp
        plan: HelperPlan = sent[0]
        try:
            cache = _helpers.cache
            fresh = cache.rejected(plan.helper, plan.scope, plan.uri) if cache else None
            if fresh is None:
                return resp
            _ = resp.content
            resp.raw.release_conn()
            retry = resp.request.copy()
            _drop_sent(resp.request, retry)
            _apply(retry, plan, fresh)
            _log_retry(bridge, plan, resp.status_code)
        except Exception as exc:
            bridge.runtime.stand_down(exc)
            return resp
        new_resp = resp.connection.send(retry, **kwargs)
        new_resp.history.append(resp)
        return new_resp

    return hook


def _log_retry(bridge: Any, plan: HelperPlan, status: int) -> None:
    logger = logging.getLogger(bridge.module.__name__)
    log = getattr(logger, "verbose", None) or logger.debug
    log(
        "pip-scoped-auth: after %s, credential helper for %s asked again for scope %s",
        status,
        plan.helper.prefix,
        plan.scope,
    )


def _drop_sent(source: Any, target: Any) -> None:
    """Remove from ``target`` the helper headers ``source`` was sent with (unless changed since)."""
    sent = getattr(source, _SENT_ATTR, None)
    if sent is None:
        return
    for name in sent[1]:
        if target.headers.get(name) == source.headers.get(name):
            target.headers.pop(name, None)


def redecide_redirect(
    bridge: Any,
    session: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    """requests' ``rebuild_auth`` ran: drop the helper headers, then decide for the target.

    requests keeps every header but ``Authorization`` on any redirect, and
    ``Authorization`` on a same-host one: a helper's headers would follow the
    redirect out of its prefix. Dropped here (unless the shim's redirect rule
    already put another credential in their place), then set again only
    where the target itself gets a helper.
    """
    if not bridge.runtime.active(session):
        return
    try:
        prepared = args[0] if args else kwargs.get("prepared_request")
        response = args[1] if len(args) > 1 else kwargs.get("response")
        source = getattr(response, "request", None)
        if prepared is None or source is None:
            return
        _drop_sent(source, prepared)
        auth = getattr(session, "auth", None)
        table = _table(bridge.module.__name__.split("._internal.")[0])
        cache = _helpers.cache
        if auth is None or table is None or cache is None:
            return
        plan = plan_for(table, bridge.state(auth), auth.index_urls, str(prepared.url))
        if plan is None:
            return
        answer = cache.answer(plan.helper, plan.scope, plan.uri)
        if answer is not None and not answer.empty:
            _apply(prepared, plan, answer)
            _log(bridge, plan, answer)
    except Exception as exc:
        bridge.runtime.stand_down(exc)


def reset() -> None:
    """Forget configuration and answers (tests, and a pip run in-process after another)."""
    global _helpers
    _helpers = _Helpers()
