"""Child pips that install build dependencies: no credential on their command line.

For an sdist, pip installs ``build-system.requires`` with a child pip
(``BuildEnvironment._install_requirements`` in pip 22.0 to 25.0,
``SubprocessBuildEnvironmentInstaller.install`` from 25.1, in
``build_env/installer.py`` from 26.2) and puts the finder's index and
find-links URLs on its command line *with their credentials*: readable by
every local user in ``/proc/<pid>/cmdline`` while the child runs, and printed
by pip when the child fails. Here the child's ``call_subprocess`` is wrapped:
where the child will arm the shim itself (:func:`.children.child_is_scoped`), every
such URL goes on its command line without userinfo, and the logins, including
those this run got from keyring or the prompt, travel in one environment
variable of that child only (:mod:`pip_scoped_auth.core.handover`). The child
reads and removes it at patch time (:func:`.children.receive`).

``--use-feature inprocess-build-deps`` (pip 26.0+) needs nothing: the build
dependencies are fetched by this very process, through the patched session.

Failure policy as everywhere: if pip's names are not as expected nothing is
wrapped here (the child then gets pip's own command line, as without the
shim); if this code raises, that child gets pip's own command line.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from types import ModuleType
from typing import Any

from pip_scoped_auth.core.handover import ENV_VAR, Handover, known_login
from pip_scoped_auth.core.notice import warn_once
from pip_scoped_auth.core.resolver import AuthState
from pip_scoped_auth.core.secrets import Login
from pip_scoped_auth.core.urls import (
    netloc_of,
    request_location,
    split_userinfo,
    without_userinfo,
)
from pip_scoped_auth.pip_layer import compat
from pip_scoped_auth.pip_layer.children import child_is_scoped, receive

__all__ = ["BUILD_SUFFIXES", "patch_build_module", "unpatch_all"]

#: pip's modules that start build-dependency children (26.2 split ``build_env`` into a package).
BUILD_SUFFIXES = ("._internal.build_env", "._internal.build_env.installer")

#: Options whose value is a URL that may carry credentials.
_INDEX_OPTIONS = frozenset({"-i", "--index-url", "--extra-index-url"})
_URL_OPTIONS = _INDEX_OPTIONS | {"-f", "--find-links"}

_patched: dict[str, list[tuple[Any, str, Any]]] = {}
#: The finder of the build-dependency install under way (set by the outer wrapper).
_finder: contextvars.ContextVar[Any] = contextvars.ContextVar("pip_scoped_auth_finder")


# ----------------------------------------------------------------- parent


def _auth_state(finder: Any, root: str) -> tuple[AuthState | None, Any]:
    """The shim's state for the finder's session auth, and pip's index list (None: none yet)."""
    from pip_scoped_auth.pip_layer import patching

    collector = getattr(finder, "_link_collector", None)
    auth = getattr(getattr(collector, "session", None), "auth", None)
    if auth is None:
        return None, None
    runtime = patching.runtime_of(root)
    try:
        state = runtime.auth_states.get(auth) if runtime is not None else None
    except TypeError:  # an unhashable auth object: no state of ours
        state = None
    return state, getattr(auth, "index_urls", None)


def _login_for(url: str, is_index: bool, state: AuthState | None, index_urls: Any) -> Login | None:
    """What the child should send to ``url``: as in the URL, else what this run holds for it."""
    username, password = split_userinfo(url)
    if password is not None:
        return Login.of(username, password)
    if is_index and state is not None:
        location = request_location(url)
        entry = state.entry_for(index_urls, url)
        if entry is not None and request_location(entry.url) == location:
            known = known_login(state, entry, netloc_of(url))
            if known is not None:
                return known
    handed = receive().login_for(url)
    if handed is not None:
        return handed
    return Login.of(username, None) if username is not None else None


def _rewrite(cmd: list[str], finder: Any, root: str) -> tuple[list[str], Handover] | None:
    """The child's argv without userinfo, and its logins (None: leave it as pip built it)."""
    if not cmd or not child_is_scoped(cmd[0]):
        return None
    state, index_urls = _auth_state(finder, root)
    out = list(cmd)
    handover = Handover()
    changed = False
    for i in range(len(out) - 1):
        if out[i] == "--":
            break
        if out[i] not in _URL_OPTIONS or i == 0 or out[i - 1] in _URL_OPTIONS:
            continue
        value = out[i + 1]
        login = _login_for(value, out[i] in _INDEX_OPTIONS, state, index_urls)
        if login is not None:
            handover.add(value, login)
        stripped = without_userinfo(value)
        changed = changed or stripped != value
        out[i + 1] = stripped
    if not changed and not handover:
        return None
    return out, handover


def _install_wrapper(finder_of: Callable[[Any, tuple[Any, ...], dict[str, Any]], Any]) -> Any:
    """Around pip's build-dependency install: remember its finder for the child's command line."""

    def wrapper(wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        try:
            finder = finder_of(instance, args, kwargs)
        except Exception:
            finder = None
        token = _finder.set(finder)
        try:
            return wrapped(*args, **kwargs)
        finally:
            _finder.reset(token)

    return wrapper


def _call_subprocess_wrapper(module: ModuleType) -> Any:
    """pip's ``call_subprocess`` as its build-env module calls it: the child gets a clean argv."""
    logger = logging.getLogger(module.__name__)

    def wrapper(wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        finder = _finder.get(None)
        cmd = args[0] if args else kwargs.get("cmd")
        plan = None
        if finder is not None and isinstance(cmd, list):
            try:
                argv = [str(c) for c in cmd]
                plan = _rewrite(argv, finder, compat.pip_root(module))
            except Exception as exc:
                warn_once(
                    f"internal error ({type(exc).__name__}) preparing a build-dependency "
                    "child pip; it gets pip's own command line"
                )
        if plan is None:
            return wrapped(*args, **kwargs)
        new_cmd, handover = plan
        extra = dict(kwargs.get("extra_environ") or {})
        if handover:
            extra[ENV_VAR] = handover.encode()
        log = getattr(logger, "verbose", None) or logger.debug
        log(
            "pip-scoped-auth: build-dependency child pip: URLs on its command line "
            "without credentials; %d login(s) handed over in its environment",
            len(handover),
        )
        new_kwargs = {**kwargs, "extra_environ": extra}
        if args:
            return wrapped(new_cmd, *args[1:], **new_kwargs)
        new_kwargs["cmd"] = new_cmd
        return wrapped(**new_kwargs)

    return wrapper


# --------------------------------------------------------------- patching


def _targets(module: ModuleType) -> list[tuple[Any, str, Any]] | None:
    """What to wrap in this pip's build-env module (None: nothing here, or not as expected)."""
    if not callable(module.__dict__.get("call_subprocess")):
        return None
    installer = module.__dict__.get("SubprocessBuildEnvironmentInstaller")
    if isinstance(installer, type) and "install" in vars(installer):

        def finder_of_installer(instance: Any, _args: Any, _kwargs: Any) -> Any:
            return getattr(instance, "finder", None)

        outer = (installer, "install", _install_wrapper(finder_of_installer))
    else:
        env = module.__dict__.get("BuildEnvironment")
        if not isinstance(env, type) or "_install_requirements" not in vars(env):
            return None

        def finder_of_static(_instance: Any, args: Any, kwargs: Any) -> Any:
            # _install_requirements(pip_runnable, finder, requirements, prefix, *, kind)
            return args[1] if len(args) > 1 else kwargs.get("finder")

        outer = (env, "_install_requirements", _install_wrapper(finder_of_static))
    return [outer, (module, "call_subprocess", _call_subprocess_wrapper(module))]


def patch_build_module(module: ModuleType) -> bool:
    """Wrap a build-env module's child-pip start; False (pip untouched) where it does not fit."""
    name = module.__name__
    if name in _patched:
        return True
    targets = _targets(module)
    if targets is None:
        return False
    import wrapt  # here, not at the top: ``status`` imports this module without wrapt

    undo: list[tuple[Any, str, Any]] = []
    try:
        for owner, attr, wrapper in targets:
            original = vars(owner)[attr]
            wrapt.wrap_function_wrapper(owner, attr, wrapper)
            undo.append((owner, attr, original))
    except Exception:
        for owner, attr, original in reversed(undo):
            setattr(owner, attr, original)
        return False
    _patched[name] = undo
    return True


def unpatch_all() -> None:
    """Restore pip's build-env functions."""
    for name in list(_patched):
        for owner, attr, original in reversed(_patched.pop(name)):
            setattr(owner, attr, original)
