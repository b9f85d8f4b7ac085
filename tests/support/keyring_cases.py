"""Credential-source scenarios on the bug report's projects, shared by the source and matrix tests.

:func:`keyring_case` seeds a real keyring for projects 323 and 324 under their
index URLs; :func:`install` runs pip on those URLs; :func:`assert_tokens`
checks that every authenticated request carried its own project's token.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from pip_scoped_auth.demo.registries.gitlab import FakeGitLab, Token
from tests.support.keyring_backend import TestKeyring
from tests.support.pipenvs import PipEnv, PipResult
from tests.support.projects import P1, P2

__all__ = ["PUBLIC", "KeyringCase", "assert_tokens", "install", "keyring_case", "service"]


#: A public, empty project in the same group: an index that must cause no keyring lookup.
PUBLIC = 325


def service(url: str) -> str:
    """The keyring service name of an index: its URL as configured, without userinfo."""
    scheme, _, rest = url.partition("://")
    netloc, slash, path = rest.partition("/")
    return f"{scheme}://{netloc.rpartition('@')[2]}{slash}{path}"


def install(pip: PipEnv, urls: list[str], *args: str, env: dict[str, str]) -> PipResult:
    index = ["--index-url", urls[0]]
    for url in urls[1:]:
        index += ["--extra-index-url", url]
    return pip.install("pypipackage1", "pypipackage2", *index, *args, env=env)


def assert_tokens(gitlab: FakeGitLab, expected: dict[int, Token], result: PipResult) -> None:
    """Every authenticated request on a project carried that project's token."""
    assert result.returncode == 0, f"{result.redacted()}\n{gitlab.describe_log()}"
    files = gitlab.file_requests()
    assert {e.project_id for e in files} == set(expected), gitlab.describe_log()
    # A challenged file (401) is retried; every answer after that is 200.
    assert all(e.status in (200, 401) for e in files), gitlab.describe_log()
    for entry in gitlab.log:
        if entry.project_id in expected and entry.authorization_sent:
            assert entry.token is expected[entry.project_id], gitlab.describe_log()
        if entry.project_id == PUBLIC:  # public: nothing of anybody's is sent there
            assert not entry.authorization_sent, gitlab.describe_log()


@dataclass
class KeyringCase:
    """Two index URLs without passwords and the keyring entries that complete them."""

    urls: list[str]
    tokens: dict[int, Token]


def keyring_case(
    gitlab: FakeGitLab, keyring: TestKeyring, users: str, slash: str = ""
) -> KeyringCase:
    """Seed ``keyring`` for projects 323 and 324 under their index URLs (plus ``slash``).

    ``users``: ``__token__`` (PATs) or ``gitlab-ci-token`` (job tokens) on
    both URLs, ``own`` (each deploy token's own username in its URL), or
    ``none`` (no username in the URLs; keyring supplies it).
    """
    if users == "__token__":
        tokens = {
            P1: gitlab.personal_access_token("alice", projects=[P1]),
            P2: gitlab.personal_access_token("bob", projects=[P2]),
        }
    elif users == "gitlab-ci-token":
        tokens = {P1: gitlab.job_token([P1]), P2: gitlab.job_token([P2])}
    else:
        tokens = {P1: gitlab.project_deploy_token(P1), P2: gitlab.project_deploy_token(P2)}
    urls = []
    for project, token in tokens.items():
        username = None if users == "none" else (token.username if users == "own" else users)
        url = gitlab.project_index_url(project, username=username)
        keyring.set(service(url) + slash, username or token.username, token.secret)
        urls.append(url)
    return KeyringCase(urls, tokens)


def assert_keyring_asked_once_each(keyring: TestKeyring, never: Iterable[str] = ()) -> None:
    lookups = keyring.lookups()
    repeated = [k for k, n in Counter(lookups).items() if n > 1]
    assert not repeated, f"keyring asked more than once: {repeated}"
    asked = {s for s, _ in lookups}
    for url in never:
        assert not {service(url), service(url) + "/"} & asked, f"{url} asked: {lookups}"


# --------------------------------------------------------------- scenario 1


PROMPTS = {
    "user": r"User for [^ ]+: ",
    "password": r"Password: ",
    "save": r"Save credentials to keyring \[y/N\]: ",
}


def run_with_prompts(
    pip: PipEnv, args: list[str], answers: list[tuple[str, str]], env: dict[str, str]
) -> tuple[PipResult, list[str]]:
    """``pip install`` on a pty, answering its prompts like a user who says yes to saving.

    ``answers`` holds one ``(username, password)`` per ``User for`` prompt, in
    order. Returns pip's result and the prompts it showed, in order.
    """
    import pexpect

    cmd = ["-m", "pip", "install", "--no-cache-dir", "--progress-bar", "off"]
    cmd += ["--target", str(pip.workdir / "target-prompted"), *args]
    child = pexpect.spawn(
        str(pip.python),
        cmd,
        env=pip.env(env),
        cwd=str(pip.workdir),
        encoding="utf-8",
        timeout=120,
        dimensions=(40, 250),
    )
    pending = list(answers)
    seen: list[str] = []
    output: list[str] = []
    password = ""
    while True:
        which = child.expect([*PROMPTS.values(), pexpect.EOF])
        output.append(child.before or "")
        if which == len(PROMPTS):
            break
        seen.append(list(PROMPTS)[which])
        if seen[-1] == "user":
            username, password = pending.pop(0) if pending else ("", "")
            child.sendline(username)
        elif seen[-1] == "password":
            child.sendline(password)
        else:
            child.sendline("y")
    child.close()
    status = child.exitstatus if child.exitstatus is not None else -1
    return PipResult(args, status, "".join(output), "", tuple(pip.secrets)), seen
