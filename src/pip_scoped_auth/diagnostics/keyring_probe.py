"""Ask keyring what it holds, without ever waiting on a prompt or seeing a password.

``status`` and ``explain`` want to say "keyring has credentials for this
index". Asking keyring in-process is risky for a diagnostic tool: a locked
desktop keyring can pop up an unlock dialog and block, and an encrypted file
backend asks for its master password on the terminal. So the questions go to
a child Python process that has no controlling terminal
(``start_new_session``), reads its questions from a pipe on stdin (never
argv: the usernames asked for are often tokens, and every local user can
read a command line), and is killed after a timeout. The child reports
only *whether* a credential exists and its username: passwords never leave
it, so they can never reach our output.

The child runs isolated (``python -I``): ``python -c`` would put the current
directory first on ``sys.path``, and ``pip-scoped-auth status`` run in a
checkout holding a ``json.py`` or ``keyring.py`` would execute it. Isolation
also drops the user site and ``PYTHONPATH``, where keyring or its backend may
live, so the child is handed this process's own ``sys.path`` minus the
current directory (:func:`child_path`) before it imports anything but the
standard library.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["KeyringAnswers", "probe"]

#: Seconds before a silent keyring is given up on.
TIMEOUT = 15.0

_CHILD = r"""
import json, sys
request = json.loads(sys.stdin.read())
sys.path[:] = request["path"]
try:
    import keyring
except Exception as exc:
    print(json.dumps({"problem": "keyring cannot be imported (%s)" % type(exc).__name__}))
    raise SystemExit(0)
backend = keyring.get_keyring()
out = {"backend": "%s.%s" % (type(backend).__module__, type(backend).__name__), "answers": []}
for service, username in request["queries"]:
    try:
        cred = keyring.get_credential(service, username)
    except Exception as exc:
        out["answers"].append({"error": type(exc).__name__})
        continue
    if cred is None or cred.password is None or cred.username is None:
        out["answers"].append(None)
    else:
        out["answers"].append({"username": cred.username})
print(json.dumps(out))
"""

Query = tuple[str, "str | None"]


@dataclass
class KeyringAnswers:
    """What keyring said: the username found per ``(service, username)`` question."""

    backend: str | None = None
    #: Why keyring was not (fully) consulted, for the reader; None when all went well.
    problem: str | None = None
    found: dict[tuple[str, str | None], str] = field(default_factory=dict)

    def username_for(self, service: str, username: str | None) -> str | None:
        return self.found.get((service, username))


def child_path() -> list[str]:
    """This interpreter's ``sys.path`` without the current directory, for the child.

    Keeps site-packages, the user site and ``PYTHONPATH`` entries (a keyring
    backend may be installed in any of them, as pip itself would see it) and
    drops ``""`` and every entry that is the current directory.
    """
    try:
        cwd = os.path.realpath(os.getcwd())
    except OSError:
        cwd = None
    kept: list[str] = []
    for entry in sys.path:
        if not isinstance(entry, str) or not entry:
            continue
        if cwd is not None and os.path.realpath(entry) == cwd:
            continue
        kept.append(entry)
    return list(dict.fromkeys(kept))


def probe(queries: Sequence[tuple[str, str | None]], timeout: float = TIMEOUT) -> KeyringAnswers:
    """Ask keyring each ``(service, username)`` question in a detached child process."""
    try:
        installed = importlib.util.find_spec("keyring") is not None
    except (ImportError, ValueError):
        installed = False
    if not installed:
        return KeyringAnswers(problem="keyring is not installed in this interpreter")
    unique = list(dict.fromkeys(queries))
    if not unique:
        return KeyringAnswers()
    request = {"path": child_path(), "queries": unique}
    try:
        proc = subprocess.run(
            [sys.executable, "-I", "-c", _CHILD],
            # The questions name usernames (often tokens): stdin, never argv,
            # which every local user can read in /proc/<pid>/cmdline.
            input=json.dumps(request),
            capture_output=True,
            text=True,
            timeout=timeout,
            start_new_session=True,
        )
    except subprocess.TimeoutExpired:
        return KeyringAnswers(
            problem=f"keyring did not answer within {timeout:g} s (a locked keyring waiting "
            "for an unlock prompt?); not consulted"
        )
    except OSError as exc:
        return KeyringAnswers(problem=f"keyring could not be asked ({type(exc).__name__})")
    try:
        data = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return KeyringAnswers(problem=f"keyring could not be asked (exit code {proc.returncode})")
    if "problem" in data:
        return KeyringAnswers(problem=str(data["problem"]))
    answers = KeyringAnswers(backend=str(data.get("backend")))
    errors = set()
    for (service, username), answer in zip(unique, data.get("answers", [])):
        if isinstance(answer, dict) and "username" in answer:
            answers.found[(service, username)] = str(answer["username"])
        elif isinstance(answer, dict) and "error" in answer:
            errors.add(str(answer["error"]))
    if errors:
        answers.problem = f"keyring backend {answers.backend} raised {', '.join(sorted(errors))}"
    return answers
