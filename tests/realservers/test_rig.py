"""The witness itself: nginx enforces one credential per location and logs which one came.

No pip here: plain HTTP requests against the pypiserver stack, so a broken
map, htpasswd file or log format fails these tests before it can make the
pip tests pass (or fail) for the wrong reason.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.realservers import (
    PypiserverStack,
    ServerUnavailable,
    Tenant,
    describe,
    pypiserver_stack,
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PypiserverStack]:
    try:
        with pypiserver_stack(tmp_path_factory.mktemp("rig")) as running:
            yield running
    except ServerUnavailable as exc:
        pytest.skip(str(exc))


def _get(url: str, authorization: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url)
    if authorization is not None:
        request.add_header("Authorization", authorization)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, bytes(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def test_each_location_accepts_only_its_own_token(stack: PypiserverStack) -> None:
    a, b = stack.tenants["tenant-a"], stack.tenants["tenant-b"]
    page = f"{stack.nginx.origin}/tenant-a/simple/pkg-a/"
    mark = stack.nginx.mark()
    assert _get(page, a.basic_header)[0] == 200
    assert _get(page, b.basic_header)[0] == 401
    assert _get(page)[0] == 401
    # Right user name, another tenant's token: refused, and logged as "other".
    forged = Tenant("x", a.username, b.token).basic_header
    assert _get(page, forged)[0] == 401
    entries = stack.nginx.entries(mark, at_least=4)
    log = describe(entries)
    assert [(e.token, e.status) for e in entries] == [
        ("tenant-a", 200),
        ("tenant-b", 401),
        ("none", 401),
        ("other", 401),
    ], log
    assert [e.user for e in entries] == ["tenant-a", "tenant-b", "-", "tenant-a"], log


def test_pypiserver_links_files_under_its_prefix(stack: PypiserverStack) -> None:
    """``--server-base-url``: root-relative links under the tenant's prefix, not ``/packages/``."""
    b = stack.tenants["tenant-b"]
    status, body = _get(f"{stack.nginx.origin}/tenant-b/simple/pkg-b/", b.basic_header)
    assert status == 200
    assert b'href="/tenant-b/packages/pkg_b-2.0-py3-none-any.whl#sha256=' in body
    assert _get(f"{stack.nginx.origin}/tenant-b/packages/pkg_b-2.0-py3-none-any.whl")[0] == 401
    status, _ = _get(
        f"{stack.nginx.origin}/tenant-b/packages/pkg_b-2.0-py3-none-any.whl", b.basic_header
    )
    assert status == 200


def test_logs_hold_no_token(stack: PypiserverStack) -> None:
    """The access and error logs name users and labels, never a token in any form."""
    for tenant in stack.tenants.values():
        _get(f"{stack.nginx.origin}{tenant.prefix}simple/", tenant.basic_header)
    text = stack.nginx.logs_text()
    assert "tenant-a|tenant-a|200|GET|/tenant-a/simple/" in text
    for tenant in stack.tenants.values():
        assert tenant.token not in text
        assert tenant.basic_header.split()[1][:12] not in text


def test_servers_stop_with_the_stack(tmp_path: Path) -> None:
    """Leaving the ``with`` stops nginx and both pypiservers (nothing listens any more)."""
    try:
        with pypiserver_stack(tmp_path) as running:
            origin = running.nginx.origin
            assert _get(f"{origin}/tenant-a/simple/")[0] == 401
    except ServerUnavailable as exc:
        pytest.skip(str(exc))
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{origin}/tenant-a/simple/", timeout=5)


def test_pypiserver_redirects_unknown_projects_to_another_origin(stack: PypiserverStack) -> None:
    """pypiserver's fallback: an unknown project is a redirect to the public index's origin."""
    assert stack.public is not None
    a = stack.tenants["tenant-a"]
    conn = http.client.HTTPConnection("127.0.0.1", stack.nginx.port, timeout=30)
    try:
        conn.request(
            "GET", "/tenant-a/simple/no-such-project/", headers={"Authorization": a.basic_header}
        )
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    assert response.status in (302, 303)
    assert response.getheader("Location") == f"{stack.public.origin}/simple/no-such-project/"
    assert stack.public.origin != stack.nginx.origin
