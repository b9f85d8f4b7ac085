"""Which credentials a URL would get, computed by the very resolver pip runs.

``status`` and ``explain`` show decisions without ever holding a secret:
keyring is asked in a child process that reports usernames only
(:mod:`.keyring_probe`), and a found keyring entry stands in the resolver as a
placeholder password that is never printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pip_scoped_auth.core.decision import Decision, PipSources, Source
from pip_scoped_auth.core.keyring_cache import keyring_services
from pip_scoped_auth.core.resolver import AuthState
from pip_scoped_auth.core.scopes import AuthInfo, IndexEntry, ScopeTable
from pip_scoped_auth.core.urls import netloc_of, split_userinfo, without_userinfo
from pip_scoped_auth.diagnostics.health import Health, check_health
from pip_scoped_auth.diagnostics.keyring_probe import KeyringAnswers, probe
from pip_scoped_auth.pip_layer.config import (
    IndexOptions,
    PipIndexes,
    netrc_lookup,
    read_pip_indexes,
)

__all__ = ["View", "build_view"]


def _sources(answers: KeyringAnswers) -> PipSources:
    """pip's netrc lookup, and keyring answers gathered without any password."""
    pip_netrc = netrc_lookup()

    def netrc(url: str) -> AuthInfo | None:
        return pip_netrc(url) if pip_netrc is not None else None

    def keyring(service: str, username: str | None) -> AuthInfo | None:
        found = answers.username_for(service, username)
        # The probe never returns passwords; a placeholder keeps the resolver's
        # "both present" check meaningful and is never printed.
        return (found, "<from keyring>") if found is not None else None

    return PipSources(netrc=netrc, keyring=keyring)


def keyring_questions(entry: IndexEntry, url: str) -> list[tuple[str, str | None]]:
    """The questions the resolver may ask keyring for ``url`` in ``entry``'s scope."""
    username = split_userinfo(url)[0] or entry.username
    services = keyring_services(entry.url, netloc_of(url))
    return [(service, username) for service in services]


def _keyring_service(entry: IndexEntry, url: str, answers: KeyringAnswers) -> str:
    for service, username in keyring_questions(entry, url):
        if answers.username_for(service, username) is not None:
            return service
    return "?"


@dataclass
class View:
    """Everything ``status`` and ``explain`` show about credentials."""

    health: Health
    indexes: PipIndexes
    table: ScopeTable
    answers: KeyringAnswers

    def decide(self, url: str, *, first_request: bool) -> Decision | None:
        """The resolver's answer, as pip's first request or its 401 retry would get it."""
        bare, (username, password) = without_userinfo(url), split_userinfo(url)
        return AuthState().resolve(
            self.indexes.index_urls,
            bare,
            username,
            password,
            _sources(self.answers),
            allow_netrc=first_request,
            allow_keyring=not first_request and self.indexes.keyring_allowed,
        )

    def effective(self, entry: IndexEntry) -> Decision | None:
        """What a file in ``entry``'s scope ends up with (netrc first, then keyring)."""
        return AuthState().resolve(
            self.indexes.index_urls,
            str(entry.scope),
            None,
            None,
            _sources(self.answers),
            allow_netrc=True,
            allow_keyring=self.indexes.keyring_allowed,
        )

    def rule(self, decision: Decision, url: str) -> str:
        text = decision.source.why
        if decision.source == Source.KEYRING and decision.entry is not None:
            text = text.format(service=_keyring_service(decision.entry, url, self.answers))
        return text


def build_view(options: IndexOptions, extra_urls: Sequence[str] = ()) -> View:
    health = check_health()
    indexes = read_pip_indexes(options)
    table = ScopeTable.from_urls(indexes.index_urls)
    questions: list[tuple[str, str | None]] = []
    if indexes.keyring_allowed:
        for entry in table.entries.values():
            if not entry.has_credentials:
                questions += keyring_questions(entry, str(entry.scope))
        for url in extra_urls:
            found = table.entry_for(url)
            if found is not None and not found.has_credentials:
                questions += keyring_questions(found, without_userinfo(url))
    answers = probe(questions) if questions else KeyringAnswers()
    return View(health, indexes, table, answers)
