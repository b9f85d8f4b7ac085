"""Properties of the scope rules, checked with hypothesis.

URLs are generated from parts (scheme, host, port, path segments, query,
fragment, userinfo) and then *re-spelled* in ways that must not change their
meaning: host and scheme case, the default port written or not, unreserved
characters percent-encoded, ``.``/``..`` segments, empty segments, a trailing
slash, a query, a fragment, userinfo. Invariants:

* no input makes the scope code raise;
* a lookup never crosses origins;
* the longest scope that contains the URL on segment boundaries wins (checked
  against a brute-force model);
* URLs equal after normalisation get equal answers.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pip_scoped_auth.core.scopes import ScopeTable
from pip_scoped_auth.core.urls import (
    DEFAULT_PORTS,
    Origin,
    Scope,
    index_scope,
    request_location,
    split_userinfo,
    without_userinfo,
)

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ----------------------------------------------------------------- strategies

label = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
ascii_host = (
    st.lists(label, min_size=1, max_size=3)
    .map(".".join)
    .filter(lambda h: not h.replace(".", "").isdigit())
)
unicode_host = st.sampled_from(
    ["bücher.test", "xn--bcher-kva.test", "пример.test", "例え.test", "straße.test", "strasse.test"]
)
ipv4 = st.builds(lambda a, b: f"10.0.{a}.{b}", st.integers(0, 255), st.integers(0, 255))
ipv6 = st.sampled_from(["::1", "fe80::1", "2001:db8::2", "2001:db8:0:0:0:0:0:2"]).map(
    lambda h: f"[{h}]"
)
host = st.one_of(ascii_host, unicode_host, ipv4, ipv6)
scheme = st.sampled_from(["http", "https"])
port = st.one_of(st.none(), st.sampled_from([80, 443, 8080, 3141]))
# Segments: unreserved, sub-delims, percent-escapes, non-ASCII, "simple".
segment_text = st.text("abcXYZ019-._~!$&'()*+,;=:@é%/", min_size=1, max_size=6).filter(
    lambda s: s not in (".", "..")
)
#: What stays literal when a test spells a segment (``%`` and ``/`` are escaped).
PATH_SAFE = "!$&'()*+,;=:@~"
segment = st.one_of(segment_text, st.sampled_from(["simple", "+simple", "pypi", "projects"]))
segments = st.lists(segment, max_size=5)
any_text = st.text(max_size=60)


def origin_of(scheme: str, host: str, port: int | None) -> str:
    return f"{scheme}://{host}" + ("" if port is None else f":{port}")


def url_of(scheme: str, host: str, port: int | None, segs: list[str]) -> str:
    path = "/".join(quote(s, safe=PATH_SAFE) for s in segs)
    return f"{origin_of(scheme, host, port)}/{path}"


@st.composite
def urls(draw: st.DrawFn) -> str:
    return url_of(draw(scheme), draw(host), draw(port), draw(segments))


@st.composite
def respelled(draw: st.DrawFn) -> tuple[str, str]:
    """A URL and another spelling of the same location."""
    sch, hst, prt, segs = draw(scheme), draw(ascii_host | ipv4 | ipv6), draw(port), draw(segments)
    plain = url_of(sch, hst, prt, segs)
    sch2 = draw(st.sampled_from([sch, sch.upper(), sch.title()]))
    hst2 = draw(st.sampled_from([hst, hst.upper(), hst + "." if hst[-1].isalpha() else hst]))
    if prt is None:
        prt2: int | None = draw(st.sampled_from([None, DEFAULT_PORTS[sch]]))
    elif prt == DEFAULT_PORTS[sch]:
        prt2 = draw(st.sampled_from([None, prt]))
    else:
        prt2 = prt
    pieces: list[str] = []
    for s in segs:
        if draw(st.booleans()):
            pieces.append(draw(st.sampled_from([".", "", "x/..", "%2e", "./."])))
        spelled = []
        for c in s:
            if c.isascii() and (c.isalnum() or c in "-._~") and draw(st.booleans()):
                # An unreserved character, percent-encoded (upper or lower hex).
                spelled.append(f"%{ord(c):02{draw(st.sampled_from('xX'))}}")
            else:
                escaped = quote(c, safe=PATH_SAFE)
                if escaped != c and draw(st.booleans()):
                    escaped = escaped.lower()  # lower-case hex in the escapes
                spelled.append(escaped)
        pieces.append("".join(spelled))
    path = "/".join(pieces)
    if draw(st.booleans()):
        path += "/"
    userinfo = draw(st.sampled_from(["", "u@", "u:p%40ss@", "%5F_token__:x@"]))
    tail = draw(st.sampled_from(["", "?q=1", "#frag", "?a=/b#c/d"]))
    other = f"{sch2}://{userinfo}{hst2}" + ("" if prt2 is None else f":{prt2}") + f"/{path}{tail}"
    return plain, other


index_urls = st.lists(
    st.builds(
        lambda o, segs, tail: url_of(*o, segs) + tail,
        st.tuples(scheme, st.sampled_from(["gl.test", "GL.test", "other.test"]), port),
        st.lists(st.sampled_from(["api", "v4", "projects", "1", "12", "123", "pypi"]), max_size=4),
        st.sampled_from(["", "/simple", "/simple/", "/+simple"]),
    ),
    max_size=6,
)
request_urls = st.builds(
    lambda o, segs: url_of(*o, segs),
    st.tuples(scheme, st.sampled_from(["gl.test", "gl.TEST", "other.test", "third.test"]), port),
    st.lists(
        st.sampled_from(["api", "v4", "projects", "1", "12", "123", "pypi", "files"]), max_size=6
    ),
)

# ----------------------------------------------------------------- no crash


@SETTINGS
@given(any_text)
def test_no_text_makes_the_scope_code_raise(text: str) -> None:
    for candidate in (text, f"http://{text}", f"https://h.test/{text}", f"http://{text}@h/"):
        request_location(candidate)
        index_scope(candidate)
        split_userinfo(candidate)
        table = ScopeTable.from_urls([candidate, "http://u:p@h.test/simple"])
        table.entry_for(candidate)


#: Hypothesis never generates surrogates by itself; pip's strings can hold them
#: (``surrogateescape``-decoded bytes), and a lone one must not crash a lookup.
surrogate_text = st.lists(
    st.sampled_from(["\ud800", "\udcff", "\udfff", "a", "%", "/", "é"]), max_size=8
).map("".join)


@SETTINGS
@given(surrogate_text)
def test_lone_surrogates_do_not_raise(text: str) -> None:
    for candidate in (f"http://h.test/{text}", f"http://{text}/x", f"http://{text}@h.test/"):
        request_location(candidate)
        split_userinfo(candidate)


# ----------------------------------------------------------------- origins


@SETTINGS
@given(index_urls, request_urls)
def test_lookup_never_crosses_origins(indexes: list[str], url: str) -> None:
    hit = ScopeTable.from_urls(indexes).entry_for(url)
    location = request_location(url)
    if hit is not None:
        assert location is not None
        # The same origin, or the http origin an https URL upgrades; never https -> http.
        assert location.origin.accepts_credentials_of(hit.scope.origin)
        assert location.segments[: len(hit.scope.segments)] == hit.scope.segments


@SETTINGS
@given(urls())
def test_origin_keeps_scheme_host_and_port_apart(url: str) -> None:
    location = request_location(url)
    assert location is not None
    for changed in (
        url.replace("://", "s://", 1)
        if url.startswith("http://")
        else url.replace("s://", "://", 1),
        url.replace("://", "://evil.", 1),
    ):
        other = request_location(changed)
        assert other is None or other.origin != location.origin


def test_idna_maps_only_what_the_wire_maps() -> None:
    """``bücher`` and its punycode are one host; ``straße`` is not ``strasse``.

    IDNA 2003 (Python's ``idna`` codec) folds ``ß`` to ``ss``, but requests
    and urllib3 encode hosts with IDNA 2008 / UTS 46, where ``straße`` is
    ``xn--strae-oqa``: treating them as one origin would send one host's
    token to the other.
    """
    assert request_location("http://bücher.test/x") == request_location(
        "http://xn--bcher-kva.test/x"
    )
    assert request_location("http://BÜCHER.test/x") == request_location("http://bücher.test/x")
    strasse = request_location("http://strasse.test/x")
    assert strasse is not None
    assert request_location("http://straße.test/x") != strasse
    table = ScopeTable.from_urls(["http://u:t@strasse.test/simple"])
    assert table.entry_for("http://straße.test/files/x") is None


def test_ipv6_spellings_are_one_origin() -> None:
    a = request_location("http://[2001:db8::2]:8080/x")
    b = request_location("http://[2001:DB8:0:0:0:0:0:2]:8080/x")
    assert a is not None and a == b
    assert a.origin.host == str(ipaddress.ip_address("2001:db8::2"))
    assert str(a.origin) == "http://[2001:db8::2]:8080"


# ------------------------------------------------------------ longest scope


def brute_force(indexes: list[str], url: str) -> Scope | None:
    """The model: among scopes containing the URL, the one with most segments."""
    location = request_location(url)
    if location is None:
        return None
    # The URL's own origin first; an https URL with no scope there falls back
    # to the plain-http origin it upgrades (never the reverse).
    for origin in (location.origin, location.origin.downgraded()):
        best: Scope | None = None
        for index in indexes:
            scope = index_scope(index)
            if scope is None or scope.origin != origin:
                continue
            if location.segments[: len(scope.segments)] != scope.segments:
                continue
            if best is None or len(scope.segments) > len(best.segments):
                best = scope
        if best is not None:
            return best
    return None


@SETTINGS
@given(index_urls, request_urls)
def test_longest_segment_boundary_scope_wins(indexes: list[str], url: str) -> None:
    hit = ScopeTable.from_urls(indexes).entry_for(url)
    expected = brute_force(indexes, url)
    assert (hit.scope if hit else None) == expected


@SETTINGS
@given(
    st.lists(st.sampled_from(["1", "12", "123", "1234"]), min_size=1, max_size=4, unique=True),
    st.sampled_from(["1", "12", "123", "1234", "12345"]),
)
def test_a_prefix_that_is_not_a_segment_never_matches(ids: list[str], wanted: str) -> None:
    table = ScopeTable.from_urls(
        f"http://u{i}:t{i}@gl.test/api/v4/projects/{i}/packages/pypi/simple" for i in ids
    )
    hit = table.entry_for(f"http://gl.test/api/v4/projects/{wanted}/packages/pypi/files/a/b.whl")
    if wanted in ids:
        assert hit is not None and hit.login.reveal() == (f"u{wanted}", f"t{wanted}")
    else:
        assert hit is None


@SETTINGS
@given(index_urls)
def test_first_listed_index_wins_a_shared_scope(indexes: list[str]) -> None:
    table = ScopeTable.from_urls(indexes)
    for scope, entry in table.entries.items():
        first = next(u for u in indexes if index_scope(u) == scope)
        assert entry.url == without_userinfo(first)
        assert entry.login.reveal() == split_userinfo(first)


# ------------------------------------------------------------ equal answers


@SETTINGS
@given(respelled())
def test_respelled_urls_have_equal_locations(pair: tuple[str, str]) -> None:
    plain, other = pair
    assert request_location(plain) == request_location(other)


@SETTINGS
@given(index_urls, respelled())
def test_respelled_urls_get_equal_answers(indexes: list[str], pair: tuple[str, str]) -> None:
    plain, other = pair
    # Make some index actually cover the pair's origin, so answers are not all None.
    location = request_location(plain)
    assume(location is not None)
    assert location is not None
    covering = f"{location.origin}/{'/'.join(location.segments[:1])}/simple"
    table = ScopeTable.from_urls([*indexes, f"{covering}".replace("://", "://u:t@", 1)])
    a, b = table.entry_for(plain), table.entry_for(other)
    assert a == b
    assert a is not None


@SETTINGS
@given(respelled())
def test_respelled_index_urls_have_equal_scopes(pair: tuple[str, str]) -> None:
    plain, other = pair
    assert index_scope(plain) == index_scope(other)


def test_encoded_dot_segments_are_dot_segments() -> None:
    """``%2e%2e`` is ``..`` (RFC 3986 6.2.2.2, as browsers and many servers read it).

    Resolving it is the safe reading: ``/a/b/%2e%2e/c`` is then outside
    ``/a/b/``, so at worst a server that reads it literally gets no token.
    """
    assert request_location("http://h.test/a/b/%2e%2E/c") == request_location("http://h.test/a/c")
    assert request_location("http://h.test/a/%2E/b") == request_location("http://h.test/a/b")
    table = ScopeTable.from_urls(["http://u:t@h.test/a/b/simple"])
    assert table.entry_for("http://h.test/a/b/%2e%2e/c/x") is None


def test_origin_of_default_port_prints_without_it() -> None:
    assert str(Origin("https", "h.test", 443)) == "https://h.test"
    assert str(Origin("https", "h.test", 80)) == "https://h.test:80"


@SETTINGS
@given(st.one_of(urls(), request_urls, any_text, respelled().map(lambda pair: pair[1])))
def test_the_plain_reading_agrees_with_the_full_one(url: str) -> None:
    """``request_location``'s string fast path answers exactly as ``urlsplit`` would."""
    from pip_scoped_auth.core import urls as urls_module

    fast = urls_module._plain_location(url)
    if fast is not urls_module._NOT_PLAIN:
        assert fast == urls_module._parsed_location(url), url


@pytest.mark.parametrize(
    "url",
    [
        "http://H.test/a/b", "https://h.test:443/a//b/", "http://h.test:8080", "http://h.test?x=1",
        "http://h.test/a#frag/x", "http://h.test:0/", "http://h.test:099/a", "http://h-1.test/~a/b@c",
    ],
)  # fmt: skip
def test_common_spellings_take_the_plain_reading(url: str) -> None:
    from pip_scoped_auth.core import urls as urls_module

    fast = urls_module._plain_location(url)
    assert fast is not urls_module._NOT_PLAIN and fast == urls_module._parsed_location(url)
