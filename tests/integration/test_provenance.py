"""Files inherit the credentials of the index page that listed them.

Real pip against the fake GitLab; the server log says which token each
request carried. Each scenario where stock pip guesses wrong is also run on
stock pip, to show the shim is what makes it pass.
"""

from __future__ import annotations

import pytest

from pip_scoped_auth.core.versions import version_tuple
from pip_scoped_auth.demo.registries.gitlab import FakeGitLab, Token
from tests.support.object_storage import ObjectStorage
from tests.support.pip_versions import NEWEST_PIP, pips
from tests.support.pipenvs import MakePip
from tests.support.projects import assert_file_tokens, two_projects_two_tokens
from tests.support.upstream import UpstreamIndex


def _encoded_path_indexes(gitlab: FakeGitLab) -> tuple[dict[int, Token], list[str]]:
    gitlab.add_group(10, "my-group")
    gitlab.add_project(323, "my-group/project-1", group=10)
    gitlab.add_project(324, "my-group/project-2", group=10)
    gitlab.add_package(323, "pypipackage1", "1.3.8")
    gitlab.add_package(324, "pypipackage2", "2.5.6")
    tokens = {323: gitlab.project_deploy_token(323), 324: gitlab.project_deploy_token(324)}
    args = [
        "pypipackage1",
        "pypipackage2",
        "--index-url",
        gitlab.project_index_url("my-group/project-1", tokens[323]),
        "--extra-index-url",
        gitlab.project_index_url("my-group/project-2", tokens[324]),
    ]
    assert "my-group%2Fproject-1" in args[3]
    return tokens, args


@pytest.mark.parametrize("pip_version", pips())
def test_encoded_path_indexes_link_files_by_numeric_id(
    gitlab: FakeGitLab, make_pip: MakePip, pip_version: str
) -> None:
    tokens, args = _encoded_path_indexes(gitlab)
    pip = make_pip(pip_version)
    result = pip.install(*args)
    assert_file_tokens(result, gitlab, dict(tokens))


def test_encoded_path_indexes_fail_on_stock_pip(gitlab: FakeGitLab, make_pip: MakePip) -> None:
    """Stock pip 26.3 ranks both indexes equal for /projects/323/files and sends one token."""
    _tokens, args = _encoded_path_indexes(gitlab)
    result = make_pip(NEWEST_PIP, shim=False).install(*args)
    assert result.returncode != 0, gitlab.describe_log()
    assert any(e.status == 404 for e in gitlab.file_requests()), gitlab.describe_log()


def _group_and_project(gitlab: FakeGitLab, links: str) -> tuple[dict[int, Token], list[str]]:
    gitlab.group_file_links = links  # type: ignore[assignment]
    gitlab.add_group(10, "my-group")
    gitlab.add_project(323, "my-group/project-1", group=10)
    gitlab.add_project(325, "other/project-3")
    gitlab.add_package(323, "pypipackage1", "1.3.8")
    gitlab.add_package(325, "pypipackage3", "3.0")
    group_token = gitlab.group_deploy_token(10)
    project_token = gitlab.project_deploy_token(325)
    args = [
        "pypipackage1",
        "pypipackage3",
        "--index-url",
        gitlab.group_index_url(10, group_token),
        "--extra-index-url",
        gitlab.project_index_url(325, project_token),
    ]
    return {323: group_token, 325: project_token}, args


@pytest.mark.parametrize("pip_version", pips())
@pytest.mark.parametrize("links", ["project", "group"])
def test_group_index_and_project_index_on_one_host(
    gitlab: FakeGitLab, make_pip: MakePip, pip_version: str, links: str
) -> None:
    expected, args = _group_and_project(gitlab, links)
    result = make_pip(pip_version).install(*args)
    assert_file_tokens(result, gitlab, dict(expected))


def test_group_index_with_project_file_links_fails_on_stock_pip(
    gitlab: FakeGitLab, make_pip: MakePip
) -> None:
    _expected, args = _group_and_project(gitlab, "project")
    result = make_pip(NEWEST_PIP, shim=False).install(*args)
    assert result.returncode != 0, gitlab.describe_log()


@pytest.mark.parametrize("pip_version", pips())
def test_public_index_files_go_out_without_the_private_token(
    gitlab: FakeGitLab, make_pip: MakePip, pip_version: str
) -> None:
    gitlab.add_project(400, "open/public-project", public=True)
    gitlab.add_project(401, "closed/private-project")
    gitlab.add_package(400, "publicpkg", "1.0")
    gitlab.add_package(401, "privatepkg", "1.0")
    token = gitlab.project_deploy_token(401)
    args = [
        "publicpkg",
        "privatepkg",
        "--index-url",
        gitlab.project_index_url(400),
        "--extra-index-url",
        gitlab.project_index_url(401, token),
    ]
    result = make_pip(pip_version).install(*args)
    assert_file_tokens(result, gitlab, {400: None, 401: token})
    for entry in gitlab.log:
        if entry.project_id == 400:
            assert not entry.authorization_sent, gitlab.describe_log()


def test_stock_pip_sends_the_private_token_to_the_public_project(
    gitlab: FakeGitLab, make_pip: MakePip
) -> None:
    """What the shim prevents: stock 26.3 guesses the private index for public files."""
    gitlab.add_project(400, "open/public-project", public=True)
    gitlab.add_project(401, "closed/private-project")
    gitlab.add_package(400, "publicpkg", "1.0")
    token = gitlab.project_deploy_token(401)
    result = make_pip(NEWEST_PIP, shim=False).install(
        "publicpkg",
        "--index-url",
        gitlab.project_index_url(400),
        "--extra-index-url",
        gitlab.project_index_url(401, token),
    )
    assert result.returncode == 0, result.redacted()
    public_files = [e for e in gitlab.file_requests() if e.project_id == 400]
    assert public_files and public_files[0].token is token, gitlab.describe_log()


@pytest.mark.parametrize("pip_version", pips())
def test_shared_files_tree_without_a_distinguishing_prefix(
    gitlab: FakeGitLab, make_pip: MakePip, pip_version: str
) -> None:
    tokens, args = two_projects_two_tokens(gitlab, files_base="/shared/files")
    result = make_pip(pip_version).install(*args)
    assert_file_tokens(result, gitlab, dict(tokens))
    assert all(e.path.startswith("/shared/files/") for e in gitlab.file_requests())


def test_shared_files_tree_fails_on_stock_pip(gitlab: FakeGitLab, make_pip: MakePip) -> None:
    _tokens, args = two_projects_two_tokens(gitlab, files_base="/shared/files")
    result = make_pip(NEWEST_PIP, shim=False).install(*args)
    assert result.returncode != 0, gitlab.describe_log()


@pytest.mark.parametrize("pip_version", pips())
@pytest.mark.parametrize("json_pages", [True, False], ids=["json", "html"])
def test_json_pages_and_metadata_files_follow_their_page(
    gitlab: FakeGitLab, make_pip: MakePip, pip_version: str, json_pages: bool
) -> None:
    gitlab.json_pages = json_pages
    version = version_tuple(pip_version)
    # pip before 23.3 (stock too) crashes on PEP 691 JSON whose
    # "dist-info-metadata" is a hash dict ("unhashable type: 'dict'"), so it
    # gets JSON pages without metadata files.
    gitlab.serve_metadata = not (json_pages and version < (23, 3))
    tokens, args = two_projects_two_tokens(gitlab, files_base="/shared/files")
    result = make_pip(pip_version).install(*args)
    assert_file_tokens(result, gitlab, dict(tokens))
    pages = [e for e in gitlab.log if e.kind == "page" and e.status == 200]
    # pip asks for PEP 691 JSON from 22.2 on.
    wants_json = json_pages and version >= (22, 2)
    expected_type = "application/vnd.pypi.simple.v1+json" if wants_json else "text/html"
    assert pages and all(e.content_type == expected_type for e in pages), gitlab.describe_log()
    metadata = gitlab.metadata_requests()
    if pip_version == NEWEST_PIP:
        assert {e.project_id for e in metadata} == {323, 324}, gitlab.describe_log()
    for entry in metadata:
        assert entry.status == 200 and entry.token is tokens[entry.project_id], (
            gitlab.describe_log()
        )


@pytest.mark.parametrize("pip_version", pips())
def test_forwarded_requests_reach_the_upstream_without_credentials(
    gitlab: FakeGitLab, upstream: UpstreamIndex, make_pip: MakePip, pip_version: str
) -> None:
    upstream.add_package("publicdep", "2.0")
    gitlab.forward_to = upstream.simple_url
    tokens, args = two_projects_two_tokens(gitlab)
    result = make_pip(pip_version).install(*args, "publicdep")
    assert_file_tokens(result, gitlab, dict(tokens))
    assert upstream.file_requests(), upstream.describe_log()
    assert not any(e.authorization_sent for e in upstream.log), upstream.describe_log()
    assert any(e.status == 302 for e in gitlab.log), gitlab.describe_log()


@pytest.mark.parametrize("pip_version", pips())
def test_object_storage_redirects_carry_no_credentials(
    gitlab: FakeGitLab, object_storage: ObjectStorage, make_pip: MakePip, pip_version: str
) -> None:
    gitlab.object_storage = object_storage
    tokens, args = two_projects_two_tokens(gitlab)
    result = make_pip(pip_version).install(*args)
    assert_file_tokens(result, gitlab, dict(tokens))
    assert object_storage.requests(status=200), object_storage.describe_log()
    assert not any(e.authorization_sent for e in object_storage.log), object_storage.describe_log()


def _find_links_args(gitlab: FakeGitLab) -> tuple[dict[int, Token], list[str]]:
    """Project 323 as the index, project 324's package page as a --find-links page."""
    tokens, _ = two_projects_two_tokens(gitlab)
    find_links = gitlab.project_index_url(324, tokens[324]) + "/pypipackage2/"
    args = [
        "pypipackage1",
        "pypipackage2",
        "--index-url",
        gitlab.project_index_url(323, tokens[323]),
        "--find-links",
        find_links,
    ]
    return tokens, args


@pytest.mark.parametrize("pip_version", pips())
def test_find_links_files_use_the_find_links_credentials(
    gitlab: FakeGitLab, make_pip: MakePip, pip_version: str
) -> None:
    tokens, args = _find_links_args(gitlab)
    result = make_pip(pip_version).install(*args)
    assert_file_tokens(result, gitlab, dict(tokens))


def test_find_links_files_get_the_index_token_on_stock_pip(
    gitlab: FakeGitLab, make_pip: MakePip
) -> None:
    tokens, args = _find_links_args(gitlab)
    result = make_pip(NEWEST_PIP, shim=False).install(*args)
    assert result.returncode != 0, gitlab.describe_log()
    wrong = [e for e in gitlab.file_requests() if e.project_id == 324]
    assert wrong and wrong[0].token is tokens[323] and wrong[0].status == 404, gitlab.describe_log()
