"""The fake registry layouts (``pip_scoped_auth.demo.registries``) as test fixtures.

The layouts ship with the demo (standard library only); here they are served
the same way, on the demo's loopback server, with a second origin
(``localhost``) for blob storage and the public index. See
``docs/registries.md`` for what each layout models.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pip_scoped_auth.demo.registries import LAYOUTS, Registry
from pip_scoped_auth.demo.server import LoopbackServer

__all__ = ["LAYOUTS", "Registry", "serve"]


@contextmanager
def serve(layout: str, **options: Any) -> Iterator[Registry]:
    """Serve a fresh ``layout`` registry (and its second origin) for a ``with`` block."""
    registry = LAYOUTS[layout](**options)
    with LoopbackServer(registry) as main, LoopbackServer(registry.second, "localhost") as other:
        registry.base_url = main.base_url
        registry.second.base_url = other.base_url
        yield registry
