#!/usr/bin/env bash
# Local single-node Elasticsearch for development and tests.
#
#   scripts/es.sh start    fetch (Maven), unpack (cached under build/), start, wait for health
#   scripts/es.sh stop     stop the node this script started
#   scripts/es.sh status   exit 0 when a node answers on BANCHENG_ES_URL
#
# The node is Elastic's `integ-test-zip` distribution from Maven Central: no
# bundled JDK (the machine's java 17+ runs it), security off, loopback only.
# It ships only a few modules (no analysis-common, no ingest, no reindex), which
# is why the search app indexes pre-analysed tokens with core analyzers.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ES_VERSION="${BANCHENG_ES_VERSION:-8.19.3}"
ES_URL="${BANCHENG_ES_URL:-http://127.0.0.1:9200}"
ES_PORT="$(printf '%s' "$ES_URL" | sed -E 's#^[a-z]+://[^:/]+:?([0-9]*).*#\1#')"
ES_PORT="${ES_PORT:-9200}"
ES_HEAP="${BANCHENG_ES_HEAP:-512m}"
ES_USER="${BANCHENG_ES_USER:-bancheng-es}"
ES_WAIT="${BANCHENG_ES_WAIT:-120}"
BUILD="$ROOT/build"
DIST_DIR="$BUILD/es-dist"
ARTIFACT="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip"

log() { printf '[es] %s\n' "$*" >&2; }

ensure_user() {
    [ "$(id -u)" -eq 0 ] || return 0
    if ! id "$ES_USER" >/dev/null 2>&1; then
        log "creating system user $ES_USER"
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin "$ES_USER"
    fi
}

# The node lives in build/es unless the unprivileged user cannot reach build/
# (a clone inside a private home directory): then in a per-repo dir in /var/tmp.
choose_base() {
    ES_BASE="${BANCHENG_ES_HOME:-$BUILD/es}"
    if [ -z "${BANCHENG_ES_HOME:-}" ] && [ "$(id -u)" -eq 0 ] && id "$ES_USER" >/dev/null 2>&1; then
        mkdir -p "$BUILD"
        if ! runuser -u "$ES_USER" -- test -x "$BUILD"; then
            ES_BASE="/var/tmp/bancheng-$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)/es"
        fi
    fi
    ES_HOME="$ES_BASE/elasticsearch-$ES_VERSION"
    ES_DATA="$ES_BASE/data"
    ES_LOGS="$ES_BASE/logs"
    ES_TMP="$ES_BASE/tmp"
    PIDFILE="$ES_BASE/es.pid"
}

apt_install() {
    # Debian packages only, installed when missing (CI runs as root on a fresh machine).
    if [ "$(id -u)" -ne 0 ]; then
        log "missing $*; install it (e.g. sudo apt-get install $*) and retry"
        exit 1
    fi
    log "installing $* from Debian"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" </dev/null
}

healthy() {
    curl -fsS --max-time 3 "$ES_URL/_cluster/health" 2>/dev/null \
        | grep -Eq '"status":"(green|yellow)"'
}

java_home() {
    if ! command -v java >/dev/null 2>&1; then
        apt_install openjdk-17-jre-headless
    fi
    local java_bin
    java_bin="$(readlink -f "$(command -v java)")"
    dirname "$(dirname "$java_bin")"
}

fetch_dist() {
    local zip="$DIST_DIR/elasticsearch-$ES_VERSION.zip"
    if [ -s "$zip" ]; then
        printf '%s' "$zip"
        return
    fi
    command -v java >/dev/null 2>&1 || apt_install openjdk-17-jre-headless
    command -v mvn >/dev/null 2>&1 || apt_install maven
    mkdir -p "$DIST_DIR"
    log "fetching $ARTIFACT with Maven"
    # Run outside the repo so Maven never picks up a project file; batch mode, no stdin.
    if ! (cd "$DIST_DIR" && mvn -B -q -Dstyle.color=never dependency:copy -Dartifact="$ARTIFACT" \
        -DoutputDirectory="$DIST_DIR" </dev/null >"$DIST_DIR/mvn.log" 2>&1); then
        log "Maven could not fetch $ARTIFACT:"
        tail -n 30 "$DIST_DIR/mvn.log" >&2
        exit 1
    fi
    [ -s "$zip" ] || { log "Maven did not produce $zip"; exit 1; }
    printf '%s' "$zip"
}

unpack() {
    if [ -f "$ES_HOME/.unpacked" ]; then
        return
    fi
    local zip
    zip="$(fetch_dist)"
    command -v unzip >/dev/null 2>&1 || apt_install unzip
    log "unpacking $(basename "$zip")"
    rm -rf "$ES_HOME" "$ES_BASE/unpack.tmp"
    mkdir -p "$ES_BASE/unpack.tmp"
    unzip -q "$zip" -d "$ES_BASE/unpack.tmp"
    mv "$ES_BASE/unpack.tmp/elasticsearch-$ES_VERSION" "$ES_HOME"
    rm -rf "$ES_BASE/unpack.tmp"
    touch "$ES_HOME/.unpacked"
}

write_config() {
    mkdir -p "$ES_DATA" "$ES_LOGS" "$ES_TMP"
    cat >"$ES_HOME/config/elasticsearch.yml" <<EOF
# Written by scripts/es.sh; edits are overwritten on the next start.
cluster.name: bancheng-dev
node.name: bancheng-es
discovery.type: single-node
network.host: 127.0.0.1
http.port: $ES_PORT
path.data: $ES_DATA
path.logs: $ES_LOGS
xpack.security.enabled: false
xpack.security.http.ssl.enabled: false
xpack.security.transport.ssl.enabled: false
# Developer and CI disks are often nearly full; read-only indices would fail tests.
cluster.routing.allocation.disk.threshold_enabled: false
action.destructive_requires_name: false
EOF
}

# Elasticsearch refuses to run as root: run it as an unprivileged system user.
as_es_user() {
    if [ "$(id -u)" -eq 0 ]; then
        if command -v runuser >/dev/null 2>&1; then
            runuser -u "$ES_USER" -- "$@"
        else
            setpriv --reuid="$ES_USER" --regid="$ES_USER" --init-groups -- "$@"
        fi
    else
        "$@"
    fi
}

prepare_user() {
    [ "$(id -u)" -eq 0 ] || return 0
    chown -R "$ES_USER:$ES_USER" "$ES_BASE"
    if ! runuser -u "$ES_USER" -- test -r "$ES_HOME/bin/elasticsearch"; then
        log "user $ES_USER cannot reach $ES_HOME; set BANCHENG_ES_HOME to a directory it can reach"
        exit 1
    fi
}

read_pid() {
    [ -s "$PIDFILE" ] && cat "$PIDFILE" || true
}

cmd_start() {
    if healthy; then
        log "already running at $ES_URL"
        return 0
    fi
    local pid
    pid="$(read_pid)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        log "node $pid is starting; waiting for it"
    else
        command -v curl >/dev/null 2>&1 || apt_install curl
        local jhome
        jhome="$(java_home)"
        unpack
        write_config
        prepare_user
        rm -f "$PIDFILE"
        log "starting Elasticsearch $ES_VERSION on $ES_URL (heap $ES_HEAP)"
        as_es_user env \
            ES_JAVA_HOME="$jhome" \
            ES_JAVA_OPTS="-Xms$ES_HEAP -Xmx$ES_HEAP" \
            ES_TMPDIR="$ES_TMP" \
            "$ES_HOME/bin/elasticsearch" -d -p "$PIDFILE" </dev/null \
            >"$ES_LOGS/startup.out" 2>&1 || {
            log "Elasticsearch failed to start:"
            tail -n 40 "$ES_LOGS/startup.out" >&2 || true
            exit 1
        }
    fi
    local waited=0
    until healthy; do
        if [ "$waited" -ge "$ES_WAIT" ]; then
            log "not healthy after ${ES_WAIT}s; log tail:"
            tail -n 60 "$ES_LOGS/bancheng-dev.log" >&2 2>/dev/null \
                || tail -n 60 "$ES_LOGS/startup.out" >&2 || true
            exit 1
        fi
        pid="$(read_pid)"
        if [ "$waited" -gt 5 ] && [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            log "Elasticsearch exited during startup; log tail:"
            tail -n 60 "$ES_LOGS/bancheng-dev.log" >&2 2>/dev/null || true
            exit 1
        fi
        sleep 2
        waited=$((waited + 2))
    done
    log "ready at $ES_URL (pid $(read_pid))"
}

cmd_stop() {
    local pid
    pid="$(read_pid)"
    if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
        log "not running (no node started by this script)"
        rm -f "$PIDFILE"
        return 0
    fi
    log "stopping pid $pid"
    kill "$pid"
    for _ in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "still running after 60s; killing"
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$PIDFILE"
    log "stopped"
}

cmd_status() {
    if healthy; then
        log "running at $ES_URL"
        curl -fsS --max-time 3 "$ES_URL/_cluster/health?pretty" || true
        return 0
    fi
    log "not running at $ES_URL"
    return 1
}

[ "${1:-}" = "start" ] && ensure_user
choose_base
[ "$ES_BASE" = "$BUILD/es" ] || log "using $ES_BASE ($ES_USER cannot reach $BUILD)"

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *)
        echo "usage: $0 {start|stop|status}" >&2
        exit 2
        ;;
esac
