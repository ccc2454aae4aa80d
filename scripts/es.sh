#!/usr/bin/env bash
# Local single-node Elasticsearch for development and tests.
#
#   scripts/es.sh start    fetch (Maven), unpack (cached under build/), start, wait for health
#   scripts/es.sh stop     stop the node this script started
#   scripts/es.sh status   exit 0 when a node answers on BANCHENG_ES_URL
#   scripts/es.sh cluster-start | cluster-stop | cluster-status
#                          a three-node cluster on loopback (HTTP 9201-9203, transport
#                          9301-9303; separate config, data and logs per node, one
#                          unpacked distribution); prints the node list for BANCHENG_ES_URL
#   scripts/es.sh node-stop N | node-kill N | node-start N
#                          stop (SIGTERM), kill (SIGKILL) or restart one cluster node (fault drills)
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

# --- three-node cluster ------------------------------------------------------
CLUSTER_NODES="${BANCHENG_ES_CLUSTER_NODES:-3}"
CLUSTER_HTTP_BASE="${BANCHENG_ES_CLUSTER_HTTP_BASE:-9200}"
CLUSTER_TRANSPORT_BASE="${BANCHENG_ES_CLUSTER_TRANSPORT_BASE:-9300}"
CLUSTER_HEAP="${BANCHENG_ES_CLUSTER_HEAP:-384m}"

node_dir() { printf '%s/cluster/node%s' "$ES_BASE" "$1"; }
node_http() { printf '%s' "$((CLUSTER_HTTP_BASE + $1))"; }
node_url() { printf 'http://127.0.0.1:%s' "$(node_http "$1")"; }
node_pid() { local f; f="$(node_dir "$1")/es.pid"; if [ -s "$f" ]; then cat "$f"; fi; }

cluster_urls() {
    local i urls=()
    for i in $(seq 1 "$CLUSTER_NODES"); do urls+=("$(node_url "$i")"); done
    (IFS=,; printf '%s' "${urls[*]}")
}

node_healthy() {
    curl -fsS --max-time 3 "$(node_url "$1")/_cluster/health" 2>/dev/null \
        | grep -Eq '"status":"(green|yellow)"'
}

cluster_green() {
    curl -fsS --max-time 3 "$(node_url "$1")/_cluster/health" 2>/dev/null \
        | grep -Eq "\"status\":\"green\".*\"number_of_nodes\":$CLUSTER_NODES[,}]"
}

write_node_config() {
    local n="$1" dir seeds masters i
    dir="$(node_dir "$n")"
    mkdir -p "$dir/data" "$dir/logs" "$dir/tmp"
    if [ ! -f "$dir/config/jvm.options" ]; then
        rm -rf "$dir/config"
        cp -r "$ES_HOME/config" "$dir/config"
    fi
    seeds=""; masters=""
    for i in $(seq 1 "$CLUSTER_NODES"); do
        seeds="$seeds\"127.0.0.1:$((CLUSTER_TRANSPORT_BASE + i))\","
        masters="$masters\"bancheng-es-$i\","
    done
    cat >"$dir/config/elasticsearch.yml" <<EOF
# Written by scripts/es.sh cluster-start; edits are overwritten on the next start.
cluster.name: bancheng-cluster
node.name: bancheng-es-$n
network.host: 127.0.0.1
http.port: $(node_http "$n")
transport.port: $((CLUSTER_TRANSPORT_BASE + n))
discovery.seed_hosts: [${seeds%,}]
cluster.initial_master_nodes: [${masters%,}]
path.data: $dir/data
path.logs: $dir/logs
xpack.security.enabled: false
xpack.security.http.ssl.enabled: false
xpack.security.transport.ssl.enabled: false
cluster.routing.allocation.disk.threshold_enabled: false
action.destructive_requires_name: false
EOF
}

start_node() {
    local n="$1" dir pid jhome
    dir="$(node_dir "$n")"
    pid="$(node_pid "$n")"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        log "node $n already running (pid $pid)"
        return 0
    fi
    jhome="$(java_home)"
    write_node_config "$n"
    prepare_user
    rm -f "$dir/es.pid"
    log "starting cluster node $n on $(node_url "$n") (heap $CLUSTER_HEAP)"
    as_es_user env \
        ES_JAVA_HOME="$jhome" \
        ES_PATH_CONF="$dir/config" \
        ES_JAVA_OPTS="-Xms$CLUSTER_HEAP -Xmx$CLUSTER_HEAP" \
        ES_TMPDIR="$dir/tmp" \
        "$ES_HOME/bin/elasticsearch" -d -p "$dir/es.pid" </dev/null \
        >"$dir/logs/startup.out" 2>&1 || {
        log "node $n failed to start:"
        tail -n 40 "$dir/logs/startup.out" >&2 || true
        exit 1
    }
}

wait_cluster_green() {
    local waited=0 i
    while :; do
        for i in $(seq 1 "$CLUSTER_NODES"); do
            cluster_green "$i" && return 0
        done
        if [ "$waited" -ge "$((ES_WAIT * 2))" ]; then
            log "cluster not green with $CLUSTER_NODES nodes after $((ES_WAIT * 2))s; log tail of node 1:"
            tail -n 40 "$(node_dir 1)/logs/bancheng-cluster.log" >&2 2>/dev/null || true
            exit 1
        fi
        sleep 2
        waited=$((waited + 2))
    done
}

cmd_cluster_start() {
    local i
    command -v curl >/dev/null 2>&1 || apt_install curl
    unpack
    java_home >/dev/null
    # The nodes boot in parallel: each daemonizes only once its own startup is done.
    local pids=()
    for i in $(seq 1 "$CLUSTER_NODES"); do
        start_node "$i" &
        pids+=("$!")
    done
    for i in "${pids[@]}"; do wait "$i" || exit 1; done
    wait_cluster_green
    log "cluster green with $CLUSTER_NODES nodes"
    cluster_urls
    printf '\n'
}

stop_node() {
    local n="$1" signal="${2:-TERM}" pid
    pid="$(node_pid "$n")"
    if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
        rm -f "$(node_dir "$n")/es.pid"
        return 0
    fi
    log "stopping cluster node $n (pid $pid, SIG$signal)"
    kill "-$signal" "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 1
    done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    rm -f "$(node_dir "$n")/es.pid"
}

cmd_cluster_stop() {
    local i
    for i in $(seq 1 "$CLUSTER_NODES"); do stop_node "$i"; done
    log "cluster stopped"
}

cmd_cluster_status() {
    local i up=0
    for i in $(seq 1 "$CLUSTER_NODES"); do
        if node_healthy "$i"; then up=$((up + 1)); fi
    done
    log "$up of $CLUSTER_NODES cluster nodes answering"
    if [ "$up" -gt 0 ]; then
        curl -fsS --max-time 3 "$(cluster_urls | cut -d, -f1)/_cat/nodes?v" 2>/dev/null || true
    fi
    [ "$up" -eq "$CLUSTER_NODES" ]
}

case "${1:-}" in start|cluster-start|node-start) ensure_user ;; esac
choose_base
[ "$ES_BASE" = "$BUILD/es" ] || log "using $ES_BASE ($ES_USER cannot reach $BUILD)"

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    cluster-start) cmd_cluster_start ;;
    cluster-stop) cmd_cluster_stop ;;
    cluster-status) cmd_cluster_status ;;
    cluster-urls) cluster_urls; printf '\n' ;;
    node-stop) stop_node "${2:?node number}" TERM ;;
    node-kill) stop_node "${2:?node number}" KILL ;;
    node-start) unpack; start_node "${2:?node number}" ;;
    *)
        echo "usage: $0 {start|stop|status|cluster-start|cluster-stop|cluster-status|cluster-urls|node-stop N|node-kill N|node-start N}" >&2
        exit 2
        ;;
esac
