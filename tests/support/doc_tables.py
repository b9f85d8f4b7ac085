"""Reading the markdown tables of the docs, for the tests that keep the docs true."""

from __future__ import annotations


def table_rows(text: str, first_header: str) -> dict[str, list[str]]:
    """Rows of the markdown table whose first header cell is ``first_header``."""
    rows: dict[str, list[str]] = {}
    in_table = False
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0] == first_header:
            in_table = True
            continue
        if in_table and not line.startswith("|"):
            break
        if in_table and not set(cells[0]) <= set("-: "):
            rows[cells[0]] = cells[1:]
    return rows
