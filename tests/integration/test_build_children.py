"""Child pips that install build dependencies: scoped as the parent, no token on their command line.

An sdist on one private GitLab project whose build backend is only on the
other, installed by real pip: the build-dependency child pip must send each
project its own token (server log), and while it runs no process's command
line may hold a token (``/proc/*/cmdline``, polled from a thread). Credentials
the parent got from keyring or the prompt reach the child too, so it neither
asks keyring again nor prompts. Stock pip runs beside it and shows what the
shim fixes: its child's command line carries the tokens.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest

from pip_scoped_auth.core.versions import version_tuple
from pip_scoped_auth.demo.registries.gitlab import FakeGitLab, Token
from tests.support import leaks, pipenvs
from tests.support.keyring_backend import TestKeyring
from tests.support.keyring_cases import assert_keyring_asked_once_each, run_with_prompts, service
from tests.support.pip_versions import NEWEST_PIP, pips
from tests.support.pipenvs import MakePip, PipEnv, PipResult
from tests.support.projects import P1, P2, assert_own_tokens
from tests.support.sdists import build_sdist, buildme_sdist

#: Project paths for the encoded-path layout (``my-group%2Fproject-1``).
PATHS = {P1: "my-group/project-1", P2: "my-group/project-2"}


@pytest.fixture
def build_projects(gitlab: FakeGitLab) -> FakeGitLab:
    """``buildme`` (an sdist) on project 323, its build backend ``tinybackend`` only on 324."""
    gitlab.add_group(10, "my-group")
    gitlab.add_project(P1, PATHS[P1], group=10)
    gitlab.add_project(P2, PATHS[P2], group=10)
    gitlab.add_file(P1, "buildme", "1.0", "buildme-1.0.tar.gz", buildme_sdist())
    gitlab.add_package(P2, "tinybackend", "1.0")
    return gitlab


def _tokens(gitlab: FakeGitLab) -> dict[int, Token]:
    return {P1: gitlab.project_deploy_token(P1), P2: gitlab.project_deploy_token(P2)}


def _index(gitlab: FakeGitLab, project: int, layout: str, **auth: object) -> str:
    ident: int | str = project if layout == "id" else PATHS[project]
    return gitlab.project_index_url(ident, **auth)  # type: ignore[arg-type]


def _index_args(urls: dict[int, str], first: int) -> list[str]:
    second = P2 if first == P1 else P1
    return ["--index-url", urls[first], "--extra-index-url", urls[second]]


def _descends_from_us(pid: str) -> bool:
    """Whether process ``pid`` was started (indirectly) by this test process."""
    me = str(os.getpid())
    for _ in range(64):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return False
        pid = stat.rpartition(")")[2].split()[1]
        if pid == me:
            return True
        if pid in ("0", "1"):
            return False
    return False


class CmdlineWatch:
    """Polls every process's ``/proc/<pid>/cmdline`` while pip runs.

    Records the command lines that hold a secret (raw or percent-encoded),
    redacted, and whether it saw the build-dependency child at all (so a
    clean result means something). The test's own pip command (the one that
    writes ``--log`` into ``pip.workdir``) is the user's and is not looked at.
    """

    def __init__(self, pip: PipEnv, also: tuple[str, ...] = ()) -> None:
        secrets = [*pip.secrets, *also]
        self.needles = [s for secret in secrets for s in {secret, quote(secret, safe="")}]
        self.secrets = secrets
        self.parent_mark = f"--log {pip.workdir}"
        self.leaks: set[str] = set()
        self.children = 0
        self._stop = threading.Event()

    def _sweep(self) -> None:
        for pid in os.listdir("/proc"):
            if not pid.isdigit() or int(pid) == os.getpid():
                continue
            try:
                raw = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            text = raw.replace(b"\0", b" ").decode("utf-8", "replace")
            if self.parent_mark in text or not _descends_from_us(pid):
                continue
            if "tinybackend" in text and "--prefix" in text:
                self.children += 1
            if any(n in text for n in self.needles):
                shown = text
                for secret in self.secrets:
                    shown = shown.replace(secret, "<SECRET>")
                    shown = shown.replace(quote(secret, safe=""), "<SECRET>")
                self.leaks.add(shown)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._sweep()

    @contextmanager
    def running(self) -> Iterator[CmdlineWatch]:
        thread = threading.Thread(target=self._loop, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()


def _inprocess_supported(pip_version: str) -> bool:
    return version_tuple(pip_version) >= (26, 0)


MODES = ["subprocess", "inprocess", "venv"]


def _mode_args(mode: str, pip_version: str) -> list[str]:
    if mode == "subprocess":
        return []
    if mode == "venv":
        if version_tuple(pip_version) < (26, 2):
            pytest.skip(f"--use-feature venv-isolation needs pip 26.2+, not {pip_version}")
        return ["--use-feature", "venv-isolation"]
    if not _inprocess_supported(pip_version):
        pytest.skip(f"--use-feature inprocess-build-deps needs pip 26.0+, not {pip_version}")
    return ["--use-feature", "inprocess-build-deps"]


def _assert_built(pip: PipEnv, result: PipResult) -> None:
    assert result.returncode == 0, result.redacted()
    built = list(pip.workdir.glob("target-*/buildme/__init__.py"))
    assert built and "BUILT_WITH = '1.0'" in built[0].read_text()


# ----------------------------------------------------------- tokens in URLs


@pytest.mark.parametrize("pip_version", pips(matrix=True))
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("layout", ["id", "path"])
@pytest.mark.parametrize("first", [P1, P2], ids=["sdist-index-first", "backend-index-first"])
def test_build_dependencies_get_their_own_token_and_no_argv_token(
    build_projects: FakeGitLab,
    make_pip: MakePip,
    pip_version: str,
    mode: str,
    layout: str,
    first: int,
) -> None:
    options = _mode_args(mode, pip_version)
    tokens = _tokens(build_projects)
    pip = make_pip(pip_version)
    pip.secrets.extend(t.secret for t in tokens.values())
    urls = {p: _index(build_projects, p, layout, token=tokens[p]) for p in (P1, P2)}
    watch = CmdlineWatch(pip)
    with watch.running():
        result = pip.install("buildme", *_index_args(urls, first), *options)
    _assert_built(pip, result)
    backend = [e for e in build_projects.file_requests() if "tinybackend" in e.path]
    assert backend and backend[0].token is tokens[P2], build_projects.describe_log()
    assert_own_tokens(build_projects, tokens, {P1, P2})
    assert not watch.leaks, "\n".join(watch.leaks)
    if mode != "inprocess":
        assert watch.children, "the build-dependency child pip was never seen running"
        assert "handed over in its environment" in result.output, result.redacted()


@pytest.mark.token_in_output_expected("stock pip logs its child's command line, tokens included")
@pytest.mark.parametrize("pip_version", pips())
def test_stock_child_pip_has_the_tokens_on_its_command_line(
    build_projects: FakeGitLab, make_pip: MakePip, pip_version: str
) -> None:
    """What the shim fixes (and proof the watch can see a leak): stock pip's child argv."""
    tokens = _tokens(build_projects)
    pip = make_pip(pip_version, shim=False)
    pip.secrets.extend(t.secret for t in tokens.values())
    urls = {p: _index(build_projects, p, "id", token=tokens[p]) for p in (P1, P2)}
    watch = CmdlineWatch(pip)
    with watch.running():
        # Its own log lines show the child's command line, tokens included.
        pip.install("buildme", *_index_args(urls, P2), verbose=False)
    assert watch.leaks, "stock pip's child never seen with a token on its command line"


# --------------------------------------------------------- a failing child

_MISSING = """\
[build-system]
requires = ["missingbackend"]
build-backend = "localbackend"
backend-path = ["."]
"""


@pytest.fixture
def broken_projects(build_projects: FakeGitLab) -> FakeGitLab:
    """``brokenbuild``: an sdist whose build backend is on no index, so the child fails."""
    build_projects.add_file(P1, "brokenbuild", "1.0", "brokenbuild-1.0.tar.gz", _broken_sdist())
    return build_projects


def _broken_sdist() -> bytes:
    files = {
        "PKG-INFO": "Metadata-Version: 2.1\nName: brokenbuild\nVersion: 1.0\n",
        "pyproject.toml": _MISSING,
        "localbackend.py": "raise ImportError('never built')\n",
    }
    return build_sdist("brokenbuild", "1.0", files)


@pytest.mark.parametrize("pip_version", pips(matrix=True))
def test_a_failing_child_prints_no_token(
    broken_projects: FakeGitLab, make_pip: MakePip, pip_version: str
) -> None:
    """pip prints a failed child's command line (output and ``--log``): it holds no token.

    The leak check after the test scans pip's output and its ``--log`` file.
    """
    tokens = _tokens(broken_projects)
    pip = make_pip(pip_version)
    pip.secrets.extend(t.secret for t in tokens.values())
    urls = {p: _index(broken_projects, p, "id", token=tokens[p]) for p in (P1, P2)}
    result = pip.install("brokenbuild", *_index_args(urls, P1))
    assert result.returncode != 0, result.redacted()
    stripped = _index(broken_projects, P2, "id")
    log = result.log_file.read_text() if result.log_file else ""
    assert "missingbackend" in result.output + log, result.redacted()
    # The child's command line is shown, with the index URLs and no userinfo.
    assert stripped in result.output + log, result.redacted()
    assert not any(s in result.output + log for s in pip.secrets)


@pytest.mark.token_in_output_expected("stock pip prints its failed child's argv, tokens included")
def test_a_failing_child_of_stock_pip_prints_its_tokens(
    broken_projects: FakeGitLab, make_pip: MakePip
) -> None:
    tokens = _tokens(broken_projects)
    pip = make_pip(NEWEST_PIP, shim=False)
    urls = {p: _index(broken_projects, p, "id", token=tokens[p]) for p in (P1, P2)}
    result = pip.install("brokenbuild", *_index_args(urls, P1))
    log = result.log_file.read_text() if result.log_file else ""
    assert result.returncode != 0
    assert any(t.secret in result.output + log for t in tokens.values())


# ---------------------------------------------------- keyring and the prompt


@pytest.mark.parametrize("pip_version", pips(matrix=True))
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("first", [P1, P2], ids=["sdist-index-first", "backend-index-first"])
def test_keyring_per_index_is_asked_once_in_parent_and_child_together(
    build_projects: FakeGitLab,
    make_pip: MakePip,
    tmp_path: Path,
    pip_version: str,
    mode: str,
    first: int,
) -> None:
    """Usernames in the URLs, tokens in keyring per index URL: the child asks keyring nothing."""
    options = _mode_args(mode, pip_version)
    keyring = TestKeyring(tmp_path / "keyring.json")
    tokens = _tokens(build_projects)
    urls = {}
    for project, token in tokens.items():
        urls[project] = _index(build_projects, project, "path", username=token.username)
        keyring.set(service(urls[project]), token.username, token.secret)
    pip = make_pip(pip_version)
    pip.secrets.extend(t.secret for t in tokens.values())
    # A username alone may be a token: none on a child's command line either
    # (pip's output may show it, with its password hidden, as pip itself does).
    watch = CmdlineWatch(pip, also=tuple(t.username for t in tokens.values()))
    with watch.running():
        result = pip.install("buildme", *_index_args(urls, first), *options, env=keyring.env())
    _assert_built(pip, result)
    assert_own_tokens(build_projects, tokens, {P1, P2})
    assert_keyring_asked_once_each(keyring)
    assert not watch.leaks, "\n".join(watch.leaks)
    leaks.assert_no_leaks(pipenvs.recorded_runs(), {t.secret: t.name for t in tokens.values()})


@pytest.fixture
def same_index_build(gitlab: FakeGitLab) -> FakeGitLab:
    """``buildme`` and its backend ``tinybackend`` both on private project 323."""
    gitlab.add_project(P1, PATHS[P1])
    gitlab.add_file(P1, "buildme", "1.0", "buildme-1.0.tar.gz", buildme_sdist())
    gitlab.add_package(P1, "tinybackend", "1.0")
    return gitlab


@pytest.mark.parametrize("pip_version", pips(matrix=True))
def test_one_prompt_in_total_for_parent_and_child(
    same_index_build: FakeGitLab, make_pip: MakePip, pip_version: str
) -> None:
    """The parent prompts once; the child gets the answer and never prompts (pip issue 10665)."""
    token = same_index_build.project_deploy_token(P1)
    pip = make_pip(pip_version)
    pip.secrets.append(token.secret)
    url = same_index_build.project_index_url(P1)
    result, seen = run_with_prompts(
        pip, ["buildme", "--index-url", url], [(token.username, token.secret)], {}
    )
    assert seen.count("user") == 1, f"{seen}\n{result.redacted()}"
    assert result.returncode == 0, result.redacted()
    backend = [e for e in same_index_build.file_requests() if "tinybackend" in e.path]
    assert backend and all(e.token is token for e in backend), same_index_build.describe_log()
    challenges = [e for e in same_index_build.log if e.status == 401]
    assert len(challenges) == 1, same_index_build.describe_log()


def test_status_says_what_build_children_get(make_pip: MakePip) -> None:
    pip = make_pip(NEWEST_PIP)
    scoped = pip.run_module("pip_scoped_auth", "status")
    assert "build:   build-dependency child pips get index URLs without credentials" in (
        scoped.stdout
    ), scoped.redacted()
    off = pip.run_module("pip_scoped_auth", "status", env={"PIP_SCOPED_AUTH": "0"})
    assert "build:   build-dependency child pips get pip's own command line" in off.stdout, (
        off.redacted()
    )


@pytest.mark.parametrize("pip_version", ["26.2"])
def test_pip_26_2_child_inside_the_build_env_is_scoped(
    build_projects: FakeGitLab, make_pip: MakePip, pip_version: str
) -> None:
    """26.2 starts the child inside its build environment, whose sitecustomize takes
    site-packages off ``sys.path`` after start-up armed the hook: the hook loads the shim from
    its own directory, so the child is scoped and its command line holds no token."""
    tokens = _tokens(build_projects)
    pip = make_pip(pip_version)
    pip.secrets.extend(t.secret for t in tokens.values())
    urls = {p: _index(build_projects, p, "id", token=tokens[p]) for p in (P1, P2)}
    watch = CmdlineWatch(pip)
    with watch.running():
        result = pip.install("buildme", *_index_args(urls, P1))
    _assert_built(pip, result)
    assert_own_tokens(build_projects, tokens, {P1, P2})
    assert "handed over in its environment" in result.output, result.redacted()
    assert watch.children and not watch.leaks, watch.leaks


@pytest.mark.token_in_output_expected(
    "stock pip 26.2 puts the index URLs, tokens included, on the child's command line"
)
def test_stock_pip_26_2_child_gets_tokens_on_its_command_line(
    build_projects: FakeGitLab, make_pip: MakePip
) -> None:
    tokens = _tokens(build_projects)
    pip = make_pip("26.2", shim=False)
    pip.secrets.extend(t.secret for t in tokens.values())
    urls = {p: _index(build_projects, p, "id", token=tokens[p]) for p in (P1, P2)}
    watch = CmdlineWatch(pip)
    with watch.running():
        pip.install("buildme", *_index_args(urls, P1))
    assert watch.children and watch.leaks, "stock 26.2's child was expected with tokens in argv"
