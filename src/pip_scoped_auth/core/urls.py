"""URLs: parsing, normalising, stripping and redacting, in one place.

Every comparison the shim makes between URLs goes through one type, the
:class:`Scope` that :func:`request_location` gives (an :class:`Origin` plus
normalised path segments), and every URL the package shows goes through
:func:`redact_url`. Keeping both here means one
reading of a URL for the whole package: the scope table, provenance, the
resolver and the CLI cannot disagree about which host or path a URL names.
Pure: no pip imports.
"""

from __future__ import annotations

import ipaddress
import re
from enum import Enum
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from pip_scoped_auth.core.location import DEFAULT_PORTS, Origin, Scope

__all__ = [
    "directory_of",
    "index_scope",
    "netloc_of",
    "redact_url",
    "request_location",
    "split_userinfo",
    "without_userinfo",
]

#: Characters kept literal when a path segment is re-quoted. Everything else is
#: percent-encoded, so ``%7e``, ``%7E`` and ``~`` compare equal while ``%2F``
#: (a slash *inside* a segment, as in GitLab's ``group%2Fproject``) never turns
#: into a segment boundary.
_SEGMENT_SAFE = "-._~!$&'()*+,;=:@"


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


#: A path made only of plain segment characters and slashes.
_PLAIN_PATH = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/]*")
#: Characters that send a netloc to the full parser: userinfo, IPv6 brackets,
#: escapes, and whatever ``urlsplit`` strips or rejects.
_UNPLAIN_NETLOC = re.compile(r"[@\[\]%\\\s]")


def request_location(url: str) -> Scope | None:
    """Normalise ``url`` to the scope-shaped location it addresses.

    Returns ``None`` where the URL has no HTTP(S) origin (``file:``, garbage,
    a bad port): such URLs never get scoped credentials, so pip decides.

    Provenance reads every link pip builds, so the common spelling (a lower-case
    scheme, a plain ASCII host, a path of plain segments) is read with string
    operations; anything else (userinfo, IPv6, IDNA, a trailing dot, escapes,
    dot segments, whitespace) takes the full ``urlsplit`` reading. Both give
    the same answer: a property test compares them on generated URLs.
    """
    fast = _plain_location(url)
    return _parsed_location(url) if isinstance(fast, _NotPlain) else fast


class _NotPlain(Enum):
    """:func:`_plain_location`'s "ask the full parser"."""

    NOT_PLAIN = 0


_NOT_PLAIN = _NotPlain.NOT_PLAIN


def _plain_location(url: str) -> Scope | _NotPlain | None:
    """:func:`request_location` for the common spelling; ``_NOT_PLAIN`` for the rest."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in DEFAULT_PORTS or not url.isascii() or not url.isprintable():
        return _NOT_PLAIN
    rest = rest.partition("#")[0].partition("?")[0]
    hostport, _slash, path = rest.partition("/")
    host, colon, port_text = hostport.partition(":")
    if not host or host.endswith(".") or _UNPLAIN_NETLOC.search(hostport):
        return _NOT_PLAIN
    if not colon:
        port = DEFAULT_PORTS[scheme]
    elif port_text.isdigit() and int(port_text) <= 65535:
        port = int(port_text)
    else:
        return _NOT_PLAIN
    if not _PLAIN_PATH.fullmatch(path):
        return _NOT_PLAIN
    segments = tuple(segment for segment in path.split("/") if segment)
    if "." in segments or ".." in segments:
        return _NOT_PLAIN
    return Scope(Origin(scheme, host.lower(), port), segments)


def _parsed_location(url: str) -> Scope | None:
    """:func:`request_location` through ``urlsplit``, for every spelling."""
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
