"""The ``pip-scoped-auth`` command, run as real subprocesses of the shim venvs.

Every test checks the exit code scripts rely on and that no secret appears in
any output; keyring tests use a file-backed backend (``cli_keyring.py``)
shared by the CLI and the pip it configures.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pip_scoped_auth.demo.registries.gitlab import FakeGitLab
from tests.support import keyring_backend
from tests.support.cli import assert_no_secret, cli
from tests.support.pip_versions import NEWEST_PIP, OLDEST_PIP, pips
from tests.support.pipenvs import MakePip
from tests.support.projects import P1, P2


def keyring_env(tmp_path: Path) -> dict[str, str]:
    return {
        "PYTHONPATH": str(keyring_backend.HERE),
        "PYTHON_KEYRING_BACKEND": "cli_keyring.FileKeyring",
        "CLI_KEYRING_FILE": str(tmp_path / "keyring.json"),
    }


def scope_of(gitlab: FakeGitLab, project: int) -> str:
    return f"{gitlab.base_url}/api/v4/projects/{project}/packages/pypi/"


# ------------------------------------------------------------------- status


def test_status_lists_scopes_and_sources_redacted(projects: FakeGitLab, make_pip: MakePip) -> None:
    deploy = projects.project_deploy_token(P1)
    pat = projects.personal_access_token("alice", projects=[P2])
    pip = make_pip(NEWEST_PIP)
    pip.secrets += [deploy.secret, pat.secret]
    # A token given as the username alone must be hidden too (pip's own rule).
    token_as_user = projects.project_index_url(P2, username=pat.secret)
    result = cli(
        pip,
        "status",
        "--index-url",
        projects.project_index_url(P1, deploy),
        "--extra-index-url",
        token_as_user,
        "--find-links",
        f"http://links-user:{pat.secret}@127.0.0.1:1/links",
    )
    assert result.returncode == 0, result.redacted()
    assert_no_secret(result)
    out = result.stdout
    assert "pip:     26.3, supported" in out and "active:  yes" in out, result.redacted()
    assert (
        f"scope {scope_of(projects, P1)}: user {deploy.username!r} with a password from index-url"
        in out
    )
    assert f"scope {scope_of(projects, P2)}: a username only (hidden) from username-only" in out
    assert "http://****@127.0.0.1" in out and "links-user:****@" in out
    assert "OK: pip's credentials are scoped per index" in out


def test_status_reads_pip_config_environment_and_requirements_files(
    projects: FakeGitLab, make_pip: MakePip, tmp_path: Path
) -> None:
    """The index list comes from pip's own parser: pip.conf, PIP_* and ``-r`` lines."""
    t1, t2 = projects.project_deploy_token(P1), projects.project_deploy_token(P2)
    t3 = projects.personal_access_token("carol", projects=[P1])
    pip = make_pip(NEWEST_PIP)
    pip.secrets += [t1.secret, t2.secret, t3.secret]
    conf = tmp_path / "pip.conf"
    conf.write_text(f"[global]\nindex-url = {projects.project_index_url(P1, t1)}\n")
    group_url = projects.group_index_url(10, t3, username="__token__")
    reqs = tmp_path / "requirements.txt"
    reqs.write_text(f"--extra-index-url {group_url}\npypipackage1\n")
    env = {"PIP_CONFIG_FILE": str(conf), "PIP_EXTRA_INDEX_URL": projects.project_index_url(P2, t2)}
    result = cli(pip, "status", "-r", str(reqs), env=env)
    assert result.returncode == 0, result.redacted()
    assert_no_secret(result)
    listed = re.findall(r"^  (index-url|extra-index-url) +(\S+)", result.stdout, re.M)
    assert [(kind, url.split("@")[-1]) for kind, url in listed] == [
        ("index-url", projects.project_index_url(P1).split("//")[1]),
        ("extra-index-url", projects.project_index_url(P2).split("//")[1]),
        ("extra-index-url", projects.group_index_url(10).split("//")[1]),
    ], result.redacted()
    assert str(conf) in result.stdout and "PIP_EXTRA_INDEX_URL" in result.stdout


def test_status_exits_1_when_disabled(make_pip: MakePip) -> None:
    pip = make_pip(NEWEST_PIP)
    result = cli(pip, "status", "--no-index", env={"PIP_SCOPED_AUTH": "0"})
    assert result.returncode == 1, result.redacted()
    assert "NOT IN EFFECT: disabled by PIP_SCOPED_AUTH=0" in result.stdout
    assert "active:  no" in result.stdout


FAKE_PIPS = {
    # A pip whose auth module lacks what the adapter hooks: the shim must stand aside.
    "unsupported": {
        "pip/__init__.py": "__version__ = '27.0'\n",
        "pip/_internal/__init__.py": "",
        "pip/_internal/network/__init__.py": "",
        "pip/_internal/network/auth.py": "class MultiDomainBasicAuth:\n    pass\n",
    },
    "missing": {"pip/__init__.py": "raise ImportError('no pip here')\n"},
}


@pytest.mark.parametrize("kind", sorted(FAKE_PIPS))
def test_status_exits_1_when_pip_is_unsupported_or_missing(
    make_pip: MakePip, tmp_path: Path, kind: str
) -> None:
    fake = tmp_path / "fake"
    for name, text in FAKE_PIPS[kind].items():
        (fake / name).parent.mkdir(parents=True, exist_ok=True)
        (fake / name).write_text(text)
    pip = make_pip(NEWEST_PIP)
    result = cli(
        pip,
        "status",
        "-i",
        "http://u:p@127.0.0.1:1/simple",
        env={"PYTHONPATH": str(fake)},
        module=True,
    )
    assert result.returncode == 1, result.redacted()
    assert "Traceback" not in result.output, result.redacted()
    assert "command line and PIP_* variables only" in result.stdout, result.redacted()
    if kind == "unsupported":
        assert (
            "pip:     27.0, NOT supported: MultiDomainBasicAuth._get_url_and_credentials is missing"
            in result.stdout
        )
    else:
        assert "pip cannot be imported here (ImportError)" in result.stdout


# ------------------------------------------------------------------ explain


def test_explain_names_the_scope_source_and_rule(
    projects: FakeGitLab, make_pip: MakePip, tmp_path: Path
) -> None:
    t1, t2 = projects.project_deploy_token(P1), projects.project_deploy_token(P2)
    pip = make_pip(NEWEST_PIP)
    pip.secrets += [t1.secret, t2.secret, "netrc-secret"]
    home = pip.workdir / "home"
    home.mkdir(parents=True, exist_ok=True)
    (home / ".netrc").write_text("machine 127.0.0.1 login netrc-user password netrc-secret\n")
    indexes = [
        "-i",
        projects.project_index_url(P1, t1),
        "--extra-index-url",
        projects.project_index_url(P2, t2),
        "--extra-index-url",
        projects.group_index_url(10),
    ]
    base = f"{projects.base_url}/api/v4"
    file_2 = (
        f"{base}/projects/{P2}/packages/pypi/files/{'0' * 64}/pypipackage2-2.5.6-py3-none-any.whl"
    )

    result = cli(pip, "explain", file_2, *indexes)
    assert result.returncode == 0, result.redacted()
    assert f"Scope:   {scope_of(projects, P2)}" in result.stdout
    assert f"First request: scope {scope_of(projects, P2)}: user {t2.username!r}" in result.stdout
    assert "why: the index URL carries a username and password (rule 3)" in result.stdout

    group_page = f"{base}/groups/10/-/packages/pypi/simple/pypipackage1/"
    result_netrc = cli(pip, "explain", group_page, *indexes)
    assert "user 'netrc-user' with a password from netrc" in result_netrc.stdout
    assert "(rule 6; netrc is per host by design)" in result_netrc.stdout

    outside = f"{base}/projects/999/packages/pypi/files/abc/x.whl"
    result_outside = cli(pip, "explain", outside, *indexes)
    assert "3 index scope(s) are on this host and none contains" in result_outside.stdout
    # Outside every scope on a host with scopes: netrc or nothing, never an index's token.
    assert (
        "First request: outside every index scope on this host: user 'netrc-user' with a "
        "password from netrc" in result_outside.stdout
    )

    with_creds = projects.project_index_url(P1, t1) + "/pypipackage1/"
    result_url = cli(pip, "explain", with_creds, *indexes)
    assert "(rule 1: credentials in the request URL always win)" in result_url.stdout
    for each in (result, result_netrc, result_outside, result_url):
        assert each.returncode == 0, each.redacted()
        assert_no_secret(each)


# ------------------------------------------------------------ login/logout


def test_login_stores_per_index_tokens_that_pip_then_uses(
    projects: FakeGitLab, make_pip: MakePip, tmp_path: Path
) -> None:
    """Two tokens for two indexes on one host, kept in keyring by ``login``.

    Stock pip 22.3 (``PIP_SCOPED_AUTH=0``) asks keyring by host for the files
    and fails; with the shim each file gets its own index's token.
    """
    t1, t2 = projects.project_deploy_token(P1), projects.project_deploy_token(P2)
    pip = make_pip(OLDEST_PIP)
    pip.secrets += [t1.secret, t2.secret]
    env = keyring_env(tmp_path)
    url1, url2 = projects.project_index_url(P1), projects.project_index_url(P2)
    for url, token in ((url1, t1), (url2, t2)):
        login = cli(
            pip,
            "login",
            url,
            "--username",
            token.username,
            "--password-stdin",
            env=env,
            input=token.secret + "\n",
        )
        assert login.returncode == 0, login.redacted()
        assert_no_secret(login)
    stored = json.loads((tmp_path / "keyring.json").read_text())
    assert stored == {url1: {t1.username: t1.secret}, url2: {t2.username: t2.secret}}

    status = cli(pip, "status", "-i", url1, "--extra-index-url", url2, env=env)
    assert status.returncode == 0, status.redacted()
    assert_no_secret(status)
    assert (
        f"scope {scope_of(projects, P2)}: user {t2.username!r} with a password from keyring"
        in status.stdout
    )

    args = ["pypipackage1", "pypipackage2", "-i", url1, "--extra-index-url", url2]
    stock = pip.install(*args, env={**env, "PIP_SCOPED_AUTH": "0"})
    assert stock.returncode != 0, stock.redacted()
    projects.clear_log()
    installed = pip.install(*args, env=env)
    assert installed.returncode == 0, installed.redacted()
    files = projects.file_requests()
    assert {e.project_id: e.token for e in files} == {P1: t1, P2: t2}, projects.describe_log()

    logout = cli(pip, "logout", url2, env=env)
    assert logout.returncode == 0 and "Removed the token" in logout.stdout, logout.redacted()
    again = cli(pip, "logout", url2, env=env)
    assert again.returncode == 0 and "nothing to remove" in again.stdout, again.redacted()
    assert json.loads((tmp_path / "keyring.json").read_text())[url2] == {}


@pytest.mark.parametrize("setup", ["not-installed", "no-backend"])
def test_login_without_usable_keyring_exits_3(
    make_pip: MakePip, tmp_path: Path, setup: str
) -> None:
    pip = make_pip(NEWEST_PIP)
    env: dict[str, str] = {}
    if setup == "not-installed":
        (tmp_path / "keyring").mkdir()
        (tmp_path / "keyring" / "__init__.py").write_text("raise ImportError('hidden')\n")
        env["PYTHONPATH"] = str(tmp_path)
    # Otherwise the scrubbed environment's null keyring backend: nowhere to store.
    result = cli(
        pip,
        "login",
        "http://127.0.0.1:1/simple",
        "-u",
        "u",
        "--password-stdin",
        env=env,
        input="tok\n",
    )
    assert result.returncode == 3, result.redacted()
    expected = "pip-scoped-auth[keyring]" if setup == "not-installed" else "no usable backend"
    assert expected in result.stderr, result.redacted()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["login", "http://u:tok-in-url@127.0.0.1:1/simple", "--password-stdin"],
            "carries a password",
        ),
        (["login", "http://127.0.0.1:1/simple", "--password-stdin"], "--username is required"),
        (["explain", "not-a-url"], "not an http(s) URL"),
        (["status", "-r", "missing-requirements.txt"], "pip cannot read missing-requirements.txt"),
        (["explain"], "the following arguments are required: URL"),
    ],
)
def test_usage_errors_exit_2_without_echoing_secrets(
    make_pip: MakePip, args: list[str], message: str
) -> None:
    pip = make_pip(NEWEST_PIP)
    pip.secrets.append("tok-in-url")
    result = cli(pip, *args, input="")
    assert result.returncode == 2, result.redacted()
    assert message in result.stderr, result.redacted()
    assert_no_secret(result)


def test_help_on_every_subcommand(make_pip: MakePip) -> None:
    pip = make_pip(NEWEST_PIP)
    for command in ("status", "explain", "login", "logout"):
        result = cli(pip, command, "--help")
        assert result.returncode == 0, result.redacted()
        assert f"usage: pip-scoped-auth {command}" in result.stdout
        assert "exit codes: 0 ok; 1 the shim would not be in effect" in result.stdout


# ------------------------------------------------------- pip -v diagnostics


@pytest.mark.parametrize("pip_version", pips())
def test_pip_verbose_logs_each_scope_decision_once(
    projects: FakeGitLab, make_pip: MakePip, pip_version: str
) -> None:
    t1, t2 = projects.project_deploy_token(P1), projects.project_deploy_token(P2)
    pip = make_pip(pip_version)
    pip.secrets += [t1.secret, t2.secret]
    args = [
        "pypipackage1",
        "pypipackage2",
        "--index-url",
        projects.project_index_url(P1, t1),
        "--extra-index-url",
        projects.project_index_url(P2, t2),
    ]
    quiet = pip.install(*args, verbose=False)
    assert quiet.returncode == 0, quiet.redacted()
    assert "pip-scoped-auth:" not in quiet.output, quiet.redacted()
    verbose = pip.install("-v", *args, verbose=False)
    assert verbose.returncode == 0, verbose.redacted()
    assert_no_secret(quiet)
    assert_no_secret(verbose)
    lines = [line.strip() for line in verbose.output.splitlines() if "pip-scoped-auth:" in line]
    assert len(lines) == len(set(lines)), verbose.redacted()
    # Pages carry their index URL's own credentials (pip decides those);
    # files are decided by provenance: one line per page that listed them.
    assert lines == [
        f"pip-scoped-auth: listed on {projects.project_index_url(project)}/{package}/: "
        f"user {token.username!r} with a password, as that page was read "
        "(its own index scope lists it)"
        for project, package, token in ((P1, "pypipackage1", t1), (P2, "pypipackage2", t2))
    ], verbose.redacted()
