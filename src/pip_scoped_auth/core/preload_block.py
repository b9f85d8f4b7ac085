"""The marked block ``pip-scoped-auth preload`` keeps in a ``sitecustomize.py``: text only.

The block sits between a start and an end marker line, so that ``preload
--remove`` can give the file back byte for byte. The start line records what
the removal must undo beyond the block itself: whether the file was created
by ``preload`` (remove it), whether a newline was added to an existing file
that did not end with one (drop it again), and the file's modification time
before (restored, so a ``.pyc`` compiled from the original stays valid).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["END", "START", "Block", "add", "find", "remove", "render"]

START = "# >>> pip-scoped-auth preload >>>"
END = "# <<< pip-scoped-auth preload <<<"

_START_LINE = re.compile(
    r"^# >>> pip-scoped-auth preload >>>"
    r" created=(?P<created>[01]) newline=(?P<newline>[01]) mtime_ns=(?P<mtime>\d+)$",
    re.MULTILINE,
)


@dataclass(frozen=True)
class Block:
    """A block found in a file: where it is and what its start line recorded."""

    start: int
    end: int
    created: bool
    added_newline: bool
    mtime_ns: int


def render(source: str, shim_dir: str, created: bool, added_newline: bool, mtime_ns: int) -> str:
    """The whole block, markers included, ending with a newline."""
    return (
        f"{START} created={int(created)} newline={int(added_newline)} mtime_ns={mtime_ns}\n"
        f"# Arms pip-scoped-auth (from {shim_dir}) in every venv made from this\n"
        "# interpreter, without putting that directory on their sys.path.\n"
        "# Remove it with: pip-scoped-auth preload --remove\n"
        f"{source}"
        f"{END}\n"
    )


def find(text: str) -> Block | None:
    """The block in ``text``, or None (also for a block whose end marker is missing)."""
    match = _START_LINE.search(text)
    if match is None:
        return None
    end = text.find(f"\n{END}\n", match.end())
    if end < 0:
        return None
    return Block(
        start=match.start(),
        end=end + len(END) + 2,
        created=match["created"] == "1",
        added_newline=match["newline"] == "1",
        mtime_ns=int(match["mtime"]),
    )


def add(text: str, source: str, shim_dir: str, existed: bool, mtime_ns: int) -> str:
    """``text`` with the block appended (a newline first where ``text`` lacks a final one)."""
    newline = bool(text) and not text.endswith("\n")
    block = render(source, shim_dir, created=not existed, added_newline=newline, mtime_ns=mtime_ns)
    return text + ("\n" if newline else "") + block


def remove(text: str, block: Block) -> str:
    """``text`` as it was before :func:`add`."""
    start = block.start - 1 if block.added_newline else block.start
    return text[:start] + text[block.end :]


def replace(text: str, block: Block, source: str, shim_dir: str) -> str:
    """``text`` with the block's body renewed, its recorded history kept."""
    new = render(source, shim_dir, block.created, block.added_newline, block.mtime_ns)
    return text[: block.start] + new + text[block.end :]
