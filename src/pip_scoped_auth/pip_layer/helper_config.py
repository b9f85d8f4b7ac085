"""Where credential helpers are configured, and which one a request gets (pip-facing).

``[pip-scoped-auth] credential-helpers`` is read through pip's own
``Configuration`` (global < user < site < ``PIP_CONFIG_FILE``), and
``PIP_SCOPED_AUTH_CREDENTIAL_HELPERS`` wins over every file. :func:`plan_for`
decides which helper (and which cache scope) a URL gets; :mod:`.helpers`
puts the answer on pip's requests.
"""

from __future__ import annotations

import importlib
import logging
import os
from dataclasses import dataclass, field
from typing import Any

from pip_scoped_auth.core.helper_lines import (
    DEFAULT_TIMEOUT,
    HelperLine,
    HelperTable,
    parse_helper_lines,
)
from pip_scoped_auth.core.location import Scope
from pip_scoped_auth.core.resolver import AuthState
from pip_scoped_auth.core.urls import (
    directory_of,
    request_location,
    split_userinfo,
    without_userinfo,
)

__all__ = [
    "ENV_HELPERS",
    "ENV_TIMEOUT",
    "KEY_HELPERS",
    "KEY_TIMEOUT",
    "SECTION",
    "HelperConfig",
    "HelperPlan",
    "load_config",
    "plan_for",
]

ENV_HELPERS = "PIP_SCOPED_AUTH_CREDENTIAL_HELPERS"
ENV_TIMEOUT = "PIP_SCOPED_AUTH_CREDENTIAL_HELPER_TIMEOUT"
SECTION = "pip-scoped-auth"
KEY_HELPERS = "credential-helpers"
KEY_TIMEOUT = "credential-helper-timeout"


@dataclass
class HelperConfig:
    """The helpers configured here, the timeout, and what could not be used."""

    table: HelperTable = field(default_factory=HelperTable)
    timeout: float = DEFAULT_TIMEOUT
    #: Where the lines came from (a file, the variable), or "" when nowhere.
    where: str = ""
    problems: list[str] = field(default_factory=list)


def _pip_configuration(root: str) -> tuple[Any, list[tuple[str, dict[str, str]]]] | None:
    """pip's loaded ``Configuration``, and per file (in pip's override order) our section."""
    try:
        # Imported before its logger is looked up: pip's module must create it
        # (as its VerboseLogger, whose ``verbose`` the loader calls).
        module = importlib.import_module(f"{root}._internal.configuration")
    except Exception:
        return None
    logger = logging.getLogger(module.__name__)
    disabled = logger.disabled
    logger.disabled = True  # pip already logged loading these files once (-v)
    try:
        conf = module.Configuration(isolated=False)
        conf.load()
    except Exception:
        return None
    finally:
        logger.disabled = disabled
    files: list[tuple[str, dict[str, str]]] = []
    parsers = getattr(conf, "_parsers", {})
    for variant in getattr(module, "OVERRIDE_ORDER", ()):
        for fname, parser in parsers.get(variant, []):
            try:
                if parser.has_section(SECTION):
                    items = {k.lower().replace("_", "-"): v for k, v in parser.items(SECTION)}
                    files.append((str(fname), items))
            except Exception:  # noqa: S112 - one unreadable parser never hides the others
                continue
    return conf, files


def _pip_value(conf: Any, key: str) -> str | None:
    """``conf.get_value("pip-scoped-auth.KEY")``: pip's own precedence over its files."""
    try:
        value = conf.get_value(f"{SECTION}.{key}")
    except Exception:
        return None
    return value if isinstance(value, str) else None


def load_config(root: str = "pip", environ: dict[str, str] | None = None) -> HelperConfig:
    """Read the helpers: the environment variable wins, else pip's configuration files."""
    env = os.environ if environ is None else environ
    config = HelperConfig()
    text: str | None = None
    loaded = None if ENV_HELPERS in env else _pip_configuration(root)
    timeout_text = env.get(ENV_TIMEOUT)
    timeout_where = ENV_TIMEOUT
    if ENV_HELPERS in env:
        text, config.where = env[ENV_HELPERS], ENV_HELPERS
    elif loaded is not None:
        conf, files = loaded
        text = _pip_value(conf, KEY_HELPERS)
        setters = [name for name, items in files if KEY_HELPERS in items]
        config.where = setters[-1] if setters else "pip configuration"
    if timeout_text is None and loaded is not None:
        timeout_text = _pip_value(loaded[0], KEY_TIMEOUT)
        timeout_where = f"{SECTION}.{KEY_TIMEOUT}"
    if timeout_text is not None:
        try:
            config.timeout = float(timeout_text)
            if not 0 < config.timeout <= 3600:
                raise ValueError
        except ValueError:
            config.timeout = DEFAULT_TIMEOUT
            config.problems.append(
                f"{timeout_where}: not a number of seconds (0 to 3600); using {DEFAULT_TIMEOUT:g}"
            )
    if text:
        lines, problems = parse_helper_lines(text, config.where)
        config.table = HelperTable(lines)
        config.problems += problems
    return config


# ------------------------------------------------------------------ deciding


@dataclass(frozen=True)
class HelperPlan:
    """Which helper a request gets, and the scope its answer is cached under."""

    helper: HelperLine
    scope: Scope
    uri: str
    #: Why this helper: the URL is under its prefix, or a page under it listed the URL.
    via_page: str | None = None


def plan_for(
    table: HelperTable, state: AuthState, index_urls: Any, original_url: str
) -> HelperPlan | None:
    """The helper for ``original_url``, or None where none applies or a URL login wins.

    * credentials in the request URL, or in the URL of the index whose scope
      contains it, win (the user wrote them for this exact index);
    * a URL under a helper prefix gets that helper; a URL outside every
      prefix but listed on a page (same origin) under one gets the page's;
    * its answer is cached for the index scope containing the URL, else the
      listing page's scope, else the URL's own directory.
    """
    if not table:
        return None
    username, password = split_userinfo(original_url)
    if username is not None and password is not None:
        return None
    url = without_userinfo(original_url)
    location = request_location(url)
    if location is None:
        return None
    entry = state.entry_for(index_urls, url)
    if entry is not None and entry.has_credentials:
        return None
    helper = table.helper_for(location)
    scope = entry.scope if entry is not None else None
    via_page = None
    if helper is None or scope is None:
        pages = state.provenance.pages_listing(url) if state.provenance is not None else ()
        for page in pages:
            if not location.origin.accepts_credentials_of(page.origin):
                continue
            page_location = request_location(page.url)
            page_entry = state.entry_for(index_urls, page.url)
            if page_location is None or (page_entry is not None and page_entry.has_credentials):
                continue
            page_helper = table.helper_for(page_location)
            if page_helper is None and helper is None:
                continue
            if helper is None:
                helper, via_page = page_helper, page.url
            if scope is None:
                scope = page_entry.scope if page_entry is not None else directory_of(page.url)
            break
    if helper is None:
        return None
    if scope is None:
        scope = directory_of(url) or location
    return HelperPlan(helper, scope, url, via_page)


# --------------------------------------------------------------- the wrappers
