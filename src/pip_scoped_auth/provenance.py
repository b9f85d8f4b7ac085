"""Which index page listed which file, and with which credentials that page was read.

Path scopes are not enough: registries link files outside the index's path
(GitLab links by numeric project id while the index URL names the project by
its encoded path; group indexes list files of their projects; devpi serves
inherited files under the base index; Azure links under a feed GUID). The
precise rule is provenance: a file listed on page P, which was fetched with
credentials C, is downloaded with C, and only on P's own origin.

Pure logic, no pip imports. The adapter feeds it two events: "page P answered
with credentials C" (:meth:`Provenance.page_fetched`) and "page P lists link
L" (:meth:`Provenance.link_listed`), and asks :meth:`Provenance.lookup` for a
request URL.

Memory: one dict slot per link, keyed by an 8-byte keyed BLAKE2b digest of the
link URL (not the URL string itself), pointing at one shared :class:`PageAuth`
per page. The map is capped (FIFO eviction); an evicted link falls back to the
path-scope rules.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import OrderedDict
from typing import NamedTuple

from pip_scoped_auth.scopes import DEFAULT_PORTS, Credentials

__all__ = ["DEFAULT_LINK_LIMIT", "PageAuth", "Provenance", "origin_of", "url_key"]

#: Links remembered at most (about 100 bytes each, see docs/benchmarks.md).
DEFAULT_LINK_LIMIT = 1_000_000
#: Pages remembered at most: pages are few (one per project and index).
_PAGE_LIMIT = 10_000
_METADATA_SUFFIX = ".metadata"
_KEY = secrets.token_bytes(16)


class PageAuth(NamedTuple):
    """A page that was read successfully, and what it was read with (``None``: anonymously)."""

    url: str
    origin: str
    credentials: Credentials | None


def origin_of(url: str) -> str:
    """``scheme://host:port`` lower-cased with the port explicit; ``""`` if not HTTP(S).

    Deliberately string-only and cheap: it runs once per listed link.
    """
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in DEFAULT_PORTS:
        return ""
    netloc = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    hostport = netloc.rpartition("@")[2].lower()
    if hostport.endswith("]") or ":" not in hostport.rpartition("]")[2]:
        return f"{scheme}://{hostport}:{DEFAULT_PORTS[scheme]}"
    host, _, port = hostport.rpartition(":")
    if not port:
        port = str(DEFAULT_PORTS[scheme])
    return f"{scheme}://{host}:{port.lstrip('0') or '0'}"


def _normalise(url: str) -> str:
    """The URL without fragment, without userinfo, with a normalised origin."""
    url = url.split("#", 1)[0]
    origin = origin_of(url)
    if not origin:
        return url
    rest = url.partition("://")[2]
    slash = rest.find("/")
    query = rest.find("?")
    cut = min(i for i in (slash, query, len(rest)) if i >= 0)
    return origin + rest[cut:]


def url_key(url: str) -> bytes:
    """The map key for a URL: a keyed digest, so links cost 8 bytes, not their length."""
    return hashlib.blake2b(
        _normalise(url).encode("utf-8", "surrogatepass"), digest_size=8, key=_KEY
    ).digest()


class Provenance:
    """The link → page map of one pip process. Thread-safe."""

    def __init__(self, link_limit: int = DEFAULT_LINK_LIMIT) -> None:
        self._lock = threading.Lock()
        self._link_limit = link_limit
        self._links: OrderedDict[bytes, PageAuth] = OrderedDict()
        self._pages: OrderedDict[bytes, PageAuth] = OrderedDict()

    def page_fetched(self, page_url: str, credentials: Credentials | None) -> None:
        """Remember that ``page_url`` answered (2xx) to ``credentials``."""
        origin = origin_of(page_url)
        if not origin:
            return
        page = PageAuth(_normalise(page_url), origin, credentials)
        key = url_key(page_url)
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > _PAGE_LIMIT:
                self._pages.popitem(last=False)

    def page(self, page_url: str) -> PageAuth | None:
        with self._lock:
            return self._pages.get(url_key(page_url))

    def link_listed(self, link_url: str, page_url: str) -> bool:
        """Record that ``page_url`` lists ``link_url``; True if recorded.

        Only same-origin links of a page we saw answer are recorded: a link to
        another origin never inherits the page's credentials. The first page
        to list a URL keeps it (pip reads ``--index-url`` before the extras).
        """
        page = self.page(page_url)
        if page is None or origin_of(link_url) != page.origin:
            return False
        key = url_key(link_url)
        with self._lock:
            if key in self._links:
                return True
            self._links[key] = page
            while len(self._links) > self._link_limit:
                self._links.popitem(last=False)
        return True

    def lookup(self, url: str) -> PageAuth | None:
        """The page that listed ``url`` (or the file whose PEP 658 metadata it is)."""
        origin = origin_of(url)
        if not origin:
            return None
        candidates = [url]
        base = url.split("#", 1)[0]
        if base.endswith(_METADATA_SUFFIX):
            candidates.append(base[: -len(_METADATA_SUFFIX)])
        with self._lock:
            for candidate in candidates:
                page = self._links.get(url_key(candidate))
                if page is not None and page.origin == origin:
                    return page
        return None

    def __len__(self) -> int:
        with self._lock:
            return len(self._links)
