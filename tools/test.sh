#!/usr/bin/env bash
# The README's test command (.ci/run calls it after tools/setup.sh):
# the linters at the exact versions pinned in pyproject's "lint" extra, then
# the whole test suite. A new ruff or mypy release cannot turn this red by
# itself: only a change of the pins can.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m ruff check src tests bench tools
.venv/bin/python -m ruff format --check src tests bench tools
.venv/bin/python -m mypy
exec .venv/bin/python -m pytest -n 2 "$@"
