"""One source per fact: the rule numbers of ``docs/credential-sources.md`` are the code's."""

from __future__ import annotations

import re
from pathlib import Path

from pip_scoped_auth.core.decision import Source

DOC = Path(__file__).resolve().parents[2] / "docs" / "credential-sources.md"


def _numbered_rules() -> dict[int, str]:
    """The "The order, ..." list: rule number -> the item's text (continuation lines joined)."""
    text = DOC.read_text("utf-8").split("## The order", 1)[1].split("\n## ", 1)[0]
    rules: dict[int, str] = {}
    current: int | None = None
    for line in text.splitlines():
        item = re.match(r"(\d+)\. (.*)", line)
        if item:
            current = int(item.group(1))
            rules[current] = item.group(2)
        elif current is not None and line.startswith("   "):
            rules[current] += " " + line.strip()
        elif not line.strip():
            current = None
    return rules


def test_the_doc_lists_every_source_under_its_rule_numbers() -> None:
    rules = _numbered_rules()
    assert sorted(rules) == list(range(1, 9)), rules
    for source in Source:
        for number in source.rules:
            assert f"(`{source.value}`" in rules[number], (source, number, rules[number])


def test_explain_prints_the_same_numbers() -> None:
    for source in Source:
        numbers = " and ".join(str(n) for n in source.rules)
        assert f"rule{'s' if len(source.rules) > 1 else ''} {numbers}" in source.why
