#!/usr/bin/env bash
# Installs the Debian packages mod_auth_cognito needs to build and test (used by tests/run and conf/demo/run):
# the build dependencies below plus every tests/*/packages.txt.
# Skips apt entirely when everything is already installed.
set -euo pipefail

PKGS=(apache2 apache2-dev libcjson-dev libcurl4-openssl-dev libssl-dev libcmocka-dev
      autoconf automake libtool pkg-config make gcc clang curl perl ca-certificates)

# Test suites add what they need in tests/<suite>/packages.txt (one name a line, # comments).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
lists=("$ROOT"/tests/*/packages.txt)
[ "${1:-}" = "--build-only" ] && lists=()   # conf/demo/run: only what building and running the module needs
for list in "${lists[@]+"${lists[@]}"}"; do
    [ -f "$list" ] || continue
    # shellcheck disable=SC2207
    PKGS+=($(sed 's/#.*//' "$list"))
done

missing=()
for p in "${PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
# Node.js >= 18 with npm: any install (Debian's nodejs+npm, or another nodejs package that bundles npm).
node_ok=0
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
    [ "$major" -ge 18 ] && node_ok=1
fi
if [ "$node_ok" -eq 0 ]; then
    for p in nodejs npm; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
fi

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-deps: all packages present"
    exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    SUDO=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
