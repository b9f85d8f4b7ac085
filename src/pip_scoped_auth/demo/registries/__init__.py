"""Fake registries, one per layout, shared by ``pip-scoped-auth demo`` and the test rig.

Standard library only: the demo ships them and runs them offline. Each
layout is one class in :mod:`~pip_scoped_auth.demo.registries.layouts`
(its name, title and the case the demo shows live on the class);
:data:`LAYOUTS` maps each ``--registry`` name to its class. The fake GitLab
(:mod:`~pip_scoped_auth.demo.registries.gitlab`) is the one GitLab model:
the integration tests serve it directly, the ``gitlab`` layout wraps it.
"""

from __future__ import annotations

from pip_scoped_auth.demo.registries import layouts as _layouts
from pip_scoped_auth.demo.registries.base import (
    Index,
    Package,
    Registry,
    RequestRecord,
    SecondOrigin,
    Tenant,
)

__all__ = [
    "LAYOUTS",
    "Index",
    "Package",
    "Registry",
    "RequestRecord",
    "SecondOrigin",
    "Tenant",
]

assert _layouts  # importing it defines (and so registers) every layout

#: ``--registry`` name -> layout class, in the order the docs list them.
LAYOUTS: dict[str, type[Registry]] = Registry.layouts()
