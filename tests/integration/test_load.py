"""Load: 50 projects on one GitLab host, 50 deploy tokens, one requirements file.

One ``--index-url`` and 49 ``--extra-index-url`` lines, one package from each
project. With the shim everything installs, every file is fetched exactly
once with its own project's token, and no request on a project route carries
another project's token. The numbers (requests, 401s, wall time against stock
pip installing the same set with one token shared by all projects) are
printed and attached to the test report (``record_property``); nothing is
asserted about time.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

from pip_scoped_auth.demo.registries.gitlab import FakeGitLab, Token
from tests.support.pip_versions import NEWEST_PIP
from tests.support.pipenvs import MakePip, PipResult

PROJECTS = 50
GROUP = 100


def _project_ids() -> list[int]:
    return list(range(1, PROJECTS + 1))


@pytest.fixture
def fifty(gitlab: FakeGitLab) -> FakeGitLab:
    gitlab.add_group(GROUP, "load")
    for p in _project_ids():
        gitlab.add_project(p, f"project-{p:02d}", group=GROUP)
        gitlab.add_package(p, f"pkg-{p:02d}", "1.0")
    return gitlab


def _install(
    pip_env_maker: MakePip, shim: bool, gitlab: FakeGitLab, tokens: dict[int, Token]
) -> tuple[PipResult, float]:
    pip = pip_env_maker(NEWEST_PIP, shim=shim)
    lines = []
    for n, p in enumerate(_project_ids()):
        option = "--index-url" if n == 0 else "--extra-index-url"
        lines.append(f"{option} {gitlab.project_index_url(p, tokens[p])}")
    lines += [f"pkg-{p:02d}" for p in _project_ids()]
    requirements = pip.workdir / "requirements.txt"
    requirements.write_text("\n".join(lines) + "\n")
    gitlab.clear_log()
    start = time.perf_counter()
    # Default verbosity: the timing compares pip, not the size of a -vvv log.
    result = pip.install("-r", str(requirements), verbose=False)
    return result, time.perf_counter() - start


def _stats(gitlab: FakeGitLab) -> dict[str, int]:
    statuses = Counter(e.status for e in gitlab.log)
    return {
        "requests": len(gitlab.log),
        "files": len(gitlab.file_requests()),
        "401s": statuses[401],
        "404s": statuses[404],
    }


def test_fifty_projects_fifty_tokens(
    fifty: FakeGitLab, make_pip: MakePip, record_property: pytest.RecordProperty
) -> None:
    tokens = {p: fifty.project_deploy_token(p) for p in _project_ids()}
    result, shim_time = _install(make_pip, True, fifty, tokens)
    assert result.returncode == 0, result.redacted()
    shim_stats = _stats(fifty)

    files = fifty.file_requests()
    per_project = Counter(e.project_id for e in files)
    assert per_project == Counter(_project_ids()), fifty.describe_log(files)
    assert all(e.status == 200 and e.token is tokens[e.project_id] for e in files), (
        fifty.describe_log(files)
    )
    wrong = [
        e
        for e in fifty.log
        if e.project_id is not None and e.authorization_sent and e.token is not tokens[e.project_id]
    ]
    assert wrong == [], fifty.describe_log(wrong)
    assert shim_stats["401s"] == 0, fifty.describe_log()

    # Baseline: stock pip, the same 50 indexes, one token that reads them all.
    shared = fifty.personal_access_token("loader", groups=[GROUP])
    stock, stock_time = _install(make_pip, False, fifty, dict.fromkeys(_project_ids(), shared))
    assert stock.returncode == 0, stock.redacted()
    stock_stats = _stats(fifty)

    numbers = {
        **{f"shim_{k}": v for k, v in shim_stats.items()},
        **{f"stock_shared_{k}": v for k, v in stock_stats.items()},
        "shim_seconds": round(shim_time, 2),
        "stock_shared_seconds": round(stock_time, 2),
        "wall_ratio": round(shim_time / stock_time, 2),
    }
    for key, value in numbers.items():
        record_property(key, value)
    print(f"\nload (pip {NEWEST_PIP}, {PROJECTS} projects): {numbers}")
