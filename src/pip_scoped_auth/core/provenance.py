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

Memory: one dict slot per link, keyed by the 64-bit hash of the normalised
link URL (not the URL string itself: an int costs 32 bytes, a URL 150 or more),
pointing at one shared :class:`PageAuth` per page. Python's string hash is
keyed per process (SipHash), so nobody can aim a link at another file's slot;
and a lookup also checks the origin, so even a chance collision could never
send credentials to another origin. The map is capped (oldest half dropped
when full); an evicted link falls back to the path-scope rules.
"""

from __future__ import annotations

import threading
from itertools import islice
from typing import NamedTuple

from pip_scoped_auth.core.scopes import Credentials
from pip_scoped_auth.core.urls import origin_and_rest, origin_of

__all__ = ["DEFAULT_LINK_LIMIT", "PageAuth", "Provenance", "url_key"]

#: Links remembered at most (about 100 bytes each, see docs/benchmarks.md).
DEFAULT_LINK_LIMIT = 1_000_000
#: Pages remembered at most: pages are few (one per project and index).
_PAGE_LIMIT = 10_000
_METADATA_SUFFIX = ".metadata"


class PageAuth(NamedTuple):
    """A page that was read successfully, and what it was read with (``None``: anonymously)."""

    url: str
    origin: str
    credentials: Credentials | None


def url_key(url: str) -> int:
    """The map key for a URL: its normalised form's hash, so a link costs an int."""
    origin, rest = origin_and_rest(url)
    return hash(origin + rest)


class Provenance:
    """The link → page map of one pip process. Thread-safe."""

    def __init__(self, link_limit: int = DEFAULT_LINK_LIMIT) -> None:
        self._lock = threading.Lock()
        self._link_limit = link_limit
        self._links: dict[int, PageAuth] = {}
        self._pages: dict[int, PageAuth] = {}
        # pip creates a page's links one after another: remember the last page.
        self._last_page: tuple[str, PageAuth | None] = ("", None)

    def page_fetched(self, page_url: str, credentials: Credentials | None) -> None:
        """Remember that ``page_url`` answered (2xx) to ``credentials``."""
        origin, rest = origin_and_rest(page_url)
        if not origin:
            return
        page = PageAuth(origin + rest, origin, credentials)
        key = hash(page.url)
        with self._lock:
            self._pages.pop(key, None)
            self._pages[key] = page
            self._pages = _trimmed(self._pages, _PAGE_LIMIT)
            self._last_page = ("", None)

    def page(self, page_url: str) -> PageAuth | None:
        with self._lock:
            last_url, last = self._last_page
            if last_url == page_url:
                return last
            page = self._pages.get(url_key(page_url))
            self._last_page = (page_url, page)
            return page

    def link_listed(self, link_url: str, page_url: str) -> bool:
        """Record that ``page_url`` lists ``link_url``; True if recorded.

        Only same-origin links of a page we saw answer are recorded: a link to
        another origin never inherits the page's credentials. The first page
        to list a URL keeps it (pip reads ``--index-url`` before the extras).
        """
        page = self.page(page_url)
        if page is None:
            return False
        origin, rest = origin_and_rest(link_url)
        if origin != page.origin:
            return False
        key = hash(origin + rest)
        with self._lock:
            if key not in self._links:
                self._links[key] = page
                self._links = _trimmed(self._links, self._link_limit)
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


def _trimmed(entries: dict[int, PageAuth], limit: int) -> dict[int, PageAuth]:
    """``entries`` itself, or its newer half once it outgrew ``limit`` (amortised O(1))."""
    if len(entries) <= limit:
        return entries
    keep = max(limit // 2, 1)
    return dict(islice(entries.items(), len(entries) - keep, None))
