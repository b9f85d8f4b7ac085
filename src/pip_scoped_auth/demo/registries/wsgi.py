"""The HTTP side every fake shares: the request log, WSGI plumbing, the second origin.

:class:`LoggingApp` turns a WSGI call into :meth:`~LoggingApp.handle` on the
raw path and never lets an exception out (a bug in a fake must not look like
a registry's answer). :class:`SecondOrigin` is blob storage and a public
index on another origin, where no credential may ever arrive. Records name
the *tenant* whose credential came with a request, never the secret.
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote, urlsplit

if TYPE_CHECKING:
    from pip_scoped_auth.demo.registries.base import Package

__all__ = [
    "LoggingApp",
    "RequestRecord",
    "Response",
    "SecondOrigin",
    "basic_credentials",
    "raw_path",
]

StartResponse = Callable[..., Any]


@dataclass(frozen=True)
class RequestRecord:
    """One request as the registry (or the second origin) saw it.

    ``credential`` is the key of the tenant whose credential came with it,
    ``"none"`` or ``"wrong"``; ``expected`` the tenants whose credential this
    URL is for (empty where none belongs: blob storage, a public index).
    """

    origin: str  #: "registry" or "second origin"
    method: str
    path: str
    query: str
    kind: str
    credential: str
    expected: frozenset[str]
    status: int
    location: str = ""
    #: When it was logged (orders the registry's and the second origin's logs).
    at: float = field(default_factory=time.monotonic, compare=False)

    @property
    def wrong_credential(self) -> bool:
        """A credential went where it does not belong (another tenant's, or any to blobs)."""
        return self.credential != "none" and self.credential not in self.expected


@dataclass
class Response:
    """A WSGI answer being built."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


_REASONS = {
    200: "OK",
    302: "Found",
    303: "See Other",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
}


def basic_credentials(header: str) -> tuple[str, str] | None:
    """``(username, password)`` of a Basic ``Authorization`` header, else None."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def raw_path(environ: Mapping[str, Any]) -> str:
    """The request path exactly as sent (``%2F`` intact), without the query.

    Servers decode ``%2F`` in ``PATH_INFO``, which would make
    ``my-group%2Fproj-a`` indistinguishable from two path segments; werkzeug's
    dev server (pytest-httpserver) and the demo's loopback server keep the
    original in ``RAW_URI``/``REQUEST_URI``.
    """
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not raw:
        return quote(str(environ.get("PATH_INFO", "/")))
    raw = str(raw)
    if "://" in raw.split("?", 1)[0]:
        raw = urlsplit(raw).path or "/"
    return raw.split("?", 1)[0]


class LoggingApp:
    """A WSGI app that logs every request; the base of registries and the second origin."""

    origin_name: ClassVar[str] = "registry"

    def __init__(self) -> None:
        self.log: list[RequestRecord] = []
        self._lock = threading.Lock()
        self.base_url = ""  #: set by whoever serves it: ``http://127.0.0.1:PORT``

    def record(self, record: RequestRecord) -> None:
        with self._lock:
            self.log.append(record)

    def clear_log(self) -> None:
        with self._lock:
            del self.log[:]

    def handle(self, environ: Mapping[str, Any], path: str, query: str) -> Response:
        raise NotImplementedError

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """WSGI entry point: route on the raw path, answer, never raise."""
        raw = str(environ.get("RAW_URI") or environ.get("REQUEST_URI") or "")
        if not raw:
            raw = str(environ.get("PATH_INFO", "/"))
            if environ.get("QUERY_STRING"):
                raw += "?" + str(environ["QUERY_STRING"])
        path, _, query = raw.partition("?")
        try:
            response = self.handle(environ, path, query)
        except Exception:  # a bug in the fake must not look like a registry answer
            response = Response(500, b"internal error in the fake registry\n")
        reason = _REASONS.get(response.status, "Error")
        headers = [("Content-Length", str(len(response.body))), *response.headers]
        if not any(name.lower() == "content-type" for name, _ in headers):
            headers.append(("Content-Type", "text/plain; charset=utf-8"))
        start_response(f"{response.status} {reason}", headers)
        return [response.body]


class SecondOrigin(LoggingApp):
    """Blob storage and a public index on another origin (``localhost``).

    Blobs answer a presigned URL only: any ``Authorization`` header gets
    ``400`` (as S3 and Azure Blob do when a SAS URL also carries a header), so
    a credential dragged across a redirect fails the install loudly. The
    public index has no packages: ``/simple/<name>/`` answers 404.
    """

    origin_name: ClassVar[str] = "second origin"

    def __init__(self) -> None:
        super().__init__()
        self._blobs: dict[str, tuple[str, bytes]] = {}
        self.identify: Callable[[str], str] = lambda header: "wrong"

    def presign(self, package: Package) -> str:
        """Store ``package`` under a fresh signature and return its absolute URL."""
        signature = secrets.token_hex(16)
        with self._lock:
            self._blobs[signature] = (package.filename, package.data)
        return f"{self.base_url}/blobs/{package.sha256[:16]}/{package.filename}?sig={signature}"

    def handle(self, environ: Mapping[str, Any], path: str, query: str) -> Response:
        header = str(environ.get("HTTP_AUTHORIZATION", ""))
        credential = self.identify(header) if header else "none"
        kind = "blob" if path.startswith("/blobs/") else "public page"
        if header and kind == "blob":
            response = Response(400, b"only one auth mechanism allowed\n")
        elif kind == "blob":
            signature = dict(p.partition("=")[::2] for p in query.split("&")).get("sig", "")
            with self._lock:
                blob = self._blobs.get(signature)
            if blob is None or not path.endswith("/" + blob[0]):
                response = Response(403, b"signature does not match\n")
            else:
                response = Response(200, blob[1], [("Content-Type", "application/octet-stream")])
        else:
            response = Response(404, b"not found\n")
        shown_query = "sig=..." if query else ""
        self.record(
            RequestRecord(
                self.origin_name,
                str(environ.get("REQUEST_METHOD", "GET")),
                path,
                shown_query,
                kind,
                credential,
                frozenset(),
                response.status,
            )
        )
        return response
