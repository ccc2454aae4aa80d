#!/usr/bin/env bash
# Create .venv (Python 3.11+) and install the project into it, editable.
#
#   scripts/venv.sh          runtime dependencies
#   scripts/venv.sh test     plus the test extras (pytest, pytest-django, playwright)
#
# Re-installs only when pyproject.toml changed since the last install.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"
extras="${1:-}"
spec="."
[ -n "$extras" ] && spec=".[$extras]"
stamp="$VENV/.bancheng-installed${extras:+-$extras}"

if [ ! -x "$VENV/bin/python" ]; then
    if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        echo "[venv] $PYTHON is missing or older than 3.11; set PYTHON=/path/to/python3.11+" >&2
        exit 1
    fi
    echo "[venv] creating .venv with $("$PYTHON" --version)"
    if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
        # Debian splits venv/ensurepip into python3-venv.
        if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
            rm -rf "$VENV"
            DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv </dev/null
            "$PYTHON" -m venv "$VENV"
        else
            echo "[venv] '$PYTHON -m venv' failed; install python3-venv" >&2
            exit 1
        fi
    fi
fi

if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "[venv] installing $spec"
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q --upgrade pip </dev/null
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q -e "$spec" </dev/null
    touch "$stamp"
else
    echo "[venv] .venv up to date"
fi
