"""A tiny, reproducible sdist builder for build-isolation tests."""

from __future__ import annotations

import io
import tarfile
import textwrap

__all__ = ["build_sdist", "buildme_sdist"]


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


#: A PEP 517 backend that needs ``tinybackend`` (only on project 324) and
#: records whether the parent's packages are importable in the build venv.
_BACKEND = """
import base64, hashlib, importlib, os, zipfile

import tinybackend

NAME, VERSION = "buildme", "1.0"
DIST_INFO = f"{NAME}-{VERSION}.dist-info"
METADATA = f"Metadata-Version: 2.1\\nName: {NAME}\\nVersion: {VERSION}\\n\\n"
WHEEL = "Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n\\n"
PARENT_ONLY = ("wrapt", "pip_scoped_auth", "keyring", "_pip_scoped_auth_remote")


def _importable():
    found = []
    for name in PARENT_ONLY:
        try:
            importlib.import_module(name)
        except ImportError:
            continue
        found.append(name)
    return found


def _hash(data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode()


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    code = (
        f"BUILT_WITH = {tinybackend.__version__!r}\\n"
        f"PARENT_IMPORTABLE = {_importable()!r}\\n"
    ).encode()
    files = [
        (f"{NAME}/__init__.py", code),
        (f"{DIST_INFO}/METADATA", METADATA.encode()),
        (f"{DIST_INFO}/WHEEL", WHEEL.encode()),
    ]
    record = "".join(f"{p},{_hash(d)},{len(d)}\\n" for p, d in files) + f"{DIST_INFO}/RECORD,,\\n"
    files.append((f"{DIST_INFO}/RECORD", record.encode()))
    name = f"{NAME}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as archive:
        for path, data in files:
            archive.writestr(path, data)
    return name
"""

_PYPROJECT = """\
[build-system]
requires = ["tinybackend"]
build-backend = "localbackend"
backend-path = ["."]
"""


def buildme_sdist() -> bytes:
    """``buildme`` 1.0: its backend needs ``tinybackend`` and reports what it could import."""
    return build_sdist(
        "buildme",
        "1.0",
        {
            "PKG-INFO": "Metadata-Version: 2.1\nName: buildme\nVersion: 1.0\n",
            "pyproject.toml": _PYPROJECT,
            "localbackend.py": textwrap.dedent(_BACKEND),
        },
    )
