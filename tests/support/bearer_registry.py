"""A registry that accepts only ``Authorization: Bearer`` tokens (as GAR and CodeArtifact can).

Two tenants on one host, ``/<tenant>/simple/`` each, files under
``/<tenant>/files/``; each tenant readable only with its own bearer token.
Anything else (Basic included) gets 401 with ``WWW-Authenticate: Bearer``.
Stock pip can only send Basic, so it cannot install from here.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from dataclasses import dataclass, field

from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from pip_scoped_auth.demo.wheels import build_wheel


@dataclass
class BearerLog:
    path: str
    status: int
    #: The tenant whose token was sent, "" for none, "?" for an unknown token or scheme.
    token_of: str
    #: The request's host (``127.0.0.1`` or ``localhost``: two origins, one server).
    host: str = ""
    #: Whether any ``X-*`` header a helper may add came with it.
    extra_header: bool = False


@dataclass
class BearerRegistry:
    server: HTTPServer
    tokens: dict[str, str] = field(default_factory=dict)
    files: dict[str, dict[str, bytes]] = field(default_factory=dict)
    log: list[BearerLog] = field(default_factory=list)
    #: Seconds each request takes (to make a run outlast a short-lived answer).
    delay: float = 0.0
    #: tenant -> (successful requests before its token rotates, the new token).
    rotate: dict[str, tuple[int, str]] = field(default_factory=dict)
    #: "same" (to ``/blob/...`` on this origin) or "cross" (the same path on
    #: ``localhost``): file downloads answer 302 there, served without a token.
    redirect_files: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.server.clear()
        self.server.expect_request(re.compile(".*")).respond_with_handler(self.handle)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def add_tenant(self, tenant: str, package: str, version: str) -> str:
        """A tenant with one package; returns its bearer token (random per run)."""
        self.tokens[tenant] = "bearer-" + secrets.token_urlsafe(20)
        filename, data = build_wheel(package, version)
        self.files.setdefault(tenant, {})[filename] = data
        return self.tokens[tenant]

    oidc_request_token: str = ""
    oidc_id_token: str = ""
    oidc_tenant: str = ""

    def index_url(self, tenant: str) -> str:
        return f"{self.base}/{tenant}/simple/"

    def handle(self, request: Request) -> Response:
        if self.delay:
            time.sleep(self.delay)
        path = request.path
        tenant = next((t for t in self.tokens if path.startswith(f"/{t}/")), "")
        if path.startswith("/blob/"):
            tenant = "blob"
        if path.startswith("/oidc/"):
            return self._oidc(request)
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        token_of = ""
        if header:
            token_of = next(
                (t for t, tok in self.tokens.items() if scheme == "Bearer" and value == tok), "?"
            )
        status, response = 200, None
        extra = any(k.lower().startswith("x-helper") for k in request.headers.keys())
        if tenant == "blob":
            response = self._blob(path)
            status = response.status_code
        elif tenant not in self.tokens or token_of != tenant:
            status = 401 if token_of in ("", "?") else 404
            response = Response("no", status=status, headers={"WWW-Authenticate": "Bearer"})
        else:
            response = self._serve(tenant, path)
            status = response.status_code
            self._maybe_rotate(tenant)
        with self._lock:
            self.log.append(BearerLog(path, status, token_of, request.host, extra))
        return response

    def oidc(self, tenant: str) -> str:
        """Serve GitHub's ID-token endpoint and an OIDC exchange minting ``tenant``'s token.

        Returns the request token the ID-token endpoint wants (random per run).
        """
        self.oidc_request_token = "ghreq-" + secrets.token_urlsafe(16)
        self.oidc_id_token = "ghid-" + secrets.token_urlsafe(16)
        self.oidc_tenant = tenant
        return self.oidc_request_token

    def _oidc(self, request: Request) -> Response:
        import json

        if request.path == "/oidc/id-token":
            header = request.headers.get("Authorization", "")
            if header != f"bearer {self.oidc_request_token}" or "audience" not in request.args:
                return Response("no", status=401)
            return Response(
                json.dumps({"value": self.oidc_id_token}), content_type="application/json"
            )
        if request.path == "/oidc/exchange" and request.method == "POST":
            body = json.loads(request.get_data() or b"{}")
            if body.get("token") != self.oidc_id_token:
                return Response("no", status=403)
            minted = {"token": self.tokens[self.oidc_tenant], "expires": "2099-01-01T00:00:00Z"}
            with self._lock:
                self.log.append(BearerLog(request.path, 200, "", request.host))
            return Response(json.dumps(minted), content_type="application/json")
        return Response("not found", status=404)

    def _blob(self, path: str) -> Response:
        tenant, _, filename = path[len("/blob/") :].rpartition("/")
        data = self.files.get(tenant, {}).get(filename)
        if data is None:
            return Response("not found", status=404)
        return Response(data, content_type="application/octet-stream")

    def _maybe_rotate(self, tenant: str) -> None:
        if tenant not in self.rotate:
            return
        left, new = self.rotate[tenant]
        if left <= 1:
            self.tokens[tenant] = new
            del self.rotate[tenant]
        else:
            self.rotate[tenant] = (left - 1, new)

    def _serve(self, tenant: str, path: str) -> Response:
        rest = path[len(tenant) + 2 :].strip("/").split("/")
        if rest[:1] == ["simple"] and len(rest) == 2:
            anchors = []
            for filename, data in self.files[tenant].items():
                if filename.split("-")[0].replace("_", "-") != rest[1]:
                    continue
                digest = hashlib.sha256(data).hexdigest()
                anchors.append(
                    f'<a href="/{tenant}/files/{filename}#sha256={digest}">{filename}</a>'
                )
            if not anchors:
                return Response("not found", status=404)
            body = "<!DOCTYPE html><html><body>" + "\n".join(anchors) + "</body></html>"
            return Response(body, content_type="text/html")
        if rest[:1] == ["files"] and len(rest) == 2 and rest[1] in self.files[tenant]:
            if self.redirect_files is not None:
                host = "localhost" if self.redirect_files == "cross" else "127.0.0.1"
                target = f"http://{host}:{self.server.port}/blob/{tenant}/{rest[1]}"
                return Response("", status=302, headers={"Location": target})
            return Response(self.files[tenant][rest[1]], content_type="application/octet-stream")
        return Response("not found", status=404)
