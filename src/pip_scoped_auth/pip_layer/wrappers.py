"""The thin wrappers around pip's credential lookups and ``Link.__init__``.

Each asks :mod:`pip_scoped_auth.core.resolver` through the :class:`.PipBridge`
and hands pip its plain pair; where the resolver says "not mine" (``None``) or
the shim's own code fails, pip's own method runs instead, outside any ``try``
of ours.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pip_scoped_auth.core.decision import Decision
from pip_scoped_auth.pip_layer import compat
from pip_scoped_auth.pip_layer.bridge import PipBridge
from pip_scoped_auth.pip_layer.runtime import FAILED, PipRuntime

__all__ = [
    "arg",
    "decide",
    "link_init",
    "new_credentials",
    "redact_netloc",
    "url_and_credentials",
]

Wrapper = Callable[[Any, Any, tuple[Any, ...], dict[str, Any]], Any]


def arg(
    args: tuple[Any, ...], kwargs: dict[str, Any], pos: int, name: str, default: Any = None
) -> Any:
    """A wrapped method's argument, whether pip passed it by position or by name."""
    if len(args) > pos:
        return args[pos]
    return kwargs.get(name, default)


def _resolve(bridge: PipBridge, auth: Any, original_url: str, **sources: bool) -> Decision | None:
    """The resolver's decision for ``original_url`` (None: pip decides), logged once."""
    bridge.note_untested()
    url, _netloc, (username, password) = bridge.split_auth_netloc_from_url(original_url)
    state = bridge.state(auth)
    decision = state.resolve(
        auth.index_urls, url, username, password, bridge.sources(auth), **sources
    )
    if decision is not None:
        state.handed_out(decision.login)
        bridge.log_decision(decision)
    return decision


def decide(bridge: PipBridge, auth: Any, original_url: str) -> Decision | None:
    """What a first request to ``original_url`` gets from the shim (None: pip decides)."""
    return _resolve(
        bridge,
        auth,
        original_url,
        allow_netrc=True,
        keyring_for_named_user=compat.keyring_allowed(auth),
    )


def url_and_credentials(bridge: PipBridge) -> Wrapper:
    """``_get_url_and_credentials``: every request to a host the shim owns is decided here.

    Nothing is written to pip's per-host ``passwords`` cache: on a host the
    shim owns, that cache is never read; elsewhere pip fills it itself.
    """

    def wrapper(wrapped: Any, auth: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if not bridge.runtime.active(auth):
            return wrapped(*args, **kwargs)
        original_url = arg(args, kwargs, 0, "original_url")
        decision = bridge.runtime.safely(decide, bridge, auth, original_url)
        if decision is None or decision is FAILED:
            return wrapped(*args, **kwargs)
        url = bridge.split_auth_netloc_from_url(original_url)[0]
        username, password = decision.credentials
        if username is not None or password is not None:
            # pip's own normalisation: HTTPBasicAuth needs two strings.
            return url, username or "", password or ""
        return url, None, None

    return wrapper


def _new_credentials(
    bridge: PipBridge, auth: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Decision | None:
    """pip's own source lookup (its 401 path too), with pip's own permissions."""
    return _resolve(
        bridge,
        auth,
        arg(args, kwargs, 0, "original_url"),
        allow_netrc=bool(arg(args, kwargs, 1, "allow_netrc", True)),
        allow_keyring=bool(arg(args, kwargs, 2, "allow_keyring", False)),
    )


def new_credentials(bridge: PipBridge) -> Wrapper:
    """``_get_new_credentials``: pip's source lookup, scoped (pip's 401 path calls it too)."""

    def wrapper(wrapped: Any, auth: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if not bridge.runtime.active(auth):
            return wrapped(*args, **kwargs)
        decision = bridge.runtime.safely(_new_credentials, bridge, auth, args, kwargs)
        if decision is None or decision is FAILED:
            return wrapped(*args, **kwargs)
        return decision.credentials

    return wrapper


def link_init(runtime: PipRuntime) -> Wrapper:
    """``Link.__init__``: links of a page we saw answer inherit its credentials."""

    def _record(instance: Any) -> None:
        comes_from = getattr(instance, "comes_from", None)
        page_url = getattr(comes_from, "url", comes_from)
        if isinstance(page_url, str):
            runtime.provenance.link_listed(instance.url, page_url)

    def wrapper(wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        result = wrapped(*args, **kwargs)
        if not runtime.stood_down:
            runtime.safely(_record, instance)
        return result

    return wrapper


def redact_netloc(runtime: PipRuntime) -> Wrapper:
    """pip's ``redact_netloc``, stricter in one case: ``TOKEN:@host`` shows as ``****@host``.

    pip hides a username that stands alone (``TOKEN@host``) but prints
    ``TOKEN:****@host`` when the password is empty, which is how GitLab,
    Artifactory and Azure tokens are often written. Every other netloc gets
    pip's own answer.
    """

    def wrapper(wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        netloc = arg(args, kwargs, 0, "netloc")
        if isinstance(netloc, str) and not runtime.stood_down:
            userinfo, at, host = netloc.rpartition("@")
            _user, colon, password = userinfo.partition(":")
            if at and colon and not password:
                return f"****@{host}"
        return wrapped(*args, **kwargs)

    return wrapper
