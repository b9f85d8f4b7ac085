"""Real pip environments for the integration suite: one cached venv per pip version.

Each pip version gets two venvs, keyed by Python and pip version: *stock*
(pip plus the shim's dependencies, no shim) and *shim* (the same plus this
project's wheel, installed the way users install it, ``.pth`` and all). They
live in a cache outside the checkout (``PIP_SCOPED_AUTH_TEST_CACHE``, default
``~/.cache/pip-scoped-auth-tests``) so a second run costs nothing; the shim is
reinstalled only when the source tree changed.

Resolving and downloading the dependencies (``wrapt``, ``keyring`` and its
tree) is the slow part of a venv build, so it happens once per Python in a
*deps* venv; every pip version's venv is a copy of it in which only pip is
swapped. A cold cache then costs one resolve per Python plus one small
``pip install pip==X`` per version.

Which pip versions a test runs on is chosen in :mod:`tests.support.pip_versions`.

Only building these venvs uses the machine's own pip configuration (to reach
the package registry). Every pip run *under test* gets a scrubbed
environment: no ``PIP_*`` variables, an empty ``PIP_CONFIG_FILE``, no global
config directories, a fresh ``HOME`` and a keyring that knows nothing.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

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


def build_wheel(out_dir: Path, source: Path = ROOT) -> Path:
    """Build this project's wheel (from ``source``: the checkout or an unpacked
    sdist) with the test environment's hatchling."""
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
            source,
        ],
        "building the project wheel",
    )
    (wheel,) = out_dir.glob("pip_scoped_auth-*.whl")
    return wheel


def cached_shim_wheel() -> Path:
    """This checkout's wheel, built once per source digest and shared by workers."""
    root = cache_root()
    out = root / f"wheel-{source_digest()}"
    with _locked(root / "wheel.lock"):
        wheels = list(out.glob("pip_scoped_auth-*.whl"))
        if not wheels:
            wheels = [build_wheel(out)]
    return wheels[0]


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


def checkout_tag() -> str:
    """A short digest of this checkout's path.

    Everything that holds *this checkout's* shim (shim venvs, user bases, base
    interpreters) is named with it, so two checkouts (worktrees, a CI clone)
    sharing one cache never reinstall each other's wheel under a running test.
    """
    return hashlib.sha256(str(ROOT).encode()).hexdigest()[:8]


def _deps_stamp() -> str:
    """What a deps venv was built with; a change of VENV_PACKAGES rebuilds it."""
    return "deps:" + ",".join(VENV_PACKAGES)


def _copy_venv(source: Path, dest: Path) -> None:
    """Clone a venv; console scripts are re-pointed at the clone's interpreter."""
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(source, dest, symlinks=True)
    old = f"#!{venv_python(source)}".encode()
    new = f"#!{venv_python(dest)}".encode()
    for script in (dest / "bin").iterdir():
        if script.is_file() and not script.is_symlink():
            data = script.read_bytes()
            if data.startswith(old):
                script.write_bytes(new + data[len(old) :])


def ensure_deps_venv(python: str | None = None) -> Path:
    """A venv with the shared dependencies for ``python``: what every pip venv copies."""
    python = python or base_python()
    name = f"py{python_version(python)}-deps"
    venv = cache_root() / name
    ready = venv / ".ready"
    with _locked(cache_root() / f"{name}.lock"):
        if not ready.exists() or ready.read_text() != _deps_stamp():
            shutil.rmtree(venv, ignore_errors=True)
            _run_checked([python, "-m", "venv", venv], f"creating {name}")
            _run_checked(
                [venv_python(venv), "-m", "pip", "install", "-q", *VENV_PACKAGES],
                f"installing {', '.join(VENV_PACKAGES)} into {name}",
            )
            ready.write_text(_deps_stamp())
    return venv


def ensure_venv(
    pip_version: str,
    shim: bool,
    wheel: Path | None,
    python: str | None = None,
    extras: Sequence[str] = (),
) -> Path:
    """Create (once) the venv for ``pip_version``; install the shim wheel if asked.

    The stock venv is a copy of the deps venv with pip swapped; the shim venv
    is a copy of the stock one plus this project's wheel. ``extras`` (tools
    built on pip, such as ``pip-tools==7.4.1``) get a venv of their own, a
    copy of the plain stock venv with them installed and pip kept at
    ``pip_version``.
    """
    python = python or base_python()
    py = python_version(python)
    tag = "".join(f"-{re.sub(r'[^A-Za-z0-9.]+', '', extra)}" for extra in extras)
    flavour = f"shim-{checkout_tag()}" if shim else "stock"
    name = f"py{py}-pip{pip_version}{tag}-{flavour}"
    venv = cache_root() / name
    ready = venv / ".ready"
    if shim:
        source = ensure_venv(pip_version, False, None, python, extras)
    elif extras:
        source = ensure_venv(pip_version, False, None, python)
    else:
        source = ensure_deps_venv(python)
    with _locked(cache_root() / f"{name}.lock"):
        if not ready.exists() or ready.read_text() != (source / ".ready").read_text():
            _copy_venv(source, venv)
            ready.unlink()
            (venv / ".shim-digest").unlink(missing_ok=True)
            if not shim:
                # The copy's own pip replaces itself, as ``pip install -U pip`` does.
                _run_checked(
                    [
                        venv_python(venv),
                        "-m",
                        "pip",
                        "install",
                        "-q",
                        f"pip=={pip_version}",
                        *extras,
                    ],
                    f"installing pip {pip_version} {' '.join(extras)} into {name}",
                )
            ready.write_text((source / ".ready").read_text())
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


def _shim_stamp(venv: Path) -> str:
    return (venv / ".ready").read_text() + (venv / ".shim-digest").read_text()


def ensure_editable_venv(pip_version: str, python: str | None = None) -> Path:
    """The stock venv plus ``pip install -e <checkout>``: the developer's flavour.

    Building the editable wheel fetches hatchling from the registry, so like
    every venv build it uses the machine's pip configuration. The venv follows
    the checkout by itself; it is keyed by the checkout's path.
    """
    python = python or base_python()
    source = ensure_venv(pip_version, False, None, python)
    name = f"py{python_version(python)}-pip{pip_version}-editable-{checkout_tag()}"
    venv = cache_root() / name
    ready = venv / ".ready"
    with _locked(cache_root() / f"{name}.lock"):
        if not ready.exists() or ready.read_text() != (source / ".ready").read_text():
            _copy_venv(source, venv)
            ready.unlink()
            _run_checked(
                [venv_python(venv), "-m", "pip", "install", "-q", "--no-deps", "-e", ROOT],
                f"installing the checkout editable into {name}",
            )
            ready.write_text((source / ".ready").read_text())
    return venv


def ensure_user_base(pip_version: str, wheel: Path) -> Path:
    """A ``PYTHONUSERBASE`` where ``pip install --user`` put pip, wrapt and the shim.

    The base interpreter's own pip installs them, as a user would; the user
    site's pip then shadows the interpreter's.
    """
    python = base_python()
    name = f"py{python_version(python)}-userbase-pip{pip_version}-{checkout_tag()}"
    base = cache_root() / name
    marker = base / ".shim-digest"
    env = {**os.environ, "PYTHONUSERBASE": str(base)}
    install = [python, "-m", "pip", "install", "-q", "--user", "--no-warn-script-location"]
    with _locked(cache_root() / f"{name}.lock"):
        if not marker.exists() or marker.read_text() != source_digest():
            shutil.rmtree(base, ignore_errors=True)
            _run_checked([*install, f"pip=={pip_version}", "wrapt"], f"building {name}", env)
            _run_checked([*install, "--no-deps", wheel], f"installing the shim in {name}", env)
            marker.write_text(source_digest())
    return base


def ensure_base_python_with_shim(pip_version: str, wheel: Path) -> Path:
    """A copy of the base interpreter whose own site-packages has pip and the shim.

    Stands in for a system or image Python with the shim installed, without
    touching the real one: the executable is copied (so the standard library
    is looked for next to it), the standard library is linked entry by entry,
    and site-packages is a real directory filled from the cached shim venv.
    """
    real = Path(os.path.realpath(base_python()))
    paths = subprocess.run(
        [
            str(real),
            "-c",
            "import sys, sysconfig; print(sys.base_prefix); print(sysconfig.get_paths()['stdlib'])",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    prefix, stdlib = Path(paths[0]), Path(paths[1])
    shim_venv = ensure_venv(pip_version, True, wheel)
    name = f"py{python_version(str(real))}-base-pip{pip_version}-{checkout_tag()}"
    root = cache_root() / name
    ready = root / ".ready"
    with _locked(cache_root() / f"{name}.lock"):
        if not ready.exists() or ready.read_text() != _shim_stamp(shim_venv):
            shutil.rmtree(root, ignore_errors=True)
            exe = root / real.relative_to(prefix)
            exe.parent.mkdir(parents=True)
            shutil.copy2(real, exe)
            fake_stdlib = root / stdlib.relative_to(prefix)
            fake_stdlib.mkdir(parents=True)
            for entry in stdlib.iterdir():
                if entry.name not in ("site-packages", "dist-packages"):
                    (fake_stdlib / entry.name).symlink_to(entry)
            purelib = subprocess.run(
                [str(exe), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            (venv_site,) = shim_venv.glob("lib/python*/site-packages")
            shutil.copytree(venv_site, purelib, symlinks=True)
            (root / ".python").write_text(str(exe))
            ready.write_text(_shim_stamp(shim_venv))
    return Path((root / ".python").read_text())


def project_python(version: str) -> Path:
    """The interpreter a ``tools/setup.d`` step installs for ``version`` (3.14 only)."""
    return cache_root() / f"python{version}" / "bin" / f"python{version}"


def pyenv_root() -> Path:
    """``$(pyenv root)``: ``PYENV_ROOT``, else what ``pyenv root`` says, else ``~/.pyenv``."""
    configured = os.environ.get("PYENV_ROOT")
    if configured:
        return Path(configured)
    pyenv = shutil.which("pyenv")
    if pyenv:
        try:
            out = subprocess.run([pyenv, "root"], capture_output=True, text=True, timeout=30)
            if out.returncode == 0 and out.stdout.strip():
                return Path(out.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    return Path.home() / ".pyenv"


def find_python(version: str) -> str | None:
    """An interpreter for ``version`` ("3.9"): ``python3.9`` on PATH, pyenv's, or ours.

    Looked for in order: ``python3.X`` on PATH, pyenv's versions folder
    (``$(pyenv root)/versions/3.X.*``, where these machines keep 3.9, 3.10,
    3.12 and 3.13 without putting them on PATH), and the wrapper that
    ``tools/setup.d/30-python314.sh`` installs in the test cache. pyenv's
    shims are on PATH even for versions that are not selected, and then fail,
    so every candidate is run once before it is trusted.
    """
    candidates: list[str] = []
    found = shutil.which(f"python{version}")
    if found:
        candidates.append(found)
    candidates += [
        str(p)
        for p in sorted((pyenv_root() / "versions").glob(f"{version}.*/bin/python{version}"))
        if p.parent.parent.name.replace(".", "").isdigit()
    ]
    ours = project_python(version)
    if ours.is_file():
        candidates.append(str(ours))
    for candidate in candidates:
        try:
            if python_version(candidate) == version:
                return candidate
        except (OSError, subprocess.CalledProcessError):
            continue
    return None


def how_to_get_python(version: str) -> str:
    """The loud skip message for a missing interpreter: where we looked, how to get it."""
    pyenv = pyenv_root() / "versions" / f"{version}.*"
    looked = f"python{version} on PATH, {pyenv}, {project_python(version)}"
    if version == "3.14":
        fix = "run `bash tools/setup.d/30-python314.sh` (Debian's archive, about a minute)"
    else:
        fix = f"run `pyenv install {version}` (or put python{version} on PATH)"
    return f"NO PYTHON {version} on this machine (looked for {looked}): {fix}"


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
    #: An interpreter that is not ``venv/bin/python`` (a base Python, ``--user``).
    interpreter: Path | None = None

    @property
    def python(self) -> Path:
        return self.interpreter or venv_python(self.venv)

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
        return self.run_module(
            "pip",
            *noise,
            "--log",
            str(log_file),
            *args,
            env=env,
            input=input,
            timeout=timeout,
            log_file=log_file,
        )

    def run_module(
        self,
        module: str,
        *args: str,
        env: Mapping[str, str] | None = None,
        input: str | None = None,
        timeout: float = 240,
        log_file: Path | None = None,
    ) -> PipResult:
        """``python -m MODULE ARGS`` in this venv: pip, or a tool built on it.

        Recorded for the leak check like every pip run.
        """
        cmd = [str(self.python), "-m", module, *args]
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


#: The ``make_pip`` fixture: ``make_pip(version, shim=True, python=None, extras=())``.
MakePip = Callable[..., PipEnv]
