"""Python 3.15's ``site`` start-up (PEP 829), emulated on any Python.

Run as ``python -S pep829_site.py --site-packages DIR [-m MODULE | -c CODE] ARGS...``:
``-S`` keeps the interpreter's own ``site`` from processing any ``.pth``
file, then this script does what PEP 829 specifies for one site-packages
directory, in its order:

1. ``<name>.pth`` files, sorted by name: path lines are appended to
   ``sys.path`` (relative ones anchored at the directory); ``import`` lines
   run only where no ``<name>.start`` of the same stem exists (3.15-3.17).
2. ``<name>.start`` files, sorted by name: every non-blank, non-comment line
   must be a ``pkg.mod:callable`` entry point; each is resolved with
   :func:`pkgutil.resolve_name` and called with no arguments. An invalid or
   failing entry is reported on stderr and skipped, as ``site`` does.

Then MODULE runs as ``__main__`` (``-m``) or CODE is executed (``-c``).
With ``PEP829_SKIP_START=1`` step 2 is left out, which shows that nothing
else (no ``.pth`` line) armed the hook.
"""

import os
import sys


def _lines(path: str) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        return [
            line.strip() for line in handle if line.strip() and not line.strip().startswith("#")
        ]


def process_site_dir(sitedir: str, run_start: bool = True) -> None:
    """PEP 829's phases for ``sitedir``: all path extensions first, then entry points."""
    names = sorted(n for n in os.listdir(sitedir) if not n.startswith("."))
    start_stems = {n[: -len(".start")] for n in names if n.endswith(".start")}
    if sitedir not in sys.path:
        sys.path.append(sitedir)
    import_lines: list[str] = []
    for name in (n for n in names if n.endswith(".pth")):
        for line in _lines(os.path.join(sitedir, name)):
            if line.startswith(("import ", "import\t")):
                if name[: -len(".pth")] not in start_stems:
                    import_lines.append(line)
                continue
            path = os.path.abspath(os.path.join(sitedir, line))
            if os.path.exists(path) and path not in sys.path:
                sys.path.append(path)
    for line in import_lines:
        exec(line, {})  # noqa: S102 - what site does with a .pth import line
    if not run_start:
        return
    import pkgutil

    for name in (n for n in names if n.endswith(".start")):
        for entry in _lines(os.path.join(sitedir, name)):
            module, sep, attr = entry.partition(":")
            if not sep or not module or not attr:
                sys.stderr.write(f"pep829_site: {name}: invalid entry point {entry!r}\n")
                continue
            try:
                pkgutil.resolve_name(entry)()
            except Exception as exc:
                sys.stderr.write(f"pep829_site: {name}: {entry}: {type(exc).__name__}: {exc}\n")


def main() -> None:
    del sys.path[0]  # this script's folder: not part of the interpreter's path
    args = sys.argv[1:]
    if args[:1] != ["--site-packages"] or len(args) < 4 or args[2] not in ("-m", "-c"):
        sys.exit("usage: python -S pep829_site.py --site-packages DIR (-m MODULE | -c CODE) ...")
    sitedir, mode, target, rest = args[1], args[2], args[3], args[4:]
    process_site_dir(sitedir, run_start=os.environ.get("PEP829_SKIP_START") != "1")
    if mode == "-c":
        sys.argv = ["-c", *rest]
        exec(compile(target, "<string>", "exec"), {"__name__": "__main__"})  # noqa: S102
        return
    import runpy

    sys.argv = [target, *rest]
    runpy.run_module(target, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
