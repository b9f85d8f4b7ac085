"""Which helper a request gets, and where its answer is cached (pip_layer/helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pip_scoped_auth.core.helper_lines import HelperTable, parse_helper_lines
from pip_scoped_auth.core.provenance import Provenance
from pip_scoped_auth.core.resolver import AuthState
from pip_scoped_auth.core.secrets import Login
from pip_scoped_auth.pip_layer.helper_config import ENV_HELPERS, ENV_TIMEOUT, load_config, plan_for

HOST = "https://gl.example"
P1 = f"{HOST}/api/v4/projects/my-group%2Fp1/packages/pypi"


def table(text: str) -> HelperTable:
    lines, problems = parse_helper_lines(text, "test")
    assert not problems
    return HelperTable(lines)


def test_url_and_index_url_credentials_come_first() -> None:
    helpers = table(f"{HOST}/ helper")
    state = AuthState(Provenance())
    assert plan_for(helpers, state, [f"{P1}/simple"], f"{P1}/simple/a/") is not None
    assert plan_for(helpers, state, [f"https://u:t@{P1[8:]}/simple"], f"{P1}/simple/a/") is None
    assert plan_for(helpers, state, [f"{P1}/simple"], f"https://u:t@{P1[8:]}/simple/a/") is None
    # A username alone is not a credential: the helper answers.
    assert plan_for(helpers, state, [f"https://tok@{P1[8:]}/simple"], f"{P1}/simple/a/") is not None


def test_cached_per_index_scope_or_directory() -> None:
    helpers = table(f"{HOST}/ helper")
    state = AuthState(Provenance())
    plan = plan_for(helpers, state, [f"{P1}/simple"], f"{P1}/simple/a/")
    assert (
        plan is not None
        and str(plan.scope) == f"{HOST}/api/v4/projects/my-group%2Fp1/packages/pypi/"
    )
    outside = plan_for(helpers, state, [f"{P1}/simple"], f"{HOST}/links/page.html")
    assert outside is not None and str(outside.scope) == f"{HOST}/links/"
    assert plan_for(helpers, state, [], "http://gl.example/x") is None  # another origin


def test_files_listed_on_a_page_under_the_prefix() -> None:
    """GitLab links encoded-path index files by numeric id, outside the prefix."""
    helpers = table(f"{P1}/ helper")
    provenance = Provenance()
    state = AuthState(provenance)
    page = f"{P1}/simple/a/"
    file_url = f"{HOST}/api/v4/projects/323/packages/pypi/files/abc/a-1.0-py3-none-any.whl"
    assert plan_for(helpers, state, [f"{P1}/simple"], file_url) is None
    provenance.page_fetched(page, None)
    provenance.link_listed(file_url, page)
    plan = plan_for(helpers, state, [f"{P1}/simple"], file_url)
    assert plan is not None and plan.via_page == page
    assert str(plan.scope) == f"{P1}/"
    # The same file on another origin is never under the page's helper.
    other = file_url.replace("https://", "http://")
    provenance.link_listed(other, page)
    assert plan_for(helpers, state, [f"{P1}/simple"], other) is None


def test_a_page_of_an_index_with_url_credentials_passes_those_on() -> None:
    helpers = table(f"{P1}/ helper")
    provenance = Provenance()
    state = AuthState(provenance)
    index = f"https://u:t@{P1[8:]}/simple"
    page = f"{P1}/simple/a/"
    file_url = f"{HOST}/api/v4/projects/323/packages/pypi/files/abc/a-1.0-py3-none-any.whl"
    provenance.page_fetched(page, Login.of("u", "t"))
    provenance.link_listed(file_url, page)
    assert plan_for(helpers, state, [index], file_url) is None


def test_configuration_from_the_variable_and_pip_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(environ={ENV_HELPERS: f"{HOST}/ a\n{HOST}/x/ b", ENV_TIMEOUT: "2.5"})
    assert [h.argv for h in config.table.lines()] == [("a",), ("b",)]
    assert config.where == ENV_HELPERS and config.timeout == 2.5
    bad = load_config(environ={ENV_HELPERS: "", ENV_TIMEOUT: "soon"})
    assert bad.timeout == 10 and "not a number of seconds" in bad.problems[0]

    conf = tmp_path / "pip.conf"
    conf.write_text(
        f"[pip-scoped-auth]\ncredential-helpers =\n    {HOST}/ from-file\n"
        "credential_helper_timeout = 3\n"
    )
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    monkeypatch.delenv(ENV_HELPERS, raising=False)
    monkeypatch.delenv(ENV_TIMEOUT, raising=False)
    from_file = load_config()
    assert [h.argv for h in from_file.table.lines()] == [("from-file",)]
    assert from_file.where == str(conf) and from_file.timeout == 3
