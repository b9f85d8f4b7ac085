"""The registry layouts (:mod:`pip_scoped_auth.demo.registries`) served for a test.

The layouts ship with the demo (standard library only); the tests serve them
the same way, on the demo's loopback server, with a second origin
(``localhost``) for blob storage and the public index. See
``docs/registries.md`` for what each layout models.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from pip_scoped_auth.demo.registries import LAYOUTS, Registry
from pip_scoped_auth.demo.server import LoopbackServer

__all__ = ["ServeRegistry", "serve"]


@contextmanager
def serve(layout: str, **options: Any) -> Iterator[Registry]:
    """Serve a fresh ``layout`` registry (and its second origin) for a ``with`` block."""
    registry = LAYOUTS[layout](**options)
    with LoopbackServer(registry) as main, LoopbackServer(registry.second, "localhost") as other:
        registry.base_url = main.base_url
        registry.second.base_url = other.base_url
        yield registry


class ServeRegistry:
    """``serve_registry(layout, **options)``: a running registry, stopped after the test.

    Keeps every registry it started in :attr:`registries`, so the integration
    suite's leak check knows their secrets.
    """

    def __init__(self, stack: ExitStack) -> None:
        self._stack = stack
        self.registries: list[Registry] = []

    def __call__(self, layout: str, **options: Any) -> Registry:
        registry = self._stack.enter_context(serve(layout, **options))
        self.registries.append(registry)
        return registry
