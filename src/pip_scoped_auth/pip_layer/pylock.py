"""``pip install -r pylock.toml`` (pip 26.1+): a locked file goes to the index its lock names.

pip fetches the files a ``pylock.toml`` pins without reading any index page,
so provenance has no page for them; where files live outside their index's
path (GitLab indexes by encoded project path, Azure feeds) no scope holds
them either. But the lock says where each package comes from
(``packages.index``). pip turns each locked package into a requirement in
``install_req_from_pylock_package`` (returning the requirement in 26.1, a
``(requirement, locked link)`` pair from 26.2), called from
``pip._internal.cli.req_command``; that call is wrapped here and each locked
URL recorded with its index (:meth:`Provenance.link_locked`), and ``pip -v``
says "<file> locked to <index>". The scope table then gives it what that
index's scope gets, when the index is one of pip's configured index URLs on
the file's own origin (:meth:`ScopeTable._locked`).
"""

from __future__ import annotations

import logging
from types import ModuleType
from typing import Any

import wrapt

from pip_scoped_auth.core.provenance import Provenance
from pip_scoped_auth.core.urls import redact_url
from pip_scoped_auth.pip_layer import compat

__all__ = ["REQ_COMMAND_SUFFIX", "patch_req_command", "unpatch_all"]

REQ_COMMAND_SUFFIX = "._internal.cli.req_command"
_FUNCTION = "install_req_from_pylock_package"

_patched: dict[str, tuple[ModuleType, Any]] = {}


def _provenance(module: ModuleType) -> Provenance:
    """The link map of this pip (shared with the auth wrappers)."""
    from pip_scoped_auth.pip_layer import patching

    return patching.runtime_for(compat.pip_root(module)).provenance


def _locked_urls(result: Any) -> list[str]:
    """The file URLs pip will fetch for one locked package (26.1: a requirement; 26.2+: a pair)."""
    ireq, link = (result[0], result[1]) if isinstance(result, tuple) else (result, None)
    links = [link, getattr(ireq, "locked_link", None), getattr(ireq, "link", None)]
    urls = [getattr(lk, "url", None) for lk in links if lk is not None]
    return [u for u in urls if isinstance(u, str)]


def _wrapper(module: ModuleType) -> Any:
    def wrapper(wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        result = wrapped(*args, **kwargs)
        try:
            package = args[0] if args else kwargs.get("package")
            index = getattr(package, "index", None)
            if isinstance(index, str) and index:
                provenance = _provenance(module)
                logger = logging.getLogger(module.__name__)
                log = getattr(logger, "verbose", None) or logger.debug
                for url in _locked_urls(result):
                    provenance.link_locked(url, index)
                    log("pip-scoped-auth: %s locked to %s", redact_url(url), redact_url(index))
        except Exception as exc:
            compat.warn_once(
                f"internal error ({type(exc).__name__}) reading a pylock.toml package; "
                "its files get the usual rules"
            )
        return result

    return wrapper


def patch_req_command(module: ModuleType) -> bool:
    """Wrap this pip's ``install_req_from_pylock_package`` as ``req_command`` calls it."""
    name = module.__name__
    if name in _patched:
        return True
    original = module.__dict__.get(_FUNCTION)
    if not callable(original):
        return False  # pip < 26.1: no pylock.toml input
    wrapt.wrap_function_wrapper(module, _FUNCTION, _wrapper(module))
    _patched[name] = (module, original)
    return True


def unpatch_all() -> None:
    for name in list(_patched):
        module, original = _patched.pop(name)
        setattr(module, _FUNCTION, original)
