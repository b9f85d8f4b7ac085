"""No token leaks: the automatic check itself, and the credential paths most likely to leak.

Every pip run of the integration suite is already scanned after its test
(``no_token_leaks`` in conftest.py: ``-vvv``, ``--log``, raw, percent-encoded
and base64 forms). The tests here prove that check can fail, then drive the
paths where a token passes through pip other than in an index URL: typed at
the 401 prompt, sent as the username, read from netrc; and the paths where it
must not go at all: another origin on the same server, and another server.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from pytest_httpserver import HTTPServer

from pip_scoped_auth.demo.registries.gitlab import FakeGitLab
from tests.support import leaks
from tests.support.fixtures import make_fake_gitlab
from tests.support.leak_check import check_no_leaks
from tests.support.pip_versions import NEWEST_PIP, pips
from tests.support.pipenvs import MakePip, PipResult

SECRET = "gldt-Xy7_secret/with:odd@chars"


# ------------------------------------------------------------- the checker


@pytest.mark.parametrize("username", ["", "u", "gitlab+deploy-token-7", "__token__"])
def test_checker_finds_every_form(username: str) -> None:
    header = base64.b64encode(f"{username}:{SECRET}".encode()).decode()
    texts = {
        "raw": f"Found {SECRET} here",
        "percent-encoded": f"http://u:{quote(SECRET, safe='')}@h/simple",
        "base64": f"send: b'GET / HTTP/1.1\\r\\nAuthorization: Basic {header}\\r\\n'",
    }
    for form, text in texts.items():
        found = leaks.find_leaks(text, "out", {SECRET: "token t"})
        assert found, form
        assert found[0].form == form
        # The report names the token and masks it in every form.
        assert SECRET not in str(found[0]) and quote(SECRET, safe="") not in str(found[0])
        assert header not in str(found[0])


def test_checker_ignores_clean_text_and_redacts_its_own_report() -> None:
    clean = "Looking in indexes: http://gitlab%2Bdeploy-token-7:****@127.0.0.1:1/simple"
    assert leaks.find_leaks(clean, "out", {SECRET: "token t"}) == []
    run = PipResult(["install"], 0, f"a\nb {SECRET} c\n", "")
    with pytest.raises(AssertionError) as raised:
        leaks.assert_no_leaks([run], {SECRET: "token t"})
    assert "token t (raw) in pip install#0 stdout, line 2" in str(raised.value)
    assert SECRET not in str(raised.value)


def test_assert_no_authorization_reads_both_log_kinds(gitlab: FakeGitLab) -> None:
    gitlab.add_project(1, "g/p", public=True)
    assert gitlab.log == []
    leaks.assert_no_authorization(gitlab.log)
    with pytest.raises(AssertionError, match="received an Authorization header"):
        leaks.assert_no_authorization(
            [type("E", (), {"authorization_sent": True, "method": "GET", "path": "/x"})()]
        )


@pytest.mark.token_in_output_expected(reason="proves the automatic check fires")
def test_automatic_check_fails_when_pip_prints_a_token(
    gitlab: FakeGitLab, make_pip: MakePip, request: pytest.FixtureRequest
) -> None:
    """A real pip leak: ``pip config list`` prints an index URL verbatim.

    The same check that runs after every integration test reports it, with
    the token found through the ``gitlab`` fixture and masked in the report.
    """
    gitlab.add_project(1, "g/p")
    token = gitlab.project_deploy_token(1)
    pip = make_pip(NEWEST_PIP)
    url = gitlab.project_index_url(1, token)
    pip.run("config", "--site", "set", "global.index-url", url)
    result = pip.run("config", "list")
    assert quote(token.secret, safe="") in result.stdout or token.secret in result.stdout
    with pytest.raises(AssertionError) as raised:
        check_no_leaks(request)
    assert f"token {token.name}" in str(raised.value)
    assert token.secret not in str(raised.value)
    assert quote(token.secret, safe="") not in str(raised.value)


# ------------------------------------------------- where tokens pass through


@pytest.fixture
def private(gitlab: FakeGitLab) -> FakeGitLab:
    gitlab.add_project(1, "g/private")
    gitlab.add_package(1, "private-pkg", "1.0")
    return gitlab


def _files_ok(gitlab: FakeGitLab, result: PipResult) -> None:
    assert result.returncode == 0, result.redacted()
    files = gitlab.file_requests()
    assert files and all(e.status == 200 for e in files), gitlab.describe_log()


@pytest.mark.parametrize("pip_version", pips())
def test_prompted_token_is_not_echoed(
    private: FakeGitLab, make_pip: MakePip, pip_version: str
) -> None:
    """A token typed at pip's 401 prompt reaches the server and no output."""
    token = private.project_deploy_token(1, secret="gldt-typed-at-the-prompt-0123")
    pip = make_pip(pip_version)
    result = pip.run(
        "install",
        "--no-cache-dir",
        "--target",
        str(pip.workdir / "target-prompt"),
        "private-pkg",
        "--index-url",
        private.project_index_url(1),
        input=f"{token.username}\n{token.secret}\nn\n",
    )
    _files_ok(private, result)
    assert all(e.token is token for e in private.file_requests()), private.describe_log()


@pytest.mark.parametrize("pip_version", pips())
def test_token_as_username_is_redacted(
    private: FakeGitLab, make_pip: MakePip, pip_version: str
) -> None:
    """``http://SECRET@host/...`` (token in the username slot) never shows."""
    token = private.personal_access_token("alice", projects=[1])
    pip = make_pip(pip_version)
    url = private.project_index_url(1).replace("://", f"://__token__:{token.secret}@")
    result = pip.install("private-pkg", "--index-url", url)
    _files_ok(private, result)


@pytest.mark.parametrize("pip_version", pips())
def test_netrc_token_is_not_logged(
    private: FakeGitLab, make_pip: MakePip, pip_version: str
) -> None:
    token = private.project_deploy_token(1)
    pip = make_pip(pip_version)
    netrc = pip.workdir / "netrc"
    netrc.write_text(f"machine {private.host} login {token.username} password {token.secret}\n")
    netrc.chmod(0o600)
    pip.secrets.append(token.secret)
    result = pip.install(
        "private-pkg", "--index-url", private.project_index_url(1), env={"NETRC": str(netrc)}
    )
    _files_ok(private, result)
    assert all(e.token is token for e in private.file_requests()), private.describe_log()


# ----------------------------------------------- where tokens must never go


@pytest.fixture
def other_server() -> Iterator[FakeGitLab]:
    """A second registry on its own port, holding none of the test's tokens."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        other = make_fake_gitlab(server)
        other.add_project(7, "public/thing", public=True)
        other.add_package(7, "public-pkg", "1.0")
        yield other
    finally:
        server.clear()
        if server.is_running():
            server.stop()


@pytest.mark.parametrize("pip_version", pips())
def test_token_never_reaches_another_server(
    private: FakeGitLab, other_server: FakeGitLab, make_pip: MakePip, pip_version: str
) -> None:
    token = private.project_deploy_token(1)
    pip = make_pip(pip_version)
    result = pip.install(
        "private-pkg",
        "public-pkg",
        "--index-url",
        private.project_index_url(1, token),
        "--extra-index-url",
        other_server.project_index_url(7),
    )
    _files_ok(private, result)
    assert other_server.file_requests(), other_server.describe_log()
    leaks.assert_no_authorization(other_server.log, "the second registry")


@pytest.mark.parametrize("pip_version", pips())
def test_token_never_reaches_another_origin_on_the_same_server(
    gitlab: FakeGitLab, make_pip: MakePip, pip_version: str
) -> None:
    """``127.0.0.1`` and ``localhost`` are two origins, even on one socket."""
    gitlab.add_project(1, "g/private")
    gitlab.add_package(1, "private-pkg", "1.0")
    gitlab.add_project(2, "g/public", public=True)
    gitlab.add_package(2, "public-pkg", "1.0")
    token = gitlab.project_deploy_token(1)
    pip = make_pip(pip_version)
    result = pip.install(
        "private-pkg",
        "public-pkg",
        "--index-url",
        gitlab.project_index_url(1, token),
        "--extra-index-url",
        gitlab.project_index_url(2, host="localhost"),
    )
    assert result.returncode == 0, result.redacted()
    elsewhere = [e for e in gitlab.log if e.host.startswith("localhost")]
    assert elsewhere, gitlab.describe_log()
    leaks.assert_no_authorization(elsewhere, "the localhost origin")
