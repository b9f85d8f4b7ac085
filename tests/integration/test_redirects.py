"""Same-origin redirects: the target gets its own scope's credentials, not the source's.

requests keeps the ``Authorization`` header across any same-host redirect and
never re-runs pip's auth, so without the shim a redirect from index A's path
to index B's path carries A's token. A tiny two-index server, stricter than
GitLab: each path prefix accepts only its own token.
"""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from tests.support.pip_versions import NEWEST_PIP, pips
from tests.support.pipenvs import MakePip
from tests.support.two_indexes import TwoIndexes


@pytest.fixture
def two_indexes(httpserver: HTTPServer) -> TwoIndexes:
    httpserver.clear()
    return TwoIndexes(httpserver)


@pytest.mark.parametrize("pip_version", pips())
def test_same_host_redirect_gets_the_targets_credentials(
    two_indexes: TwoIndexes, make_pip: MakePip, pip_version: str
) -> None:
    result = two_indexes.install(make_pip(pip_version))
    assert result.returncode == 0, result.redacted()
    assert two_indexes.file_target_tokens() == ["b"], two_indexes.seen


def test_stock_pip_carries_the_source_token_across_the_redirect(
    two_indexes: TwoIndexes, make_pip: MakePip
) -> None:
    result = two_indexes.install(make_pip(NEWEST_PIP, shim=False))
    assert result.returncode != 0, result.redacted()
    target = two_indexes.file_target_tokens()
    assert target and target[0] == "a", two_indexes.seen
