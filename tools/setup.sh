#!/usr/bin/env bash
# The README's set-up command: everything the tests need, from a fresh machine.
# Each tools/setup.d/*.sh step installs one thing (system packages, index
# servers, other Pythons) and is safe to run again (it skips what is there).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q -e ".[test,lint]"
for step in tools/setup.d/*.sh; do
  [ -e "$step" ] || continue
  echo "set-up: $step"
  bash "$step"
done
