"""Keyring questions, each asked at most once per run, misses included.

Keyring can be slow or hang on a headless machine, so the resolver asks it
only where its rules say so, and this cache makes sure no question (service
name and username) is ever asked twice. Pure: keyring itself comes in as a
callable of :class:`~pip_scoped_auth.core.decision.PipSources`.
"""

from __future__ import annotations

from collections.abc import Sequence

from pip_scoped_auth.core.decision import PipSources
from pip_scoped_auth.core.secrets import Login

__all__ = ["KeyringCache", "keyring_services"]


def keyring_services(base_url: str, netloc: str, slash_first: bool = True) -> tuple[str, ...]:
    """Service names asked for a scope, in the order this pip asks them.

    pip 23.1+ asks by the index URL with one trailing slash, older pips by
    the URL as configured; the other spelling comes next (entries saved by
    the other pip, or by ``pip-scoped-auth login``), the bare host last: a
    host-level entry is a fallback for scopes without one of their own.
    """
    slashed = base_url.rstrip("/") + "/"
    spellings = (slashed, base_url) if slash_first else (base_url, slashed)
    return tuple(dict.fromkeys((*spellings, netloc)))


class KeyringCache:
    """The answers keyring gave this run, by (service, username)."""

    def __init__(self) -> None:
        self._answers: dict[tuple[str, str | None], Login | None] = {}
        #: Keyring questions actually asked this run (misses included).
        self.lookups = 0

    def answer(self, service: str, username: str | None) -> Login | None:
        """The answer already given to this question, if it was asked: never asks."""
        return self._answers.get((service, username))

    def ask(
        self,
        sources: PipSources,
        services: Sequence[str],
        username: str | None,
        index_user: str | None = None,
    ) -> tuple[Login | None, str | None]:
        """Ask keyring under ``services`` in order; each question once per run.

        Returns the login found (or None) and a note when an answer was set
        aside: a backend that holds one token per host may answer for another
        user than the one the index URL names (``index_user``). A username
        named only by the request URL is a hint to keyring, as in pip.
        """
        note = None
        for service in services:
            key = (service, username)
            if key in self._answers:
                answer = self._answers[key]
            else:
                self.lookups += 1
                found = sources.keyring(service, username)
                answer = Login.of(found[0], found[1]) if found else None
                self._answers[key] = answer
            if answer is None or not answer.complete:
                continue
            if index_user is not None and answer.username != index_user:
                # Neither username is shown: one may be a token (``TOKEN@host``).
                note = (
                    f"keyring answered for another user than the index URL names, "
                    f"under {service}: not used"
                )
                continue
            return answer, None
        return None, note

    # -------------------------------------------------------------- resolve
