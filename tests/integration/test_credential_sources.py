"""Every way a user gives pip a credential is scoped to its index (issue 3).

Real pip subprocesses against the fake GitLab, on the oldest and the newest
supported pip. Each test asserts the token the server saw on every request,
and, where keyring is involved, which service names pip asked a real keyring
backend (``tests/support/keyring_backend``) and how often.

Projects 323 and 324 are private and hold one package each; project 325 is
public and empty, so it answers 404 without ever challenging: it stands for
"an index that must cause no keyring lookup".
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from pip_scoped_auth.demo.registries.gitlab import FakeGitLab, Token
from tests.support.keyring_backend import TestKeyring
from tests.support.keyring_cases import (
    PUBLIC,
    assert_keyring_asked_once_each,
    assert_tokens,
    install,
    keyring_case,
    run_with_prompts,
    service,
)
from tests.support.pip_versions import NEWEST_PIP, OLDEST_PIP, pips
from tests.support.pipenvs import MakePip, PipEnv
from tests.support.projects import P1, P2


@pytest.fixture
def projects(projects: FakeGitLab) -> FakeGitLab:
    """The shared two projects, plus a public one in the same group."""
    projects.add_project(PUBLIC, "my-group/public", group=10, public=True)
    return projects


@pytest.fixture
def keyring(tmp_path: Path) -> TestKeyring:
    return TestKeyring(tmp_path / "keyring.json")


def assert_at_most_one_challenge_per_index(gitlab: FakeGitLab) -> None:
    challenges = Counter(e.project_id for e in gitlab.log if e.status == 401)
    assert all(n <= 1 for n in challenges.values()), gitlab.describe_log()


ALL_USERS = ("__token__", "gitlab-ci-token", "own", "none")
PROVIDERS = [
    # pip 22.x has one keyring path (module-level get_keyring_auth); 23.1+ has
    # providers, and explicit ones also work with --no-input (CI's usual mode).
    *[pytest.param(OLDEST_PIP, (), users, id=f"{OLDEST_PIP}-{users}") for users in ALL_USERS],
    *[pytest.param(NEWEST_PIP, (), users, id=f"{NEWEST_PIP}-auto-{users}") for users in ALL_USERS],
    *[
        pytest.param(
            NEWEST_PIP,
            ("--keyring-provider", provider, "--no-input"),
            users,
            id=f"{NEWEST_PIP}-{provider}-{users}",
        )
        for provider in ("import", "subprocess")
        for users in ("__token__", "none")
    ],
]


@pytest.mark.parametrize(("pip_version", "options", "users"), PROVIDERS)
def test_scenario_1_keyring_per_index_url(
    projects: FakeGitLab,
    keyring: TestKeyring,
    make_pip: MakePip,
    tmp_path: Path,
    pip_version: str,
    options: tuple[str, ...],
    users: str,
) -> None:
    case = keyring_case(projects, keyring, users)
    pip = make_pip(pip_version)
    pip.secrets.extend(t.secret for t in case.tokens.values())
    env = keyring.env()
    if "subprocess" in options:
        env = keyring.cli_env(pip.python, tmp_path / "bin")
    public = projects.project_index_url(PUBLIC)
    result = install(pip, [*case.urls, public], *options, env=env)
    assert_tokens(projects, case.tokens, result)
    assert_at_most_one_challenge_per_index(projects)
    assert_keyring_asked_once_each(keyring, never=[public])
    if users != "none":
        # The URL names the user: keyring is asked before sending, so no challenge at all.
        assert not [e for e in projects.log if e.status == 401], projects.describe_log()
    if "subprocess" in options:
        assert keyring.lookups(), "the keyring command was never run"


@pytest.mark.parametrize(
    ("pip_version", "options"),
    [
        pytest.param(OLDEST_PIP, (), id=OLDEST_PIP),
        pytest.param(NEWEST_PIP, (), id=f"{NEWEST_PIP}-auto"),
        pytest.param(
            NEWEST_PIP, ("--keyring-provider", "subprocess", "--no-input"), id="subprocess"
        ),
    ],
)
def test_scenario_1_first_challenge_on_a_file(
    projects: FakeGitLab,
    keyring: TestKeyring,
    make_pip: MakePip,
    tmp_path: Path,
    pip_version: str,
    options: tuple[str, ...],
) -> None:
    """A scope learns from a challenged *file* too: a direct wheel URL under
    index 1's scope is its first request, and index 1's page after it gets
    the token up front."""
    case = keyring_case(projects, keyring, "none")
    pip = make_pip(pip_version)
    pip.secrets.extend(t.secret for t in case.tokens.values())
    env = keyring.env()
    if "subprocess" in options:
        env = keyring.cli_env(pip.python, tmp_path / "bin")
    (wheel,) = [f for f in projects.packages if f.project_id == P1]
    index = ["--index-url", case.urls[0], "--extra-index-url", case.urls[1]]
    result = pip.install(projects.file_url(wheel), "pypipackage2", *index, *options, env=env)
    assert_tokens(projects, case.tokens, result)
    assert_at_most_one_challenge_per_index(projects)
    first = [e for e in projects.log if e.project_id == P1]
    assert [(e.kind, e.status) for e in first[:2]] == [("file", 401), ("file", 200)], (
        projects.describe_log()
    )
    assert any(e.kind != "file" and e.token is case.tokens[P1] for e in first), (
        projects.describe_log()
    )
    assert_keyring_asked_once_each(keyring)


@pytest.mark.parametrize("users", ["__token__", "none"])
def test_scenario_1_fails_on_stock_pip(
    projects: FakeGitLab, keyring: TestKeyring, make_pip: MakePip, users: str
) -> None:
    """Stock pip 26.3 keeps the first keyring answer per host and sends it to index 2."""
    # Stored under the name stock 26.3 asks (URL plus "/"), so it finds both.
    case = keyring_case(projects, keyring, users, slash="/")
    pip = make_pip(NEWEST_PIP)
    pip.secrets.extend(t.secret for t in case.tokens.values())
    result = install(pip, case.urls, env={**keyring.env(), "PIP_SCOPED_AUTH": "0"})
    assert result.returncode != 0, result.redacted()
    wrong = [e for e in projects.log if e.project_id == P2 and e.token is case.tokens[P1]]
    assert wrong and all(e.status == 404 for e in wrong), projects.describe_log()


# --------------------------------------------------------------- scenario 2


def prompt_case(
    gitlab: FakeGitLab, make_pip: MakePip, pip_version: str
) -> tuple[PipEnv, dict[int, Token], list[str], list[str]]:
    """Two private indexes with no credentials configured: pip must ask for both."""
    # Project 324 also has an old pypipackage1, so the retried request for
    # each index succeeds and pip offers to save the answer for both.
    gitlab.add_package(P2, "pypipackage1", "0.1")
    tokens = {P1: gitlab.project_deploy_token(P1), P2: gitlab.project_deploy_token(P2)}
    pip = make_pip(pip_version)
    pip.secrets.extend(t.secret for t in tokens.values())
    urls = [gitlab.project_index_url(P1), gitlab.project_index_url(P2)]
    args = ["pypipackage1", "pypipackage2", "--index-url", urls[0], "--extra-index-url", urls[1]]
    return pip, tokens, urls, args


@pytest.mark.parametrize("pip_version", pips())
def test_scenario_2_prompted_tokens_stick_per_index_and_save_under_its_url(
    projects: FakeGitLab, keyring: TestKeyring, make_pip: MakePip, pip_version: str
) -> None:
    pip, tokens, urls, args = prompt_case(projects, make_pip, pip_version)
    answers = [(tokens[p].username, tokens[p].secret) for p in (P1, P2)]
    result, seen = run_with_prompts(pip, args, answers, keyring.env())
    assert seen.count("user") == 2, f"{seen}\n{result.redacted()}"
    assert_tokens(projects, tokens, result)
    assert_at_most_one_challenge_per_index(projects)
    saved = {(e["service"], e["username"], e["password"]) for e in keyring.entries()}
    assert saved == {
        (service(u), tokens[p].username, tokens[p].secret) for u, p in zip(urls, (P1, P2))
    }, f"saved under {sorted(s for s, _, _ in saved)}"

    # The next run (no terminal: it could not prompt) finds each saved
    # answer for its own index.
    projects.clear_log()
    again = pip.install(*args, env=keyring.env())
    assert_tokens(projects, tokens, again)
    assert_at_most_one_challenge_per_index(projects)


def test_scenario_2_fails_on_stock_pip(
    projects: FakeGitLab, keyring: TestKeyring, make_pip: MakePip
) -> None:
    """Stock pip 26.3 sends the first answer to index 2 (404, so it never asks
    again) and saves it to keyring under the bare host."""
    pip, tokens, _urls, args = prompt_case(projects, make_pip, NEWEST_PIP)
    answers = [(tokens[p].username, tokens[p].secret) for p in (P1, P2)]
    env = {**keyring.env(), "PIP_SCOPED_AUTH": "0"}
    result, seen = run_with_prompts(pip, args, answers, env)
    assert result.returncode != 0 and seen.count("user") == 1, f"{seen}\n{result.redacted()}"
    wrong = [e for e in projects.log if e.project_id == P2 and e.token is tokens[P1]]
    assert wrong and all(e.status == 404 for e in wrong), projects.describe_log()
    assert {e["service"] for e in keyring.entries()} == {f"{projects.host}:{projects.port}"}


# --------------------------------------------------------------- scenario 3


def write_netrc(path: Path, host: str, login: str, password: str) -> dict[str, str]:
    path.write_text(f"machine {host}\nlogin {login}\npassword {password}\n")
    path.chmod(0o600)
    return {"NETRC": str(path)}


@pytest.mark.parametrize("pip_version", pips())
@pytest.mark.parametrize(
    "own", ["url", "keyring"], ids=["own-token-in-url", "own-token-in-keyring"]
)
def test_scenario_3_netrc_fills_only_scopes_without_their_own(
    projects: FakeGitLab,
    keyring: TestKeyring,
    make_pip: MakePip,
    tmp_path: Path,
    pip_version: str,
    own: str,
) -> None:
    """Index 1 has its own token (in its URL, or in keyring under its URL for the
    username it names); index 2 has none, so the host's netrc entry is its."""
    tokens = {
        P1: projects.personal_access_token("alice", projects=[P1]),
        P2: projects.project_deploy_token(P2),
    }
    if own == "url":
        first = projects.project_index_url(P1, tokens[P1], username="__token__")
    else:
        first = projects.project_index_url(P1, username="__token__")
        keyring.set(service(first), "__token__", tokens[P1].secret)
    pip = make_pip(pip_version)
    pip.secrets.extend(t.secret for t in tokens.values())
    env = {
        **keyring.env(),
        **write_netrc(tmp_path / "netrc", projects.host, tokens[P2].username, tokens[P2].secret),
    }
    result = install(pip, [first, projects.project_index_url(P2)], env=env)
    assert_tokens(projects, tokens, result)


def test_scenario_3_netrc_overrides_the_index_token_on_stock_pip(
    projects: FakeGitLab, keyring: TestKeyring, make_pip: MakePip, tmp_path: Path
) -> None:
    tokens = {
        P1: projects.personal_access_token("alice", projects=[P1]),
        P2: projects.project_deploy_token(P2),
    }
    first = projects.project_index_url(P1, username="__token__")
    keyring.set(service(first) + "/", "__token__", tokens[P1].secret)
    pip = make_pip(NEWEST_PIP)
    pip.secrets.extend(t.secret for t in tokens.values())
    env = {
        **keyring.env(),
        **write_netrc(tmp_path / "netrc", projects.host, tokens[P2].username, tokens[P2].secret),
        "PIP_SCOPED_AUTH": "0",
    }
    result = install(pip, [first, projects.project_index_url(P2)], env=env)
    assert result.returncode != 0, result.redacted()
    assert any(e.project_id == P1 and e.token is tokens[P2] for e in projects.log), (
        projects.describe_log()
    )


# --------------------------------------------------------------- scenario 4


def config_case(
    gitlab: FakeGitLab, tmp_path: Path, where: str
) -> tuple[dict[int, Token], list[str], dict[str, str]]:
    """Both indexes, each with its own token, configured through ``where``."""
    tokens = {P1: gitlab.project_deploy_token(P1), P2: gitlab.project_deploy_token(P2)}
    first = gitlab.project_index_url(P1, tokens[P1])
    second = gitlab.project_index_url(P2, tokens[P2])
    args: list[str] = ["pypipackage1", "pypipackage2"]
    env: dict[str, str] = {}
    if where == "pip.conf":
        conf = tmp_path / "pip.conf"
        conf.write_text(f"[global]\nindex-url = {first}\nextra-index-url = {second}\n")
        env["PIP_CONFIG_FILE"] = str(conf)
    elif where == "environment":
        env.update(PIP_INDEX_URL=first, PIP_EXTRA_INDEX_URL=second)
    else:
        # pip starts on the public project's index, then swaps in the file's
        # list mid-run; the second token comes in through ${VAR} expansion.
        env["P2_TOKEN"] = tokens[P2].secret
        second = gitlab.project_index_url(P2, username=tokens[P2].username)
        second = second.replace("@", ":${P2_TOKEN}@", 1)
        reqs = tmp_path / "requirements.txt"
        reqs.write_text(
            f"--index-url {first}\n--extra-index-url {second}\npypipackage1\npypipackage2\n"
        )
        args = ["--index-url", gitlab.project_index_url(PUBLIC), "-r", str(reqs)]
    return tokens, args, env


@pytest.mark.parametrize("pip_version", pips())
@pytest.mark.parametrize("where", ["pip.conf", "environment", "requirements-file"])
def test_scenario_4_indexes_from_configuration_are_scoped(
    projects: FakeGitLab, make_pip: MakePip, tmp_path: Path, pip_version: str, where: str
) -> None:
    tokens, args, env = config_case(projects, tmp_path, where)
    pip = make_pip(pip_version)
    pip.secrets.extend(t.secret for t in tokens.values())
    result = pip.install(*args, env=env)
    assert_tokens(projects, tokens, result)


def test_scenario_4_fails_on_stock_pip(
    projects: FakeGitLab, make_pip: MakePip, tmp_path: Path
) -> None:
    """Stock pip 22.3 sends the last-used token to project 1's file after the swap."""
    tokens, args, env = config_case(projects, tmp_path, "requirements-file")
    pip = make_pip(OLDEST_PIP)
    pip.secrets.extend(t.secret for t in tokens.values())
    result = pip.install(*args, env={**env, "PIP_SCOPED_AUTH": "0"})
    assert result.returncode != 0, result.redacted()
    wrong = [e for e in projects.file_requests() if e.project_id == P1]
    assert wrong and wrong[0].token is tokens[P2] and wrong[0].status == 404, (
        projects.describe_log()
    )


# --------------------------------------------------------------- scenario 6

#: No "/" in the username: pip's own ``is_secure_origin`` parses the *redacted*
#: link, whose username is re-quoted with "/" left bare, so such a user breaks
#: plain-http indexes in stock pip too.
RESERVED_USER = "ci@corp"


@pytest.mark.parametrize("pip_version", pips())
@pytest.mark.parametrize("password_from", ["url", "keyring"])
def test_scenario_6_reserved_characters(
    projects: FakeGitLab,
    keyring: TestKeyring,
    make_pip: MakePip,
    pip_version: str,
    password_from: str,
) -> None:
    """Usernames with ``@`` and tokens with ``@ : /`` percent-encoded in the URL.

    With ``keyring``, the URL names the (encoded) user and keyring holds the
    password: for index 1 under the URL as configured, for index 2 under the
    URL with a trailing slash (the name pip 23.1+ asks and users often store).
    """
    tokens = {
        p: projects.project_deploy_token(
            p, username=f"{RESERVED_USER}-{p}", secret=f"gldt-{p}@a:b/c%d"
        )
        for p in (P1, P2)
    }
    pip = make_pip(pip_version)
    pip.secrets.extend(t.secret for t in tokens.values())
    urls = []
    for project, slash in ((P1, ""), (P2, "/")):
        token = tokens[project]
        if password_from == "url":
            url = projects.project_index_url(project, token)
            assert "%40" in url and "%3A" in url and "%2F" in url
        else:
            url = projects.project_index_url(project, username=token.username)
            assert "%40" in url
            keyring.set(service(url) + slash, token.username, token.secret)
        urls.append(url)
    result = install(pip, urls, env=keyring.env())
    assert_tokens(projects, tokens, result)
    for entry in projects.log:
        if entry.authorization_sent:
            assert entry.auth_username == tokens[entry.project_id].username
    if password_from == "keyring":
        assert_keyring_asked_once_each(keyring)
        assert not [e for e in projects.log if e.status == 401], projects.describe_log()
