#!/usr/bin/env bash
# Benchmarks (`just bench`):
#  1. the web app's download size against its budget;
#  2. API latency and throughput on a project of 100 000 tasks (seeded through the db layer by
#     tandem-seed), measured with wrk next to the server's bare /api/ping in the same run, so the
#     figures can be read as ratios on a noisy machine; then the same reads again with the
#     read cache off (TANDEM_READ_CACHE=off), i.e. every request from SQLite.
# Env: BENCH_TASKS (100000), BENCH_SECONDS (10), BENCH_CONNECTIONS (32).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tandem/target}"
TASKS="${BENCH_TASKS:-100000}"
SECONDS_EACH="${BENCH_SECONDS:-10}"
CONNS="${BENCH_CONNECTIONS:-32}"

echo "== web app size"
scripts/build-web.sh >/dev/null
cat frontend/dist/size.txt

if ! command -v wrk >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get install -y -q wrk >/dev/null || { echo "missing: wrk (apt-get install wrk)" >&2; exit 1; }
fi
cargo build --quiet --release -p tandem-server --bins
bin="$CARGO_TARGET_DIR/release"
dir=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$dir"' EXIT

echo
echo "== seeding $TASKS tasks (db layer)"
start=$SECONDS
ids=$("$bin/tandem-seed" --database-url "sqlite://$dir/tandem.db?mode=rwc" --tasks "$TASKS")
echo "seeded in $((SECONDS - start)) s"
project=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["project_id"])' "$ids")
task=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["task_id"])' "$ids")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
# Starts the release server on the seeded database; extra environment in "$@".
start_server() {
  env "$@" TANDEM_DATA_DIR="$dir" TANDEM_BIND="127.0.0.1:$port" TANDEM_LOG=warn \
    TANDEM_WEB_DIR="$dir/none" "$bin/tandem" serve >"$dir/server.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -fs "$base/api/health" >/dev/null && break; sleep 0.1; done
  token=$(curl -fs -H 'Content-Type: application/json' \
    -d '{"login":"bench@example.com","password":"bench-password-1"}' "$base/api/v1/auth/login" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
}
stop_server() { kill "$server"; wait "$server" 2>/dev/null || true; }
start_server

# Runs wrk; prints "p50_ms p99_ms req_per_s".
measure() {
  local out
  out=$(wrk -t2 -c"$CONNS" -d"${SECONDS_EACH}s" --latency -H "Authorization: Bearer $token" "$base$1")
  if echo "$out" | grep -q "Non-2xx"; then
    echo "error responses from $1:" >&2
    echo "$out" >&2
    exit 1
  fi
  local p50 p99 rps
  p50=$(echo "$out" | awk '$1=="50%"{print $2}')
  p99=$(echo "$out" | awk '$1=="99%"{print $2}')
  rps=$(echo "$out" | awk '/^Requests\/sec/{print $2}')
  echo "$(to_ms "$p50") $(to_ms "$p99") $rps"
}
to_ms() {
  python3 -c '
import re,sys
v,u=re.match(r"([0-9.]+)(us|ms|s)",sys.argv[1]).groups()
print(round(float(v)*{"us":0.001,"ms":1,"s":1000}[u],2))' "$1"
}

list="/api/v1/projects/$project/tasks?limit=50&status=todo&sort=due"
echo
echo "== $CONNS connections, ${SECONDS_EACH}s each, SQLite"
read -r ping50 ping99 pingrps < <(measure /api/ping)
read -r list50 list99 listrps < <(measure "$list")
read -r one50 one99 onerps < <(measure "/api/v1/tasks/$task")
# The same reads with the read cache off: every request goes to SQLite (what the first read
# after a write costs, and what PostgreSQL deployments get).
stop_server
start_server TANDEM_READ_CACHE=off
read -r ping50b ping99b pingrpsb < <(measure /api/ping)
read -r list50b list99b listrpsb < <(measure "$list")
read -r one50b one99b onerpsb < <(measure "/api/v1/tasks/$task")
printf '%-62s %8s %8s %10s %8s\n' endpoint "p50 ms" "p99 ms" "req/s" "vs ping"
row() { printf '%-62s %8s %8s %10s %8s\n' "$1" "$2" "$3" "$4" "$(python3 -c "print(f'{$4/$5:.2f}')")"; }
row "GET /api/ping (no database)" "$ping50" "$ping99" "$pingrps" "$pingrps"
row "GET /projects/{id}/tasks?limit=50&status=todo&sort=due" "$list50" "$list99" "$listrps" "$pingrps"
row "GET /tasks/{id}" "$one50" "$one99" "$onerps" "$pingrps"
row "  read cache off: GET /api/ping" "$ping50b" "$ping99b" "$pingrpsb" "$pingrpsb"
row "  read cache off: GET /projects/{id}/tasks?…" "$list50b" "$list99b" "$listrpsb" "$pingrpsb"
row "  read cache off: GET /tasks/{id}" "$one50b" "$one99b" "$onerpsb" "$pingrpsb"
echo
python3 - "$list99" "$onerps" "$pingrps" <<'PY'
import sys
list99, one, ping = map(float, sys.argv[1:])
print(f"target: list p99 <= 25 ms ............ {list99:.2f} ms  {'met' if list99 <= 25 else 'MISSED'}")
print(f"target: task >= 0.3 x ping req/s ...... {one/ping:.2f} x  {'met' if one >= 0.3 * ping else 'MISSED'}")
PY

# 3. `tandem seed` through the REST API (I3): the same number of tasks, with sub-tasks and
#    dependencies (scripts/gen-seed.py), into an empty instance; then the same file again,
#    which must change nothing.
stop_server
seed_dir=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$dir" "$seed_dir"' EXIT
python3 scripts/gen-seed.py "$TASKS" >"$seed_dir/seed.yaml"
env TANDEM_DATA_DIR="$seed_dir/data" TANDEM_BIND="127.0.0.1:$port" TANDEM_LOG=warn \
  TANDEM_ADMIN_EMAIL=seed@example.com TANDEM_ADMIN_PASSWORD=bench-password-1 \
  TANDEM_WEB_DIR="$seed_dir/none" "$bin/tandem" serve >"$seed_dir/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -fs "$base/api/health" >/dev/null && break; sleep 0.1; done
access=$(curl -fs -H 'Content-Type: application/json' \
  -d '{"login":"seed@example.com","password":"bench-password-1"}' "$base/api/v1/auth/login" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
export TANDEM_URL="$base" TANDEM_USER_PASSWORD=bench-password-1
TANDEM_TOKEN=$(curl -fs -H "Authorization: Bearer $access" -H 'Content-Type: application/json' \
  -d '{"name":"bench","scopes":["read","write","admin"]}' "$base/api/v1/me/tokens" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
export TANDEM_TOKEN
echo
echo "== tandem seed: $TASKS tasks through the API (SQLite)"
t0=$(date +%s.%N)
"$bin/tandem" seed "$seed_dir/seed.yaml" 2>/dev/null | tail -1
t1=$(date +%s.%N)
"$bin/tandem" seed "$seed_dir/seed.yaml" 2>/dev/null | grep -E "^tasks|seeded in"
t2=$(date +%s.%N)
python3 - "$t0" "$t1" "$t2" "$TASKS" <<'PY'
import sys
t0, t1, t2, n = map(float, sys.argv[1:])
first, second = t1 - t0, t2 - t1
print(f"first run (everything created) .... {first:.1f} s  ({n / first:,.0f} tasks/s)")
print(f"second run (nothing changes) ...... {second:.1f} s")
if n == 100000:
    print(f"target: 100 000 tasks <= 30 s ....... {first:.1f} s  {'met' if first <= 30 else 'MISSED'}")
PY
