"""Files a ``pylock.toml`` pins to an index: that index's scope decides (no pip, no network)."""

from __future__ import annotations

from pip_scoped_auth.core.decision import PipSources, Source
from pip_scoped_auth.core.provenance import Provenance
from pip_scoped_auth.core.resolver import AuthState
from pip_scoped_auth.core.secrets import Login

SECRET_A, SECRET_B = "gldt-locked-a", "gldt-locked-b"
HOST = "http://gl.test"
A = f"{HOST}/api/v4/projects/my-group%2Fp1/packages/pypi/simple"
B = f"{HOST}/api/v4/projects/my-group%2Fp2/packages/pypi/simple"
URLS = [
    f"http://a:{SECRET_A}@gl.test{A[len(HOST) :]}",
    f"http://b:{SECRET_B}@gl.test{B[len(HOST) :]}",
]
FILE_B = f"{HOST}/api/v4/projects/324/packages/pypi/files/abc/package_b-2.0-py3-none-any.whl"
NO_SOURCES = PipSources(netrc=lambda url: None, keyring=lambda url, user: None)


def _decide(provenance: Provenance, url: str) -> tuple[Login, Source, str | None]:
    decision = AuthState(provenance).resolve(URLS, url, None, None, NO_SOURCES)
    assert decision is not None
    return decision.login, decision.source, str(decision.entry.url if decision.entry else None)


def test_a_locked_file_gets_its_index_s_login() -> None:
    provenance = Provenance()
    provenance.link_locked(FILE_B, B + "/")
    login, source, index = _decide(provenance, FILE_B)
    assert login == Login.of("b", SECRET_B) and source == Source.INDEX_URL
    assert index == B
    # Its PEP 658 metadata file follows it.
    assert _decide(provenance, FILE_B + ".metadata")[0] == Login.of("b", SECRET_B)


def test_unlocked_or_unconfigured_or_cross_origin_get_the_usual_rules() -> None:
    provenance = Provenance()
    assert _decide(provenance, FILE_B)[0].empty  # outside every scope: nothing
    provenance.link_locked(FILE_B, "http://gl.test/api/v4/projects/999/packages/pypi/simple/")
    assert _decide(provenance, FILE_B)[0].empty  # an index pip was not given
    other = "http://files.test/package_b-2.0-py3-none-any.whl"
    provenance.link_locked(other, B)
    decision = AuthState(provenance).resolve(URLS, other, None, None, NO_SOURCES)
    assert decision is None  # another origin: pip decides, as without the shim
