"""A resolver decision and where it came from: the one place rule numbers and wording live.

Pure: no pip imports. :class:`Source` carries the rule numbers of the order of sources (its
docstring); ``pip -v`` prints its value,
``explain`` its :attr:`Source.why`, and a test holds
``docs/credential-sources.md`` to the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from pip_scoped_auth.core.scopes import AuthInfo, IndexEntry
from pip_scoped_auth.core.secrets import Login

__all__ = ["Decision", "PipSources", "Source"]


class Source(Enum):
    """Where a decision's credentials came from, numbered by the rules below.

    The one place a rule's number and wording live: ``pip -v`` prints the
    value (``from netrc``), ``explain`` prints :attr:`why` with the numbers,
    and a test holds ``docs/credential-sources.md`` to the same numbers.

    Order for a request URL (first answer wins; a login a server already
    rejected for this very URL with 401 or 403 is skipped wherever it turns up):

    1. credentials embedded in the request URL itself (left to pip: ``None``);
    2. provenance: the pages that listed this URL (or the file whose PEP 658
       ``.metadata`` it is), each with the login it was read with (none for a
       public page): first the page whose own index scope contains the URL, then
       the page pip built its link from (the first to list it), then the others;

    and then, for a URL under a configured index's scope:

    3. credentials embedded in that index's URL;
    4. credentials learned for that scope earlier in the run (a 401 answered by
       keyring or the prompt), if the usernames agree;
    5. keyring *before sending*, only where the index URL names a username
       without a password (that spelling says "the password is in keyring"), and
       only where pip would use keyring at all;
    6. netrc (when pip allows it): host-level by design, so it only ever fills a
       scope that has nothing of its own;
    7. keyring (when pip allows it, i.e. after a 401), by the index URL in the
       spelling this pip uses itself first, then as configured, then by host; an
       answer for another user than the index URL names is not used;
    8. the username alone, if the index URL names one, and nothing more.
    """

    PAGE = "page"
    INDEX_URL = "index-url"
    LEARNED = "learned"
    KEYRING = "keyring"
    NETRC = "netrc"
    USERNAME_ONLY = "username-only"
    NONE = "none"

    @property
    def rules(self) -> tuple[int, ...]:
        return _RULES[self][0]

    @property
    def why(self) -> str:
        """Why this source won, for ``explain``, ending with its rule numbers."""
        rules, text, aside = _RULES[self]
        numbers = " and ".join(str(n) for n in rules)
        ref = f"rule {numbers}" if len(rules) == 1 else f"rules {numbers}"
        return f"{text} ({ref}{'; ' + aside if aside else ''})"


_RULES: dict[Source, tuple[tuple[int, ...], str, str]] = {
    Source.PAGE: (
        (2,),
        "an index page listed this URL; it inherits that page's credentials",
        "",
    ),
    Source.INDEX_URL: ((3,), "the index URL carries a username and password", ""),
    Source.LEARNED: ((4,), "credentials accepted earlier in this run for this scope", ""),
    Source.KEYRING: ((5, 7), "keyring has credentials stored under {service}", ""),
    Source.NETRC: (
        (6,),
        "netrc has an entry for this host and the scope has no credentials of its own",
        "netrc is per host by design",
    ),
    Source.USERNAME_ONLY: (
        (8,),
        "the index URL names a user but no password: pip sends no password and may "
        "prompt after a 401",
        "",
    ),
    Source.NONE: (
        (8,),
        "no source has credentials for this URL: the request goes without any, and a "
        "401 is left to pip's keyring and prompt",
        "",
    ),
}


@dataclass(frozen=True)
class Decision:
    """The answer for one URL: what to send, and which rule decided it.

    Its ``repr`` is safe (a :class:`Login` never prints its password);
    :meth:`describe` is the one-line form for logs and the CLI.
    """

    login: Login
    source: Source
    #: The index scope that contains the URL; None outside every scope.
    entry: IndexEntry | None
    #: For :data:`Source.PAGE`: the page (URL without credentials) that listed the file.
    page: str | None = None
    #: Why this candidate (page order, a keyring answer set aside), for ``-v`` and ``explain``.
    detail: str | None = None

    @property
    def credentials(self) -> AuthInfo:
        """pip's plain pair: only for handing back to pip."""
        return self.login.reveal()

    def describe(self) -> str:
        """One log line's worth, without the secret."""
        who = self.login.shown()
        note = f" ({self.detail})" if self.detail else ""
        if self.page is not None:
            return f"listed on {self.page}: {who}, as that page was read{note}"
        if self.entry is None:
            return f"outside every index scope on this host: {who} from {self.source.value}{note}"
        return f"scope {self.entry.scope}: {who} from {self.source.value}{note}"


@dataclass(frozen=True)
class PipSources:
    """pip's own credential sources, bridged by the pip layer (plain pairs in, never kept)."""

    netrc: Callable[[str], AuthInfo | None]
    keyring: Callable[[str, str | None], AuthInfo | None]
    #: pip 23.1+ asks keyring by the index URL with one trailing slash; older pips as configured.
    keyring_slash_first: bool = True
