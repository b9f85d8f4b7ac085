"""Which index pages listed which file, and with which credentials each page was read.

Path scopes are not enough: registries link files outside the index's path
(GitLab links by numeric project id while the index URL names the project by
its encoded path; group indexes list files of their projects; devpi serves
inherited files under the base index; Azure links under a feed GUID). The
precise rule is provenance: a file listed on page P, which was fetched with
credentials C, is downloaded with C, and only on P's own origin.

A file can be listed by several pages (devpi ``bases=``, Artifactory virtual
and Nexus group repositories, shared file trees), each read with its own
credentials. All of them are kept, in the order they listed the file, so the
resolver can prefer the page whose own scope contains the file and, after a
401 or 403, try the next one instead of the credential just rejected.

Pure logic, no pip imports. The pip layer feeds it two events: "page P
answered to login C" (:meth:`Provenance.page_fetched`) and "page P lists link
L" (:meth:`Provenance.link_listed`), and asks
:meth:`Provenance.pages_listing` for a request URL.

Memory: one dict slot per link, keyed by a 16-byte BLAKE2b digest of the
normalised link location (origin and path, as :func:`request_location` reads
it: a collision-resistant key of fixed size, where the URL itself costs 150
bytes or more and ``hash()`` is 32 bits on some builds and predictable under
``PYTHONHASHSEED``), pointing at one shared
:class:`PageAuth` per page. A lookup also checks the origin, so credentials
never reach another origin. The map is capped (oldest half dropped when full);
an evicted link falls back to the path-scope rules.

pip calls this from one thread (checked for pip 22.0 to 26.3): no locks.
"""

from __future__ import annotations

import hashlib
from itertools import islice
from typing import NamedTuple, TypeVar, Union

from pip_scoped_auth.core.location import Origin, Scope
from pip_scoped_auth.core.secrets import Login
from pip_scoped_auth.core.urls import request_location

__all__ = ["DEFAULT_LINK_LIMIT", "PageAuth", "Provenance", "url_key"]

#: Links remembered at most (about 110 bytes each, see docs/benchmarks.md).
DEFAULT_LINK_LIMIT = 1_000_000
#: Pages remembered at most: pages are few (one per project and index).
_PAGE_LIMIT = 10_000
#: Listing pages kept per link: more than a handful is a misconfiguration.
_PAGES_PER_LINK = 8
_METADATA_SUFFIX = ".metadata"

_T = TypeVar("_T")


class PageAuth(NamedTuple):
    """A page that was read successfully, and what it was read with (``None``: anonymously)."""

    url: str
    origin: Origin
    login: Login | None


#: One page, or (rarely) the pages that listed a link, in listing order.
_Listed = Union[PageAuth, tuple[PageAuth, ...]]


def url_key(url: str) -> bytes:
    """The map key for a URL: a 16-byte digest of its normalised location (b"" if not HTTP(S))."""
    location = request_location(url)
    return _key(location) if location is not None else b""


def _key(location: Scope) -> bytes:
    return _digest(location.url)


def _digest(normalised: str) -> bytes:
    return hashlib.blake2b(normalised.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class Provenance:
    """The link → pages map of one pip process."""

    def __init__(self, link_limit: int = DEFAULT_LINK_LIMIT) -> None:
        self._link_limit = link_limit
        self._links: dict[bytes, _Listed] = {}
        self._pages: dict[bytes, PageAuth] = {}
        #: Hosts where some page was read with credentials: the shim decides there.
        self.credentialed_hosts: set[str] = set()
        # pip creates a page's links one after another: remember the last page.
        self._last_page: tuple[str, PageAuth | None] = ("", None)
        #: Locked file URL -> the index URL its lock file names (``pylock.toml``).
        self._locked: dict[bytes, str] = {}

    def link_locked(self, link_url: str, index_url: str) -> None:
        """Record that a lock file pins ``link_url`` to ``index_url`` (its ``packages.index``).

        pip fetches a locked file without reading any index page, so no page
        lists it: the lock's ``index`` is its provenance.
        """
        key = url_key(link_url)
        if key:
            self._locked[key] = index_url
            self._locked = _trimmed(self._locked, self._link_limit)

    def locked_index(self, location: Scope) -> str | None:
        """The index a lock file names for ``location`` (or the file whose metadata it is)."""
        if not self._locked:
            return None
        found = self._locked.get(_key(location))
        last = location.segments[-1] if location.segments else ""
        if found is None and last.endswith(_METADATA_SUFFIX):
            stripped = (*location.segments[:-1], last[: -len(_METADATA_SUFFIX)])
            found = self._locked.get(_key(Scope(location.origin, stripped)))
        return found

    def page_fetched(self, page_url: str, login: Login | None) -> None:
        """Remember that ``page_url`` answered (2xx) to ``login``."""
        location = request_location(page_url)
        if location is None:
            return
        # The URL as pip fetched it, for ``-v`` and ``explain``; the key is normalised.
        page = PageAuth(page_url.partition("#")[0], location.origin, login)
        key = _key(location)
        self._pages.pop(key, None)
        self._pages[key] = page
        self._pages = _trimmed(self._pages, _PAGE_LIMIT)
        self._last_page = ("", None)
        if login is not None and not login.empty:
            self.credentialed_hosts.add(location.origin.host)

    def page(self, page_url: str) -> PageAuth | None:
        last_url, last = self._last_page
        if last_url == page_url:
            return last
        page = self._pages.get(url_key(page_url))
        self._last_page = (page_url, page)
        return page

    def link_listed(self, link_url: str, page_url: str) -> bool:
        """Record that ``page_url`` lists ``link_url``; True if recorded.

        Only links of a page we saw answer, on the page's own origin (or its
        https upgrade, which requests allows too), are recorded: a link to
        another origin, or from https down to http, never inherits the page's
        credentials. Every page that lists a URL is kept, in listing order (pip
        reads ``--index-url`` before the extras, and of equally good candidates
        takes the first it read, so the first listing page is the one pip
        builds its link from).
        """
        page = self.page(page_url)
        if page is None:
            return False
        location = request_location(link_url)
        if location is None or not location.origin.accepts_credentials_of(page.origin):
            return False
        key = _key(location)
        known = self._links.get(key)
        if known is None:
            self._links[key] = page
            self._links = _trimmed(self._links, self._link_limit)
        elif isinstance(known, PageAuth):
            if known.url != page.url:
                self._links[key] = (known, page)
        elif page not in known and len(known) < _PAGES_PER_LINK:
            self._links[key] = (*known, page)
        return True

    def pages_listing(self, url: str) -> tuple[PageAuth, ...]:
        """The pages that listed ``url`` (or the file whose PEP 658 metadata it is), in order."""
        location = request_location(url)
        if location is None:
            return ()
        candidates = [location]
        last = location.segments[-1] if location.segments else ""
        if last.endswith(_METADATA_SUFFIX):
            stripped = (*location.segments[:-1], last[: -len(_METADATA_SUFFIX)])
            candidates.append(Scope(location.origin, stripped))
        for candidate in candidates:
            found = self._links.get(_key(candidate))
            if found is None:
                continue
            pages = (found,) if isinstance(found, PageAuth) else found
            return tuple(p for p in pages if location.origin.accepts_credentials_of(p.origin))
        return ()

    def __len__(self) -> int:
        return len(self._links)

    def __repr__(self) -> str:
        return f"Provenance({len(self._links)} links, {len(self._pages)} pages)"


def _trimmed(entries: dict[bytes, _T], limit: int) -> dict[bytes, _T]:
    """``entries`` itself, or its newer half once it outgrew ``limit`` (amortised O(1))."""
    if len(entries) <= limit:
        return entries
    keep = max(limit // 2, 1)
    return dict(islice(entries.items(), len(entries) - keep, None))
