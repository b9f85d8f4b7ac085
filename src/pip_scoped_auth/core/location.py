"""The one type for a place on the web: an :class:`Origin` and a :class:`Scope` under it.

Pure values, no parsing: :func:`pip_scoped_auth.core.urls.request_location`
reads a URL into a :class:`Scope` (normalised host, explicit port, path
segments), and every comparison the shim makes is between these.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple, TypeVar

__all__ = ["DEFAULT_PORTS", "Origin", "Scope", "longest_prefix"]

_T = TypeVar("_T")

DEFAULT_PORTS = {"http": 80, "https": 443}


class Origin(NamedTuple):
    """Scheme, host and port: the unit credentials may never cross."""

    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        if DEFAULT_PORTS.get(self.scheme) == self.port:
            return f"{self.scheme}://{host}"
        return f"{self.scheme}://{host}:{self.port}"

    def downgraded(self) -> Origin | None:
        """The plain-http origin this https origin upgrades, if any.

        requests keeps credentials on an http->https redirect of the same host
        on the default ports (and only there), and so do the scope rules: an
        ``http://host`` scope also covers ``https://host`` (an upgrade), never
        the reverse.
        """
        if self.scheme == "https" and self.port == DEFAULT_PORTS["https"]:
            return Origin("http", self.host, DEFAULT_PORTS["http"])
        return None

    def accepts_credentials_of(self, other: Origin) -> bool:
        """Whether a credential of ``other`` may be sent here: the same origin, or its upgrade."""
        return self == other or self.downgraded() == other


class Scope(NamedTuple):
    """An origin plus a path prefix, compared segment by segment."""

    origin: Origin
    segments: tuple[str, ...]

    def __str__(self) -> str:
        """The scope as printed: its URL with one trailing slash."""
        return self.url.rstrip("/") + "/"

    @property
    def url(self) -> str:
        """The scope as a URL without a trailing slash (keyring's service spelling)."""
        return f"{self.origin}/{'/'.join(self.segments)}"

    def contains(self, other: Scope) -> bool:
        """True where ``other`` lies under this scope on segment boundaries."""
        n = len(self.segments)
        return self.origin == other.origin and other.segments[:n] == self.segments


def longest_prefix(by_scope: Mapping[Scope, _T], location: Scope) -> _T | None:
    """The value of the longest scope in ``by_scope`` that contains ``location``.

    Walks ``location``'s own path prefixes from longest to shortest and probes
    the mapping, so the cost grows with URL depth, not with the number of
    scopes. Segment boundaries only: ``/projects/12/`` never contains
    ``/projects/123/``.
    """
    segments = location.segments
    for n in range(len(segments), -1, -1):
        found = by_scope.get(Scope(location.origin, segments[:n]))
        if found is not None:
            return found
    return None
