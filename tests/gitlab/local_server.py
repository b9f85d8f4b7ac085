"""The ``localhost`` HTTP server behind the upstream index and the object store.

Both must live on another *origin* than the fake GitLab (``127.0.0.1``): that
is what makes a credential sent to them a cross-origin leak. ``localhost``
reaches the same loopback interface under a different host name.
"""

from __future__ import annotations

from pytest_httpserver import HTTPServer

__all__ = ["LocalServer"]


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
