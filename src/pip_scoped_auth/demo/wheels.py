"""Offline, deterministic construction of tiny pure-python wheels.

The demo (``pip-scoped-auth demo``) and the integration tests install packages
with a *real* pip from a local fake registry, so the files served must be
genuine wheels that every pip from 22.x to 26.x
accepts (valid ``WHEEL``, ``METADATA`` and a ``RECORD`` whose hashes verify).
Building them in-process keeps the demo and the test suite free of network
access and of a build backend (standard library only), and making them
byte-for-byte deterministic keeps their sha256 stable, so that the same
package published in two projects has the same file name and digest --
exactly the situation in which stock pip sends the wrong project's token.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import threading
import zipfile
from collections.abc import Sequence

__all__ = [
    "build_wheel",
    "normalize_name",
    "wheel_filename",
    "wheel_name_component",
]

_GENERATOR = "pip-scoped-auth-fake-gitlab 1.0"
# A fixed timestamp: zip entries carry mtimes, and a varying mtime would change
# the sha256 of the "same" wheel between calls.
_ZIP_DATE = (2020, 1, 1, 0, 0, 0)

_CacheKey = tuple[str, str, tuple[str, ...], "str | None"]
_cache: dict[_CacheKey, tuple[str, bytes]] = {}
_cache_lock = threading.Lock()


def normalize_name(name: str) -> str:
    """Return the PEP 503 normalised form of a project name.

    GitLab matches ``simple/<name>`` requests on this form, and pip requests
    pages by it, so the fake server and the tests must agree on it.
    """
    return re.sub(r"[-_.]+", "-", name).lower()


def wheel_name_component(name: str) -> str:
    """Return ``name`` escaped for use in a wheel file name or dist-info dir.

    Per the binary distribution format spec, runs of ``-_.`` become a single
    ``_`` and the result is lower-cased (``PyPI-Package.1`` ->
    ``pypi_package_1``).
    """
    return re.sub(r"[-_.]+", "_", name).lower()


def wheel_filename(name: str, version: str) -> str:
    """Return the file name of the pure-python wheel :func:`build_wheel` makes."""
    return f"{wheel_name_component(name)}-{version.replace('-', '_')}-py3-none-any.whl"


def _record_hash(data: bytes) -> str:
    """Return a RECORD-style digest (urlsafe base64 without padding)."""
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _metadata(name: str, version: str, requires: Sequence[str], requires_python: str | None) -> str:
    """Render a Metadata-Version 2.1 METADATA file."""
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {name}",
        f"Version: {version}",
        "Summary: Test package served by the fake GitLab registry",
    ]
    if requires_python:
        lines.append(f"Requires-Python: {requires_python}")
    lines.extend(f"Requires-Dist: {req}" for req in requires)
    return "\n".join(lines) + "\n\n"


def _build(
    name: str, version: str, requires: Sequence[str], requires_python: str | None
) -> tuple[str, bytes]:
    """Build the wheel without consulting the cache."""
    dist = wheel_name_component(name)
    version_component = version.replace("-", "_")
    dist_info = f"{dist}-{version_component}.dist-info"
    files: list[tuple[str, bytes]] = [
        (
            f"{dist}/__init__.py",
            (
                f'"""Test package {name} {version} from the fake GitLab."""\n\n'
                f"__version__ = {version!r}\n"
            ).encode(),
        ),
        (
            f"{dist_info}/METADATA",
            _metadata(name, version, requires, requires_python).encode(),
        ),
        (
            f"{dist_info}/WHEEL",
            (
                "Wheel-Version: 1.0\n"
                f"Generator: {_GENERATOR}\n"
                "Root-Is-Purelib: true\n"
                "Tag: py3-none-any\n\n"
            ).encode(),
        ),
        (f"{dist_info}/top_level.txt", f"{dist}\n".encode()),
    ]
    record_path = f"{dist_info}/RECORD"
    record_lines = [f"{path},{_record_hash(data)},{len(data)}" for path, data in files]
    record_lines.append(f"{record_path},,")
    files.append((record_path, ("\n".join(record_lines) + "\n").encode()))

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, data in files:
            info = zipfile.ZipInfo(path, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16  # regular file, rw-r--r--
            archive.writestr(info, data)
    return wheel_filename(name, version), buffer.getvalue()


def build_wheel(
    name: str,
    version: str,
    requires: Sequence[str] = (),
    requires_python: str | None = None,
) -> tuple[str, bytes]:
    """Return ``(filename, wheel_bytes)`` for a minimal installable wheel.

    The wheel contains ``<dist>/__init__.py`` defining ``__version__`` (so a
    test can import the installed package and see *which* build it got), a
    ``METADATA`` with ``Requires-Dist``/``Requires-Python`` (so pip resolves
    dependencies through the fake index), ``WHEEL`` and a verifying
    ``RECORD``. ``version`` should already be in normalised PEP 440 form, as
    pip compares the file name's version with the metadata.

    Results are memoised per argument tuple: building is cheap, but tests
    that publish the same package in several projects rely on getting
    identical bytes (hence the same sha256) every time.
    """
    key: _CacheKey = (name, version, tuple(requires), requires_python)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is None:
            cached = _build(name, version, tuple(requires), requires_python)
            _cache[key] = cached
    return cached
