#!/usr/bin/env bash
# Stops and removes the cluster started by pg-up.sh ($PG_TMP).
set -u
[ -n "${PG_TMP:-}" ] && [ -d "$PG_TMP" ] || exit 0
PGBIN=$(pg_config --bindir)
if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$PGBIN/pg_ctl -D $PG_TMP/data -m immediate -w stop" >/dev/null 2>&1
else "$PGBIN/pg_ctl" -D "$PG_TMP/data" -m immediate -w stop >/dev/null 2>&1; fi
rm -rf "$PG_TMP"
