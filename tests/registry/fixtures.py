"""pytest fixtures for the registry layouts: ``serve_registry`` and ``registry`` (indirect)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from tests.registry import Registry, serve


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


@pytest.fixture
def serve_registry() -> Iterator[ServeRegistry]:
    with ExitStack() as stack:
        yield ServeRegistry(stack)


@pytest.fixture
def registry(request: pytest.FixtureRequest, serve_registry: ServeRegistry) -> Registry:
    """The layout named by an indirect parameter: ``parametrize(..., indirect=True)``."""
    return serve_registry(str(request.param))
