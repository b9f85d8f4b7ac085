#!/usr/bin/env bash
# Real index servers for tests/integration/test_real_servers.py (issue 13):
# nginx and htpasswd from Debian, pypiserver and devpi-server from PyPI in a
# venv of their own (never the project's or a pip-under-test's venv).
# Safe to run again: apt is skipped when both commands exist, and the venv is
# rebuilt only when the pinned versions below change (stamp file).
set -euo pipefail

if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ] \
  || ! command -v htpasswd >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "set-up: installing nginx and apache2-utils (htpasswd)"
    if ! { apt-get update -qq \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx apache2-utils >/dev/null; }; then
      # The tests skip with a loud reason where nginx is missing; set-up goes on.
      echo "set-up: WARNING: apt-get could not install nginx/apache2-utils;" \
        "the real-server tests will be skipped" >&2
    fi
  else
    # The tests skip with a loud reason where nginx is missing; set-up goes on.
    echo "set-up: WARNING: nginx/htpasswd missing and apt-get unavailable (or not root);" \
      "the real-server tests will be skipped" >&2
  fi
fi

# Versions known to work with the fixtures in tests/realservers/. nginx does
# the authentication (one htpasswd file per location), so pypiserver runs
# with "-a . -P ." and needs no passlib, and devpi is driven through its JSON
# API (no devpi-client).
SERVERS_PACKAGES=(
  "pypiserver==2.4.2"
  "devpi-server==6.20.3"
)
cache="${PIP_SCOPED_AUTH_TEST_CACHE:-$HOME/.cache/pip-scoped-auth-tests}"
venv="$cache/servers-venv"
stamp="$venv/.ready"
want="${SERVERS_PACKAGES[*]}"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "set-up: index servers venv at $venv ($want)"
mkdir -p "$cache"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check "${SERVERS_PACKAGES[@]}" 2>&1 \
  | grep -v "^WARNING: Location '" || true
"$venv/bin/python" -c "import pypiserver, devpi_server" # fail set-up if the install failed
printf '%s' "$want" >"$stamp"
