"""The shim's state for one pip in one process: provenance, the guard, what was logged.

Every piece of mutable state the pip layer keeps lives on a :class:`PipRuntime`
(one per pip root: ``pip`` or ``pipenv.patched.pip``), held by
:mod:`.patching`, which drops them all on ``unpatch_all()``. No wrapper keeps
a module global of its own, so "unpatch, then patch again" starts clean.

Failure policy (the guard): if the shim's own code raises at run time, that
call gets pip's own result, one warning line is printed, and the shim stands
down for the rest of the process so a run never mixes two credential
policies. pip's own methods are called outside every ``try`` of the shim:
what they raise reaches pip unchanged, chaining included.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from typing import Any

from pip_scoped_auth.core.notice import warn_once
from pip_scoped_auth.core.provenance import Provenance
from pip_scoped_auth.core.resolver import AuthState

__all__ = ["FAILED", "PipRuntime"]

#: What :meth:`PipRuntime.safely` returns when the step raised.
FAILED: Any = object()


class PipRuntime:
    """Provenance, the stand-down flag and the log-once keys of one pip root."""

    def __init__(self, root: str) -> None:
        self.root = root
        #: Set by the auth module's patch: the version the warning line names.
        self.version = "?"
        self.provenance = Provenance()
        #: pip's ``MultiDomainBasicAuth`` objects -> their state (weakly: pip's own lifetime).
        self.auth_states: weakref.WeakKeyDictionary[Any, AuthState] = weakref.WeakKeyDictionary()
        self.stood_down = False
        self._logged: set[tuple[str, ...]] = set()

    def __repr__(self) -> str:
        return f"PipRuntime({self.root!r}, pip {self.version}, stood_down={self.stood_down})"

    def active(self, instance: object) -> bool:
        return not self.stood_down and instance is not None

    def safely(self, step: Callable[..., Any], *args: Any) -> Any:
        """Run one step of the shim's own code; on any error stand down and return ``FAILED``.

        Only the shim's code runs in here, never a method of pip's: an exception
        pip raises must reach pip unchanged (``raise ... from None`` would drop
        its ``__cause__`` and ``__context__``).
        """
        try:
            return step(*args)
        except Exception as exc:
            self.stand_down(exc)
            return FAILED

    def stand_down(self, exc: BaseException) -> None:
        self.stood_down = True
        # Only the exception's type: its message could quote a URL with a token.
        warn_once(
            f"internal error ({type(exc).__name__}) with pip {self.version}; "
            "pip continues unpatched for this run"
        )

    def log_once(self, logger_name: str, key: tuple[str, ...], message: str) -> None:
        """One line in pip's own ``-v`` log per ``key`` (pip's VERBOSE level, 22.0+).

        pip's logger for the module, so default verbosity shows nothing.
        ``message`` must already be redacted.
        """
        if key in self._logged:
            return
        self._logged.add(key)
        logger = logging.getLogger(logger_name)
        log = getattr(logger, "verbose", None) or logger.debug
        log("pip-scoped-auth: %s", message)
