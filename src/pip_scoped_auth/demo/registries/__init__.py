"""Fake registries, one per layout, shared by ``pip-scoped-auth demo`` and the test rig.

Standard library only: the demo ships them and runs them offline.
:data:`LAYOUTS` maps each ``--registry`` name to its class.
"""

from __future__ import annotations

from pip_scoped_auth.demo.registries.base import (
    Index,
    Package,
    Registry,
    RequestRecord,
    SecondOrigin,
    Tenant,
)
from pip_scoped_auth.demo.registries.layouts import (
    Artifactory,
    AzureArtifacts,
    CodeArtifact,
    Devpi,
    Gitea,
    GitLab,
    GoogleArtifactRegistry,
    Nexus,
    PypiServer,
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

#: ``--registry`` name -> layout class, in the order the docs list them.
LAYOUTS: dict[str, type[Registry]] = {
    cls.name: cls
    for cls in (
        GitLab,
        AzureArtifacts,
        Artifactory,
        Devpi,
        GoogleArtifactRegistry,
        CodeArtifact,
        Nexus,
        Gitea,
        PypiServer,
    )
}
