#!/usr/bin/env bash
# A throwaway PostgreSQL server for evsynth's store tests.
#
#   tools/test-postgres.sh         start it (or find it running) and print its URL on stdout
#   tools/test-postgres.sh stop    stop it and delete its folder
#
# Usage: export EVSYNTH_TEST_POSTGRES_URL="$(tools/test-postgres.sh)"
#
# The server lives in $EVSYNTH_TEST_POSTGRES_DIR (default: $TMPDIR or /tmp, folder
# evsynth-test-postgres), listens on 127.0.0.1 on a free port and trusts every local
# connection (test data only), with durability off for speed. Binaries: $PG_BIN, else the
# newest Debian /usr/lib/postgresql/*/bin, else initdb on PATH. As root, the server runs as
# the `postgres` user (initdb refuses root). Exit status 3: no PostgreSQL binaries here.
set -euo pipefail

STATE="${EVSYNTH_TEST_POSTGRES_DIR:-${TMPDIR:-/tmp}/evsynth-test-postgres}"
DATA="$STATE/data"
DATABASE=evsynth_test

say() { echo "test-postgres: $*" >&2; }

find_bin() {
    if [ -n "${PG_BIN:-}" ]; then
        echo "$PG_BIN"
        return
    fi
    local newest
    newest="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    if [ -n "$newest" ]; then
        echo "$newest"
    elif command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
    fi
}

# Run a server command as the data folder's owner: `postgres` when we are root.
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null \
        || echo $((20000 + RANDOM % 20000))
}

BIN="$(find_bin)"
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
    say "no PostgreSQL binaries (install Debian's postgresql, or set PG_BIN)"
    exit 3
fi

if [ "${1:-start}" = stop ]; then
    if [ -f "$DATA/PG_VERSION" ]; then
        as_owner "$BIN/pg_ctl" -D "$DATA" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$STATE"
    exit 0
elif [ "${1:-start}" != start ]; then
    say "usage: $0 [start|stop]"
    exit 2
fi

if [ -f "$STATE/url" ] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    cat "$STATE/url"
    exit 0
fi

mkdir -p "$STATE"
if [ "$(id -u)" = 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
        say "running as root needs a 'postgres' user to run the server"
        exit 3
    fi
    chown postgres: "$STATE"
fi
if [ ! -f "$DATA/PG_VERSION" ]; then
    rm -rf "$DATA"
    as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --no-locale \
        --no-sync >"$STATE/initdb.log" 2>&1 || { cat "$STATE/initdb.log" >&2; exit 1; }
fi
PORT="$(free_port)"
OPTIONS="-c listen_addresses=127.0.0.1 -p $PORT -k $STATE -c fsync=off"
OPTIONS="$OPTIONS -c synchronous_commit=off -c full_page_writes=off"
if ! as_owner "$BIN/pg_ctl" -D "$DATA" -l "$STATE/server.log" -w -t 30 -o "$OPTIONS" \
    start >/dev/null; then
    tail -n 20 "$STATE/server.log" >&2 || true
    exit 1
fi
PSQL=("$BIN/psql" -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres)
if [ -z "$("${PSQL[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" ]; then
    "${PSQL[@]}" -c "CREATE DATABASE $DATABASE" >/dev/null
fi
echo "postgresql://postgres@127.0.0.1:$PORT/$DATABASE" | tee "$STATE/url"
