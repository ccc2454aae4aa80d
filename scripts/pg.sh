#!/usr/bin/env bash
# Local PostgreSQL for development and the second test pass.
#
#   scripts/pg.sh start    initdb under build/pgdata (once), start on 127.0.0.1, print DATABASE_URL
#   scripts/pg.sh stop     stop the server this script started
#   scripts/pg.sh status   exit 0 when a server answers on the port
#   scripts/pg.sh url      print DATABASE_URL
#
# Debian's `postgresql` package provides the binaries; the cluster is private to
# the repo (loopback only, trust auth, fsync off: it holds throwaway test data).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_HOST=127.0.0.1
PG_PORT="${BANCHENG_PG_PORT:-54329}"
PG_DB="${BANCHENG_PG_DB:-bancheng}"
PG_ROLE="${BANCHENG_PG_ROLE:-bancheng}"
PG_OS_USER="${BANCHENG_PG_OS_USER:-postgres}"
BUILD="$ROOT/build"
URL="postgres://$PG_ROLE@$PG_HOST:$PG_PORT/$PG_DB"

log() { printf '[pg] %s\n' "$*" >&2; }

# The cluster lives in build/ unless the postgres user cannot reach it (a clone
# inside a private home directory): then in a per-repo directory in /var/tmp.
PG_BASE="$BUILD"
if [ -z "${BANCHENG_PGDATA:-}" ] && [ "$(id -u)" -eq 0 ] && id "$PG_OS_USER" >/dev/null 2>&1; then
    mkdir -p "$BUILD"
    if ! runuser -u "$PG_OS_USER" -- test -x "$BUILD"; then
        PG_BASE="/var/tmp/bancheng-$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)"
        log "using $PG_BASE ($PG_OS_USER cannot reach $BUILD)"
        mkdir -p "$PG_BASE"
    fi
fi
# A second cluster beside the test one (the fault drills restart theirs): BANCHENG_PG_INSTANCE=name.
PG_INSTANCE="${BANCHENG_PG_INSTANCE:-}"
PGDATA="${BANCHENG_PGDATA:-$PG_BASE/pgdata${PG_INSTANCE:+-$PG_INSTANCE}}"
PGRUN="$PG_BASE/pgrun"
# Unix socket paths are limited to ~107 bytes; a deep clone gets a short one.
if [ "${#PGRUN}" -gt 80 ]; then
    PGRUN="/tmp/bancheng-pg-$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)"
fi
PGLOG="$PG_BASE/pg${PG_INSTANCE:+-$PG_INSTANCE}.log"

apt_install() {
    if [ "$(id -u)" -ne 0 ]; then
        log "missing $*; install it (e.g. sudo apt-get install $*) and retry"
        exit 1
    fi
    log "installing $* from Debian"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" </dev/null
}

pg_bindir() {
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
        apt_install postgresql
        dir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
    fi
    printf '%s' "$dir"
}

# initdb and postgres refuse to run as root: use the package's `postgres` user.
as_pg_user() {
    if [ "$(id -u)" -eq 0 ]; then
        # From / so the postgres user never trips over a private working directory.
        (cd / && runuser -u "$PG_OS_USER" -- "$@")
    else
        "$@"
    fi
}

ready() {
    local bindir="$1"
    "$bindir/pg_isready" -q -h "$PG_HOST" -p "$PG_PORT" >/dev/null 2>&1
}

psql_admin() {
    local bindir="$1"
    shift
    # Over TCP as the bootstrap superuser `postgres` (trust on loopback).
    PGCONNECT_TIMEOUT=5 "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" \
        -U postgres -d postgres "$@"
}

ensure_role_and_db() {
    local bindir="$1"
    if ! psql_admin "$bindir" -tAc "SELECT 1" >/dev/null 2>&1; then
        log "cannot connect as postgres to the server on port $PG_PORT; assuming role and database exist"
        return 0
    fi
    if [ "$(psql_admin "$bindir" -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$PG_ROLE'")" != "1" ]; then
        log "creating role $PG_ROLE (LOGIN CREATEDB)"
        psql_admin "$bindir" -c "CREATE ROLE \"$PG_ROLE\" LOGIN CREATEDB"
    fi
    if [ "$(psql_admin "$bindir" -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != "1" ]; then
        log "creating database $PG_DB"
        psql_admin "$bindir" -c "CREATE DATABASE \"$PG_DB\" OWNER \"$PG_ROLE\" ENCODING 'UTF8' TEMPLATE template0"
    fi
}

init_cluster() {
    local bindir="$1"
    if [ -s "$PGDATA/PG_VERSION" ]; then
        return 0
    fi
    log "initialising a cluster in $PGDATA"
    rm -rf "$PGDATA"
    mkdir -p "$PGDATA"
    if [ "$(id -u)" -eq 0 ]; then
        chown "$PG_OS_USER" "$PGDATA"
    fi
    chmod 700 "$PGDATA"
    as_pg_user "$bindir/initdb" -D "$PGDATA" -U postgres --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 >"$PG_BASE/pg-initdb.log" 2>&1 || {
        log "initdb failed:"
        tail -n 30 "$PG_BASE/pg-initdb.log" >&2
        exit 1
    }
    cat >>"$PGDATA/postgresql.conf" <<EOF

# Written by scripts/pg.sh: loopback only, tuned for throwaway test data.
listen_addresses = '$PG_HOST'
port = $PG_PORT
unix_socket_directories = '$PGRUN'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
EOF
    cat >"$PGDATA/pg_hba.conf" <<EOF
# Written by scripts/pg.sh: trust, loopback and local socket only.
local all all trust
host  all all 127.0.0.1/32 trust
EOF
}

cmd_start() {
    mkdir -p "$BUILD"
    local bindir
    bindir="$(pg_bindir)"
    if ready "$bindir"; then
        log "a server is already running on $PG_HOST:$PG_PORT; reusing it"
    else
        init_cluster "$bindir"
        mkdir -p "$PGRUN"
        touch "$PGLOG"
        if [ "$(id -u)" -eq 0 ]; then
            chown -R "$PG_OS_USER" "$PGDATA" "$PGRUN" "$PGLOG"
            if ! runuser -u "$PG_OS_USER" -- test -w "$PGDATA"; then
                log "user $PG_OS_USER cannot reach $PGDATA (a parent directory is not traversable);"
                log "set BANCHENG_PGDATA to a directory outside it"
                exit 1
            fi
        fi
        log "starting PostgreSQL ($("$bindir/postgres" --version)) on $PG_HOST:$PG_PORT"
        as_pg_user "$bindir/pg_ctl" -D "$PGDATA" -l "$PGLOG" -w -t 60 start </dev/null >/dev/null || {
            log "PostgreSQL failed to start; log tail:"
            tail -n 40 "$PGLOG" >&2 || true
            exit 1
        }
    fi
    ensure_role_and_db "$bindir"
    log "ready: DATABASE_URL=$URL"
    printf '%s\n' "$URL"
}

cmd_stop() {
    local bindir
    bindir="$(pg_bindir)"
    if [ ! -s "$PGDATA/postmaster.pid" ]; then
        log "not running (no server started from $PGDATA)"
        return 0
    fi
    log "stopping the server in $PGDATA"
    as_pg_user "$bindir/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
    log "stopped"
}

cmd_status() {
    local bindir
    bindir="$(pg_bindir)"
    if ready "$bindir"; then
        log "running on $PG_HOST:$PG_PORT"
        return 0
    fi
    log "not running on $PG_HOST:$PG_PORT"
    return 1
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    url) printf '%s\n' "$URL" ;;
    *)
        echo "usage: $0 {start|stop|status|url}" >&2
        exit 2
        ;;
esac
