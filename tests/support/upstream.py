"""A tiny anonymous PEP 503 index: the upstream GitLab forwards to.

With package request forwarding on, GitLab answers ``simple/<name>`` for a
package it does not hold with ``302`` to the public index. Tests need that
index to be real (pip must resolve and download from it) and to tell whether
pip sent it any credential: a GitLab token reaching the public index is a
leak. It runs on its own pytest-httpserver ``HTTPServer`` bound to
``localhost``, so its origin differs from the fake GitLab's ``127.0.0.1``.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote, unquote

from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from pip_scoped_auth.demo.registries.simple_pages import Link, index_page, links_page
from pip_scoped_auth.demo.wheels import build_wheel, normalize_name
from tests.support.httpserver import CatchAllApp, request_path

__all__ = ["UpstreamFile", "UpstreamIndex", "UpstreamLogEntry"]

UpstreamKind = Literal["index", "page", "file", "other"]

_ROUTES: list[tuple[UpstreamKind, re.Pattern[str]]] = [
    ("index", re.compile(r"^/simple/?$")),
    ("page", re.compile(r"^/simple/(?P<name>[^/]+)/?$")),
    ("file", re.compile(r"^/files/(?P<sha>[^/]+)/(?P<file>[^/]+)$")),
]


@dataclass
class UpstreamFile:
    """One file published on the upstream index."""

    name: str
    version: str
    filename: str
    sha256: str
    #: Server-relative download path (``/files/<sha256>/<filename>``).
    path: str
    requires_python: str | None = None
    data: bytes = field(default=b"", repr=False)

    @property
    def normalized_name(self) -> str:
        """PEP 503 name."""
        return normalize_name(self.name)


@dataclass
class UpstreamLogEntry:
    """One request seen upstream; ``authorization_sent`` = any ``Authorization`` header.

    The header's value is never kept: it would be a leaked secret.
    """

    method: str
    path: str
    status: int
    authorization_sent: bool
    kind: UpstreamKind
    package: str | None = None
    filename: str | None = None
    host: str = ""


class UpstreamIndex(CatchAllApp):
    """Anonymous PEP 503 index with ``/simple/`` pages and ``/files/`` downloads.

    Pass a running ``HTTPServer`` (the ``upstream`` fixture shares one per
    test session).
    """

    def __init__(self, httpserver: HTTPServer) -> None:
        """Take over ``httpserver``, a running ``localhost`` server (earlier handlers cleared)."""
        self.files: list[UpstreamFile] = []
        #: Every request, in arrival order.
        self.log: list[UpstreamLogEntry] = []
        self._lock = threading.RLock()
        super().__init__(httpserver)

    @property
    def simple_url(self) -> str:
        """``http://localhost:PORT/simple``: the value for ``FakeGitLab.forward_to``."""
        return f"{self.base_url}/simple"

    # ----------------------------------------------------------- packages

    def add_package(
        self,
        name: str,
        version: str,
        requires: Sequence[str] = (),
        requires_python: str | None = None,
    ) -> UpstreamFile:
        """Publish a :func:`~pip_scoped_auth.demo.wheels.build_wheel` wheel of ``name==version``.

        The bytes equal those the fake GitLab would publish for the same
        arguments, so a test can tell the sources apart only by the log.
        """
        filename, data = build_wheel(name, version, requires, requires_python)
        sha = hashlib.sha256(data).hexdigest()
        upstream_file = UpstreamFile(
            name=name,
            version=version,
            filename=filename,
            sha256=sha,
            path=f"/files/{sha}/{filename}",
            requires_python=requires_python,
            data=data,
        )
        with self._lock:
            self.files.append(upstream_file)
        return upstream_file

    # ------------------------------------------------------------- the log

    def requests(self, kind: UpstreamKind | None = None) -> list[UpstreamLogEntry]:
        """Snapshot of the log, optionally of one kind."""
        with self._lock:
            return [e for e in self.log if kind is None or e.kind == kind]

    def file_requests(self) -> list[UpstreamLogEntry]:
        """All download requests."""
        return self.requests(kind="file")

    def clear_log(self) -> None:
        """Forget all requests so far."""
        with self._lock:
            del self.log[:]

    def describe_log(self, entries: Iterable[UpstreamLogEntry] | None = None) -> str:
        """Readable log for assertion messages (holds no secrets to hide)."""
        with self._lock:
            rows = list(self.log if entries is None else entries)
        if not rows:
            return "(no upstream requests)"
        return "\n".join(
            f"{i:3d}. {e.method} {e.host}{e.path} -> {e.status} [{e.kind}] "
            f"{'AUTHORIZATION HEADER SENT' if e.authorization_sent else 'anonymous'}"
            for i, e in enumerate(rows, 1)
        )

    # ------------------------------------------------------------ handling

    def handle(self, request: Request) -> Response:
        """pytest-httpserver handler: serve the index anonymously and log."""
        raw = request_path(request)
        kind: UpstreamKind = "other"
        package = filename = None
        response = Response("404 Not Found", status=404, content_type="text/plain")
        with self._lock:
            files = list(self.files)
        for route_kind, pattern in _ROUTES:
            match = pattern.match(raw)
            if match is None:
                continue
            kind = route_kind
            base = request.host_url.rstrip("/")
            if kind == "index":
                response = _html(index_page("Simple index", files, f"{base}/simple"))
            elif kind == "page":
                package = normalize_name(unquote(match["name"]))
                found = [f for f in files if f.normalized_name == package]
                if found:
                    links = [
                        Link(
                            url=f"{base}/files/{f.sha256}/{quote(f.filename)}#sha256={f.sha256}",
                            requires_python=f.requires_python,
                            text=f.filename,
                        )
                        for f in found
                    ]
                    response = _html(links_page(found[0].name, links))
            else:
                filename = unquote(match["file"])
                for f in files:
                    if f.sha256 == match["sha"] and f.filename == filename:
                        response = Response(
                            f.data, status=200, content_type="application/octet-stream"
                        )
                        break
            break
        with self._lock:
            self.log.append(
                UpstreamLogEntry(
                    method=request.method,
                    path=raw,
                    status=response.status_code,
                    authorization_sent="Authorization" in request.headers,
                    kind=kind,
                    package=package,
                    filename=filename,
                    host=request.host,
                )
            )
        return response


def _html(body: str) -> Response:
    """An HTML 200 answer, as the fake GitLab's pages."""
    return Response(body, status=200, content_type="text/html; charset=utf-8")
