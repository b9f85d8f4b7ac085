"""Real pip environments for the integration suite: one cached venv per pip version.

Each pip version gets two venvs, keyed by Python and pip version: *stock*
(pip plus the shim's dependencies, no shim) and *shim* (the same plus this
project's wheel, installed the way users install it, ``.pth`` and all). They
live in a cache outside the checkout (``PIP_SCOPED_AUTH_TEST_CACHE``, default
``~/.cache/pip-scoped-auth-tests``) so a second run costs nothing; the shim is
reinstalled only when the source tree changed.

Only building these venvs uses the machine's own pip configuration (to reach
the package registry). Every pip run *under test* gets a scrubbed
environment: no ``PIP_*`` variables, an empty ``PIP_CONFIG_FILE``, no global
config directories, a fresh ``HOME`` and a keyring that knows nothing.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Oldest and newest supported pip: the versions every scenario runs on.
OLDEST_PIP = "22.3.1"
NEWEST_PIP = "26.3"
EDGE_PIPS = (OLDEST_PIP, NEWEST_PIP)

#: Extra packages every test venv gets (the shim's runtime dependency and keyring).
VENV_PACKAGES = ("wrapt>=1.14,<2", "keyring")

#: Variables that would let the machine's own set-up leak into a pip under test.
_SCRUB_PREFIXES = ("PIP_", "PYTHON", "VIRTUAL_ENV", "XDG_", "CONDA")
_SCRUB_NAMES = {
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "NETRC",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "SSL_CERT_FILE",
}


def cache_root() -> Path:
    configured = os.environ.get("PIP_SCOPED_AUTH_TEST_CACHE")
    root = Path(configured) if configured else Path.home() / ".cache" / "pip-scoped-auth-tests"
    root.mkdir(parents=True, exist_ok=True)
    return root


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Serialise venv builds across pytest-xdist workers and parallel runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def source_digest() -> str:
    """A digest of everything that goes into the wheel, to know when to reinstall."""
    digest = hashlib.sha256()
    files = [*sorted((ROOT / "src").rglob("*")), ROOT / "pyproject.toml"]
    for path in files:
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _run_checked(
    cmd: Sequence[str | os.PathLike[str]], what: str, env: Mapping[str, str] | None = None
) -> None:
    proc = subprocess.run(
        [str(c) for c in cmd],
        capture_output=True,
        text=True,
        env=dict(env) if env else None,
        timeout=900,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"{what} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )


def build_wheel(out_dir: Path) -> Path:
    """Build this project's wheel with the test environment's hatchling."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("pip_scoped_auth-*.whl"):
        old.unlink()
    _run_checked(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            out_dir,
            ROOT,
        ],
        "building the project wheel",
    )
    (wheel,) = out_dir.glob("pip_scoped_auth-*.whl")
    return wheel


def python_version(python: str) -> str:
    out = subprocess.run(
        [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def base_python() -> str:
    """The interpreter venvs are made from (the one running the tests, unwrapped)."""
    return getattr(sys, "_base_executable", None) or sys.executable


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure_venv(
    pip_version: str, shim: bool, wheel: Path | None, python: str | None = None
) -> Path:
    """Create (once) the venv for ``pip_version``; install the shim wheel if asked."""
    python = python or base_python()
    py = python_version(python)
    # The package list is part of the key, so changing it rebuilds the venvs.
    packages = hashlib.sha256(" ".join(VENV_PACKAGES).encode()).hexdigest()[:6]
    name = f"py{py}-pip{pip_version}-{'shim' if shim else 'stock'}-{packages}"
    venv = cache_root() / name
    ready = venv / ".ready"
    with _locked(cache_root() / f"{name}.lock"):
        if not ready.exists():
            shutil.rmtree(venv, ignore_errors=True)
            _run_checked([python, "-m", "venv", venv], f"creating {name}")
            _run_checked(
                [
                    venv_python(venv),
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    f"pip=={pip_version}",
                    *VENV_PACKAGES,
                ],
                f"installing pip {pip_version} into {name}",
            )
            ready.write_text("ok")
        if shim:
            assert wheel is not None
            marker = venv / ".shim-digest"
            digest = source_digest()
            if not marker.exists() or marker.read_text() != digest:
                _run_checked(
                    [
                        venv_python(venv),
                        "-m",
                        "pip",
                        "install",
                        "-q",
                        "--no-deps",
                        "--force-reinstall",
                        wheel,
                    ],
                    f"installing the shim into {name}",
                )
                marker.write_text(digest)
    return venv


def scrubbed_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment in which pip sees none of this machine's pip set-up."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(_SCRUB_PREFIXES) and k not in _SCRUB_NAMES
    }
    home.mkdir(parents=True, exist_ok=True)
    empty_conf = home / "empty-pip.conf"
    empty_conf.write_text("")
    xdg_dirs = home / "xdg-config-dirs"
    xdg_dirs.mkdir(exist_ok=True)
    env.update(
        HOME=str(home),
        PIP_CONFIG_FILE=str(empty_conf),
        XDG_CONFIG_DIRS=str(xdg_dirs),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_CACHE_DIR="1",
        PYTHONDONTWRITEBYTECODE="1",
        # A keyring that answers nothing, so no test waits on a desktop keyring.
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        NO_PROXY="*",
    )
    if extra:
        env.update(extra)
    return env


@dataclass
class PipResult:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    secrets: Sequence[str] = field(default_factory=tuple, repr=False)
    #: pip's ``--log`` file for this run (DEBUG level), scanned by the leak check.
    log_file: Path | None = None
    #: Position among the runs of its test (names the run in leak reports).
    index: int = 0

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def redacted(self, limit: int = 4000) -> str:
        """pip's output for a failure message, with every test secret masked."""
        text = self.output[-limit:]
        return redact(text, self.secrets)


def redact(text: str, secrets: Iterable[str]) -> str:
    from urllib.parse import quote

    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, "<SECRET>").replace(quote(secret, safe=""), "<SECRET>")
    return text


#: Every PipResult of the current test, for the leak check in conftest.py
#: (one test at a time per process, also under pytest-xdist).
_recorded: list[PipResult] = []


def recorded_runs() -> list[PipResult]:
    return list(_recorded)


def clear_recorded_runs() -> None:
    del _recorded[:]


@dataclass
class PipEnv:
    """A venv whose ``python -m pip`` is the pip under test."""

    venv: Path
    pip_version: str
    shim: bool
    workdir: Path
    secrets: list[str] = field(default_factory=list)
    runs: list[PipResult] = field(default_factory=list, repr=False)

    @property
    def python(self) -> Path:
        return venv_python(self.venv)

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        return scrubbed_env(self.workdir / "home", extra)

    def run(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        input: str | None = None,
        timeout: float = 240,
        verbose: bool = True,
    ) -> PipResult:
        """Run ``python -m pip *args``; recorded for the leak check.

        Every run writes pip's DEBUG log to ``pip-N.log`` in the work dir and,
        unless ``verbose=False`` (for a test that parses pip's console output),
        also runs at ``-vvv``, so tokens are looked for where pip says most.
        """
        log_file = self.workdir / f"pip-{len(_recorded)}.log"
        noise = ["-vvv"] if verbose else []
        cmd = [str(self.python), "-m", "pip", *noise, "--log", str(log_file), *args]
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            env=self.env(env),
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            timeout=timeout,
            cwd=self.workdir,
        )
        result = PipResult(
            list(args),
            proc.returncode,
            proc.stdout,
            proc.stderr,
            tuple(self.secrets),
            log_file=log_file,
            index=len(_recorded),
        )
        _recorded.append(result)
        self.runs.append(result)
        return result

    def install(
        self, *args: str, env: Mapping[str, str] | None = None, verbose: bool = True
    ) -> PipResult:
        """``pip install`` into a fresh target directory, never from a cache."""
        target = self.workdir / f"target-{len(list(self.workdir.glob('target-*')))}"
        return self.run(
            "install", "--no-cache-dir", "--target", str(target), *args, env=env, verbose=verbose
        )
