"""The documented recipes: found in the docs, turned into shell steps, run, and checked."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from pip_scoped_auth.demo.registries.gitlab import FakeGitLab, Token
from tests.support import pipenvs
from tests.support.pipenvs import PipResult

__all__ = [
    "P1",
    "P2",
    "README_RECIPES",
    "RECIPES",
    "add_recipe_projects",
    "assert_files_used",
    "assert_ok",
    "dockerfile_steps",
    "gitlab_job",
    "local_host",
    "run_steps",
    "with_path",
]


def run_steps(
    steps: Sequence[str], env: Mapping[str, str], cwd: Path, secrets: Sequence[str]
) -> PipResult:
    """Run ``steps`` as one bash script that stops at the first failure."""
    script = "set -euo pipefail\n" + "\n".join(steps) + "\n"
    proc = subprocess.run(
        ["bash", "-c", script],
        capture_output=True,
        text=True,
        env=dict(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )
    return PipResult(list(steps), proc.returncode, proc.stdout, proc.stderr, tuple(secrets))


def with_path(env: dict[str, str], bindir: Path) -> dict[str, str]:
    env["PATH"] = f"{bindir}{':' + env['PATH'] if env.get('PATH') else ''}"
    return env


ROOT = pipenvs.ROOT
DOC_HOST = re.compile(r"https://(?P<userinfo>[^/@\s\"]*@)?gitlab\.example\.com")
P1, P2 = 323, 324
MARKER = re.compile(
    r"<!-- recipe-test: (?P<name>[\w-]+) -->\n```(?P<lang>\w+)\n(?P<body>.*?)\n```", re.S
)


def readme() -> Path:
    """The README, whose quick start is a recipe too."""
    return ROOT / "README.md"


def recipes(path: Path) -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for match in MARKER.finditer(path.read_text()):
        assert match["name"] not in found, f"duplicate recipe {match['name']} in {path}"
        found[match["name"]] = (match["lang"], match["body"])
    return found


RECIPES = recipes(ROOT / "docs" / "recipes.md")
README_RECIPES = recipes(readme())


def dockerfile_steps(text: str) -> list[str]:
    """``ENV`` as exports and ``RUN`` as commands, in order (continuations joined)."""
    steps: list[str] = []
    for line in text.replace("\\\n", " ").splitlines():
        keyword, _, rest = line.strip().partition(" ")
        if keyword == "ENV":
            steps.append(f"export {rest}")
        elif keyword == "RUN":
            steps.append(rest)
    return steps


def gitlab_job(text: str) -> tuple[list[str], list[str]]:
    """The ``variables`` (as exports) and ``script`` lines of the single job in ``text``."""
    exports: list[str] = []
    script: list[str] = []
    section = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        if indent <= 2 and stripped.endswith(":"):
            section = stripped[:-1]
        elif section == "variables":
            key, _, value = stripped.partition(": ")
            exports.append(f"export {key}={value}")
        elif section in ("before_script", "script"):
            assert stripped.startswith("- "), line
            script.append(stripped[2:])
    return exports, script


def assert_ok(result: PipResult, gitlab: FakeGitLab) -> None:
    assert result.returncode == 0, f"{result.redacted()}\n{gitlab.describe_log()}"
    for secret in result.secrets:
        assert secret not in result.output, result.redacted()


def assert_files_used(gitlab: FakeGitLab, expected: dict[int, Token]) -> None:
    files = gitlab.file_requests()
    assert {e.project_id: (e.token, e.status) for e in files} == {
        p: (t, 200) for p, t in expected.items()
    }, gitlab.describe_log()


def local_host(text: str, gitlab: FakeGitLab) -> str:
    """Point the documented host (with or without userinfo) at the fake GitLab."""
    return DOC_HOST.sub(lambda m: f"http://{m['userinfo'] or ''}{gitlab.host}:{gitlab.port}", text)


def add_recipe_projects(gitlab: FakeGitLab) -> FakeGitLab:
    """The recipes' two projects: ``my-app`` (323) and ``shared-libs`` (324) in one group."""
    gitlab.add_group(10, "my-group")
    gitlab.add_project(P1, "my-group/my-app", group=10)
    gitlab.add_project(P2, "my-group/shared-libs", group=10)
    gitlab.add_package(P1, "my-package-a", "1.0.0")
    gitlab.add_package(P2, "my-package-b", "2.0.0")
    return gitlab
