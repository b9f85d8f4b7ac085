"""``python -m pip_scoped_auth``: the same command as ``pip-scoped-auth``.

``python -m`` puts the current directory first on ``sys.path``, so a
``json.py`` or ``subprocess.py`` there would be imported by this command. The
entry Python added is dropped before anything else is imported. (Python itself
imports ``runpy`` and this package before that point; the console script
``pip-scoped-auth`` and ``python -P -m`` never put the directory on the path.)
"""

import os
import sys

if sys.path and not getattr(sys.flags, "safe_path", False):
    try:
        if os.path.realpath(sys.path[0] or os.curdir) == os.path.realpath(os.getcwd()):
            del sys.path[0]
    except OSError:
        pass

# Imported only after the path is cleaned.
from pip_scoped_auth.cli import main

raise SystemExit(main())
