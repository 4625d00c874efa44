#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the test suite and print its SQLAlchemy URL.
#
#   scripts/test-postgres.sh start   # installs postgresql from Debian if missing, starts it
#   scripts/test-postgres.sh stop
#
# The cluster lives in $GENFIRE_PG_DIR (default /tmp/genfire-test-pg) on port
# $GENFIRE_PG_PORT (default 55432), listening on loopback only, separate from any
# system cluster. Progress goes to stderr; stdout is only the URL.
set -euo pipefail

PGDIR="${GENFIRE_PG_DIR:-/tmp/genfire-test-pg}"
PORT="${GENFIRE_PG_PORT:-55432}"
URL="postgresql+asyncpg://genfire:genfire@127.0.0.1:${PORT}/genfire_test"

as_postgres() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$dir" ]; then
    echo "installing PostgreSQL from Debian packages..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    dir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  echo "$dir"
}

start() {
  local bin
  bin=$(pg_bin)
  if [ ! -f "$PGDIR/PG_VERSION" ]; then
    mkdir -p "$PGDIR"
    [ "$(id -u)" = "0" ] && chown postgres "$PGDIR"
    as_postgres "$bin/initdb" -D "$PGDIR" -U postgres -A trust -E UTF8 --no-instructions >&2
  fi
  if ! as_postgres "$bin/pg_ctl" -D "$PGDIR" status >/dev/null 2>&1; then
    as_postgres "$bin/pg_ctl" -D "$PGDIR" -w -l "$PGDIR/server.log" \
      -o "-p $PORT -c listen_addresses=127.0.0.1 -k $PGDIR -c fsync=off -c max_connections=200" start >&2
  fi
  local psql=("$bin/psql" -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -qtA)
  if [ -z "$("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname='genfire'")" ]; then
    "${psql[@]}" -c "CREATE ROLE genfire LOGIN PASSWORD 'genfire'" >&2
  fi
  if [ -z "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname='genfire_test'")" ]; then
    "${psql[@]}" -c "CREATE DATABASE genfire_test OWNER genfire" >&2
  fi
  echo "$URL"
}

stop() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$bin" ] && [ -f "$PGDIR/PG_VERSION" ] && as_postgres "$bin/pg_ctl" -D "$PGDIR" -m fast stop >&2 || true
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
