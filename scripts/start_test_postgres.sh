#!/usr/bin/env bash
# scripts/start_test_postgres.sh start STATE_DIR | stop STATE_DIR
# A throwaway PostgreSQL server for the fleet storage tests, on 127.0.0.1 only:
#   start: initdb into STATE_DIR/data (trust auth, no password), pick a free port, start it
#          with its Unix socket in STATE_DIR too, wait until it accepts, and write the libpq
#          conninfo to STATE_DIR/conninfo. As root it runs the server as the `postgres` user
#          (runuser), since PostgreSQL refuses to run as root.
#   stop:  pg_ctl stop (fast) and remove STATE_DIR.
# Exit 77 (ctest: skipped) with a message when the PostgreSQL binaries are not installed.
set -euo pipefail
cmd="${1:-}"; state="${2:-}"
[[ -n "$cmd" && -n "$state" ]] || { echo "usage: $0 start|stop STATE_DIR" >&2; exit 2; }
bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
if [[ -z "$bindir" || ! -x "$bindir/initdb" ]]; then
  echo "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin): install postgresql to run the PostgreSQL storage tests; skipping"
  exit 77
fi
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$cmd" in
  start)
    if [[ -f "$state/conninfo" ]]; then "$0" stop "$state" || true; fi
    mkdir -p "$state"
    [[ $(id -u) -eq 0 ]] && chown postgres "$state"
    as_pg "$bindir/initdb" -D "$state/data" -A trust -U postgres --no-sync >"$state/initdb.log" 2>&1 \
      || { cat "$state/initdb.log"; exit 1; }
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_pg "$bindir/pg_ctl" -D "$state/data" -l "$state/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $state -c fsync=off -c max_connections=20" start >/dev/null \
      || { cat "$state/server.log"; exit 1; }
    echo "host=127.0.0.1 port=$port user=postgres dbname=postgres" > "$state/conninfo"
    echo "postgres started: $(cat "$state/conninfo")"
    ;;
  stop)
    if [[ -d "$state/data" ]]; then as_pg "$bindir/pg_ctl" -D "$state/data" -m fast -w stop >/dev/null 2>&1 || true; fi
    rm -rf "$state"
    echo "postgres stopped"
    ;;
  *) echo "usage: $0 start|stop STATE_DIR" >&2; exit 2 ;;
esac
