"""Two indexes on one server, each path prefix taking only its own token; A redirects into B.

Stricter than GitLab, for the same-origin redirect tests: requests keeps the
``Authorization`` header across a same-host redirect, so without the shim
the redirect from ``/a/`` into ``/b/`` carries A's token.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pip_scoped_auth.demo.wheels import build_wheel
from tests.support.pipenvs import PipEnv, PipResult

__all__ = ["TwoIndexes"]


@dataclass
class TwoIndexes:
    """``/a/`` and ``/b/`` each need their own token; ``/a/files/`` redirects into ``/b/``."""

    server: HTTPServer
    tokens: dict[str, str] = field(default_factory=dict)
    seen: list[tuple[str, str | None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tokens = {"a": secrets.token_urlsafe(12), "b": secrets.token_urlsafe(12)}
        self.filename, self.wheel = build_wheel("redirected", "1.0")
        self.server.expect_request("").respond_with_handler(self.handle)

    def index_url(self, prefix: str) -> str:
        host = f"127.0.0.1:{self.server.port}"
        return f"http://user:{self.tokens[prefix]}@{host}/{prefix}/simple"

    def install(self, pip: PipEnv) -> PipResult:
        """``pip install redirected`` with index A first and index B as the extra one."""
        pip.secrets.extend(self.tokens.values())
        return pip.install(
            "redirected",
            "--index-url",
            self.index_url("a"),
            "--extra-index-url",
            self.index_url("b"),
        )

    def file_target_tokens(self) -> list[str | None]:
        """Whose token each request for the redirect target (B's file) carried."""
        return [who for path, who in self.seen if path.startswith("/b/files/")]

    def handle(self, request: Request) -> Response:
        prefix = request.path.split("/")[1]
        header = request.headers.get("Authorization", "")
        token = None
        if header.startswith("Basic "):
            token = base64.b64decode(header[6:]).decode().partition(":")[2]
        who = next((name for name, value in self.tokens.items() if value == token), None)
        self.seen.append((request.path, who))
        if prefix not in self.tokens:
            return Response("not found", status=404)
        if who != prefix:
            return Response("wrong or missing token", status=401 if who is None else 403)
        base = f"http://127.0.0.1:{self.server.port}"
        if request.path.rstrip("/") == "/a/simple/redirected":
            link = f"{base}/a/files/{self.filename}"
            body = f'<html><body><a href="{link}">{self.filename}</a></body></html>'
            return Response(body, content_type="text/html")
        if request.path.rstrip("/") == "/b/simple/redirected":
            return Response("<html><body></body></html>", content_type="text/html")
        if request.path == f"/a/files/{self.filename}":
            return Response(status=302, headers={"Location": f"{base}/b/files/{self.filename}"})
        if request.path == f"/b/files/{self.filename}":
            return Response(self.wheel, content_type="application/octet-stream")
        return Response("not found", status=404)
