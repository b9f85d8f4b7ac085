"""Start, drive and stop nginx, pypiserver and devpi-server for the real-server tests.

Everything binds 127.0.0.1 on ports the OS hands out, lives in a temporary
directory, and is stopped by the context managers here even when start-up or
a test fails. Each pytest-xdist worker starts its own servers (nothing is
shared between processes but the read-only servers venv).

Secrets: every tenant's token is random per run. nginx is given them only as
``htpasswd`` hashes and as ``map`` keys (in its own temp directory); its access
log holds labels (``tenant-a``, ``none``, ``other``), never a header value.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from pip_scoped_auth.demo.wheels import build_wheel

#: What the set-up step installs; the tests name it when they skip.
SETUP_HINT = (
    "bash tools/setup.sh (tools/setup.d/20-servers.sh: apt-get install nginx apache2-utils)"
)

#: Seconds a server may take to answer after start (devpi-server imports a lot).
START_TIMEOUT = 90.0


class ServerUnavailable(RuntimeError):
    """A tool the real-server tests need is not installed here (the tests skip)."""


def _cache_root() -> Path:
    configured = os.environ.get("PIP_SCOPED_AUTH_TEST_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "pip-scoped-auth-tests"


def servers_venv() -> Path:
    """The venv ``tools/setup.d/20-servers.sh`` fills with pypiserver and devpi-server."""
    return _cache_root() / "servers-venv"


def _which(name: str, *fallbacks: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for candidate in fallbacks:
        if os.access(candidate, os.X_OK):
            return candidate
    return None


@dataclass(frozen=True)
class Tools:
    nginx: str
    htpasswd: str
    venv: Path


def require_tools() -> Tools:
    """nginx, htpasswd and the servers venv, else ServerUnavailable naming the missing part."""
    nginx = _which("nginx", "/usr/sbin/nginx")
    htpasswd = _which("htpasswd", "/usr/bin/htpasswd")
    missing = [n for n, p in (("nginx", nginx), ("htpasswd", htpasswd)) if p is None]
    venv = servers_venv()
    if not (venv / ".ready").exists():
        missing.append(f"the servers venv {venv}")
    if missing or nginx is None or htpasswd is None:
        raise ServerUnavailable(
            f"REAL-SERVER TESTS NOT RUN: {', '.join(missing)} missing; run {SETUP_HINT}"
        )
    return Tools(nginx=nginx, htpasswd=htpasswd, venv=venv)


def free_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago (start-up retries on a clash)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Tenant:
    """One nginx user: a log label, a user name and its random token (never in a repr)."""

    label: str
    username: str
    token: str = field(repr=False)
    #: The path prefix nginx accepts this tenant's credential for ("/tenant-a/").
    prefix: str = "/"

    @classmethod
    def random(cls, label: str, username: str, prefix: str) -> Tenant:
        return cls(label, username, "tok-" + secrets.token_urlsafe(18), prefix)

    @property
    def basic_header(self) -> str:
        raw = f"{self.username}:{self.token}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")

    def url_auth(self) -> str:
        """``user:token@`` for an index URL."""
        return f"{self.username}:{self.token}@"


@dataclass(frozen=True)
class AccessEntry:
    """One line of nginx's access log: which token (label) a request carried."""

    token: str
    user: str
    status: int
    method: str
    path: str

    @property
    def decoded(self) -> str:
        """The path percent-decoded (pip sends devpi's ``/+f/`` as ``/%2Bf/``)."""
        return unquote(self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status} token={self.token} user={self.user}"


def describe(entries: Sequence[AccessEntry]) -> str:
    """The access log as a failure message shows it (labels only, no secret)."""
    return "nginx access log:\n" + "\n".join(f"  {e}" for e in entries)


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}:\n{_tail(log)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} in {START_TIMEOUT}s")


def _tail(path: Path, limit: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-limit:]
    except OSError:
        return "(no log)"


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the test process dies (Linux ``prctl``).

    The ``with`` blocks stop every server on the way out, even on failure; this
    covers a pytest worker that is killed outright, which runs no ``finally``.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


@contextmanager
def _process(cmd: Sequence[str], log: Path, what: str, port: int) -> Iterator[int]:
    """Run ``cmd`` in its own session until the ``with`` ends; yields its pid.

    Stopped with SIGTERM to its own process group (the id of the process we
    started), SIGKILL after 10 seconds; start-up failures stop it too.
    """
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            list(cmd),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
    try:
        _wait_for_port(port, proc, what, log)
        yield proc.pid
    finally:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def write_htpasswd(tools: Tools, path: Path, tenant: Tenant) -> None:
    """``htpasswd -c -i -m``: the password goes in on stdin, never on a command line."""
    subprocess.run(
        [tools.htpasswd, "-c", "-i", "-m", str(path), tenant.username],
        input=tenant.token,
        text=True,
        check=True,
        capture_output=True,
        timeout=30,
    )


@dataclass(frozen=True)
class Location:
    """An nginx ``location`` with its own ``auth_basic_user_file``, proxied to a backend."""

    prefix: str
    tenant: Tenant
    upstream_port: int
    #: Extra ``proxy_set_header`` lines (name -> nginx value).
    headers: Mapping[str, str] = field(default_factory=dict)


class Nginx:
    """An nginx of our own: config, logs, pid and temp files in ``root``."""

    def __init__(self, tools: Tools, root: Path, locations: Sequence[Location]) -> None:
        self.tools = tools
        self.root = root
        self.locations = list(locations)
        self.port = 0
        self.access_log = root / "access.log"
        self.error_log = root / "error.log"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def tenants(self) -> list[Tenant]:
        return [loc.tenant for loc in self.locations]

    def _config(self) -> str:
        root = self.root
        labels = "\n".join(
            f'        "{loc.tenant.basic_header}" {loc.tenant.label};' for loc in self.locations
        )
        blocks = []
        for n, loc in enumerate(self.locations):
            users = root / f"htpasswd-{n}"
            write_htpasswd(self.tools, users, loc.tenant)
            extra = "".join(
                f'            proxy_set_header {name} "{value}";\n'
                for name, value in loc.headers.items()
            )
            blocks.append(
                f"        location {loc.prefix} {{\n"
                f'            auth_basic "{loc.tenant.label}";\n'
                f"            auth_basic_user_file {users};\n"
                f"            proxy_pass http://127.0.0.1:{loc.upstream_port};\n"
                # nginx checked the credential; the backend must not see it.
                '            proxy_set_header Authorization "";\n'
                "            proxy_set_header Host $http_host;\n"
                f"{extra}"
                "        }\n"
            )
        # As root the workers would switch to www-data and could not read the
        # htpasswd files in a private temp dir; the rig runs them as root.
        user = "user root;\n" if os.geteuid() == 0 else ""
        return (
            f"{user}worker_processes 1;\n"
            "daemon off;\n"
            f"pid {root}/nginx.pid;\n"
            f"error_log {self.error_log} info;\n"
            "events { worker_connections 128; }\n"
            "http {\n"
            f"    client_body_temp_path {root}/client_body;\n"
            f"    proxy_temp_path {root}/proxy;\n"
            f"    fastcgi_temp_path {root}/fastcgi;\n"
            f"    uwsgi_temp_path {root}/uwsgi;\n"
            f"    scgi_temp_path {root}/scgi;\n"
            "    client_max_body_size 50m;\n"
            "    map_hash_bucket_size 256;\n"
            "    map $http_authorization $token_label {\n"
            '        "" none;\n'
            f"{labels}\n"
            "        default other;\n"
            "    }\n"
            "    log_format scoped\n"
            "        '$token_label|$remote_user|$status|$request_method|$request_uri';\n"
            f"    access_log {self.access_log} scoped;\n"
            f"    server {{\n"
            f"        listen 127.0.0.1:{self.port};\n"
            "        server_name localhost;\n"
            f"{''.join(blocks)}"
            "        location / { return 404; }\n"
            "    }\n"
            "}\n"
        )

    @contextmanager
    def running(self) -> Iterator[Nginx]:
        last: Exception | None = None
        for _attempt in range(3):
            self.port = free_port()
            conf = self.root / "nginx.conf"
            conf.write_text(self._config())
            cmd = [
                self.tools.nginx,
                "-e",
                str(self.error_log),
                "-p",
                str(self.root),
                "-c",
                str(conf),
            ]
            check = subprocess.run([*cmd, "-t"], capture_output=True, text=True, timeout=30)
            if check.returncode != 0:
                raise RuntimeError(f"nginx -t rejected the config:\n{check.stderr[-3000:]}")
            started = ExitStack()
            try:
                started.enter_context(_process(cmd, self.root / "nginx.out", "nginx", self.port))
            except RuntimeError as exc:  # most likely a port clash: try another port
                last = exc
                continue
            with started:
                yield self
            return
        raise RuntimeError(f"nginx did not start: {last}")

    def mark(self) -> int:
        """Where the access log ends now; :meth:`entries` reads from such a mark."""
        return self.access_log.stat().st_size if self.access_log.exists() else 0

    def entries(self, since: int = 0, at_least: int = 0) -> list[AccessEntry]:
        """Access log lines written after ``since``.

        nginx writes a line in its log phase, after the response went out, so
        a client can hold the answer before the line exists: ``at_least``
        waits (5 s at most) until that many lines are there.
        """
        deadline = time.monotonic() + 5.0
        while True:
            entries = self._read_entries(since)
            if len(entries) >= at_least or time.monotonic() > deadline:
                return entries
            time.sleep(0.05)

    def _read_entries(self, since: int) -> list[AccessEntry]:
        if not self.access_log.exists():
            return []
        with open(self.access_log, "rb") as log:
            log.seek(since)
            text = log.read().decode("utf-8", "replace")
        out = []
        for line in text.splitlines():
            token, user, status, method, path = line.split("|", 4)
            out.append(AccessEntry(token, user, int(status), method, path))
        return out

    def logs_text(self) -> str:
        """Both logs, for the leak check (they must hold no token in any form)."""
        return _tail(self.access_log, 10**7) + "\n" + _tail(self.error_log, 10**7)


def _seed_wheels(directory: Path, packages: Sequence[tuple[str, str]]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, version in packages:
        filename, data = build_wheel(name, version)
        path = directory / filename
        path.write_bytes(data)
        paths.append(path)
    return paths


@dataclass
class _Stack:
    """Tenants behind one nginx host:port, one ``location`` (and credential) each."""

    nginx: Nginx
    tenants: dict[str, Tenant]
    #: Package each tenant serves (pypiserver: the only one in its directory;
    #: devpi: held by that index, bob's page lists alice's too by inheritance).
    packages: dict[str, str]

    #: The index page below a tenant's prefix.
    simple = "simple/"

    def index_url(self, label: str, auth: bool = True) -> str:
        tenant = self.tenants[label]
        host = self.nginx.origin.replace("http://", "")
        return f"http://{tenant.url_auth() if auth else ''}{host}{tenant.prefix}{self.simple}"

    def owner(self, path: str) -> str:
        """The tenant whose prefix holds ``path`` (``"?"`` for none)."""
        for label, tenant in self.tenants.items():
            if path.startswith(tenant.prefix):
                return label
        return "?"


@dataclass
class PypiserverStack(_Stack):
    """Two pypiserver instances behind one nginx, one ``location`` (and credential) each."""

    #: The "public index" pypiserver redirects unknown projects to: another
    #: origin (its own nginx, no auth, 404 for everything) that must get no token.
    public: Nginx | None = None


@contextmanager
def pypiserver_stack(root: Path) -> Iterator[PypiserverStack]:
    """``/tenant-a/`` and ``/tenant-b/`` on one nginx host:port, a pypiserver behind each.

    pypiserver runs with ``--server-base-url /tenant-x`` (its option for being
    served under a prefix), so its file links are root-relative
    ``/tenant-x/packages/<file>``: outside the index path ``/tenant-x/simple/``.
    An unknown project is redirected (pypiserver's default fallback) to
    ``--fallback-url``: here a second nginx on another port standing in for
    the public index, whose log shows whether any token followed.
    """
    tools = require_tools()
    tenants = {
        label: Tenant.random(label, label, f"/{label}/") for label in ("tenant-a", "tenant-b")
    }
    packages = {"tenant-a": "pkg-a", "tenant-b": "pkg-b"}
    versions = {"tenant-a": "1.0", "tenant-b": "2.0"}
    with ExitStack() as stack:
        public_root = root / "public"
        public_root.mkdir()
        public = stack.enter_context(Nginx(tools, public_root, []).running())
        locations = []
        for label, tenant in tenants.items():
            pkgdir = root / label / "packages"
            _seed_wheels(pkgdir, [(packages[label], versions[label])])
            port = free_port()
            cmd = [
                str(tools.venv / "bin" / "pypi-server"),
                "run",
                "-p",
                str(port),
                "-i",
                "127.0.0.1",
                "-a",
                ".",
                "-P",
                ".",
                "--fallback-url",
                f"{public.origin}/simple/",
                "--server-base-url",
                f"/{label}",
                str(pkgdir),
            ]
            stack.enter_context(_process(cmd, root / f"{label}.log", f"pypiserver {label}", port))
            locations.append(Location(tenant.prefix, tenant, port))
        nginx_root = root / "nginx"
        nginx_root.mkdir()
        nginx = stack.enter_context(Nginx(tools, nginx_root, locations).running())
        yield PypiserverStack(nginx, tenants, packages, public)


def _devpi_request(
    port: int,
    method: str,
    path: str,
    auth: tuple[str, str],
    body: bytes | None = None,
    content_type: str = "application/json",
) -> bytes:
    """One call to devpi's HTTP API, straight to the server (not through nginx)."""
    header = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=body,
        method=method,
        headers={
            "Authorization": header,
            "Accept": "application/json",
            "Content-Type": content_type,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return bytes(response.read())
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"devpi {method} {path}: {exc.code} {exc.read()[:500]!r}") from None


def _upload(port: int, index: str, auth: tuple[str, str], name: str, wheel: Path) -> None:
    """devpi's PyPI-style upload (``:action=file_upload``), a multipart POST."""
    boundary = uuid.uuid4().hex
    version = wheel.name.split("-")[1]
    parts = []
    for key, value in ((":action", "file_upload"), ("name", name), ("version", version)):
        disposition = f'Content-Disposition: form-data; name="{key}"'
        parts.append(f"--{boundary}\r\n{disposition}\r\n\r\n{value}\r\n".encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="content"; '
        f'filename="{wheel.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        + wheel.read_bytes()
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    _devpi_request(
        port,
        "POST",
        f"/{index}/",
        auth,
        b"".join(parts),
        f"multipart/form-data; boundary={boundary}",
    )


@dataclass
class DevpiStack(_Stack):
    """devpi-server with ``alice/dev`` and ``bob/dev`` (bases=alice/dev) behind nginx."""

    port: int = 0
    #: devpi answers an unknown project with 404 itself: no other origin.
    public: Nginx | None = None

    simple = "+simple/"


@contextmanager
def devpi_stack(root: Path) -> Iterator[DevpiStack]:
    """One devpi-server, two indexes, nginx accepting one credential per index path.

    ``alice/dev`` holds ``pkg-a``; ``bob/dev`` (``bases=alice/dev``) holds
    ``pkg-b`` and, by inheritance, lists pkg-a's file under
    ``/alice/dev/+f/…``: a path only alice's credential opens. devpi's own
    read access stays open (its default); nginx does the authentication and
    strips the header before devpi sees it.
    """
    tools = require_tools()
    bin_dir = tools.venv / "bin"
    serverdir = root / "devpi"
    # A prefix: token_urlsafe may start with "-", which argparse would read as an option.
    root_password = "pw-" + secrets.token_urlsafe(18)
    subprocess.run(
        [
            str(bin_dir / "devpi-init"),
            "--serverdir",
            str(serverdir),
            "--no-root-pypi",
            f"--root-passwd={root_password}",
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    tenants = {
        "alice": Tenant.random("alice", "alice", "/alice/dev/"),
        "bob": Tenant.random("bob", "bob", "/bob/dev/"),
    }
    packages = {"alice": "pkg-a", "bob": "pkg-b"}
    versions = {"alice": "1.0", "bob": "2.0"}
    bases = {"alice": [], "bob": ["alice/dev"]}
    with ExitStack() as stack:
        port = free_port()
        cmd = [
            str(bin_dir / "devpi-server"),
            "--serverdir",
            str(serverdir),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--offline-mode",
            "--threads",
            "8",
            # Hidden options devpi's own tests lower too: deriving the login-token
            # key with the default argon2 cost takes ~30 s on a busy 2-core
            # machine. Login tokens play no part here (nginx authenticates).
            "--argon2-time-cost",
            "1",
            "--argon2-memory-cost",
            "8",
            "--argon2-parallelism",
            "1",
        ]
        stack.enter_context(_process(cmd, root / "devpi.log", "devpi-server", port))
        _wait_devpi_ready(port)
        admin = ("root", root_password)
        for user in ("alice", "bob"):
            # devpi's own users; nginx's credentials (the tenants' tokens) are separate.
            password = "pw-" + secrets.token_urlsafe(12)
            _devpi_request(
                port, "PUT", f"/{user}", admin, json.dumps({"password": password}).encode()
            )
            _devpi_request(
                port, "PUT", f"/{user}/dev", admin, json.dumps({"bases": bases[user]}).encode()
            )
            (wheel,) = _seed_wheels(root / f"{user}-wheels", [(packages[user], versions[user])])
            _upload(port, f"{user}/dev", (user, password), packages[user], wheel)
        nginx_root = root / "nginx"
        nginx_root.mkdir()
        outside = {"X-outside-url": "$scheme://$http_host"}
        locations = [Location(t.prefix, t, port, outside) for t in tenants.values()]
        nginx = stack.enter_context(Nginx(tools, nginx_root, locations).running())
        yield DevpiStack(nginx, tenants, packages, port)


def _wait_devpi_ready(port: int) -> None:
    """devpi listens before it answers; wait for ``/+api`` to say 200."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/+api", timeout=5) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"devpi-server on port {port} did not answer /+api")
        time.sleep(0.2)
