"""Credential helpers per index prefix (issue 22): real pip against the fake GitLab.

Each helper is :mod:`tests.integration.credhelpers`' script, which logs every
call; the tests assert the token the server saw on every request and how
often each helper was asked.
"""

from __future__ import annotations

import secrets
import subprocess
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from pip_scoped_auth.demo.registries.gitlab import FakeGitLab, Token
from tests.support.bearer_registry import BearerRegistry
from tests.support.credhelpers import UV_VERSION, FakeHelpers, basic, ensure_uv, logging_wrapper
from tests.support.pip_versions import NEWEST_PIP, pips
from tests.support.pipenvs import MakePip, PipResult
from tests.support.projects import P1, P2

ENV = "PIP_SCOPED_AUTH_CREDENTIAL_HELPERS"


@pytest.fixture
def helpers(tmp_path: Path) -> FakeHelpers:
    return FakeHelpers(tmp_path / "helpers")


def prefix(gitlab: FakeGitLab, project: int | str) -> str:
    """A project's index URL without credentials and without ``simple``."""
    return gitlab.project_index_url(project).rsplit("/simple", 1)[0] + "/"


def index_args(gitlab: FakeGitLab, first: int | str, second: int | str) -> list[str]:
    return [
        "pypipackage1",
        "pypipackage2",
        "--index-url",
        gitlab.project_index_url(first),
        "--extra-index-url",
        gitlab.project_index_url(second),
    ]


def assert_every_request(gitlab: FakeGitLab, expected: dict[int, Token], result: PipResult) -> None:
    """pip succeeded and every request on a project carried that project's token."""
    assert result.returncode == 0, f"{result.redacted()}\n{gitlab.describe_log()}"
    files = gitlab.file_requests()
    assert {e.project_id for e in files} == set(expected), gitlab.describe_log()
    for entry in gitlab.requests():
        if entry.project_id in expected and entry.status == 200:
            assert entry.token is expected[entry.project_id], gitlab.describe_log()
    wrong = [
        e
        for e in gitlab.requests()
        if e.token is not None
        and e.project_id is not None
        and e.token is not expected.get(e.project_id)
    ]
    assert not wrong, gitlab.describe_log()


@pytest.mark.parametrize("pip_version", pips(matrix=True))
def test_one_helper_per_project_prefix(
    projects: FakeGitLab, helpers: FakeHelpers, make_pip: MakePip, pip_version: str
) -> None:
    tokens = {P1: projects.project_deploy_token(P1), P2: projects.project_deploy_token(P2)}
    for project, token in tokens.items():
        helpers.answer(f"p{project}", basic(token.username, token.secret))
    lines = "\n".join(helpers.line(prefix(projects, p), f"p{p}") for p in tokens)
    pip = make_pip(pip_version)
    result = pip.install(*index_args(projects, P1, P2), env={ENV: lines})
    assert_every_request(projects, tokens, result)
    assert len(helpers.calls("p323")) == 1, helpers.calls()
    assert len(helpers.calls("p324")) == 1, helpers.calls()
    for call in helpers.calls():
        assert call["stdin_is_tty"] is False
        assert "@" not in call["uri"].split("/")[2]
        assert call["argv"][-1] == "get"

    stock = make_pip(pip_version, shim=False)
    projects.clear_log()
    assert stock.install(*index_args(projects, P1, P2), env={ENV: lines}).returncode != 0


@pytest.mark.parametrize("pip_version", pips(matrix=True))
def test_files_listed_outside_the_prefix_get_the_pages_helper(
    projects: FakeGitLab, helpers: FakeHelpers, make_pip: MakePip, pip_version: str
) -> None:
    """Encoded-path indexes link files by numeric id, outside the helper's prefix: provenance."""
    tokens = {P1: projects.project_deploy_token(P1), P2: projects.project_deploy_token(P2)}
    names = {P1: "my-group/project-1", P2: "my-group/project-2"}
    for project, token in tokens.items():
        helpers.answer(f"p{project}", basic(token.username, token.secret))
    lines = "\n".join(helpers.line(prefix(projects, names[p]), f"p{p}") for p in tokens)
    pip = make_pip(pip_version)
    result = pip.install(*index_args(projects, names[P1], names[P2]), env={ENV: lines})
    assert_every_request(projects, tokens, result)
    assert len(helpers.calls("p323")) == 1, helpers.calls()
    assert len(helpers.calls("p324")) == 1, helpers.calls()


# ------------------------------------------------------------- Bearer only


@pytest.fixture
def bearer(httpserver: HTTPServer) -> BearerRegistry:
    return BearerRegistry(httpserver)


def bearer_args(registry: BearerRegistry) -> list[str]:
    return [
        "pkg-one",
        "pkg-two",
        "--no-input",
        "--index-url",
        registry.index_url("t1"),
        "--extra-index-url",
        registry.index_url("t2"),
    ]


def two_tenants(
    bearer: BearerRegistry, helpers: FakeHelpers, expires_in: float | None = None
) -> tuple[dict[str, str], str]:
    """Tenants t1 and t2 with a package each, a helper each: their tokens and helper lines."""
    tokens = {
        "t1": bearer.add_tenant("t1", "pkg-one", "1.0"),
        "t2": bearer.add_tenant("t2", "pkg-two", "2.0"),
    }
    for tenant, token in tokens.items():
        helpers.answer(tenant, f"Bearer {token}", expires_in=expires_in)
    return tokens, "\n".join(helpers.line(f"{bearer.base}/{t}/", t) for t in tokens)


def assert_bearer_log(registry: BearerRegistry) -> None:
    served = [e for e in registry.log if e.status == 200]
    assert {e.path.split("/")[1] for e in served if "/files/" in e.path} == {"t1", "t2"}
    for entry in registry.log:
        tenant = entry.path.split("/")[1]
        assert entry.token_of in (tenant, ""), registry.log


@pytest.mark.parametrize("pip_version", pips(matrix=True))
def test_a_bearer_only_registry(
    bearer: BearerRegistry, helpers: FakeHelpers, make_pip: MakePip, pip_version: str
) -> None:
    tokens, lines = two_tenants(bearer, helpers)
    pip = make_pip(pip_version)
    pip.secrets += list(tokens.values())
    result = pip.install(*bearer_args(bearer), env={ENV: lines})
    assert result.returncode == 0, result.redacted()
    assert_bearer_log(bearer)
    assert [len(helpers.calls(t)) for t in tokens] == [1, 1], helpers.calls()
    assert f"credential helper for {bearer.base}/t1/" in result.output

    stock = make_pip(pip_version, shim=False)
    stock.secrets += list(tokens.values())
    assert stock.install(*bearer_args(bearer), env={ENV: lines}).returncode != 0
    assert not [e for e in bearer.log if e.status == 200 and "/files/" in e.path][2:]


@pytest.mark.parametrize("pip_version", pips(matrix=True))
def test_an_answer_that_expires_is_asked_again(
    bearer: BearerRegistry, helpers: FakeHelpers, make_pip: MakePip, pip_version: str
) -> None:
    tokens, lines = two_tenants(bearer, helpers, expires_in=1)
    bearer.delay = 0.4
    pip = make_pip(pip_version)
    pip.secrets += list(tokens.values())
    started = time.monotonic()
    result = pip.install(*bearer_args(bearer), env={ENV: lines})
    assert result.returncode == 0, result.redacted()
    assert time.monotonic() - started > 2
    assert_bearer_log(bearer)
    requests = len([e for e in bearer.log if e.path.startswith("/t1/")])
    calls = len(helpers.calls("t1"))
    assert 2 <= calls <= requests, (calls, bearer.log)


@pytest.mark.parametrize("pip_version", pips(matrix=True))
def test_a_401_on_a_rotated_token_asks_again_once(
    bearer: BearerRegistry, helpers: FakeHelpers, make_pip: MakePip, pip_version: str
) -> None:
    old = bearer.add_tenant("t1", "pkg-one", "1.0")
    new = "bearer-" + secrets.token_urlsafe(20)
    bearer.rotate["t1"] = (1, new)
    helpers.set(
        "t1",
        mode="rotate",
        answers=[{"headers": {"Authorization": [f"Bearer {t}"]}} for t in (old, new)],
    )
    pip = make_pip(pip_version)
    pip.secrets += [old, new]
    args = ["pkg-one", "--no-input", "--index-url", bearer.index_url("t1")]
    result = pip.install(*args, env={ENV: helpers.line(f"{bearer.base}/t1/", "t1")})
    assert result.returncode == 0, result.redacted()
    assert len(helpers.calls("t1")) == 2, helpers.calls()
    assert [e.status for e in bearer.log] == [200, 401, 200], bearer.log
    assert "asked again" in result.output


@pytest.mark.parametrize("pip_version", pips(matrix=True))
def test_a_helper_that_keeps_a_stale_token_leaves_it_to_pip(
    bearer: BearerRegistry, helpers: FakeHelpers, make_pip: MakePip, pip_version: str
) -> None:
    """Asked again once after the 401; the same answer again: pip's own path (here: no input)."""
    old = bearer.add_tenant("t1", "pkg-one", "1.0")
    bearer.rotate["t1"] = (1, "bearer-" + secrets.token_urlsafe(20))
    helpers.answer("t1", f"Bearer {old}")
    pip = make_pip(pip_version)
    pip.secrets += [old, bearer.rotate["t1"][1]]
    args = ["pkg-one", "--no-input", "--index-url", bearer.index_url("t1")]
    result = pip.install(*args, env={ENV: helpers.line(f"{bearer.base}/t1/", "t1")})
    assert result.returncode != 0
    assert len(helpers.calls("t1")) == 2, helpers.calls()
    assert [e.status for e in bearer.log] == [200, 401], bearer.log


# ------------------------------------------------------------ failure modes

FAILURES = {
    "exit1": "exited with code 1",
    "badjson": "printed invalid JSON",
    "sleep": "timed out after 1 s",
    "missing": "was not found or is not executable",
}


@pytest.mark.parametrize("pip_version", pips(matrix=True))
@pytest.mark.parametrize("mode", sorted(FAILURES))
def test_a_failing_helper_gives_one_warning_and_pip_goes_on(
    projects: FakeGitLab, helpers: FakeHelpers, make_pip: MakePip, pip_version: str, mode: str
) -> None:
    """netrc holds the credential: the install succeeds, one warning line, no secret shown."""
    token = projects.project_deploy_token(P1)
    leak = "helper-secret-" + secrets.token_urlsafe(12)
    helpers.set("p", mode=mode, leak=leak)
    command = helpers.line(prefix(projects, P1), "p")
    if mode == "missing":
        command = f"{prefix(projects, P1)} no-such-helper-{secrets.token_hex(4)} p"
    pip = make_pip(pip_version)
    pip.secrets.append(leak)
    home = pip.workdir / "home"
    home.mkdir(parents=True, exist_ok=True)
    netrc = home / ".netrc"
    netrc.write_text(f"machine {projects.host} login {token.username} password {token.secret}\n")
    netrc.chmod(0o600)
    env = {ENV: command, "PIP_SCOPED_AUTH_CREDENTIAL_HELPER_TIMEOUT": "1"}
    started = time.monotonic()
    result = pip.install(
        "pypipackage1", "--index-url", projects.project_index_url(P1), env=env, verbose=False
    )
    assert result.returncode == 0, f"{result.redacted()}\n{projects.describe_log()}"
    assert time.monotonic() - started < 30
    warnings = [line for line in result.stderr.splitlines() if "pip-scoped-auth" in line]
    assert len(warnings) == 1, result.redacted()
    assert FAILURES[mode] in warnings[0]
    assert prefix(projects, P1) in warnings[0]
    assert leak not in result.output
    assert len(helpers.calls("p")) == (0 if mode == "missing" else 1)
    files = projects.file_requests()
    assert files and all(e.token is token for e in files), projects.describe_log()


# ------------------------------------------------------------ configuration


def pip_conf(path: Path, lines: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    indented = "\n    ".join(lines.splitlines())
    path.write_text(
        f"[global]\nno-input = true\n\n[pip-scoped-auth]\ncredential-helpers =\n    {indented}\n"
    )
    return path


@pytest.mark.parametrize("pip_version", pips(matrix=True))
def test_configuration_precedence(
    projects: FakeGitLab, helpers: FakeHelpers, make_pip: MakePip, pip_version: str
) -> None:
    """pip's own order for its files, then the variable over all of them.

    global < user < ``PIP_CONFIG_FILE`` (with which pip skips the user file)
    < ``PIP_SCOPED_AUTH_CREDENTIAL_HELPERS``.
    """
    token = projects.project_deploy_token(P1)
    names = ("global", "user", "file", "var")
    for name in names:
        helpers.answer(name, basic(token.username, token.secret))
    pip = make_pip(pip_version)
    home = pip.workdir / "home"
    line = {name: helpers.line(prefix(projects, P1), name) for name in names}
    pip_conf(home / "xdg-config-dirs" / "pip" / "pip.conf", line["global"])
    user_conf = home / ".config" / "pip" / "pip.conf"
    env_conf = pip_conf(pip.workdir / "env-pip.conf", line["file"])
    args = ("pypipackage1", "--index-url", projects.project_index_url(P1))
    missing = str(pip.workdir / "no-such-pip.conf")
    steps = [
        ("global", {"PIP_CONFIG_FILE": missing}),
        ("user", {"PIP_CONFIG_FILE": missing}),
        ("file", {"PIP_CONFIG_FILE": str(env_conf)}),
        ("var", {"PIP_CONFIG_FILE": str(env_conf), ENV: line["var"]}),
    ]
    for expected, env in steps:
        if expected == "user":
            pip_conf(user_conf, line["user"])
        helpers.clear_calls()
        projects.clear_log()
        result = pip.install(*args, env=env)
        assert result.returncode == 0, f"{result.redacted()}\n{projects.describe_log()}"
        assert [c["name"] for c in helpers.calls()] == [expected]
        assert all(e.token is token for e in projects.file_requests()), projects.describe_log()


# ----------------------------------------------------------------------- uv


@pytest.mark.parametrize("pip_version", pips(matrix=True))
def test_uv_auth_helper_serves_two_indexes_on_one_host(
    projects: FakeGitLab, tmp_path: Path, make_pip: MakePip, pip_version: str
) -> None:
    """``uv auth login`` per index, one helper line for the whole host: uv answers per index."""
    uv = ensure_uv()
    if uv is None:
        pytest.skip(f"uv {UV_VERSION} could not be installed from PyPI with this machine's pip")
    tokens = {P1: projects.project_deploy_token(P1), P2: projects.project_deploy_token(P2)}
    pip = make_pip(pip_version)
    env = pip.env()
    for project, token in tokens.items():
        index = projects.project_index_url(project)
        login = subprocess.run(
            [str(uv), "auth", "login", index, "--username", token.username, "--password", "-"],
            input=token.secret,
            text=True,
            capture_output=True,
            env=env,
            timeout=60,
        )
        assert login.returncode == 0, login.stderr.replace(token.secret, "<SECRET>")
    wrapper = logging_wrapper(tmp_path, uv, "uv")
    line = f"{projects.base_url}/ {wrapper} auth helper --protocol bazel"
    result = pip.install(*index_args(projects, P1, P2), env={ENV: line})
    assert_every_request(projects, tokens, result)
    calls = (tmp_path / "uv.calls").read_text().splitlines()
    assert calls == ["auth helper --protocol bazel get"] * 2, calls


# -------------------------------------------------------------- diagnostics


@pytest.mark.parametrize("pip_version", [NEWEST_PIP])
def test_status_and_explain_show_helpers_redacted(
    projects: FakeGitLab, helpers: FakeHelpers, make_pip: MakePip, pip_version: str
) -> None:
    token = projects.project_deploy_token(P1)
    helpers.answer("p", basic(token.username, token.secret), expires_in=3600)
    pip = make_pip(pip_version)
    pip.secrets.append(token.secret)
    conf = pip_conf(
        pip.workdir / "pip.conf",
        helpers.line(prefix(projects, P1), "p") + f"\n{projects.base_url}/other/ no-such-helper-x",
    )
    env = {"PIP_CONFIG_FILE": str(conf)}
    index = ["--index-url", projects.project_index_url(P1)]
    status = pip.run_module("pip_scoped_auth", "status", *index, env=env)
    assert status.returncode == 0, status.redacted()
    out = status.stdout
    assert f"Credential helpers ({conf}; timeout 10 s):" in out
    assert (
        f"  {prefix(projects, P1)}\n    command '{helpers.script}': found: {helpers.script}" in out
    )
    assert "command 'no-such-helper-x': NOT FOUND or not executable" in out
    assert f"configured in {conf}" in out
    assert not helpers.calls()  # status never runs a helper

    file_url = f"{prefix(projects, P1)}files/abc/pypipackage1-1.3.8-py3-none-any.whl"
    explain = pip.run_module("pip_scoped_auth", "explain", file_url, *index, env=env)
    assert explain.returncode == 0, explain.redacted()
    assert f"Credential helper: '{helpers.script}' for {prefix(projects, P1)}" in explain.stdout
    assert "answer: Authorization: Basic ****, expires " in explain.stdout
    assert token.secret not in explain.output
    assert [c["uri"] for c in helpers.calls()] == [file_url]


# ---------------------------------------------------------------- redirects


@pytest.mark.parametrize("pip_version", pips(matrix=True))
@pytest.mark.parametrize("where", ["same", "cross"])
def test_helper_headers_never_follow_a_redirect_out_of_the_prefix(
    bearer: BearerRegistry, helpers: FakeHelpers, make_pip: MakePip, pip_version: str, where: str
) -> None:
    """requests keeps every ``X-*`` header on any redirect: the shim drops the helper's."""
    token = bearer.add_tenant("t1", "pkg-one", "1.0")
    extra = "x-" + secrets.token_urlsafe(16)
    helpers.set(
        "t1",
        answer={"headers": {"Authorization": [f"Bearer {token}"], "X-Helper-Token": [extra]}},
    )
    bearer.redirect_files = where
    pip = make_pip(pip_version)
    pip.secrets += [token, extra]
    args = ["pkg-one", "--no-input", "--index-url", bearer.index_url("t1")]
    result = pip.install(*args, env={ENV: helpers.line(f"{bearer.base}/t1/", "t1")})
    assert result.returncode == 0, result.redacted()
    blobs = [e for e in bearer.log if e.path.startswith("/blob/")]
    assert blobs and all(e.status == 200 for e in blobs), bearer.log
    for entry in blobs:
        assert entry.token_of == "" and not entry.extra_header, bearer.log
    for entry in bearer.log:
        if entry.path.startswith("/t1/"):
            assert entry.token_of == "t1" and entry.extra_header, bearer.log


# ------------------------------------------------------------ child pips


@pytest.mark.parametrize("pip_version", pips(matrix=True))
@pytest.mark.parametrize("config", ["variable", "pip-config-file"])
def test_the_nested_build_isolation_pip_uses_the_same_helpers(
    request: pytest.FixtureRequest,
    helpers: FakeHelpers,
    make_pip: MakePip,
    pip_version: str,
    config: str,
) -> None:
    """The sdist's build dependency comes from project 2, fetched by pip's nested pip."""
    gitlab: FakeGitLab = request.getfixturevalue("build_projects")
    tokens = {P1: gitlab.project_deploy_token(P1), P2: gitlab.project_deploy_token(P2)}
    for project, token in tokens.items():
        helpers.answer(f"p{project}", basic(token.username, token.secret))
    lines = "\n".join(helpers.line(prefix(gitlab, p), f"p{p}") for p in tokens)
    pip = make_pip(pip_version)
    env = {ENV: lines}
    if config == "pip-config-file":
        env = {"PIP_CONFIG_FILE": str(pip_conf(pip.workdir / "pip.conf", lines))}
    result = pip.install(
        "buildme",
        "--index-url",
        gitlab.project_index_url(P2),
        "--extra-index-url",
        gitlab.project_index_url(P1),
        env=env,
    )
    assert result.returncode == 0, f"{result.redacted()}\n{gitlab.describe_log()}"
    backend = [e for e in gitlab.file_requests() if "tinybackend" in e.path]
    assert backend and backend[0].token is tokens[P2], gitlab.describe_log()
    for entry in gitlab.requests():
        if entry.token is not None:
            assert entry.token is tokens[entry.project_id], gitlab.describe_log()  # type: ignore[index]
    # The outer pip asks each helper once; the nested pip (its own process) once more for p324.
    assert len(helpers.calls("p324")) == 2, helpers.calls()


# -------------------------------------------------------------------- order


@pytest.mark.parametrize("pip_version", pips(matrix=True))
def test_order_index_url_then_helper_then_netrc(
    projects: FakeGitLab, helpers: FakeHelpers, make_pip: MakePip, pip_version: str
) -> None:
    """Project 1's index URL token beats its helper; project 2's helper beats netrc."""
    tokens = {P1: projects.project_deploy_token(P1), P2: projects.project_deploy_token(P2)}
    stranger = projects.personal_access_token("stranger", projects=[P1, P2])
    helpers.answer("wrong-for-p1", basic(stranger.username, stranger.secret))
    helpers.answer("p2", basic(tokens[P2].username, tokens[P2].secret))
    lines = "\n".join(
        [
            helpers.line(prefix(projects, P1), "wrong-for-p1"),
            helpers.line(prefix(projects, P2), "p2"),
        ]
    )
    pip = make_pip(pip_version)
    home = pip.workdir / "home"
    home.mkdir(parents=True, exist_ok=True)
    netrc = home / ".netrc"
    netrc.write_text(f"machine {projects.host} login x password {stranger.secret}\n")
    netrc.chmod(0o600)
    args = [
        "pypipackage1",
        "pypipackage2",
        "--index-url",
        projects.project_index_url(P1, tokens[P1]),
        "--extra-index-url",
        projects.project_index_url(P2),
    ]
    result = pip.install(*args, env={ENV: lines})
    assert_every_request(projects, tokens, result)
    assert not helpers.calls("wrong-for-p1")
    assert len(helpers.calls("p2")) == 1
