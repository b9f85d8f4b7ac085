"""``status`` and ``explain``: print what :mod:`pip_scoped_auth.diagnostics` found.

Nothing here prints a secret: URLs are shown the way pip redacts them and a
decision through :meth:`Decision.describe`.
"""

from __future__ import annotations

import argparse
import os
import sys

from pip_scoped_auth import __version__
from pip_scoped_auth.cli.errors import EXIT_NOT_IN_EFFECT, EXIT_OK, UsageError
from pip_scoped_auth.cli.helpers_report import print_helper_explanation, print_helpers
from pip_scoped_auth.cli.options import index_options
from pip_scoped_auth.core.arming import MECHANISMS
from pip_scoped_auth.core.location import Scope
from pip_scoped_auth.core.urls import (
    redact_url,
    request_location,
    split_userinfo,
    without_userinfo,
)
from pip_scoped_auth.diagnostics.explain import View, build_view
from pip_scoped_auth.diagnostics.health import Health
from pip_scoped_auth.diagnostics.keyring_probe import KeyringAnswers
from pip_scoped_auth.pip_layer.children import describe_children
from pip_scoped_auth.pip_layer.config import PipIndexes

__all__ = ["cmd_explain", "cmd_status"]


def _print_health(health: Health) -> None:
    facts = health.facts
    where = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    installed = (
        f"installed ({facts.distribution})"
        if facts.distribution
        else "not installed as a distribution"
    )
    print(f"pip-scoped-auth {__version__}: {installed}, {where}")
    print(f"python:  {sys.executable} ({sys.version.split()[0]})")
    print(f".pth:    {', '.join(facts.pth_files) if facts.pth_files else 'missing'}")
    if facts.disabled_by is not None:
        print(f"enabled: no (PIP_SCOPED_AUTH={facts.disabled_by})")
    elif facts.pth_files and not facts.armed:
        print("enabled: yes, but the .pth did not run in this process (python -S?)")
    else:
        print("enabled: yes")
    if facts.mechanism:
        print(f"armed:   by {MECHANISMS.get(facts.mechanism, facts.mechanism)}")
    if facts.preload_file:
        print(f"preload: {facts.preload_file} (every venv made from this Python is scoped)")
    if not facts.pip_installed:
        print("pip:     not installed")
    elif facts.pip_error:
        print(f"pip:     cannot be imported ({facts.pip_error})")
    elif facts.pip_problems:
        print(f"pip:     {facts.pip_version}, NOT supported: {'; '.join(facts.pip_problems)}")
    elif facts.pip_version is not None and facts.wrapt_error is None:
        print(f"pip:     {facts.pip_version}, supported")
    elif facts.pip_version is not None:
        print(f"pip:     {facts.pip_version}")
    print(f"wrapt:   {'importable' if facts.wrapt_error is None else 'MISSING'}")
    active = "yes" if facts.patched else "no"
    print(f"active:  {active} (pip's auth module patched in this process)")
    print(f"build:   {describe_children()}")


def _print_verdict(health: Health, unpatched: str) -> int:
    """The last lines of ``status`` and ``explain``: warnings, then the one verdict line."""
    for warning in health.warnings:
        print(f"WARNING: {warning}")
    if not health.ok:
        print(f"NOT IN EFFECT: {health.line()}")
        print(unpatched)
        return EXIT_NOT_IN_EFFECT
    return EXIT_OK


def _label(indexes: PipIndexes, position: int) -> str:
    return "index-url" if position == 0 and indexes.first_is_index_url else "extra-index-url"


def _print_sources(indexes: PipIndexes, answers: KeyringAnswers) -> None:
    print(f"read by: {indexes.method}")
    print(f"  pip config files: {', '.join(indexes.config_files) or 'none'}")
    print(f"  PIP_* variables:  {', '.join(indexes.env_names) or 'none'}")
    if not indexes.keyring_allowed:
        print("  keyring:          not used by pip here (--keyring-provider / --no-input)")
    elif answers.problem:
        print(f"  keyring:          {answers.problem}")
    elif answers.backend:
        print(f"  keyring:          {answers.backend}")
    for note in indexes.notes:
        print(f"  note: {note}")


def cmd_status(args: argparse.Namespace) -> int:
    view = build_view(index_options(args))
    _print_health(view.health)
    indexes = view.indexes
    print()
    print("Indexes pip would use here, each with its scope and credential source:")
    _print_sources(indexes, view.answers)
    if not indexes.index_urls:
        print("  (no index: --no-index)")
    for position, url in enumerate(indexes.index_urls):
        print(f"  {_label(indexes, position):<16} {redact_url(url)}")
        entry = view.table.entry_for(url)
        decision = view.effective(entry) if entry is not None else None
        if entry is None:
            print("    not an http(s) index: pip decides, as without the shim")
        elif entry.url != without_userinfo(url):
            print(f"    same scope as an earlier index ({entry.scope}): the first one listed wins")
        elif decision is not None:
            print(f"    {decision.describe()}")
    for url in indexes.find_links:
        print(f"  {'find-links':<16} {redact_url(url)}")
        location = request_location(url)
        if location is not None and location.origin in view.table.origins:
            print("    outside every index scope on a host with scopes: netrc or nothing")
        else:
            print("    no index scope on this host: pip decides, as without the shim")
    print_helpers()
    print()
    code = _print_verdict(
        view.health, "pip runs unpatched here: credentials are chosen per host, as in stock pip."
    )
    if code == EXIT_OK:
        print("OK: pip's credentials are scoped per index in this environment.")
    return code


def cmd_explain(args: argparse.Namespace) -> int:
    url: str = args.url
    location = request_location(url)
    if location is None:
        raise UsageError(f"not an http(s) URL with a host: {redact_url(url)}")
    view = build_view(index_options(args), extra_urls=[url])
    indexes = view.indexes
    print(f"URL:     {redact_url(url)}")
    print(f"origin:  {location.origin}")
    mechanism = view.health.facts.mechanism
    if mechanism not in ("", "pth"):
        # A preloaded venv or pip's build venv: the shim is not installed here.
        print(f"armed:   by {MECHANISMS.get(mechanism, mechanism)}")
    print("Indexes (the scopes pip-scoped-auth builds from them):")
    _print_sources(indexes, view.answers)
    for position, index_url in enumerate(indexes.index_urls):
        scope = view.table.entry_for(index_url)
        shown = scope.scope if scope is not None else "(not http(s): no scope)"
        print(f"  {_label(indexes, position):<16} {redact_url(index_url)}")
        print(f"    scope {shown}")
    print()
    _explain_decision(view, url, location)
    print_helper_explanation(indexes.index_urls, url)
    if view.health.ok and not view.health.warnings:
        return EXIT_OK
    print()
    return _print_verdict(
        view.health,
        "pip runs unpatched here, so pip itself chooses by host, whatever is shown above.",
    )


def _explain_decision(view: View, url: str, location: Scope) -> None:
    username, password = split_userinfo(url)
    if username is not None and password is not None:
        print("Decision: the URL carries its own username and password; pip sends those")
        print("          (rule 1: credentials in the request URL always win).")
        return
    entry = view.table.entry_for(url)
    if entry is None:
        same_host = view.table.scopes_on(location.origin)
        if not same_host:
            print("Decision: no index scope is on this host, so pip-scoped-auth stays out of it:")
            print("          pip chooses by host (URL credentials, netrc, its per-host cache).")
            return
        print(f"Decision: {len(same_host)} index scope(s) are on this host and none contains")
        print("          this URL. During an install, a page that lists it decides (rule 2):")
        print("          the login that page was read with. Otherwise:")
        first = view.decide(url, first_request=True)
        if first is not None:
            print(f"First request: {first.describe()}")
        print("          never another index's token, never pip's per-host cache")
        print("          (docs/troubleshooting.md).")
        return
    containing = [s for s in view.table.scopes_on(location.origin) if s.contains(location)]
    print(f"Scope:   {entry.scope}")
    print(f"         index {redact_url(entry.url)}")
    why = "the only index scope that contains the URL (on path-segment boundaries)"
    if len(containing) > 1:
        why = f"the longest of {len(containing)} index scopes that contain the URL"
    print(f"         why: {why}")
    first = view.decide(url, first_request=True)
    retry = view.decide(url, first_request=False)
    for title, decision in (("First request:", first), ("After a 401:  ", retry)):
        if decision is None:
            continue
        print(f"{title} {decision.describe()}")
        print(f"               why: {view.rule(decision, url)}")
    if not view.indexes.keyring_allowed:
        print("               (keyring is not consulted: pip would not use it with these options)")
    print("During an install, pages that list this URL come first (rule 2): the page of this")
    print("scope (read with the credentials above), then the page pip built its link from,")
    print("then other listing pages; after a 401 or 403 the next one, never the one rejected.")
    print("A file a pylock.toml pins to this index (packages.index) gets the same decision, and")
    print("build-dependency child pips get it too (handed over, never on their command line).")
