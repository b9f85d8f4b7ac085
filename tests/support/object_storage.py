"""A fake S3-style object store for GitLab's direct downloads.

With object storage and direct download enabled, GitLab answers an authorised
package file request with ``302`` to a presigned URL on the bucket's host.
That URL carries its own authority (the signature in the query string), and
real S3 refuses a request that *also* sends an ``Authorization`` header
("Only one auth mechanism allowed"). A client that drags the GitLab token
along across the redirect therefore fails loudly here, which is what the
integration tests need: a leaked credential must fail the install, and the
log records whether any ``Authorization`` header arrived.

The store runs on its own pytest-httpserver ``HTTPServer`` bound to
``localhost``, so its origin differs from the fake GitLab's ``127.0.0.1``.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, unquote

from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from tests.support.httpserver import CatchAllApp, request_path

__all__ = ["ObjectStorage", "StorageLogEntry"]

#: Validity announced in presigned URLs (GitLab's default is 5 minutes).
EXPIRES = 300

_S3_MESSAGES = {
    400: (
        "InvalidArgument",
        "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
        "Signature query string parameter or the Authorization header should be specified",
    ),
    403: (
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided.",
    ),
    404: ("NoSuchKey", "The specified key does not exist."),
    405: ("MethodNotAllowed", "The specified method is not allowed against this resource."),
}


@dataclass
class StorageLogEntry:
    """One request seen by the object store.

    Only *whether* an ``Authorization`` header came is kept, never its value:
    it would be a GitLab secret that must not reach assertion messages.
    """

    method: str
    path: str
    query: str
    status: int
    authorization_sent: bool
    #: ``<sha256>/<filename>`` named by the path (``None`` off the bucket).
    key: str | None
    #: The ``X-Amz-Signature`` was issued by :meth:`ObjectStorage.presign` for ``key``.
    signature_valid: bool
    host: str = ""

    @property
    def filename(self) -> str | None:
        """File name part of :attr:`key`."""
        return None if self.key is None else self.key.partition("/")[2]


class ObjectStorage(CatchAllApp):
    """In-memory bucket serving only the presigned URLs it issued.

    Pass a running ``HTTPServer`` (the ``object_storage`` fixture shares one
    per test session).
    """

    def __init__(self, httpserver: HTTPServer, bucket: str = "bucket") -> None:
        """Take over ``httpserver``, a running ``localhost`` server (earlier handlers cleared)."""
        self.bucket = bucket
        #: Every request, in arrival order.
        self.log: list[StorageLogEntry] = []
        self._objects: dict[str, bytes] = {}
        self._signatures: dict[str, str] = {}  # signature -> key
        self._lock = threading.RLock()
        self._path = re.compile(rf"^/{re.escape(bucket)}/(?P<sha>[^/]+)/(?P<file>[^/]+)$")
        super().__init__(httpserver)

    # ------------------------------------------------------------ objects

    def presign(self, sha256: str, filename: str, data: bytes) -> str:
        """Store ``data`` and return a fresh presigned URL for it.

        Every call issues a new random signature, bound to this one object:
        a signature is no good for any other key.
        """
        key = f"{sha256}/{filename}"
        signature = secrets.token_hex(32)
        with self._lock:
            self._objects[key] = data
            self._signatures[signature] = key
        path = f"/{self.bucket}/{quote(sha256, safe='')}/{quote(filename, safe='')}"
        return f"{self.base_url}{path}?X-Amz-Signature={signature}&X-Amz-Expires={EXPIRES}"

    # ------------------------------------------------------------- the log

    def requests(self, status: int | None = None) -> list[StorageLogEntry]:
        """Snapshot of the log, optionally only answers with ``status``."""
        with self._lock:
            return [e for e in self.log if status is None or e.status == status]

    def clear_log(self) -> None:
        """Forget all requests so far."""
        with self._lock:
            del self.log[:]

    def describe_log(self, entries: Iterable[StorageLogEntry] | None = None) -> str:
        """Readable log for assertion messages (holds no secrets to hide)."""
        with self._lock:
            rows = list(self.log if entries is None else entries)
        if not rows:
            return "(no object-storage requests)"
        return "\n".join(
            f"{i:3d}. {e.method} {e.host}{e.path} -> {e.status} "
            f"[signature {'ok' if e.signature_valid else 'bad'}] "
            f"{'AUTHORIZATION HEADER SENT' if e.authorization_sent else 'no authorization'}"
            for i, e in enumerate(rows, 1)
        )

    # ------------------------------------------------------------ handling

    def handle(self, request: Request) -> Response:
        """pytest-httpserver handler: check the presigned URL, serve, log."""
        raw = request_path(request)
        match = self._path.match(raw)
        key = None
        if match is not None:
            key = f"{unquote(match['sha'])}/{unquote(match['file'])}"
        signature = request.args.get("X-Amz-Signature", "")
        sent = "Authorization" in request.headers
        with self._lock:
            valid = key is not None and self._signatures.get(signature) == key
            data = self._objects.get(key) if key is not None else None
        if sent:
            status = 400  # S3: presigned query *and* Authorization header
        elif request.method not in ("GET", "HEAD"):
            status = 405
        elif not valid:
            status = 403
        elif data is None:
            status = 404
        else:
            status = 200
        with self._lock:
            self.log.append(
                StorageLogEntry(
                    method=request.method,
                    path=raw,
                    query=request.query_string.decode("latin-1"),
                    status=status,
                    authorization_sent=sent,
                    key=key,
                    signature_valid=valid,
                    host=request.host,
                )
            )
        if status == 200 and data is not None:
            return Response(data, status=200, content_type="application/octet-stream")
        return _s3_error(status)


def _s3_error(status: int) -> Response:
    """An S3-style XML error document."""
    code, message = _S3_MESSAGES.get(status, ("InternalError", "error"))
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>\n"
    )
    return Response(body, status=status, content_type="application/xml")
