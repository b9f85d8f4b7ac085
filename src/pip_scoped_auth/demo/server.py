"""A threaded ``wsgiref`` server on loopback, as a context manager.

The one loopback server of the project: the demo must run offline with the
standard library alone, and the tests serve the registry layouts on it too
(the fake GitLab they serve on pytest-httpserver, which takes the same WSGI
application). It binds
``127.0.0.1`` (or ``localhost`` for a second origin) on a port the OS gives,
serves each request in its own thread, never writes to stderr, and hands the
application the raw request path (``RAW_URI``): ``wsgiref`` decodes
``PATH_INFO``, which would turn GitLab's ``my-group%2Fproject`` into two
segments.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from types import TracebackType
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

__all__ = ["LoopbackServer", "WSGIApp"]

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """One thread per request; threads never keep the process alive."""

    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr; the raw path goes to the application."""

    def log_message(self, format: str, *args: Any) -> None:
        """Stay silent: the registry keeps its own request log."""

    def get_environ(self) -> dict[str, Any]:
        """``wsgiref``'s environ plus ``RAW_URI`` (path and query, undecoded)."""
        environ = super().get_environ()
        environ["RAW_URI"] = self.path
        return environ


class LoopbackServer:
    """Serve ``app`` on ``host`` (loopback) and an OS-chosen port until stopped.

    ``with LoopbackServer(app) as server: server.base_url`` gives
    ``http://127.0.0.1:PORT``. A second server on ``host="localhost"`` is
    another *origin* on the same interface: what blob storage or a public
    index behind a redirect needs to be.
    """

    def __init__(self, app: WSGIApp, host: str = "127.0.0.1") -> None:
        self.app = app
        self.host = host
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port the OS gave (the server must be started)."""
        assert self._server is not None, "server not started"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT`` without a trailing slash."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> LoopbackServer:
        """Bind and serve in a daemon thread (no-op when already running)."""
        if self._server is None:
            bind = "127.0.0.1" if self.host == "localhost" else self.host
            server = make_server(
                bind, 0, self.app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
            )
            self._server = server
            self._thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = None
            self._thread = None

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
