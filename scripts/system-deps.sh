#!/usr/bin/env bash
# Install the Debian packages the test suite needs, only when missing.
#
#   scripts/system-deps.sh          test needs: chromium (+driver), CJK fonts, PostgreSQL, JDK, Maven
#   scripts/system-deps.sh bench    adds wrk for `make bench-pages`
#
# Runs apt-get update at most once, and not at all when everything is present.
set -euo pipefail

want=(chromium chromium-driver fonts-noto-cjk postgresql maven curl unzip ca-certificates)
if [ "${1:-}" = "bench" ]; then
    want+=(wrk)
fi

have_pkg() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing=()
for pkg in "${want[@]}"; do
    have_pkg "$pkg" || missing+=("$pkg")
done
# Any JDK 17+ will do; only install one when `java` is absent.
if ! command -v java >/dev/null 2>&1; then
    missing+=(openjdk-17-jre-headless)
fi

if [ "${#missing[@]}" -eq 0 ]; then
    echo "[deps] system packages present"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "[deps] missing ${missing[*]} and no apt-get here; install them by hand" >&2
    exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO=(sudo -n)
    else
        echo "[deps] missing ${missing[*]}; run: sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
else
    SUDO=()
fi
echo "[deps] installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq </dev/null
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
