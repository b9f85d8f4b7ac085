"""The ``localhost`` HTTP server behind the upstream index and the object store.

Both must live on another *origin* than the fake GitLab (``127.0.0.1``): that
is what makes a credential sent to them a cross-origin leak. ``localhost``
reaches the same loopback interface under a different host name.
"""

from __future__ import annotations

import re
from types import TracebackType
from typing import TypeVar

from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

__all__ = ["LocalApp", "LocalServer"]

_App = TypeVar("_App", bound="LocalApp")


class LocalServer(HTTPServer):
    """pytest-httpserver's server on ``localhost``, quick to stop.

    The stock ``serve_forever`` polls for shutdown every 0.5 s, so each stop
    costs up to half a second; a 50 ms poll keeps test teardown fast.
    """

    def __init__(self, host: str = "localhost", port: int = 0) -> None:
        """Bind lazily (on :meth:`start`) to ``host`` and a free port."""
        super().__init__(host=host, port=port)

    def thread_target(self) -> None:
        """Serve until :meth:`stop`, polling for shutdown every 50 ms."""
        assert self.server is not None
        self.server.serve_forever(poll_interval=0.05)


class LocalApp:
    """One catch-all app on a ``localhost`` server: the upstream index or the object store.

    Pass a running ``HTTPServer`` (the fixtures share one per test session;
    earlier handlers are cleared) or none to get a private one; then use
    :meth:`start`/:meth:`stop` or a ``with`` block. Subclasses define
    :meth:`handle`.
    """

    def __init__(self, httpserver: HTTPServer | None = None) -> None:
        self._owns_server = httpserver is None
        self.httpserver = httpserver or LocalServer()
        self.httpserver.clear()  # also drops a previous test's handlers
        self.httpserver.expect_request(re.compile(".*")).respond_with_handler(self.handle)

    def handle(self, request: Request) -> Response:
        raise NotImplementedError

    def start(self) -> None:
        """Start a private server (no-op if it already runs)."""
        if not self.httpserver.is_running():
            self.httpserver.start()

    def stop(self) -> None:
        """Stop the server if this app created it."""
        if self._owns_server and self.httpserver.is_running():
            self.httpserver.stop()

    def __enter__(self: _App) -> _App:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://localhost:PORT`` (no trailing slash)."""
        return f"http://{self.httpserver.host}:{self.httpserver.port}"
