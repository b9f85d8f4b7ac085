"""The pip functions the resolver needs, found once per pip auth module.

Everything that differs between pip versions at run time (the keyring entry
point, the keyring service spelling, ``split_auth_netloc_from_url``) is
bridged here; checks of names and signatures before patching are in
:mod:`.compat`.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from pip_scoped_auth.core.decision import Decision, PipSources
from pip_scoped_auth.core.resolver import AuthState
from pip_scoped_auth.core.scopes import AuthInfo
from pip_scoped_auth.core.secrets import Login
from pip_scoped_auth.core.versions import version_tuple
from pip_scoped_auth.pip_layer import children, compat
from pip_scoped_auth.pip_layer.config import netrc_answer
from pip_scoped_auth.pip_layer.runtime import PipRuntime

__all__ = ["PipBridge"]


class PipBridge:
    """One pip auth module as the resolver sees it, and the shim's state per auth object.

    The state of each ``MultiDomainBasicAuth`` lives in a weak map on the
    runtime (where :mod:`.build` finds it for child pips), not on the object:
    pip's auth object then deep-copies and pickles as stock (a copy starts
    afresh, its scopes rebuilt from its index URLs on first use), and no
    secret of the shim's rides along.
    """

    def __init__(self, module: ModuleType, runtime: PipRuntime) -> None:
        self.module = module
        self.runtime = runtime
        self.provenance = runtime.provenance
        self.version = compat.pip_version(module)
        self.untested = compat.untested_newer(self.version)
        #: pip 23.1+ asks keyring by the index URL with one trailing slash.
        self.keyring_slash_first = version_tuple(self.version) >= (23, 1)
        self.split_auth_netloc_from_url: Callable[[str], tuple[str, str, AuthInfo]] = (
            module.split_auth_netloc_from_url
        )
        self.get_netrc_auth: Callable[[str], Any] = module.get_netrc_auth
        self._states = runtime.auth_states

    def __repr__(self) -> str:
        return f"PipBridge(pip {self.version})"

    def keyring(self, auth: Any, url: str, username: str | None) -> AuthInfo | None:
        """Ask keyring the way this pip version does (module function or method)."""
        method = getattr(auth, "_get_keyring_auth", None)
        if method is not None:
            result = method(url, username)
        else:
            result = self.module.get_keyring_auth(url, username)
        if not result:
            return None
        return result[0], result[1]

    def netrc(self, url: str) -> AuthInfo | None:
        return netrc_answer(self.get_netrc_auth, url)

    def state(self, auth: Any) -> AuthState:
        state = self._states.get(auth)
        if state is None:
            state = AuthState(self.provenance)
            state.handover = children.receive().seed(self.provenance)
            self._states[auth] = state
        return state

    def has_state(self, auth: Any) -> bool:
        try:
            return auth in self._states
        except TypeError:
            return False

    def sources(self, auth: Any) -> PipSources:
        def keyring(url: str, username: str | None) -> AuthInfo | None:
            return self.keyring(auth, url, username)

        return PipSources(
            netrc=self.netrc, keyring=keyring, keyring_slash_first=self.keyring_slash_first
        )

    def pips_own_logins(self, auth: Any, url: str) -> list[Login]:
        """Logins pip chose itself for ``url``'s host (its per-netloc cache, a prompt's answer)."""
        found: list[Login] = []
        netloc = self.split_auth_netloc_from_url(url)[1]
        pair = getattr(auth, "passwords", {}).get(netloc)
        if pair:
            found.append(Login.of(pair[0], pair[1]))
        to_save = getattr(auth, "_credentials_to_save", None)
        if to_save is not None and len(to_save) == 3:
            found.append(Login.of(to_save[1], to_save[2]))
        return found

    # ------------------------------------------------------------- logging

    def note_untested(self) -> None:
        """Say once per process, in pip's ``-v`` log, that this pip is newer than any tested.

        Logged on the first decision rather than at patch time: pip imports its
        auth module before it sets up logging, so a line logged then is lost.
        """
        if self.untested is not None:
            self.runtime.log_once(
                self.module.__name__, ("untested",), f"{self.untested}; patched all the same"
            )

    def log_decision(self, decision: Decision, prefix: str = "") -> None:
        """One line per (scope, source, reason), the first time it is decided."""
        where = decision.page or (str(decision.entry.scope) if decision.entry is not None else "")
        key = (where, decision.source.name, prefix + (decision.detail or ""))
        self.runtime.log_once(self.module.__name__, key, prefix + decision.describe())
