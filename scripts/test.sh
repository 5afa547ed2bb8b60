#!/usr/bin/env bash
# The test suite: starts a throw-away PostgreSQL cluster on 127.0.0.1 (so the store is tested
# against the real server), runs pytest, and stops the cluster (pg_ctl, fast) whatever happens.
set -uo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
PGBIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
PGDIR=""
PGPID=""
RUNAS=()
cleanup() {
  # a fast shutdown through pg_ctl (it signals the server itself: a SIGINT to the background job
  # never reached it, since bash starts background jobs ignoring SIGINT, and the folder was removed
  # under a running server after waiting 10 s); then wait for the server's process to end
  if [ -n "$PGPID" ]; then
    "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast -w -t 30 stop >/dev/null 2>&1 || kill -TERM "$PGPID" 2>/dev/null
    for _ in $(seq 150); do kill -0 "$PGPID" 2>/dev/null || break; sleep 0.2; done
  fi
  [ -n "$PGDIR" ] && rm -rf "$PGDIR"
}
trap cleanup EXIT
if [ -n "$PGBIN" ] && [ -z "${ZHIZAO_TEST_PG_URL:-}" ]; then
  PGDIR="$(mktemp -d /tmp/zhizao-pg.XXXXXX)"
  PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$PGDIR"; RUNAS=(runuser -u postgres --); fi
  "${RUNAS[@]}" "$PGBIN/initdb" -D "$PGDIR/data" -U zhizao --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  "${RUNAS[@]}" "$PGBIN/postgres" -D "$PGDIR/data" -c fsync=off -c synchronous_commit=off -c full_page_writes=off -h 127.0.0.1 -p "$PORT" -k "$PGDIR" >"$PGDIR/log" 2>&1 &
  PGPID=$!
  for _ in $(seq 100); do "$PGBIN/pg_isready" -h 127.0.0.1 -p "$PORT" -q && break; sleep 0.2; done
  "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U zhizao zhizao_test
  export ZHIZAO_TEST_PG_URL="postgresql+psycopg://zhizao@127.0.0.1:$PORT/zhizao_test"
  echo "PostgreSQL test cluster on 127.0.0.1:$PORT (pid $PGPID)" >&2
fi
# Parallel on every core (pytest-xdist); a module that starts something expensive (the Spark
# cluster) keeps its tests on one worker (xdist_group); the groups are handed out longest first
# (tests/support/durations.py, in place of xdist's order by number of tests); the slowest 20 tests
# are listed at the end.
"$VENV/bin/python" -m pytest -n "${ZHIZAO_TEST_WORKERS:-auto}" --dist loadgroup --no-loadscope-reorder \
  --durations=20 "$@"
