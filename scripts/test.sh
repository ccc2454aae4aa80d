#!/usr/bin/env bash
# The whole test suite, twice: on SQLite, then on a real PostgreSQL.
#
# Installs what the tests need (Debian packages, .venv), starts Elasticsearch
# and PostgreSQL unless they are already running, stops only what it started.
# Both passes always run; the result fails when either fails or runs no test.
# Extra arguments go to pytest (e.g. scripts/test.sh tests/portal -x).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export BANCHENG_REQUIRE_SERVICES=1
export BANCHENG_ES_URL="${BANCHENG_ES_URL:-http://127.0.0.1:9200}"
export PYTHONDONTWRITEBYTECODE=1

started=()
cleanup() {
    local svc
    for svc in "${started[@]}"; do
        bash "scripts/$svc.sh" stop || true
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bash scripts/system-deps.sh || exit 1
bash scripts/venv.sh test || exit 1

if bash scripts/es.sh status >/dev/null 2>&1; then
    echo "[test] Elasticsearch already running at $BANCHENG_ES_URL; leaving it running"
else
    bash scripts/es.sh start || { echo "[test] Elasticsearch did not start" >&2; exit 1; }
    started+=(es)
fi
if bash scripts/pg.sh status >/dev/null 2>&1; then
    echo "[test] PostgreSQL already running; leaving it running"
    PG_URL="$(bash scripts/pg.sh start)" || exit 1
else
    PG_URL="$(bash scripts/pg.sh start)" || { echo "[test] PostgreSQL did not start" >&2; exit 1; }
    started+=(pg)
fi

run_pass() {
    local name="$1" db_url="$2"
    shift 2
    local var_dir="$ROOT/build/test-var/$name"
    rm -rf "$var_dir"
    mkdir -p "$var_dir"
    echo
    echo "================ test pass: $name ================"
    if [ -n "$db_url" ]; then
        env DATABASE_URL="$db_url" BANCHENG_VAR_DIR="$var_dir" .venv/bin/pytest "$@"
    else
        env -u DATABASE_URL BANCHENG_VAR_DIR="$var_dir" .venv/bin/pytest "$@"
    fi
}

verdict() {
    case "$1" in
        0) echo "passed" ;;
        5) echo "FAILED (no tests collected)" ;;
        *) echo "FAILED (pytest exit $1)" ;;
    esac
}

run_pass sqlite "" "$@"
rc_sqlite=$?
run_pass postgresql "$PG_URL" "$@"
rc_pg=$?

# Fault drills: a few seconds of load on gunicorn + the task worker over PostgreSQL and a
# three-node Elasticsearch, with a node killed, the whole cluster down and PostgreSQL
# restarted; fails when a request answers 500 where it must not or a report is lost.
# They use a PostgreSQL and cluster of their own (they stop them), not the test services.
rc_drills=0
if [ "$#" -eq 0 ] || [ -n "${BANCHENG_DRILLS:-}" ]; then
    echo
    echo "================ fault drills ================"
    .venv/bin/python -m portal.loadtest drills --users 8 --seconds 10 --outage 6
    rc_drills=$?
fi

echo
echo "[test] pass 1 SQLite:     $(verdict "$rc_sqlite")"
echo "[test] pass 2 PostgreSQL: $(verdict "$rc_pg")"
echo "[test] fault drills:       $([ "$rc_drills" -eq 0 ] && echo passed || echo FAILED)"
if [ "$rc_sqlite" -eq 0 ] && [ "$rc_pg" -eq 0 ] && [ "$rc_drills" -eq 0 ]; then
    echo "[test] all passes green"
    exit 0
fi
exit 1
