"""The ``pip install`` index options that ``status`` and ``explain`` take."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pip_scoped_auth.pip_layer.config import IndexOptions

__all__ = ["add_pip_index_options", "index_options"]


def index_options(args: argparse.Namespace) -> IndexOptions:
    # Imported here: the parser is built before any module that can be missing.
    from pip_scoped_auth.pip_layer.config import IndexOptions

    return IndexOptions(
        index_url=args.index_url,
        extra_index_urls=tuple(args.extra_index_url),
        find_links=tuple(args.find_links),
        requirements=tuple(args.requirement),
        constraints=tuple(args.constraint),
        no_index=args.no_index,
    )


def add_pip_index_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "pip index options",
        "The same options pip install takes. pip's config files and PIP_* variables are read "
        "too, by pip's own option parser, exactly as pip install would.",
    )
    group.add_argument("-i", "--index-url", metavar="URL", help="base URL of the package index")
    group.add_argument(
        "--extra-index-url", metavar="URL", action="append", default=[], help="extra index URL"
    )
    group.add_argument(
        "-f", "--find-links", metavar="URL", action="append", default=[], help="find-links URL"
    )
    group.add_argument(
        "-r",
        "--requirement",
        metavar="FILE",
        action="append",
        default=[],
        help="requirements file (its --index-url/--extra-index-url lines count)",
    )
    group.add_argument(
        "-c", "--constraint", metavar="FILE", action="append", default=[], help="constraints file"
    )
    group.add_argument("--no-index", action="store_true", help="ignore package indexes")
