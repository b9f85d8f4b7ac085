"""Same-origin redirects: the target gets its own scope's credentials, not the source's.

requests keeps the ``Authorization`` header across any same-host redirect and
never re-runs pip's auth, so without the shim a redirect from index A's path
to index B's path carries A's token. A tiny two-index server, stricter than
GitLab: each path prefix accepts only its own token.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pip_scoped_auth.demo.wheels import build_wheel
from tests.support.pip_versions import NEWEST_PIP, pips
from tests.support.pipenvs import MakePip, PipEnv, PipResult


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


@pytest.fixture
def two_indexes(httpserver: HTTPServer) -> TwoIndexes:
    httpserver.clear()
    return TwoIndexes(httpserver)


@pytest.mark.parametrize("pip_version", pips())
def test_same_host_redirect_gets_the_targets_credentials(
    two_indexes: TwoIndexes, make_pip: MakePip, pip_version: str
) -> None:
    result = two_indexes.install(make_pip(pip_version))
    assert result.returncode == 0, result.redacted()
    assert two_indexes.file_target_tokens() == ["b"], two_indexes.seen


def test_stock_pip_carries_the_source_token_across_the_redirect(
    two_indexes: TwoIndexes, make_pip: MakePip
) -> None:
    result = two_indexes.install(make_pip(NEWEST_PIP, shim=False))
    assert result.returncode != 0, result.redacted()
    target = two_indexes.file_target_tokens()
    assert target and target[0] == "a", two_indexes.seen
