"""pip version numbers, compared without importing ``packaging`` into pip's process."""

from __future__ import annotations

__all__ = ["version_tuple"]


def version_tuple(version: str) -> tuple[int, ...]:
    """``"26.3.1"`` -> ``(26, 3)``; only major and minor matter for pip's internals.

    Tolerant of local and pre-release suffixes (``"24.1b1"`` -> ``(24, 1)``)
    and of garbage (``"unknown"`` -> ``()``), since the answer only gates a
    warning and must never raise.
    """
    parts: list[int] = []
    for piece in version.split(".")[:2]:
        digits = ""
        for ch in piece:
            if not ch.isdigit():
                break
            digits += ch
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)
