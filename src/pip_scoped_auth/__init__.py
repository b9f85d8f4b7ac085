"""pip-scoped-auth: pip credentials scoped per index URL instead of per host.

This module must stay import-light: it is imported (with
:mod:`pip_scoped_auth._bootstrap`) as soon as pip imports its auth module, and
by anything that calls :func:`activate`. Heavier modules load only inside the
functions below. Interpreter start-up itself imports nothing of this package:
the ``.pth`` line (3.15+: the ``.start`` entry point) arms the top-level
module ``_pip_scoped_auth_hook``, which imports this package only when pip
imports its auth module.
"""

__version__ = "0.1.0"

__all__ = ["__version__", "activate", "deactivate", "is_active"]


def activate() -> None:
    """Scope pip's credentials in this process.

    Patches pip's auth module now if it is already imported, and arms the
    import hook so that it is patched when it is imported later. The ``.pth``
    file does the second half of this at start-up; call it yourself when the
    ``.pth`` file is not processed (``python -S``, embedded interpreters).
    """
    from pip_scoped_auth import _bootstrap

    _bootstrap.arm(force=True)


def deactivate() -> None:
    """Undo :func:`activate`: pip's own methods are restored, the hook disarmed."""
    from pip_scoped_auth import _bootstrap, pip_layer

    _bootstrap.disarm()
    pip_layer.unpatch_all()


def is_active() -> bool:
    """True where at least one pip auth module in this process is patched."""
    from pip_scoped_auth import pip_layer

    return bool(pip_layer.patched_modules())
