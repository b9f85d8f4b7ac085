"""Benchmark 3: HTTP round trips, shimmed pip against stock pip and against the minimum.

For every scenario in :data:`SCENARIOS` (each a fresh fake GitLab), the same
``pip download`` runs on a stock venv and a shim venv of each pip version, and
the server log gives the number of requests and of 401 challenges. The
minimum is one page per requirement per GitLab index plus one file per
requirement (requests to the stand-in public index are not counted: they
carry no credentials and are the same on both sides).

Every run also has a real keyring backend (``tests/support/keyring_backend``: a JSON
store plus a call log), empty unless the scenario seeds it, so the report
gives the keyring lookups pip made (``get_password``/``get_credential`` calls,
each a process with ``--keyring-provider subprocess``), how many distinct
service names it asked, and how many ``(service, username)`` questions it
asked more than once. The wall time of each single pip run is printed too.

Targets: no 401 for credentials given in URLs or configuration (netrc), or
already learned earlier in the run for that scope; at most one 401 per index
for prompt and keyring credentials (pip asks those only after a 401); never
more requests than stock pip where stock pip succeeds; the shim never asks
keyring the same ``(service, username)`` twice in a run (misses included), and
asks each index first by the spelling the running pip uses itself.

Adding a scenario is one :class:`Scenario` entry whose ``setup`` publishes
packages and returns the :class:`Plan` (pip arguments, stdin, files in HOME).

    .venv/bin/python -m bench.round_trips [--pip 22.3.1 --pip 26.3]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pytest_httpserver import HTTPServer
from tests.support.fixtures import make_fake_gitlab
from tests.support.keyring_backend import TestKeyring
from tests.support.pipenvs import redact

from bench import envs
from bench.measure import markdown_table, verdict
from pip_scoped_auth.demo.registries.gitlab import FakeGitLab

P1, P2 = 323, 324

#: Credential kinds and how many 401 challenges each may cost per index.
CHALLENGES_PER_INDEX = {"url": 0, "config": 0, "prompt": 1, "keyring": 1}


@dataclass
class Plan:
    """What one scenario runs: requirements, index options, and the user's side."""

    requirements: list[str]
    #: ``--index-url``/``--extra-index-url`` options, in order.
    index_args: list[str]
    #: How many of those indexes are on the fake GitLab (pages counted per index).
    gitlab_indexes: int
    secrets: list[str]
    stdin: str | None = None
    #: Files written into the scrubbed HOME before the run: name -> content.
    home_files: dict[str, str] = field(default_factory=dict)
    #: ``(service, username, password)`` entries put in the test keyring, the
    #: service being an index URL as typed (see ``keyring_spelling``).
    keyring: list[tuple[str, str, str]] = field(default_factory=list)
    #: ``pip``: store each entry under the spelling the running pip asks itself
    #: (what ``keyring set`` after a stock pip miss gives); ``typed``: as typed.
    keyring_spelling: str = "pip"
    #: Extra pip options (after the requirements' index options).
    pip_options: list[str] = field(default_factory=list)

    @property
    def minimum(self) -> int:
        """Pages (each requirement on each GitLab index) plus one file per requirement."""
        return len(self.requirements) * self.gitlab_indexes + len(self.requirements)


@dataclass(frozen=True)
class Scenario:
    name: str
    #: A key of :data:`CHALLENGES_PER_INDEX`.
    credentials: str
    setup: Callable[[FakeGitLab, str], Plan]
    #: The oldest pip the scenario applies to (``--keyring-provider`` is 23.1+).
    min_pip: tuple[int, ...] = (0,)
    #: Run pip's keyring provider as the ``keyring`` command (one process per lookup).
    keyring_cli: bool = False

    def applies_to(self, pip_version: str) -> bool:
        return envs.version_tuple(pip_version) >= self.min_pip


def _two_projects(gitlab: FakeGitLab) -> None:
    gitlab.add_group(10, "my-group")
    gitlab.add_project(P1, "my-group/project-1", group=10)
    gitlab.add_project(P2, "my-group/project-2", group=10)
    gitlab.add_package(P1, "pypipackage1", "1.3.8")
    gitlab.add_package(P2, "pypipackage2", "2.5.6")


def same_pat(username: str) -> Callable[[FakeGitLab, str], Plan]:
    """Bug report scenarios 1 and 2: one personal token on both project indexes."""

    def setup(gitlab: FakeGitLab, public: str) -> Plan:
        _two_projects(gitlab)
        pat = gitlab.personal_access_token("alice", projects=[P1, P2])
        return Plan(
            ["pypipackage1", "pypipackage2"],
            [
                "--index-url",
                gitlab.project_index_url(P1, pat, username=username),
                "--extra-index-url",
                gitlab.project_index_url(P2, pat, username=username),
            ],
            gitlab_indexes=2,
            secrets=[pat.secret],
        )

    return setup


def extra_only(username: str) -> Callable[[FakeGitLab, str], Plan]:
    """Bug report scenarios 3 and 4: a public index first, the token on the extra index."""

    def setup(gitlab: FakeGitLab, public: str) -> Plan:
        _two_projects(gitlab)
        pat = gitlab.personal_access_token("alice", projects=[P2])
        return Plan(
            ["pypipackage2"],
            [
                "--index-url",
                public,
                "--extra-index-url",
                gitlab.project_index_url(P2, pat, username=username),
            ],
            gitlab_indexes=1,
            secrets=[pat.secret],
        )

    return setup


def two_deploy_tokens(first: int) -> Callable[[FakeGitLab, str], Plan]:
    """Bug report scenario 5: each project index with its own deploy token."""

    def setup(gitlab: FakeGitLab, public: str) -> Plan:
        _two_projects(gitlab)
        tokens = {P1: gitlab.project_deploy_token(P1), P2: gitlab.project_deploy_token(P2)}
        second = P2 if first == P1 else P1
        return Plan(
            ["pypipackage1", "pypipackage2"],
            [
                "--index-url",
                gitlab.project_index_url(first, tokens[first]),
                "--extra-index-url",
                gitlab.project_index_url(second, tokens[second]),
            ],
            gitlab_indexes=2,
            secrets=[t.secret for t in tokens.values()],
        )

    return setup


def netrc_one_index(gitlab: FakeGitLab, public: str) -> Plan:
    """Configuration credentials: a ``~/.netrc`` entry for the GitLab host."""
    _two_projects(gitlab)
    token = gitlab.project_deploy_token(P1)
    netrc = f"machine {gitlab.host}\n  login {token.username}\n  password {token.secret}\n"
    return Plan(
        ["pypipackage1"],
        ["--index-url", gitlab.project_index_url(P1)],
        gitlab_indexes=1,
        secrets=[token.secret],
        home_files={".netrc": netrc},
    )


def prompt_two_indexes(gitlab: FakeGitLab, public: str) -> Plan:
    """Prompt credentials: two project indexes, nothing configured, tokens typed at the 401."""
    _two_projects(gitlab)
    gitlab.add_package(P1, "pypipackage3", "0.1")
    t1, t2 = gitlab.project_deploy_token(P1), gitlab.project_deploy_token(P2)
    # pip asks user, password, then "Save credentials to keyring [y/N]" (keyring
    # is importable in the venvs, its backend is the null one).
    typed = "".join(f"{t.username}\n{t.secret}\nn\n" for t in (t1, t2))
    return Plan(
        ["pypipackage1", "pypipackage3", "pypipackage2"],
        [
            "--index-url",
            gitlab.project_index_url(P1),
            "--extra-index-url",
            gitlab.project_index_url(P2),
        ],
        gitlab_indexes=2,
        secrets=[t1.secret, t2.secret],
        stdin=typed,
    )


def keyring_service(url: str) -> str:
    """The service name a user stores an index under: the URL as configured, no userinfo."""
    scheme, _, rest = url.partition("://")
    netloc, slash, path = rest.partition("/")
    return f"{scheme}://{netloc.rpartition('@')[2]}{slash}{path}"


SUBPROCESS = ["--keyring-provider", "subprocess", "--no-input"]


def pip_spelling(service: str, pip_version: str) -> str:
    """The spelling of an index URL that stock ``pip_version`` asks keyring by first.

    pip 23.1+ asks by the index URL with one trailing slash; older pips by the
    URL as configured.
    """
    if envs.version_tuple(pip_version) >= KEYRING_PROVIDER_PIP:
        return service.rstrip("/") + "/"
    return service


def keyring_two_indexes(
    named_user: bool, options: Sequence[str] = (), spelling: str = "pip"
) -> Callable[..., Plan]:
    """Two project indexes, each deploy token in keyring under its index URL.

    ``named_user``: the URLs name the token's user (``https://gitlab+deploy-token-1@host/...``),
    so pip asks keyring before the first request; otherwise pip asks after a 401.
    ``spelling``: see :attr:`Plan.keyring_spelling`.
    """

    def setup(gitlab: FakeGitLab, public: str) -> Plan:
        _two_projects(gitlab)
        gitlab.add_package(P1, "pypipackage3", "0.1")
        tokens = [gitlab.project_deploy_token(P1), gitlab.project_deploy_token(P2)]
        urls, entries = [], []
        for project, token in zip((P1, P2), tokens):
            url = gitlab.project_index_url(project, username=token.username if named_user else None)
            urls.append(url)
            entries.append((keyring_service(url), token.username, token.secret))
        return Plan(
            ["pypipackage1", "pypipackage3", "pypipackage2"],
            ["--index-url", urls[0], "--extra-index-url", urls[1]],
            gitlab_indexes=2,
            secrets=[t.secret for t in tokens],
            keyring=entries,
            keyring_spelling=spelling,
            pip_options=list(options),
        )

    return setup


#: pip 23.1 added ``--keyring-provider``.
KEYRING_PROVIDER_PIP = (23, 1)

#: The scenarios measured.
SCENARIOS: list[Scenario] = [
    Scenario("1: same PAT on both indexes, user alice", "url", same_pat("alice")),
    Scenario("2: same PAT on both indexes, user __token__", "url", same_pat("__token__")),
    Scenario("3: PAT on the extra index only, user alice", "url", extra_only("alice")),
    Scenario("4: PAT on the extra index only, user __token__", "url", extra_only("__token__")),
    Scenario("5: two deploy tokens, 323 first", "url", two_deploy_tokens(P1)),
    Scenario("5: two deploy tokens, 324 first", "url", two_deploy_tokens(P2)),
    Scenario("netrc for the host, one index", "config", netrc_one_index),
    Scenario("401 prompt, two indexes, 3 packages", "prompt", prompt_two_indexes),
    Scenario(
        "keyring: user in both URLs, 3 packages", "keyring", keyring_two_indexes(named_user=True)
    ),
    Scenario(
        "keyring: no user in the URLs, 3 packages",
        "keyring",
        keyring_two_indexes(named_user=False),
    ),
    Scenario(
        "keyring: no user in the URLs, stored as typed",
        "keyring",
        keyring_two_indexes(named_user=False, spelling="typed"),
    ),
    Scenario(
        "keyring subprocess: user in both URLs",
        "keyring",
        keyring_two_indexes(named_user=True, options=SUBPROCESS),
        min_pip=KEYRING_PROVIDER_PIP,
        keyring_cli=True,
    ),
    Scenario(
        "keyring subprocess: no user in the URLs",
        "keyring",
        keyring_two_indexes(named_user=False, options=SUBPROCESS),
        min_pip=KEYRING_PROVIDER_PIP,
        keyring_cli=True,
    ),
]


@dataclass
class Lookups:
    """What one pip run asked the keyring, from the backend's call log."""

    #: ``(service, username)`` of every read, in order (``username`` None: any user).
    calls: list[tuple[str, str | None]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.calls)

    @property
    def services(self) -> int:
        """Distinct service names asked."""
        return len({service for service, _ in self.calls})

    @property
    def repeated(self) -> list[tuple[str, str | None]]:
        """``(service, username)`` questions asked more than once."""
        return [k for k, n in Counter(self.calls).items() if n > 1]

    def own_spelling_first(self, index_urls: Sequence[str], pip_version: str) -> bool | None:
        """Whether each index asked about was asked first in ``pip_version``'s own spelling.

        None when no index URL was asked at all (only hosts, or nothing).
        """
        verdicts = []
        for url in index_urls:
            typed = keyring_service(url).rstrip("/")
            asked = [svc for svc, _ in self.calls if svc in (typed, typed + "/")]
            if asked:
                verdicts.append(asked[0] == pip_spelling(typed, pip_version))
        return all(verdicts) if verdicts else None


def lookup_ratio(stock: Lookups, shim: Lookups) -> str:
    """Shim lookups over stock lookups, as a table cell."""
    if stock.count == 0:
        return "-" if shim.count == 0 else "inf"
    return f"{shim.count / stock.count:.2f}"


@dataclass
class Count:
    ok: bool
    requests: int
    challenges: int
    #: Seconds from start to exit of the single pip run.
    wall: float = 0.0
    keyring: Lookups = field(default_factory=Lookups)
    #: pip's last output line when it failed (secrets masked).
    failure: str = ""

    def cell(self) -> str:
        return f"{self.requests} / {self.challenges}" + ("" if self.ok else " (pip failed)")


def run_scenario(
    scenario: Scenario,
    venv: Path,
    pip_version: str,
    server: HTTPServer,
    public: str,
    workdir: Path,
    verbose: bool = False,
) -> tuple[Count, Plan]:
    """One pip run of ``scenario`` against a fresh fake GitLab; counts from its log."""
    gitlab = make_fake_gitlab(server)
    plan = scenario.setup(gitlab, public)
    home = workdir / "home"
    workdir.mkdir(parents=True, exist_ok=True)
    keyring = TestKeyring(workdir / "keyring.json")
    for service, username, password in plan.keyring:
        if plan.keyring_spelling == "pip":
            service = pip_spelling(service, pip_version)
        keyring.set(service, username, password)
    python = envs.python_of(venv)
    keyring_env = (
        keyring.cli_env(python, workdir / "bin") if scenario.keyring_cli else keyring.env()
    )
    env = envs.scrubbed_env(home, keyring_env)
    for name, content in plan.home_files.items():
        path = home / name
        path.write_text(content)
        path.chmod(0o600)
    dest = workdir / "downloads"
    cmd = [str(python), "-m", "pip", "download", "--no-deps", "-d", str(dest)]
    start = time.perf_counter()
    proc = subprocess.run(
        [*cmd, *plan.index_args, *plan.pip_options, *plan.requirements],
        env=env,
        cwd=workdir,
        input=plan.stdin if plan.stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=240,
        # No controlling terminal: getpass reads the typed password from stdin
        # instead of the user's terminal.
        start_new_session=True,
    )
    wall = time.perf_counter() - start
    ok = proc.returncode == 0 and len(list(dest.glob("*.whl"))) == len(plan.requirements)
    log = list(gitlab.log)
    lookups = Lookups(keyring.lookups())
    count = Count(ok, len(log), sum(1 for e in log if e.status == 401), wall, lookups)
    if not ok:
        lines = redact(proc.stdout + proc.stderr, plan.secrets).strip().splitlines()
        last = lines[-1] if lines else f"exit {proc.returncode}"
        # pip's error line repeats the file URL three times: the start says why.
        count.failure = last if len(last) <= 100 else last[:100] + "..."
    if verbose:
        asked = "\n".join(f"keyring: {service} {username}" for service, username in lookups.calls)
        print(f"### {scenario.name}, {venv.name}\n\n```\n{gitlab.describe_log()}\n{asked}\n```\n")
    return count, plan


#: Columns of the per-pip table. ``a / b`` cells are stock / shim where not said.
HEADERS = [
    "scenario",
    "credentials",
    "minimum",
    "stock",
    "shim",
    "shim - minimum",
    "shim 401s",
    "keyring lookups",
    "lookups shim/stock",
    "services asked",
    "asked twice",
    "shim: pip's spelling first",
    "wall [s]",
    "result",
]


def index_urls(plan: Plan) -> list[str]:
    """The URLs given to ``--index-url``/``--extra-index-url`` in ``plan``."""
    args = plan.index_args
    return [args[i + 1] for i, a in enumerate(args[:-1]) if a.endswith("index-url")]


def report_row(
    scenario: Scenario, plan: Plan, base: Count, mine: Count, pip_version: str
) -> tuple[list[object], bool]:
    """One table row (stock and shim side by side) and whether the shim met its targets.

    ``asked twice`` counts the ``(service, username)`` questions asked more than
    once in the run; the target is 0 for the shim, and the shim asks each index
    first by the spelling ``pip_version`` uses itself. Lookups are not a target
    against stock: the shim may ask a spelling stock pip never tries.
    """
    allowed = CHALLENGES_PER_INDEX[scenario.credentials] * plan.gitlab_indexes
    first = mine.keyring.own_spelling_first(index_urls(plan), pip_version)
    ok = mine.ok and mine.challenges <= allowed and not mine.keyring.repeated
    ok = ok and first is not False
    if base.ok:
        ok = ok and mine.requests <= base.requests
    row: list[object] = [
        scenario.name,
        scenario.credentials,
        plan.minimum,
        base.cell(),
        mine.cell(),
        f"{mine.requests - plan.minimum:+d}",
        f"<= {allowed}",
        f"{base.keyring.count} / {mine.keyring.count}",
        lookup_ratio(base.keyring, mine.keyring),
        f"{base.keyring.services} / {mine.keyring.services}",
        f"{len(base.keyring.repeated)} / {len(mine.keyring.repeated)}",
        {None: "-", True: "yes", False: "no"}[first],
        f"{base.wall:.2f} / {mine.wall:.2f}",
        verdict(ok),
    ]
    return row, ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.round_trips", description=__doc__)
    envs.add_common_arguments(parser, runs=1)
    parser.add_argument(
        "--pip",
        action="append",
        help=f"pip version (repeatable; default {' and '.join(envs.EDGE_PIPS)})",
    )
    parser.add_argument("-k", dest="match", default="", help="only scenarios whose name has this")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each server log")
    args = parser.parse_args(argv)

    envs.use_cache(args.cache)
    versions = args.pip or list(envs.EDGE_PIPS)
    scenarios = [s for s in SCENARIOS if args.match in s.name]
    all_ok = True
    keyring_ok = True
    with envs.gitlab_server() as server, envs.empty_index() as public:
        for version in versions:
            stock, shim = envs.venv_pair(version)
            rows: list[list[object]] = []
            notes: list[str] = []
            for scenario in scenarios:
                if not scenario.applies_to(version):
                    notes.append(
                        f"* {scenario.name}: skipped, needs pip >= "
                        + ".".join(map(str, scenario.min_pip))
                    )
                    continue
                with tempfile.TemporaryDirectory(prefix="bench-rt-") as tmp:
                    work = Path(tmp)
                    base, _ = run_scenario(
                        scenario, stock, version, server, public, work / "stock", args.verbose
                    )
                    mine, plan = run_scenario(
                        scenario, shim, version, server, public, work / "shim", args.verbose
                    )
                if not mine.ok:
                    notes.append(f"* {scenario.name}: shim pip failed: `{mine.failure}`")
                if not base.ok:
                    notes.append(f"* {scenario.name}: stock pip failed: `{base.failure}`")
                row, ok = report_row(scenario, plan, base, mine, version)
                all_ok = all_ok and ok
                keyring_ok = (
                    keyring_ok
                    and not mine.keyring.repeated
                    and mine.keyring.own_spelling_first(index_urls(plan), version) is not False
                )
                rows.append(row)
            print(
                f"## Round trips, pip {version} (requests / 401 challenges on the GitLab; "
                "keyring columns and wall time: stock / shim)\n"
            )
            print(markdown_table(HEADERS, rows))
            print("\n".join(["", *notes, ""]))
    print(
        "round trips: 401 targets held, never more requests than stock where stock succeeds: "
        f"{verdict(all_ok)}"
    )
    print(
        "round trips: the shim never asked keyring the same (service, username) twice, "
        "and asked each index by this pip's own spelling first: "
        f"{verdict(keyring_ok)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
