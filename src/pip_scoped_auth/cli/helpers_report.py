"""The credential-helper lines of ``status`` and ``explain`` (never a header value)."""

from __future__ import annotations

from collections.abc import Sequence

from pip_scoped_auth.diagnostics.helpers import explain_helper, helper_rows, read_helpers

__all__ = ["print_helper_explanation", "print_helpers"]


def print_helpers() -> None:
    """``status``: every configured helper, whether its command runs, where it was set."""
    config = read_helpers()
    rows = helper_rows(config)
    if not rows and not config.problems:
        return
    print()
    print(f"Credential helpers ({config.where or 'not configured'}; timeout {config.timeout:g} s):")
    for row in rows:
        found = f"found: {row.executable}" if row.executable else "NOT FOUND or not executable"
        print(f"  {row.prefix}")
        print(f"    command {row.command!r}: {found}")
        print(f"    configured in {row.where}")
    for problem in config.problems:
        print(f"  problem: {problem}")


def print_helper_explanation(index_urls: Sequence[str], url: str) -> None:
    """``explain``: the helper for ``url`` (asked once), its answer redacted."""
    config = read_helpers()
    if not config.table.lines():
        return
    explanation = explain_helper(config, index_urls, url)
    print()
    plan = explanation.plan
    if plan is None:
        print("Credential helper: none applies (no prefix contains this URL, or credentials")
        print("          written in the URL or its index URL come first).")
        return
    print(f"Credential helper: {plan.helper.name!r} for {plan.helper.prefix}")
    print(f"          configured in {plan.helper.where}; answers cached for scope {plan.scope}")
    if explanation.answer is not None:
        print(f"          answer: {explanation.answer}")
        print("          sent before keyring, netrc and the prompt (credentials written in")
        print("          the URL or its index URL come first).")
    for warning in explanation.warnings:
        print(f"          {warning}")
