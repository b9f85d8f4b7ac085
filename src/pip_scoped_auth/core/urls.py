"""URLs: parsing, normalising, stripping and redacting, in one place.

Every comparison the shim makes between URLs goes through
:func:`request_location` (a scope-shaped, normalised form), and every URL the
package shows goes through :func:`redact_url`. Keeping both here means one
reading of a URL for the whole package: the scope table, provenance, the
resolver and the CLI cannot disagree about which host or path a URL names.
Pure: no pip imports.
"""

from __future__ import annotations

import ipaddress
import re
from typing import NamedTuple
from urllib.parse import quote, unquote, urlsplit, urlunsplit

__all__ = [
    "DEFAULT_PORTS",
    "Origin",
    "Scope",
    "directory_of",
    "index_scope",
    "netloc_of",
    "origin_and_rest",
    "origin_of",
    "redact_url",
    "request_location",
    "split_userinfo",
    "upgraded_origin",
    "without_userinfo",
]

DEFAULT_PORTS = {"http": 80, "https": 443}

#: Characters kept literal when a path segment is re-quoted. Everything else is
#: percent-encoded, so ``%7e``, ``%7E`` and ``~`` compare equal while ``%2F``
#: (a slash *inside* a segment, as in GitLab's ``group%2Fproject``) never turns
#: into a segment boundary.
_SEGMENT_SAFE = "-._~!$&'()*+,;=:@"


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


def without_userinfo(url: str) -> str:
    """``url`` with any ``user:password@`` removed, otherwise exactly as given.

    The same split as pip's ``split_auth_netloc_from_url``: the netloc is what
    ``urlsplit`` reads, and the last ``@`` in it ends the userinfo.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def netloc_of(url: str) -> str:
    """``host[:port]`` as written (no userinfo): keyring's host-level service name."""
    return url.partition("://")[2].partition("/")[0].rpartition("@")[2]


def redact_url(url: str) -> str:
    """``url`` as pip shows it: ``user:****@`` for a password, ``****@`` for a lone username.

    Stricter than pip in one case: ``user:@`` (an empty password) is ``****@``
    too, since the username is then what authenticates.
    """
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
    except ValueError:
        return "<URL not shown: unparsable>"
    if "@" not in netloc:
        return url
    userinfo, _, host = netloc.rpartition("@")
    user, colon, password = userinfo.partition(":")
    # A username that stands alone (``TOKEN@`` or ``TOKEN:@``) is often the token.
    shown = f"{user}:****" if colon and password else "****"
    return urlunsplit(parts._replace(netloc=f"{shown}@{host}"))


def origin_and_rest(url: str) -> tuple[str, str]:
    """``(origin, rest)``: the normalised origin, and path plus query without fragment.

    Deliberately string-only and cheap: provenance runs it once per listed
    link. The origin is ``scheme://host:port``, lower-cased, port explicit,
    userinfo dropped; ``""`` where the URL is not HTTP(S).
    """
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in DEFAULT_PORTS:
        return "", url
    rest = rest.split("#", 1)[0]
    cut = len(rest)
    for mark in ("/", "?"):
        found = rest.find(mark)
        if 0 <= found < cut:
            cut = found
    hostport = rest[:cut].rpartition("@")[2].lower()
    if hostport.endswith("]") or ":" not in hostport.rpartition("]")[2]:
        port = DEFAULT_PORTS[scheme]
        host = hostport
    else:
        host, _, digits = hostport.rpartition(":")
        port = int(digits) if digits.isdigit() else DEFAULT_PORTS[scheme]
    return f"{scheme}://{host}:{port}", rest[cut:]


def upgraded_origin(origin: str) -> str:
    """For an ``origin_and_rest`` origin ``http://host:80``: ``https://host:443``, else ``""``.

    The one cross-origin move a credential survives (:meth:`Origin.downgraded`).
    """
    scheme, _, hostport = origin.partition("://")
    host, _, port = hostport.rpartition(":")
    if scheme == "http" and port == str(DEFAULT_PORTS["http"]):
        return f"https://{host}:{DEFAULT_PORTS['https']}"
    return ""


def origin_of(url: str) -> str:
    """``scheme://host:port`` lower-cased with the port explicit; ``""`` if not HTTP(S)."""
    return origin_and_rest(url)[0]


def directory_of(url: str) -> Scope | None:
    """The URL's own directory: RFC 7617's protection space for credentials learned on it."""
    location = request_location(url)
    if location is None:
        return None
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    if path.endswith("/") or not location.segments:
        return location
    return Scope(location.origin, location.segments[:-1])
