"""Is the shim installed, armed and able to patch this interpreter's pip?

Answered as data (:class:`Health`), printed by the CLI: ``status`` exits 0
only when every check passes, so an image build that runs it fails when the
shim would do nothing.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import site
import sys
from dataclasses import dataclass, field

from pip_scoped_auth import _bootstrap, is_active
from pip_scoped_auth.pip_layer import compat

__all__ = ["Health", "check_health"]


@dataclass
class Health:
    """Whether the shim is installed, armed and able to patch this pip."""

    pth_files: list[str]
    disabled: bool
    armed: bool
    distribution: str | None
    pip_version: str | None = None
    pip_error: str | None = None
    pip_problems: list[str] = field(default_factory=list)
    active: bool = False

    @property
    def will_load(self) -> bool:
        return bool(self.pth_files) and not self.disabled

    @property
    def in_effect(self) -> bool:
        return self.will_load and self.pip_error is None and not self.pip_problems

    def reasons(self) -> list[str]:
        """Why the shim would not be in effect (empty when it would)."""
        out: list[str] = []
        if not self.pth_files:
            out.append("pip_scoped_auth.pth is not in this interpreter's site-packages")
        if self.disabled:
            out.append(f"disabled by PIP_SCOPED_AUTH={os.environ.get('PIP_SCOPED_AUTH', '')}")
        if self.pip_error:
            out.append(self.pip_error)
        if self.pip_problems:
            out.append(f"pip {self.pip_version} is not supported: {'; '.join(self.pip_problems)}")
        return out


def _site_dirs() -> list[str]:
    dirs = list(site.getsitepackages()) if hasattr(site, "getsitepackages") else []
    if site.ENABLE_USER_SITE:
        dirs.append(site.getusersitepackages())
    return list(dict.fromkeys(dirs))


def check_health() -> Health:
    """Inspect this interpreter; importing pip's auth module lets the hook patch it."""
    try:
        distribution: str | None = importlib.metadata.version("pip-scoped-auth")
    except importlib.metadata.PackageNotFoundError:
        distribution = None
    health = Health(
        pth_files=[
            path
            for path in (os.path.join(d, "pip_scoped_auth.pth") for d in _site_dirs())
            if os.path.isfile(path)
        ],
        disabled=_bootstrap.disabled_by_env(),
        armed=any(_bootstrap.is_ours(f) for f in sys.meta_path),
        distribution=distribution,
    )
    try:
        pip = importlib.import_module("pip")
        health.pip_version = str(getattr(pip, "__version__", "unknown"))
        module = importlib.import_module(compat.AUTH_MODULE)
    except Exception as exc:
        health.pip_error = f"pip cannot be imported here ({type(exc).__name__})"
        return health
    health.pip_problems = compat.check_module(module)
    health.active = is_active()
    return health
