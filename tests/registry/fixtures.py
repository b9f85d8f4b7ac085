"""pytest fixtures for the registry layouts: ``registry`` (indirect) and ``serve_registry``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from tests.registry import Registry, serve

ServeRegistry = Callable[..., Registry]


@pytest.fixture
def serve_registry() -> Iterator[ServeRegistry]:
    """``serve_registry(layout, **options)``: a running registry, stopped after the test."""
    with ExitStack() as stack:

        def start(layout: str, **options: Any) -> Registry:
            return stack.enter_context(serve(layout, **options))

        yield start


@pytest.fixture
def registry(request: pytest.FixtureRequest, serve_registry: ServeRegistry) -> Registry:
    """The layout named by an indirect parameter: ``parametrize(..., indirect=True)``."""
    return serve_registry(str(request.param))
