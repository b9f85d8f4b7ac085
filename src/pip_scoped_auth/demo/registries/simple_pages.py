"""PEP 503 simple pages as GitLab's presenters write them (the fake GitLab, the upstream).

One skeleton (``<h1>Links for ...</h1>``, one ``<a>`` per line, ``<br>``),
``data-requires-python`` always written (empty when unset, as GitLab does),
and PEP 658/714 metadata attributes when a digest is given.
"""

from __future__ import annotations

import html
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Link", "Listed", "anchor", "index_page", "links_page", "page", "wheel_metadata"]


@dataclass(frozen=True)
class Link:
    """One anchor of a ``simple/<name>`` page."""

    url: str
    requires_python: str | None
    text: str
    metadata_sha256: str | None = None


def page(title: str, anchors: Iterable[str]) -> str:
    """The PEP 503 skeleton shared by GitLab's simple presenters."""
    escaped = html.escape(title)
    return (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        f"    <title>Links for {escaped}</title>\n"
        "  </head>\n  <body>\n"
        f"    <h1>Links for {escaped}</h1>\n"
        + "".join(f"    {a}<br>\n" for a in anchors)
        + "  </body>\n</html>\n"
    )


def anchor(
    url: str, requires_python: str | None, text: str, metadata_sha256: str | None = None
) -> str:
    """One link; GitLab always emits ``data-requires-python`` (empty when unset).

    With a metadata digest, both the PEP 658 attribute and its PEP 714
    successor are written, as PyPI does: pips from before PEP 714 read only
    ``data-dist-info-metadata``, newer ones prefer ``data-core-metadata``.
    """
    extra = ""
    if metadata_sha256 is not None:
        value = f"sha256={metadata_sha256}"
        extra = f' data-dist-info-metadata="{value}" data-core-metadata="{value}"'
    return (
        f'<a href="{html.escape(url)}" '
        f'data-requires-python="{html.escape(requires_python or "")}"{extra}>'
        f"{html.escape(text)}</a>"
    )


class Listed(Protocol):
    """What an index page needs of a file (GitLab's or the upstream's)."""

    @property
    def name(self) -> str: ...
    @property
    def normalized_name(self) -> str: ...
    @property
    def requires_python(self) -> str | None: ...


def index_page(title: str, files: Iterable[Listed], simple_prefix: str) -> str:
    """The ``simple`` page: one link per distinct package (by normalised name)."""
    seen: dict[str, Listed] = {}
    for f in files:
        seen.setdefault(f.normalized_name, f)
    anchors = [
        anchor(f"{simple_prefix}/{norm}", f.requires_python, f.name)
        for norm, f in sorted(seen.items())
    ]
    return page(title, anchors)


def links_page(title: str, links: Iterable[Link]) -> str:
    """The ``simple/<name>`` page: one link per file."""
    return page(
        title, [anchor(ln.url, ln.requires_python, ln.text, ln.metadata_sha256) for ln in links]
    )


def wheel_metadata(filename: str, data: bytes) -> bytes | None:
    """The ``<name>-<version>.dist-info/METADATA`` of a wheel, else ``None``."""
    if not filename.endswith(".whl"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.namelist():
                top, _, rest = member.partition("/")
                if top.endswith(".dist-info") and rest == "METADATA":
                    return archive.read(member)
    except zipfile.BadZipFile:
        return None
    return None
