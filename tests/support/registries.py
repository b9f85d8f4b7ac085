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
from tests.support.pip_versions import NEWEST_PIP, OLDEST_PIP
from tests.support.pipenvs import PipResult

__all__ = ["ORDERS", "STOCK_FAILS", "ServeRegistry", "assert_own_credentials", "serve"]


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


ORDERS = ("A", "B")


#: Where stock pip sends a wrong credential, by (layout, pip, first index).
#: pip < 23.1 reuses the host's last credential for any URL outside an index
#: path; 23.1+ guesses the index by common path, which ties where files sit
#: outside every index path under a shared prefix (GitLab encoded paths,
#: Azure's feed GUIDs).
STOCK_FAILS: dict[str, set[tuple[str, str]]] = {
    **{name: {(OLDEST_PIP, "A"), (OLDEST_PIP, "B")} for name in LAYOUTS},
    # Files outside both index paths under a shared prefix: 26.3's guess ties.
    "gitlab": {(v, first) for v in (OLDEST_PIP, NEWEST_PIP) for first in ORDERS},
    "azure": {(v, first) for v in (OLDEST_PIP, NEWEST_PIP) for first in ORDERS},
    # Files under each index's own path (``simple/<name>/<ver>/<file>``): even
    # pip 22.3's prefix match finds the right index.
    "codeartifact": set(),
}


def assert_own_credentials(result: PipResult, registry: Registry) -> None:
    """Installed; every request carried its own tenant's credential (or none), files 2xx/3xx."""
    log = registry.describe_log()
    assert result.returncode == 0, f"{result.redacted()}\n{log}"
    wrong = [r for r in registry.all_requests() if r.wrong_credential]
    assert not wrong, log
    files = registry.file_requests()
    assert files and all(r.status < 400 for r in files), log
    assert all(r.credential != "none" for r in files), log
