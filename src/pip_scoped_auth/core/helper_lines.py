"""Credential helper lines: ``URL-PREFIX COMMAND [ARG...]``, and the longest prefix.

Configuration is one line per helper (shell-quoted). A prefix follows the
index-scope rules of :mod:`.urls` (origin, path segments, a final ``simple``
dropped), and the longest prefix on segment boundaries wins, so a helper never
sees, and its headers never go to, a URL outside its prefix or on another
origin. Running a helper and caching its answers: :mod:`.helper_answers`.
"""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Iterable
from dataclasses import dataclass

from pip_scoped_auth.core.location import Scope, longest_prefix
from pip_scoped_auth.core.urls import index_scope, split_userinfo

__all__ = ["DEFAULT_TIMEOUT", "HelperLine", "HelperTable", "find_command", "parse_helper_lines"]

#: Seconds a helper may take before it is killed (``credential-helper-timeout``).
DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True)
class HelperLine:
    """One configured helper: the prefix it serves, its command, where it was configured."""

    prefix: Scope
    argv: tuple[str, ...]
    #: A config file's path, or the environment variable's name.
    where: str

    @property
    def name(self) -> str:
        """The command as shown in warnings and ``status`` (its first word only)."""
        return self.argv[0]

    def executable(self) -> str | None:
        """The program this line runs, or None where it cannot be found or run."""
        return find_command(self.argv[0])


def find_command(command: str) -> str | None:
    """``command`` on ``PATH`` (no slash in it) or as a path; None if missing or not executable."""
    if os.sep in command or (os.altsep and os.altsep in command):
        path = os.path.expanduser(command)
        return path if os.path.isfile(path) and os.access(path, os.X_OK) else None
    return shutil.which(command)


def parse_helper_lines(text: str, where: str) -> tuple[list[HelperLine], list[str]]:
    """Parse ``URL-PREFIX COMMAND [ARG...]`` lines; blank lines and ``#`` comments are skipped.

    Returns the helpers and one problem per line that cannot be used (the
    line number and why, never the line: it could hold a token).
    """
    helpers: list[HelperLine] = []
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            problems.append(f"{where}, helper line {number}: unbalanced quotes")
            continue
        if len(words) < 2:
            problems.append(f"{where}, helper line {number}: a URL prefix and a command are needed")
            continue
        prefix_text, argv = words[0], tuple(words[1:])
        if split_userinfo(prefix_text) != (None, None):
            problems.append(
                f"{where}, helper line {number}: the URL prefix holds credentials; not used"
            )
            continue
        prefix = index_scope(prefix_text)
        if prefix is None:
            problems.append(f"{where}, helper line {number}: the prefix is not an http(s) URL")
            continue
        helpers.append(HelperLine(prefix, argv, where))
    return helpers, problems


class HelperTable:
    """Longest-prefix lookup, on path segments, from a URL's location to its helper line.

    Where two lines name the same prefix, the first one wins.
    """

    __slots__ = ("_by_prefix",)

    def __init__(self, helpers: Iterable[HelperLine] = ()) -> None:
        self._by_prefix: dict[Scope, HelperLine] = {}
        for helper in helpers:
            self._by_prefix.setdefault(helper.prefix, helper)

    def __bool__(self) -> bool:
        return bool(self._by_prefix)

    def lines(self) -> list[HelperLine]:
        return list(self._by_prefix.values())

    def helper_for(self, location: Scope) -> HelperLine | None:
        return longest_prefix(self._by_prefix, location)
