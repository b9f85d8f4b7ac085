"""Is the shim armed in this interpreter, and is pip's auth module patched by it?

Answered as data: :func:`check_health` gathers the facts (:class:`Facts`)
and :func:`judge` turns them into one :class:`Health` verdict with one cause
and one fix, so the CLI cannot print "active: no" and then "OK". ``status``
exits 0 only when the verdict is OK: the ``.pth`` hook is armed in this
process *and* importing pip's auth module left it patched by this version.
An image build that runs ``pip-scoped-auth status`` then fails whenever the
shim would do nothing.

Gathering never raises: whatever is missing (``wrapt``, pip, keyring, a
module of this package) becomes a fact, and the verdict says what to do.
"""

from __future__ import annotations

import glob
import importlib
import importlib.metadata
import importlib.util
import os
import site
import sys
from dataclasses import dataclass, field, replace
from enum import Enum

from pip_scoped_auth import _bootstrap, pip_layer
from pip_scoped_auth.core import arming, preload_block
from pip_scoped_auth.pip_layer import compat

__all__ = ["Facts", "Health", "Verdict", "check_health", "judge"]

#: The command that (re)installs the shim and its dependency into this interpreter.
REINSTALL = "python -m pip install pip-scoped-auth"
FORCE_REINSTALL = "python -m pip install --force-reinstall pip-scoped-auth"


class Verdict(str, Enum):
    """Why the shim is or is not in effect; the first that applies wins."""

    OK = "ok"
    DISABLED = "disabled"
    NOT_INSTALLED = "not-installed"
    NOT_LOADED = "not-loaded"
    NO_PIP = "no-pip"
    PIP_BROKEN = "pip-broken"
    NO_WRAPT = "no-wrapt"
    UNSUPPORTED = "unsupported"
    NOT_PATCHED = "not-patched"


@dataclass(frozen=True)
class Facts:
    """What :func:`check_health` found in this interpreter (no judgement yet)."""

    #: ``PIP_SCOPED_AUTH`` as set, when it switches the shim off.
    disabled_by: str | None = None
    #: The start-up files of this package found in the site directories.
    pth_files: tuple[str, ...] = ()
    #: The hook's finder is on ``sys.meta_path`` (the ``.pth`` ran, or activate()).
    armed: bool = False
    distribution: str | None = None
    pip_installed: bool = True
    pip_version: str | None = None
    #: Why importing pip or its auth module failed (exception type only).
    pip_error: str | None = None
    #: Why ``wrapt`` cannot be imported (exception type only); None when it can.
    wrapt_error: str | None = None
    #: What in pip's auth module differs from what the wrappers expect.
    pip_problems: tuple[str, ...] = ()
    #: pip's auth module is patched by this package in this process.
    patched: bool = False
    #: What armed the shim in this process (a key of ``arming.MECHANISMS``), or "".
    mechanism: str = ""
    #: The base interpreter's ``sitecustomize.py`` when ``preload`` put its block there.
    preload_file: str | None = None


@dataclass(frozen=True)
class Health:
    """One verdict, the cause and fix behind it, and warnings that do not fail it."""

    verdict: Verdict
    facts: Facts
    #: One line: what is wrong (empty when OK).
    cause: str = ""
    #: One line: what to do about it (empty when OK).
    fix: str = ""
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.OK

    def line(self) -> str:
        """``cause: fix``, the line ``status`` and ``explain`` print when not OK."""
        return f"{self.cause}: {self.fix}" if self.fix else self.cause


def judge(facts: Facts) -> Health:
    """The verdict for ``facts``: the first reason the shim would do nothing, or OK."""

    def bad(verdict: Verdict, cause: str, fix: str) -> Health:
        return Health(verdict, facts, cause, fix)

    if facts.disabled_by is not None:
        return bad(
            Verdict.DISABLED,
            f"disabled by PIP_SCOPED_AUTH={facts.disabled_by}",
            "unset PIP_SCOPED_AUTH",
        )
    if not facts.pth_files:
        return bad(
            Verdict.NOT_INSTALLED,
            "pip_scoped_auth.pth is not in this interpreter's site-packages "
            "(installed in another environment?)",
            FORCE_REINSTALL,
        )
    if not facts.armed:
        return bad(
            Verdict.NOT_LOADED,
            "pip_scoped_auth.pth was not run by this interpreter (python -S? an embedded "
            "interpreter?)",
            "run without -S, or call pip_scoped_auth.activate()",
        )
    if not facts.pip_installed:
        return bad(Verdict.NO_PIP, "pip is not installed here", "python -m ensurepip --upgrade")
    if facts.pip_error is not None:
        return bad(
            Verdict.PIP_BROKEN,
            f"pip cannot be imported here ({facts.pip_error})",
            "python -m ensurepip --upgrade",
        )
    if facts.wrapt_error is not None:
        missing = facts.wrapt_error == "ModuleNotFoundError"
        cause = "wrapt is missing" if missing else f"wrapt cannot be imported ({facts.wrapt_error})"
        return bad(Verdict.NO_WRAPT, cause, REINSTALL)
    if facts.pip_problems:
        return bad(
            Verdict.UNSUPPORTED,
            f"pip {facts.pip_version} is not supported: {'; '.join(facts.pip_problems)}",
            "install a supported pip, or upgrade pip-scoped-auth",
        )
    if not facts.patched:
        return bad(
            Verdict.NOT_PATCHED,
            "pip's auth module was not patched (see the warning above)",
            FORCE_REINSTALL,
        )
    newer = compat.untested_newer(facts.pip_version or "")
    warnings = (f"{newer}: patched all the same; check pip's release notes",) if newer else ()
    return Health(Verdict.OK, facts, warnings=warnings)


def _site_dirs() -> list[str]:
    """Where a ``.pth`` of this interpreter may be: its site directories, and ours.

    The directory this package was imported from comes first: under
    ``python -S`` the site functions describe the base interpreter, not the
    venv, yet the ``.pth`` that did not run sits next to the package.
    """
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    dirs = [here]
    if hasattr(site, "getsitepackages"):
        dirs += site.getsitepackages()
    if site.ENABLE_USER_SITE:
        dirs.append(site.getusersitepackages())
    return list(dict.fromkeys(dirs))


def _start_files() -> tuple[str, ...]:
    """The start-up file this interpreter's ``site`` reads, per site directory.

    The ``.pth`` on Python <= 3.14; from 3.15 (PEP 829) the ``.start`` file
    too, which 3.15+ reads instead of the ``.pth``'s import line. A ``.start``
    file alone does nothing on 3.14 and older.
    """
    patterns = ["pip_scoped_auth*.pth"]
    if sys.version_info >= (3, 15):
        patterns.append("pip_scoped_auth*.start")
    found: list[str] = []
    for directory in _site_dirs():
        for pattern in patterns:
            found += sorted(glob.glob(os.path.join(glob.escape(directory), pattern)))
    return tuple(found)


def _import_error(name: str) -> str | None:
    try:
        importlib.import_module(name)
    except Exception as exc:
        # The type alone: a message could quote a path or a configured URL.
        return type(exc).__name__
    return None


def _mechanism() -> str:
    """``pth``, ``preload`` or ``build-venv``: what armed our finder here ("" if none)."""
    for finder in sys.meta_path:
        if _bootstrap.is_ours(finder):
            return str(getattr(finder, "mechanism", "pth"))
    return ""


def _preload_file() -> str | None:
    path = arming.sitecustomize_path()
    try:
        with open(path, encoding="utf-8") as handle:
            return path if preload_block.find(handle.read()) is not None else None
    except (OSError, ValueError):
        return None


def check_health() -> Health:
    """Inspect this interpreter; importing pip's auth module lets the hook patch it."""
    try:
        distribution: str | None = importlib.metadata.version("pip-scoped-auth")
    except Exception:
        distribution = None
    disabled = _bootstrap.disabled_by_env()
    facts = Facts(
        disabled_by=os.environ.get("PIP_SCOPED_AUTH", "") if disabled else None,
        pth_files=_start_files(),
        armed=any(_bootstrap.is_ours(f) for f in sys.meta_path),
        mechanism=_mechanism(),
        preload_file=_preload_file(),
        distribution=distribution,
        wrapt_error=_import_error("wrapt"),
    )
    try:
        pip_installed = importlib.util.find_spec("pip") is not None
    except Exception:
        pip_installed = True  # a broken pip package: importing it says how
    if not pip_installed:
        return judge(replace(facts, pip_installed=False))
    error = _import_error("pip")
    pip = sys.modules.get("pip")
    version = str(getattr(pip, "__version__", "unknown")) if error is None else None
    # Where wrapt is missing, importing pip's auth module would only make the
    # hook print its "cannot load" warning: the verdict is known without it.
    if error is None and facts.wrapt_error is None:
        error = _import_error(compat.AUTH_MODULE)
    if error is not None or facts.wrapt_error is not None:
        return judge(replace(facts, pip_version=version, pip_error=error))
    module = sys.modules[compat.AUTH_MODULE]
    return judge(
        replace(
            facts,
            pip_version=version,
            pip_problems=tuple(compat.check_module(module)),
            patched=compat.AUTH_MODULE in pip_layer.patched_modules(),
        )
    )
