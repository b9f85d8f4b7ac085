"""``pip-scoped-auth demo``: reproduce the per-host credential bug and its fix, offline.

Standard library only (plus this package): the fake registries
(:mod:`~pip_scoped_auth.demo.registries`), a loopback WSGI server
(:mod:`~pip_scoped_auth.demo.server`), a wheel builder
(:mod:`~pip_scoped_auth.demo.wheels`) and the runner. The tests serve the
same registry models (the layouts, and the fake GitLab on pytest-httpserver),
so the demo shows exactly what the tests check.

The command-line tool wires ``pip-scoped-auth demo`` to :func:`configure_parser`
and :func:`run`; ``python -m pip_scoped_auth.demo`` works on its own.
"""

from __future__ import annotations

from pip_scoped_auth.demo.runner import configure_parser, run

__all__ = ["configure_parser", "run"]
