"""The one warning line: the shim's only output at default verbosity.

One flag per process, shared by the start-up hand-over (:mod:`pip_scoped_auth._bootstrap`,
when the pip layer cannot even be imported) and the pip layer (unsupported
pip, an internal error), so a run never prints two.
"""

from __future__ import annotations

import sys

__all__ = ["reset", "warn_once"]

_warned = False


def warn_once(message: str) -> None:
    """Print one line on stderr, once per process; a closed stderr is ignored."""
    global _warned
    if _warned:
        return
    _warned = True
    try:
        sys.stderr.write(f"WARNING: pip-scoped-auth: {message}\n")
        sys.stderr.flush()
    except Exception:  # noqa: S110 - a closed stderr must not break pip
        pass


def reset() -> None:
    """Make the warning line available again (``unpatch_all``: a fresh start)."""
    global _warned
    _warned = False
