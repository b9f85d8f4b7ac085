"""The scoped store, the resolver and the provenance map under concurrent use.

pip downloads on one thread today; a future pip may not. These tests hammer
each shared structure from many threads with many scopes and check *every*
answer: a wrong answer here would be a token sent to the wrong project.

Each case is a ``worker(thread_no, rng)`` run by :func:`hammer`, which starts
all threads at once (a barrier), re-raises the first failure, and keeps the
switch interval tiny so threads interleave inside the locked sections. A new
shared structure is a new small worker.
"""

from __future__ import annotations

import random
import sys
import threading
from collections.abc import Callable, Iterator

import pytest

from pip_scoped_auth.core.resolver import AuthState, Lookup, Source
from pip_scoped_auth.core.scopes import Credentials, CredentialStore
from pip_scoped_auth.core.urls import index_scope

THREADS = 8
ROUNDS = 400
PROJECTS = 60
HOST = "http://gl.test:8080"

Worker = Callable[[int, random.Random], None]


@pytest.fixture(autouse=True)
def fast_switching() -> Iterator[None]:
    """Switch threads every few microseconds, so races get a chance to show."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def hammer(worker: Worker, threads: int = THREADS) -> None:
    """Run ``worker`` on ``threads`` threads at once; fail on the first error."""
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        rng = random.Random(n)
        try:
            barrier.wait()
            worker(n, rng)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    pool = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in pool), "a worker hung (deadlock?)"
    if errors:
        raise errors[0]


def index_url(project: int, with_token: bool = True) -> str:
    auth = f"deploy-{project}:token-{project}@" if with_token else ""
    return f"{HOST.replace('://', '://' + auth)}/api/v4/projects/{project}/packages/pypi/simple"


def file_url(project: int, n: int) -> str:
    return f"{HOST}/api/v4/projects/{project}/packages/pypi/files/{n:064x}/pkg-{n}-py3-none-any.whl"


NO_SOURCES = Lookup(netrc=lambda url: None, keyring=lambda url, user: None)


def test_credential_store_never_mixes_scopes() -> None:
    store = CredentialStore()
    scopes = [index_scope(index_url(p)) for p in range(PROJECTS)]
    assert all(scopes)

    def worker(n: int, rng: random.Random) -> None:
        for i in range(ROUNDS):
            p = rng.randrange(PROJECTS)
            scope = scopes[p]
            assert scope is not None
            action = rng.random()
            if action < 0.5:
                store.put(scope, f"user-{p}", f"secret-{p}-{n}-{i}")
            elif action < 0.6:
                store.forget(scope)
            else:
                got = store.get(scope)
                if got is not None:
                    user, secret = got
                    # Username and password belong together and to this scope.
                    assert user == f"user-{p}", (p, user)
                    assert secret.startswith(f"secret-{p}-"), (p, secret)
            assert 0 <= len(store) <= PROJECTS

    hammer(worker)


def test_resolver_answers_every_url_with_its_own_token() -> None:
    """Many scopes on one host, a shared index list swapped mid-run, learned credentials."""
    state = AuthState()
    # Even projects carry their token in the index URL; odd ones learn it (401 + keyring).
    urls = [index_url(p, with_token=p % 2 == 0) for p in range(PROJECTS)]
    current = {"list": urls}

    def worker(n: int, rng: random.Random) -> None:
        for i in range(ROUNDS):
            p = rng.randrange(PROJECTS)
            index_urls = current["list"]
            if n == 0 and i % 25 == 0:
                # pip replaces its index list when a requirements file names one.
                current["list"] = list(urls)
            entry = state.entry_for(index_urls, file_url(p, i))
            assert entry is not None and entry.url == urls[p]
            if p % 2 and rng.random() < 0.3:
                state.learn(entry, f"deploy-{p}", f"token-{p}")
            decision = state.resolve(index_urls, file_url(p, i), None, None, NO_SOURCES)
            assert decision is not None
            if p % 2 == 0:
                assert decision.credentials == (f"deploy-{p}", f"token-{p}")
                assert decision.source == Source.INDEX_URL
            elif decision.source == Source.LEARNED:
                assert decision.credentials == (f"deploy-{p}", f"token-{p}")
            else:
                assert decision.credentials == (None, None), decision.describe()

    hammer(worker)


def test_keyring_answers_are_cached_per_index_under_threads() -> None:
    """Concurrent 401s on many scopes: each gets its own keyring answer, asked few times."""
    state = AuthState()
    urls = [index_url(p, with_token=False) for p in range(PROJECTS)]
    calls: list[str] = []
    calls_lock = threading.Lock()

    def keyring(service: str, username: str | None) -> Credentials | None:
        with calls_lock:
            calls.append(service)
        for p in range(PROJECTS):
            if service == state.keyring_key(state.entry_for(urls, file_url(p, 0))):  # type: ignore[arg-type]
                return f"kr-{p}", f"kr-token-{p}"
        return None

    lookup = Lookup(netrc=lambda url: None, keyring=keyring)

    def worker(n: int, rng: random.Random) -> None:
        for i in range(ROUNDS // 4):
            p = rng.randrange(PROJECTS)
            decision = state.resolve(urls, file_url(p, i), None, None, lookup, allow_keyring=True)
            assert decision is not None
            assert decision.credentials == (f"kr-{p}", f"kr-token-{p}")
            assert decision.source == Source.KEYRING

    hammer(worker)
    # Cached per run: at most one question per index and thread racing on a miss.
    assert len(calls) <= PROJECTS * THREADS


def test_provenance_map_never_mixes_pages() -> None:
    """Pages answer with their own credentials; their links inherit exactly those."""
    provenance = pytest.importorskip("pip_scoped_auth.core.provenance")
    prov = provenance.Provenance(link_limit=PROJECTS * ROUNDS * THREADS)
    pages = [f"{HOST}/api/v4/projects/{p}/packages/pypi/simple/pkg/" for p in range(PROJECTS)]

    def worker(n: int, rng: random.Random) -> None:
        for i in range(ROUNDS):
            p = rng.randrange(PROJECTS)
            prov.page_fetched(pages[p], (f"deploy-{p}", f"token-{p}"))
            link = file_url(p, n * ROUNDS + i)
            assert prov.link_listed(link, pages[p])
            found = prov.lookup(link)
            assert found is not None
            assert found.credentials == (f"deploy-{p}", f"token-{p}")
            # A link on another origin never inherits the page's credentials.
            assert not prov.link_listed(link.replace(":8080", ":8081"), pages[p])
            assert prov.lookup(link.replace(":8080", ":8081")) is None

    hammer(worker)
