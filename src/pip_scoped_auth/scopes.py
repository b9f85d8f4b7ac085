"""Index scopes and the credential store keyed by them.

Pure logic: nothing here imports pip, so the rules can be unit-tested (and
fuzzed) without a pip installation, and a new pip release never touches them.

A *scope* is an index URL reduced to what identifies "its" files: the origin
(scheme, lower-cased host, explicit port) and the path without a final
``simple``/``+simple`` segment. GitLab serves
``/api/v4/projects/323/packages/pypi/simple`` and links files under
``/api/v4/projects/323/packages/pypi/files/...``; devpi serves
``/root/dev/+simple`` and files under ``/root/dev/+f/...``. The scope is the
smallest prefix both share, so a file request can be matched to the index that
listed it without guessing.
"""

from __future__ import annotations

import ipaddress
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Optional
from urllib.parse import quote, unquote, urlsplit

__all__ = [
    "DEFAULT_PORTS",
    "CredentialStore",
    "Credentials",
    "IndexEntry",
    "Origin",
    "Scope",
    "ScopeTable",
    "index_scope",
    "request_location",
    "split_userinfo",
]

DEFAULT_PORTS = {"http": 80, "https": 443}

#: Characters kept literal when a path segment is re-quoted. Everything else is
#: percent-encoded, so ``%7e``, ``%7E`` and ``~`` compare equal while ``%2F``
#: (a slash *inside* a segment, as in GitLab's ``group%2Fproject``) never turns
#: into a segment boundary.
_SEGMENT_SAFE = "-._~!$&'()*+,;=:@"

#: ``(username, password)``; either may be ``None`` (pip's ``AuthInfo``).
Credentials = tuple[Optional[str], Optional[str]]


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


class Scope(NamedTuple):
    """An origin plus a path prefix, compared segment by segment."""

    origin: Origin
    segments: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.origin}/{'/'.join(self.segments)}".rstrip("/") + "/"

    def contains(self, other: Scope) -> bool:
        """True where ``other`` lies under this scope on segment boundaries."""
        n = len(self.segments)
        return self.origin == other.origin and other.segments[:n] == self.segments


def _normalise_host(host: str) -> str:
    """Lower-case, no trailing dot; one spelling per IPv6 address and IDNA label.

    A non-ASCII host becomes punycode only where Python's IDNA 2003 codec
    agrees with the IDNA 2008 / UTS 46 encoding requests and urllib3 put on
    the wire, i.e. where encoding maps nothing (``straße`` is ``strasse`` in
    IDNA 2003 but ``xn--strae-oqa`` on the wire). Elsewhere the host stays
    as written, so at worst two spellings of one host get no shared token.
    """
    host = host.lower().rstrip(".")
    if ":" in host:
        try:
            return str(ipaddress.IPv6Address(host))
        except ValueError:
            return host
    if host.isascii():
        return host
    try:
        encoded = host.encode("idna")
        if encoded.decode("idna") == host:
            return encoded.decode("ascii")
    except UnicodeError:
        pass
    return host


#: A segment made only of these is already in normal form (nothing to unquote,
#: nothing quote() would change): the common case, answered without the codec.
_PLAIN_SEGMENT = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@]*")


def _normalise_segment(segment: str) -> str:
    if _PLAIN_SEGMENT.fullmatch(segment):
        return segment
    decoded = unquote(segment, errors="surrogateescape")
    # "surrogatepass" as a fallback: a lone surrogate that is not an escaped
    # byte must still give *some* stable spelling, never an exception.
    errors = "surrogateescape"
    try:
        decoded.encode("utf-8", errors)
    except UnicodeError:
        errors = "surrogatepass"
    return quote(decoded, safe=_SEGMENT_SAFE, errors=errors)


def _path_segments(path: str) -> tuple[str, ...]:
    """Split a URL path into normalised segments, resolving ``.`` and ``..``.

    Empty segments are dropped: pip and servers treat ``/a//b/`` like ``/a/b``
    often enough that keeping them would only create near-duplicate scopes.
    """
    out: list[str] = []
    for raw in path.split("/"):
        segment = _normalise_segment(raw)
        # After normalisation ``%2e%2E`` is ``..`` too (RFC 3986 6.2.2.2):
        # resolving it is the safe reading, since it can only move a URL out
        # of a scope, never into one.
        if segment in ("", "."):
            continue
        if segment == "..":
            if out:
                out.pop()
            continue
        out.append(segment)
    return tuple(out)


def split_userinfo(url: str) -> tuple[str | None, str | None]:
    """Return the percent-decoded ``(username, password)`` embedded in ``url``.

    Mirrors pip's ``split_auth_from_netloc``: a username with no ``:`` gives a
    ``None`` password, and ``user:`` gives an empty one.
    """
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        return None, None
    if "@" not in netloc:
        return None, None
    userinfo = netloc.rpartition("@")[0]
    if ":" in userinfo:
        user, _, password = userinfo.partition(":")
        return unquote(user), unquote(password)
    return unquote(userinfo), None


def _plain_hostinfo(netloc: str) -> bool:
    """False for ``evil.[::1]`` or ``[::1]x``: urlsplit reads ``::1`` there and
    ignores the rest, while urllib3 refuses the URL or reads another host."""
    hostinfo = netloc.rpartition("@")[2]
    if "[" not in hostinfo and "]" not in hostinfo:
        return True
    if not hostinfo.startswith("["):
        return False
    rest = hostinfo.partition("]")[2]
    return rest == "" or rest.startswith(":")


def request_location(url: str) -> Scope | None:
    """Normalise ``url`` to the scope-shaped location it addresses.

    Returns ``None`` where the URL has no HTTP(S) origin (``file:``, garbage,
    a bad port): such URLs never get scoped credentials, so pip decides.
    """
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS:
            return None
        host = parts.hostname
        if not host or not _plain_hostinfo(parts.netloc):
            return None
        port = parts.port
    except (ValueError, TypeError):
        return None
    origin = Origin(
        scheme, _normalise_host(host), port if port is not None else DEFAULT_PORTS[scheme]
    )
    return Scope(origin, _path_segments(parts.path))


def index_scope(index_url: str) -> Scope | None:
    """The scope an index URL covers: its location minus a final ``simple``."""
    location = request_location(index_url)
    if location is None:
        return None
    segments = location.segments
    if segments and segments[-1] in ("simple", "+simple"):
        segments = segments[:-1]
    return Scope(location.origin, segments)


@dataclass(frozen=True)
class IndexEntry:
    """One configured index: where it is, its scope, and any URL credentials."""

    url: str
    scope: Scope
    username: str | None
    password: str | None

    @property
    def has_credentials(self) -> bool:
        return self.username is not None and self.password is not None


@dataclass
class ScopeTable:
    """Longest-prefix lookup from request URL to configured index.

    Lookup walks the request's own path prefixes from longest to shortest and
    probes a dict, so its cost grows with URL depth, not with the number of
    configured indexes. Where two indexes share a scope, the first one listed
    wins (pip lists ``--index-url`` before ``--extra-index-url``).
    """

    entries: dict[Scope, IndexEntry] = field(default_factory=dict)

    @classmethod
    def from_urls(cls, urls: Iterable[str]) -> ScopeTable:
        table = cls()
        for url in urls:
            table.add(url)
        return table

    def add(self, url: str) -> IndexEntry | None:
        if not isinstance(url, str):
            return None
        scope = index_scope(url)
        if scope is None:
            return None
        username, password = split_userinfo(url)
        entry = IndexEntry(url=url, scope=scope, username=username, password=password)
        return self.entries.setdefault(scope, entry)

    def lookup(self, url: str) -> IndexEntry | None:
        """The index whose scope contains ``url`` most specifically, if any."""
        location = request_location(url)
        if location is None:
            return None
        return self.lookup_location(location)

    def lookup_location(self, location: Scope) -> IndexEntry | None:
        if not self.entries:
            return None
        segments = location.segments
        for n in range(len(segments), -1, -1):
            entry = self.entries.get(Scope(location.origin, segments[:n]))
            if entry is not None:
                return entry
        return None

    def scopes_on(self, origin: Origin) -> Sequence[Scope]:
        return [scope for scope in self.entries if scope.origin == origin]


class CredentialStore:
    """Credentials learned during a run (401 retries, keyring, prompt), by scope.

    pip keeps these in ``passwords[netloc]``, so the last index to answer a
    challenge on a host decides what every other index on that host gets. Here
    each scope keeps its own. Thread-safe because pip may download in
    parallel one day, and a torn read here would mean a wrong token sent.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_scope: dict[Scope, tuple[str, str]] = {}

    def get(self, scope: Scope) -> tuple[str, str] | None:
        with self._lock:
            return self._by_scope.get(scope)

    def put(self, scope: Scope, username: str, password: str) -> None:
        with self._lock:
            self._by_scope[scope] = (username, password)

    def forget(self, scope: Scope) -> None:
        with self._lock:
            self._by_scope.pop(scope, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._by_scope)
