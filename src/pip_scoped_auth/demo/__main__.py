"""``python -m pip_scoped_auth.demo``: the same as ``pip-scoped-auth demo``."""

from __future__ import annotations

import argparse

from pip_scoped_auth.demo import configure_parser, run


def main() -> int:
    """Parse the demo's options and run it."""
    parser = argparse.ArgumentParser(
        prog="pip-scoped-auth demo",
        description="Show stock pip sending the wrong token on a local two-tenant registry, "
        "and pip-scoped-auth sending each index its own.",
    )
    configure_parser(parser)
    return run(parser.parse_args())


if __name__ == "__main__":
    raise SystemExit(main())
