"""``python -m pip_scoped_auth``: the same command as ``pip-scoped-auth``."""

from pip_scoped_auth.cli import main

raise SystemExit(main())
