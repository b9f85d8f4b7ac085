"""Serving on pytest-httpserver: the package's WSGI registries and the test-only companions.

The registry models (:mod:`pip_scoped_auth.demo.registries`) are plain WSGI
applications; :func:`serve_wsgi` puts one behind a pytest-httpserver server
as its single catch-all handler, so pytest-httpserver never records "no
handler" assertions and routing happens in the model, on the raw path.

:class:`CatchAllApp` is the base of the companions that exist for tests only
(the upstream index, the object store): werkzeug handlers on a ``localhost``
server, another *origin* than the fake GitLab's ``127.0.0.1``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from pip_scoped_auth.demo.registries.wsgi import raw_path

__all__ = ["CatchAllApp", "request_path", "serve_wsgi", "wsgi_handler"]

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Any]


def wsgi_handler(app: WSGIApp) -> Callable[[Request], Response]:
    """A pytest-httpserver handler that answers with ``app`` (an exception propagates)."""

    def handle(request: Request) -> Response:
        return Response.from_app(app, request.environ)

    return handle


def serve_wsgi(httpserver: HTTPServer, app: WSGIApp) -> None:
    """Make ``app`` answer every request to ``httpserver``."""
    httpserver.expect_request(re.compile(".*")).respond_with_handler(wsgi_handler(app))


def request_path(request: Request) -> str:
    """The path exactly as sent (``%2F`` intact), without the query."""
    return raw_path(request.environ)


class CatchAllApp:
    """One catch-all werkzeug handler on a running ``HTTPServer`` (earlier handlers cleared).

    The fixtures share one ``localhost`` server per test session and give each
    test a fresh app on it. Subclasses define :meth:`handle`.
    """

    def __init__(self, httpserver: HTTPServer) -> None:
        self.httpserver = httpserver
        self.httpserver.clear()  # also drops a previous test's handlers
        self.httpserver.expect_request(re.compile(".*")).respond_with_handler(self.handle)

    def handle(self, request: Request) -> Response:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        """``http://localhost:PORT`` (no trailing slash)."""
        return f"http://{self.httpserver.host}:{self.httpserver.port}"
