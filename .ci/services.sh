#!/usr/bin/env bash
# Throwaway PostgreSQL and Redis for `make test` / `make bench`, on loopback only.
#
#   .ci/services.sh start   # initdb in a temp dir, start both, print the env to use
#   .ci/services.sh stop    # stop both and delete the temp dir (safe to call twice)
#   .ci/services.sh env     # print DATABASE_URL / REDIS_URL for the running servers
#
# Ports: TEST_PG_PORT (54329) and TEST_REDIS_PORT (6390). The team's dev servers on
# 5433 / 6379 are never touched. State lives in /tmp/toppleder-services-<pgport>.
set -euo pipefail

PG_PORT="${TEST_PG_PORT:-54329}"
REDIS_PORT="${TEST_REDIS_PORT:-6390}"
STATE="/tmp/toppleder-services-${PG_PORT}.state"

pg_bin() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
    [ -n "$dir" ] || { echo "services: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
    echo "$dir"
}

# initdb refuses to run as root: run the server as the postgres user when we are root.
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

print_env() {
    echo "DATABASE_URL=postgres://postgres@127.0.0.1:${PG_PORT}/toppleder"
    echo "REDIS_URL=redis://127.0.0.1:${REDIS_PORT}/0"
}

stop() {
    [ -f "$STATE" ] || return 0
    # shellcheck disable=SC1090
    . "$STATE"
    if [ -n "${DIR:-}" ] && [ -f "$DIR/pg/PG_VERSION" ]; then
        as_pg "$(pg_bin)/pg_ctl" -D "$DIR/pg" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    [ -n "${DIR:-}" ] && rm -rf "$DIR"
    rm -f "$STATE"
    echo "services: stopped PostgreSQL :$PG_PORT and Redis :$REDIS_PORT"
}

start() {
    if [ -f "$STATE" ]; then
        # shellcheck disable=SC1090
        . "$STATE"
        if [ -n "${OWNER:-}" ] && kill -0 "$OWNER" 2>/dev/null; then
            echo "services: already started by process $OWNER (another make test?); '.ci/services.sh stop' ends them" >&2
            exit 1
        fi
        echo "services: cleaning up servers left by an interrupted run"
        stop
    fi
    for port in "$PG_PORT" "$REDIS_PORT"; do
        if port_open "$port"; then
            echo "services: port $port is already in use by something else; set TEST_PG_PORT / TEST_REDIS_PORT" >&2
            exit 1
        fi
    done

    local bin dir
    bin=$(pg_bin)
    dir=$(mktemp -d /tmp/toppleder-services.XXXXXX)
    chmod 755 "$dir"
    mkdir -p "$dir/pg" "$dir/redis"
    [ "$(id -u)" = 0 ] && chown postgres "$dir/pg"
    # The caller's process: a later start sees a dead owner and cleans up after it.
    printf 'DIR=%q\nOWNER=%q\n' "$dir" "${SERVICES_OWNER:-$PPID}" >"$STATE"

    as_pg "$bin/initdb" -D "$dir/pg" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; stop; exit 1; }
    # The log goes inside the data directory: postgres cannot write to root-owned places.
    as_pg "$bin/pg_ctl" -D "$dir/pg" -l "$dir/pg/server.log" -w -t 30 \
        -o "-p $PG_PORT -k $dir/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
        start >/dev/null || { cat "$dir/pg/server.log" >&2; stop; exit 1; }
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres toppleder

    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --save '' --appendonly no \
        --dir "$dir/redis" --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis/redis.log" >/dev/null
    for _ in $(seq 50); do
        redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
        sleep 0.1
    done
    redis-cli -p "$REDIS_PORT" ping >/dev/null || { cat "$dir/redis/redis.log" >&2; stop; exit 1; }
    echo "services: PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT (in $dir)"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    env) print_env ;;
    *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
