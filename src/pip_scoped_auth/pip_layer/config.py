"""Which indexes pip would use here, read by pip's own option parser.

``pip-scoped-auth status`` and ``explain`` must show the index list *pip*
would build, not an approximation of it. Re-implementing pip's configuration
(files per platform, ``PIP_*`` variables, option precedence, requirements
files that switch ``--index-url`` mid-file) would drift from pip, so this
module builds pip's ``install`` command, lets its ``ConfigOptionParser``
parse the options (which reads pip's config files and ``PIP_*`` variables
exactly as ``pip install`` does), builds pip's own ``PackageFinder`` and feeds
``-c``/``-r`` files through pip's ``parse_requirements``, which updates that
finder the way ``pip install -r`` does.

Where pip is missing or its internals moved, a small fallback reads only the
command-line options and the ``PIP_INDEX_URL``/``PIP_EXTRA_INDEX_URL``/
``PIP_FIND_LINKS``/``PIP_NO_INDEX`` variables, and says so.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pip_scoped_auth.core.scopes import AuthInfo
from pip_scoped_auth.pip_layer import compat

__all__ = ["IndexOptions", "PipConfigError", "PipIndexes", "netrc_lookup", "read_pip_indexes"]

_TRUE = frozenset({"1", "true", "yes", "on"})


@dataclass(frozen=True)
class IndexOptions:
    """The subset of ``pip install`` options that decide the index list."""

    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    requirements: tuple[str, ...] = ()
    constraints: tuple[str, ...] = ()
    no_index: bool = False

    def pip_args(self) -> list[str]:
        """The same options spelled as pip's command line."""
        args: list[str] = []
        if self.index_url is not None:
            args += ["--index-url", self.index_url]
        for url in self.extra_index_urls:
            args += ["--extra-index-url", url]
        for url in self.find_links:
            args += ["--find-links", url]
        if self.no_index:
            args.append("--no-index")
        return args


@dataclass
class PipIndexes:
    """What pip would use: index URLs in pip's order, find-links, keyring policy."""

    index_urls: list[str]
    find_links: list[str]
    #: True where ``index_urls[0]`` is the ``--index-url`` (not ``--no-index``).
    first_is_index_url: bool
    #: Whether pip would ask keyring after a 401 (``--keyring-provider``, ``--no-input``).
    keyring_allowed: bool
    #: How the list was read: pip's parser (with its version) or the fallback.
    method: str
    config_files: list[str] = field(default_factory=list)
    env_names: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class PipConfigError(Exception):
    """pip rejected the options or a requirements file (a usage error)."""


def _pip_env_names() -> list[str]:
    return sorted(k for k in os.environ if k.startswith("PIP_") and k != "PIP_SCOPED_AUTH")


def read_pip_indexes(options: IndexOptions) -> PipIndexes:
    """The index list pip would build for ``pip install`` with ``options``, here."""
    try:
        return _with_pip(options)
    except PipConfigError:
        raise
    except Exception as exc:
        result = _fallback(options)
        result.notes.append(
            f"pip's option parser is unavailable ({type(exc).__name__}); pip's config files "
            "and requirements files were not read"
        )
        return result


def _with_pip(options: IndexOptions) -> PipIndexes:
    pip = importlib.import_module("pip")
    commands = importlib.import_module("pip._internal.commands")
    req_file = importlib.import_module("pip._internal.req.req_file")
    command: Any = commands.create_command("install")
    try:
        values, _args = command.parse_args(options.pip_args())
    except SystemExit as exc:
        # optparse reports bad options or config values on stderr and exits.
        raise PipConfigError("pip rejected the index options or its configuration") from exc
    session = command._build_session(values)
    # pip's own session decides whether keyring is used (``--no-input``,
    # ``--keyring-provider``): the same check the hooks make during a run.
    uses_keyring = compat.keyring_allowed(session.auth)
    try:
        finder = command._build_package_finder(options=values, session=session)
        files = [(name, True) for name in options.constraints]
        files += [(name, False) for name in options.requirements]
        for filename, constraint in files:
            try:
                for _req in req_file.parse_requirements(
                    filename, session, finder=finder, options=values, constraint=constraint
                ):
                    pass
            except Exception as exc:
                # The message may quote a line of the file, URL credentials included.
                raise PipConfigError(f"pip cannot read {filename} ({type(exc).__name__})") from None
        index_urls = [str(u) for u in finder.index_urls]
        find_links = [str(u) for u in finder.find_links]
        no_index = bool(finder.search_scope.no_index)
    finally:
        session.close()
    config_files: list[str] = []
    try:
        # pip loads no file at all when PIP_CONFIG_FILE is os.devnull.
        if os.environ.get("PIP_CONFIG_FILE") != os.devnull:
            for _variant, paths in command.parser.config.iter_config_files():
                config_files += [p for p in paths if p and os.path.isfile(p)]
    except Exception:  # noqa: S110 - only a listing for the reader
        pass
    version = str(getattr(pip, "__version__", "unknown"))
    return PipIndexes(
        index_urls=index_urls,
        find_links=find_links,
        first_is_index_url=not no_index,
        keyring_allowed=uses_keyring,
        method=f"pip {version}'s own option parser",
        config_files=config_files,
        env_names=_pip_env_names(),
    )


def _fallback(options: IndexOptions) -> PipIndexes:
    env = os.environ
    no_index = options.no_index or env.get("PIP_NO_INDEX", "").strip().lower() in _TRUE
    index_url = options.index_url or env.get("PIP_INDEX_URL") or None
    extras = list(options.extra_index_urls) or env.get("PIP_EXTRA_INDEX_URL", "").split()
    find_links = list(options.find_links) or env.get("PIP_FIND_LINKS", "").split()
    index_urls = [] if no_index else [u for u in [index_url, *extras] if u]
    return PipIndexes(
        index_urls=index_urls,
        find_links=find_links,
        first_is_index_url=index_url is not None and not no_index,
        keyring_allowed=env.get("PIP_NO_INPUT", "").strip().lower() not in _TRUE,
        method="command line and PIP_* variables only",
        env_names=_pip_env_names(),
    )


def netrc_lookup() -> Callable[[str], AuthInfo | None] | None:
    """pip's own netrc lookup (requests' ``get_netrc_auth``), or None without pip."""
    try:
        auth = importlib.import_module(compat.AUTH_MODULE)
    except Exception:
        return None
    get_netrc_auth = getattr(auth, "get_netrc_auth", None)
    if not callable(get_netrc_auth):
        return None

    def lookup(url: str) -> AuthInfo | None:
        return netrc_answer(get_netrc_auth, url)

    return lookup


def netrc_answer(get_netrc_auth: Callable[[str], Any], url: str) -> AuthInfo | None:
    """requests' ``get_netrc_auth`` answer as pip's plain pair: the one netrc conversion."""
    found = get_netrc_auth(url)
    return (found[0], found[1]) if found else None
