"""``pip-scoped-auth demo``: the bug and the fix, on this machine, offline, in seconds.

It starts a fake registry on 127.0.0.1 with two tenants on one host (each
readable only with its own random, throw-away token), runs the same
``pip install`` twice into throw-away directories, once with the shim off
(``PIP_SCOPED_AUTH=0``) and once with it, prints every request the registry
saw and which tenant's token it carried, and ends with a two-line verdict.
Tokens are only ever shown by their owner's name ("project 323's token").

Exit code 0 when the shim's run installed everything with every request
carrying its own token, 1 otherwise: the demo doubles as a smoke test of an
installation (``RUN pip-scoped-auth demo`` in an image build).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from pip_scoped_auth.demo.registries import LAYOUTS, Registry, RequestRecord
from pip_scoped_auth.demo.server import LoopbackServer
from pip_scoped_auth.demo.wheels import wheel_name_component

__all__ = ["DEFAULT_REGISTRY", "SECRETS_ENV", "configure_parser", "run"]

DEFAULT_REGISTRY = "gitlab"

#: Test hook: a JSON object ``{"A": secret, "B": secret}`` replacing the random
#: tokens, so a test can look for them in the demo's output. Never needed otherwise.
SECRETS_ENV = "PIP_SCOPED_AUTH_DEMO_SECRETS"


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Add the demo's options to ``parser`` (``pip-scoped-auth demo`` and ``-m``)."""
    parser.add_argument(
        "--registry",
        choices=list(LAYOUTS),
        default=DEFAULT_REGISTRY,
        help=f"registry layout to serve (default: {DEFAULT_REGISTRY})",
    )
    parser.add_argument(
        "--pip-version",
        metavar="X",
        help="run pip X in a throw-away venv (fetched with your pip configuration) "
        "instead of this environment's pip",
    )


@dataclass
class _Run:
    """One pip run and what the registry saw during it."""

    returncode: int
    installed: bool
    records: list[RequestRecord]
    error: str

    @property
    def wrong(self) -> list[RequestRecord]:
        return [r for r in self.records if r.wrong_credential]

    @property
    def right(self) -> bool:
        return self.returncode == 0 and self.installed and not self.wrong


def _arrow() -> str:
    """``→`` where the terminal can print it, else ``->``."""
    try:
        "→…".encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return "->"
    return "→"


def _scrubbed_env(home: Path, shim: bool) -> dict[str, str]:
    """No pip configuration of this machine, no keyring, the shim on or off."""
    drop = ("PIP_", "PYTHON", "VIRTUAL_ENV", "CONDA")
    proxies = {"http_proxy", "https_proxy", "all_proxy", "no_proxy", "netrc"}
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(drop) and k.lower() not in proxies
    }
    home.mkdir(parents=True, exist_ok=True)
    env.update(
        HOME=str(home),
        PIP_CONFIG_FILE=os.devnull,
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INPUT="1",
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        NO_PROXY="*",
    )
    if not shim:
        env["PIP_SCOPED_AUTH"] = "0"
    return env


def _redact(text: str, registry: Registry) -> str:
    for tenant in registry.tenants.values():
        for form in (tenant.secret, quote(tenant.secret, safe="")):
            if form:
                text = text.replace(form, f"<{tenant.token_label}>")
    return text


def _pip_command(python: str, registry: Registry, target: Path) -> list[str]:
    return [
        python,
        "-m",
        "pip",
        "install",
        "--no-deps",
        "--no-cache-dir",
        "--progress-bar",
        "off",
        "--target",
        str(target),
        *registry.packages_of("A"),
        *registry.packages_of("B"),
        "--index-url",
        registry.index_url("A"),
        "--extra-index-url",
        registry.index_url("B"),
    ]


def _run_pip(python: str, registry: Registry, work: Path, shim: bool) -> _Run:
    registry.clear()
    flavour = "shim" if shim else "stock"
    target = work / f"target-{flavour}"
    proc = subprocess.run(
        _pip_command(python, registry, target),
        capture_output=True,
        text=True,
        env=_scrubbed_env(work / f"home-{flavour}", shim),
        stdin=subprocess.DEVNULL,
        timeout=120,
        cwd=work,
    )
    wanted = [*registry.packages_of("A"), *registry.packages_of("B")]
    installed = all(
        any(target.glob(f"{wheel_name_component(name)}-*.dist-info")) for name in wanted
    )
    errors = [line for line in proc.stderr.splitlines() if line.startswith("ERROR:")]
    error = re.sub(r"[0-9a-f]{64}", "...", errors[-1]) if errors else ""
    if len(error) > 160:
        error = error[:157] + "..."
    return _Run(proc.returncode, installed, registry.all_requests(), _redact(error, registry))


def _short_path(record: RequestRecord) -> str:
    path = re.sub(r"/[0-9a-f]{64}/", "/…/", record.path)
    prefix = "(other origin) " if record.origin != "registry" else ""
    return prefix + path + (f"?{record.query}" if record.query else "")


def _print_run(title: str, run: _Run, registry: Registry) -> None:
    arrow = _arrow()
    print(f"\n{title}")
    for record in run.records:
        who = registry.describe(record)
        line = f"  {record.method} {_short_path(record)}  {who} {arrow} {record.status}"
        if record.location:
            line += f" (to {record.location.split('://', 1)[-1].split('/', 1)[0]})"
        if record.wrong_credential:
            line += "   <-- WRONG TOKEN"
        print(line.replace("…", "...") if arrow == "->" else line)
    if not run.records:
        print("  (no requests)")


def _verdict(run: _Run) -> str:
    n = len(run.wrong)
    wrong = f"wrong token on {n} request{'s' if n != 1 else ''}"
    if run.right:
        return "installed, every request with its own token"
    if run.returncode == 0 and run.installed:
        return f"installed, but {wrong}"
    return f"failed (pip exit {run.returncode})" + (f", {wrong}" if n else "")


def _pip_version(python: str, env: dict[str, str]) -> str:
    proc = subprocess.run(
        [python, "-c", "import pip; print(pip.__version__)"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    return proc.stdout.strip() or "?"


def _shim_armed(python: str, env: dict[str, str]) -> bool:
    """Whether the ``.pth`` hook is armed in ``python`` (the shim would be in effect)."""
    code = "import sys; print(any(getattr(f, 'pip_scoped_auth_finder', 0) for f in sys.meta_path))"
    proc = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    return proc.stdout.strip() == "True"


def _throwaway_venv(work: Path, pip_version: str) -> str:
    """A venv with pip ``pip_version`` and this installation's shim on its path."""
    import wrapt

    import pip_scoped_auth
    from pip_scoped_auth import _bootstrap

    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    python = str(venv / "bin" / "python")
    subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            f"pip=={pip_version}",
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    dirs = {
        str(Path(pip_scoped_auth.__file__).parent.parent),
        str(Path(wrapt.__file__).parent.parent),
    }
    (Path(site) / "_pip_scoped_auth_demo_path.pth").write_text("\n".join(sorted(dirs)) + "\n")
    (Path(site) / "pip_scoped_auth.pth").write_text(_bootstrap.pth_line() + "\n")
    return python


def _fixed_secrets() -> dict[str, str]:
    raw = os.environ.get(SECRETS_ENV, "")
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def run(args: argparse.Namespace) -> int:
    """Run the demo for ``args.registry``; 0 when the shim's run is right, else 1.

    A pip that cannot be started or hangs ends the demo with one line, never
    a traceback.
    """
    try:
        return _demo(args)
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"pip-scoped-auth demo: could not run pip ({type(exc).__name__}); exit 1")
        return 1


def _demo(args: argparse.Namespace) -> int:
    started = time.monotonic()
    layout = LAYOUTS[args.registry]
    registry = layout(secrets_by_tenant=_fixed_secrets())
    with tempfile.TemporaryDirectory(prefix="pip-scoped-auth-demo-") as tmp:
        work = Path(tmp)
        python = sys.executable
        if args.pip_version:
            print(f"Making a throw-away venv with pip {args.pip_version} ...")
            try:
                python = _throwaway_venv(work, args.pip_version)
            except (subprocess.SubprocessError, OSError) as exc:
                print(
                    f"pip-scoped-auth demo: could not make a venv with pip {args.pip_version} "
                    f"({type(exc).__name__}); it is fetched with your pip configuration."
                )
                return 1
        probe_env = _scrubbed_env(work / "home-probe", shim=True)
        version = _pip_version(python, probe_env)
        armed = _shim_armed(python, probe_env)
        with (
            LoopbackServer(registry) as main,
            LoopbackServer(registry.second, "localhost") as other,
        ):
            registry.base_url = main.base_url
            registry.second.base_url = other.base_url
            a, b = registry.tenants["A"], registry.tenants["B"]
            wanted = registry.packages_of("A") + registry.packages_of("B")
            print(
                f"Registry: {layout.title}, on {main.base_url} "
                f"(blob storage / public index: {other.base_url})"
            )
            print(textwrap.fill(f"Case: {layout.case}", width=88, subsequent_indent="  "))
            print(
                "Tokens: random and thrown away; shown only as "
                f'"{a.token_label}" and "{b.token_label}".'
            )
            print(
                f"Command (pip {version}): pip install {' '.join(wanted)} "
                f"--index-url <{a.label} index> --extra-index-url <{b.label} index>"
            )
            stock = _run_pip(python, registry, work, shim=False)
            _print_run(f"1) stock pip {version} (PIP_SCOPED_AUTH=0):", stock, registry)
            if stock.error:
                print(f"  pip said: {stock.error}")
            shimmed = _run_pip(python, registry, work, shim=True)
            _print_run(f"2) pip {version} with pip-scoped-auth:", shimmed, registry)
            if shimmed.error:
                print(f"  pip said: {shimmed.error}")
    print()
    labels = (f"stock pip {version}:", "with pip-scoped-auth:")
    width = max(len(label) for label in labels) + 1
    print(f"{labels[0]:<{width}}{_verdict(stock)}")
    print(f"{labels[1]:<{width}}{_verdict(shimmed)}")
    if not armed:
        print(
            "Note: the shim's .pth hook is not armed in this interpreter "
            "(not installed here, or PIP_SCOPED_AUTH is off): run 'pip-scoped-auth status'."
        )
    if stock.right and shimmed.right:
        print(f"(Stock pip {version} happens to get this layout right; the shim keeps it right.)")
    print(f"({time.monotonic() - started:.1f} s)")
    return 0 if shimmed.right else 1
