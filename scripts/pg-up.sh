#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on a loopback port and prints its base URL.
# Installs Debian's PostgreSQL when it is missing. Never touches the system cluster.
# Usage: eval "$(scripts/pg-up.sh)"   → exports TANDEM_TEST_PG and PG_TMP
set -euo pipefail
if ! command -v pg_config >/dev/null || [ ! -x "$(pg_config --bindir)/initdb" ]; then
  echo "installing PostgreSQL from Debian's packages…" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
  else sudo apt-get update -qq >&2 && sudo apt-get install -y -qq postgresql >&2; fi
fi
PGBIN=$(pg_config --bindir)
PORT=${PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
DIR=$(mktemp -d /tmp/tandem-pg.XXXXXX)
if [ "$(id -u)" = 0 ]; then
  # initdb refuses to run as root.
  chown postgres:postgres "$DIR"
  RUN() { su postgres -s /bin/sh -c "$*"; }
else
  RUN() { sh -c "$*"; }
fi
fail() {
  echo "pg-up: $1; its log:" >&2
  tail -n 20 "$2" >&2 2>/dev/null || true
  rm -rf "$DIR"
  exit 1
}
RUN "$PGBIN/initdb -D $DIR/data -U postgres -A trust --no-sync -E UTF8 >$DIR/initdb.log 2>&1" \
  || fail "initdb failed" "$DIR/initdb.log"
RUN "$PGBIN/pg_ctl -D $DIR/data -l $DIR/log -w -o '-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300' start >/dev/null" \
  || fail "the cluster did not start" "$DIR/log"
echo "export TANDEM_TEST_PG=postgres://postgres@127.0.0.1:$PORT PG_TMP=$DIR"
