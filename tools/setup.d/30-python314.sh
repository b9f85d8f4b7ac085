#!/usr/bin/env bash
# Python 3.14 for the integration cells (issue 14), from Debian's archive only.
#
# Debian forky ships python3.14; its glibc is newer than the host's (Debian 12),
# so the interpreter is installed into a minbase chroot-less root with
# debootstrap and patched to load that root's own dynamic loader and libraries.
# Nothing runs inside a chroot and nothing on the host changes but two tools
# (debootstrap, patchelf). The result is cached, so a second run is a no-op:
#   ${PIP_SCOPED_AUTH_TEST_CACHE:-$HOME/.cache/pip-scoped-auth-tests}/python3.14/
#     root/          the debootstrapped file tree (about 236 MB)
#     bin/python3.14 a one-line exec wrapper (a venv's "home" must be the real
#                    binary's folder, which a symlink would not give)
# tests/support/pipenvs.py (find_python) looks for that wrapper.
set -euo pipefail

cache="${PIP_SCOPED_AUTH_TEST_CACHE:-$HOME/.cache/pip-scoped-auth-tests}"
dest="$cache/python3.14"
root="$dest/root"
wrapper="$dest/bin/python3.14"

if [ -x "$wrapper" ] && "$wrapper" -c 'import sys, sysconfig, venv, ensurepip
assert sys.version_info[:2] == (3, 14)
assert sysconfig.get_config_var("WHEEL_PKG_DIR").startswith(sys.argv[1])' "$root" 2>/dev/null; then
  echo "python3.14: cached at $wrapper"
  exit 0
fi

if [ "$(uname -m)" != "x86_64" ]; then
  echo "python3.14: SKIPPED (this script knows x86_64 only); the 3.14 cells will skip" >&2
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  # debootstrap needs root; the 3.14 cells then skip, naming this script.
  echo "python3.14: SKIPPED (debootstrap needs root: run 'sudo bash $0')" >&2
  exit 0
fi

if ! command -v debootstrap >/dev/null || ! command -v patchelf >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq debootstrap patchelf >/dev/null
fi

# The machine's Debian mirror (the only archive reachable from CI), read from
# apt's own configuration: no registry host name is written in this project.
mirror=""
for f in /etc/apt/sources.list.d/*.sources; do
  [ -e "$f" ] || continue
  mirror="$(awk '/^URIs:/ && $2 ~ /\/debian\/?$/ {print $2; exit}' "$f")"
  [ -n "$mirror" ] && break
done
if [ -z "$mirror" ] && [ -e /etc/apt/sources.list ]; then
  mirror="$(awk '/^deb / && $2 ~ /\/debian\/?$/ {print $2; exit}' /etc/apt/sources.list)"
fi
if [ -z "$mirror" ]; then
  echo "python3.14: no Debian mirror in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list; add one (the archive this machine's apt uses) and run again" >&2
  exit 1
fi

# Debian 12's debootstrap has no forky script; sid's serves (same layout).
script=/usr/share/debootstrap/scripts/sid
tmp="$dest.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
echo "python3.14: debootstrap forky from $mirror (about 55 MiB, a minute)"
debootstrap --variant=minbase --include=python3.14-venv forky "$tmp/root" "$mirror" "$script" \
  >"$tmp/debootstrap.log" 2>&1 || {
  tail -20 "$tmp/debootstrap.log" >&2
  exit 1
}

lib="$root/usr/lib/x86_64-linux-gnu"
tmplib="$tmp/root/usr/lib/x86_64-linux-gnu"
# The paths are patched in as they will be after the move below.
patchelf --set-interpreter "$lib/ld-linux-x86-64.so.2" --force-rpath --set-rpath "$lib" \
  "$tmp/root/usr/bin/python3.14"
[ -e "$tmplib/ld-linux-x86-64.so.2" ] || { echo "python3.14: no loader in $tmplib" >&2; exit 1; }

# Debian's ensurepip takes pip's wheel from WHEEL_PKG_DIR (/usr/share/python-wheels):
# point it into the root, or venvs get the host's (older) pip wheel.
for sysconfigdata in "$tmp"/root/usr/lib/python3.14/_sysconfigdata__*.py; do
  sed -i "s|'WHEEL_PKG_DIR': '/usr/share/python-wheels|'WHEEL_PKG_DIR': '$root/usr/share/python-wheels|" \
    "$sysconfigdata"
  grep -q "'WHEEL_PKG_DIR': '$root/" "$sysconfigdata" || {
    echo "python3.14: could not point WHEEL_PKG_DIR into $root ($sysconfigdata)" >&2
    exit 1
  }
done

mkdir -p "$tmp/bin"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$root/usr/bin/python3.14" >"$tmp/bin/python3.14"
chmod +x "$tmp/bin/python3.14"
rm -f "$tmp/debootstrap.log"
rm -rf "$dest"
mv "$tmp" "$dest"
trap - EXIT

"$wrapper" -c 'import sys; print("python3.14:", sys.version.split()[0], "ready at", sys.argv[1])' "$wrapper"
