"""The wheel builder now ships with the demo: re-exported for the GitLab rig; and a
tiny sdist builder for build-isolation tests."""

from __future__ import annotations

import io
import tarfile

from pip_scoped_auth.demo.wheels import (
    build_wheel,
    normalize_name,
    wheel_filename,
    wheel_name_component,
)

__all__ = [
    "build_sdist",
    "build_wheel",
    "normalize_name",
    "wheel_filename",
    "wheel_name_component",
]


def build_sdist(name: str, version: str, files: dict[str, str]) -> bytes:
    """A ``.tar.gz`` sdist of ``files`` (path -> text) under ``NAME-VERSION/``, reproducible."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{name}-{version}/{path}")
            info.size = len(data)
            info.mtime = 1577836800
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
