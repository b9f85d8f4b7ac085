"""Credential helpers for ``status`` and ``explain``: configured where, runnable, what they answer.

``status`` lists every configured helper (its prefix, its command, whether the
command is found and executable, where it was configured) without running
any. ``explain URL`` names the helper that applies to the URL and runs it once,
showing its answer redacted (header names and auth schemes, never a value).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pip_scoped_auth.core.helper_answers import HelperCache
from pip_scoped_auth.core.helper_lines import HelperLine
from pip_scoped_auth.core.resolver import AuthState
from pip_scoped_auth.pip_layer.helper_config import HelperConfig, HelperPlan, load_config, plan_for

__all__ = ["HelperExplanation", "HelperRow", "explain_helper", "helper_rows", "read_helpers"]


@dataclass(frozen=True)
class HelperRow:
    """One configured helper as ``status`` shows it."""

    prefix: str
    command: str
    executable: str | None
    where: str


def read_helpers() -> HelperConfig:
    """The helper configuration pip would use here (the variable, else pip's files)."""
    try:
        return load_config("pip")
    except Exception as exc:  # never a traceback from status
        return HelperConfig(problems=[f"could not be read ({type(exc).__name__})"])


def helper_rows(config: HelperConfig) -> list[HelperRow]:
    return [
        HelperRow(str(line.prefix), line.name, line.executable(), line.where)
        for line in config.table.lines()
    ]


@dataclass
class HelperExplanation:
    """Which helper applies to a URL, and its answer (redacted) or why there is none."""

    plan: HelperPlan | None
    answer: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def helper(self) -> HelperLine | None:
        return self.plan.helper if self.plan is not None else None


def explain_helper(config: HelperConfig, index_urls: Sequence[str], url: str) -> HelperExplanation:
    """The helper for ``url`` given pip's index list; asked once, answer shown redacted."""
    plan = plan_for(config.table, AuthState(), list(index_urls), url)
    if plan is None:
        return HelperExplanation(None)
    explanation = HelperExplanation(plan)
    cache = HelperCache(timeout=config.timeout, warn=explanation.warnings.append)
    answer = cache.answer(plan.helper, plan.scope, plan.uri)
    if answer is not None:
        explanation.answer = answer.shown()
    return explanation
