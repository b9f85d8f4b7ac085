"""Secrets as a type: nothing the package creates can print a password (issue 12)."""

from __future__ import annotations

import pickle
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pip_scoped_auth.core.decision import Decision, PipSources, Source
from pip_scoped_auth.core.provenance import Provenance
from pip_scoped_auth.core.resolver import AuthState
from pip_scoped_auth.core.scopes import CredentialStore, ScopeTable
from pip_scoped_auth.core.secrets import Login, Secret

#: Secrets long and odd enough that a chance match in other text is impossible.
secrets_st = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=4, max_size=40
).map(lambda s: f"tok-7f3a{s}")


def _texts(obj: object) -> list[str]:
    return [repr(obj), str(obj), f"{obj}", f"{obj!r}", "%s %r" % (obj, obj)]  # noqa: UP031


@settings(max_examples=150, deadline=None)
@given(secrets_st)
def test_no_public_object_prints_its_secret(secret: str) -> None:
    url = f"https://user:{quote(secret, safe='')}@reg.test/a/simple"
    table = ScopeTable.from_urls([url])
    (entry,) = table.entries.values()
    assert entry.login.reveal() == ("user", secret)
    login = Login.of("user", secret)
    store = CredentialStore()
    store.put(entry.scope, login)
    prov = Provenance()
    prov.page_fetched("https://reg.test/a/simple/pkg/", login)
    prov.link_listed("https://reg.test/a/files/x.whl", "https://reg.test/a/simple/pkg/")
    state = AuthState(prov)
    decision = state.resolve(
        [url],
        "https://reg.test/a/files/x.whl",
        None,
        None,
        PipSources(netrc=lambda u: None, keyring=lambda u, n: None),
    )
    assert isinstance(decision, Decision) and decision.credentials == ("user", secret)
    objects: list[object] = [
        Secret(secret),
        login,
        entry,
        table,
        store,
        prov,
        state,
        decision,
        *prov.pages_listing("https://reg.test/a/files/x.whl"),
        Decision(
            Login(secret, None), Source.USERNAME_ONLY, entry
        ),  # a lone username may be a token
    ]
    for obj in objects:
        for text in _texts(obj):
            assert secret not in text, type(obj)
            assert quote(secret, safe="") not in text or quote(secret, safe="") == secret


@pytest.mark.parametrize("obj", [Secret("x"), Login.of("u", "x")])
def test_secrets_refuse_to_be_pickled(obj: object) -> None:
    with pytest.raises(TypeError):
        pickle.dumps(obj)


def test_secrets_compare_by_value_without_showing_it() -> None:
    assert Secret("a") == Secret("a") and Secret("a") != Secret("b")
    assert hash(Login.of("u", "a")) == hash(Login.of("u", "a"))
    assert Login.of("u", "a").fingerprint() != Login.of("u", "b").fingerprint()
    assert Login.of("u", "a").fingerprint() == Login.of("u", "a").fingerprint()
