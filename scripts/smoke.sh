#!/usr/bin/env bash
# Drives the `tandem` binary as an operator would: bad configuration, migrate, admin create,
# first start with and without the admin variables, the one-time password, graceful stop;
# then `tandem seed` and `tandem export` against that server.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tandem/target}"
cargo build -q -p tandem-server
BIN="$CARGO_TARGET_DIR/debug/tandem"
W=$(mktemp -d /tmp/tandem-smoke.XXXXXX)
trap 'rm -rf "$W"' EXIT
fail() { echo "smoke: $*" >&2; exit 1; }
# A third-party JSON Schema validator for the seed format (system packages, or a venv).
PY=python3
if ! python3 -c 'import jsonschema, yaml' 2>/dev/null; then
  V="${XDG_CACHE_HOME:-$HOME/.cache}/tandem/venv-seedcheck"
  "$V/bin/python" -c 'import jsonschema, yaml' 2>/dev/null || {
    python3 -m venv "$V" && "$V/bin/pip" install --quiet --disable-pip-version-check jsonschema pyyaml
  } || fail "missing: python3-venv (apt-get install python3-venv) for the seed schema check"
  PY="$V/bin/python"
fi
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Bad configuration: non-zero exit and one clear line.
if TANDEM_BIND=nonsense "$BIN" serve 2>"$W/err"; then fail "bad TANDEM_BIND accepted"; fi
grep -q "TANDEM_BIND" "$W/err" || fail "bad TANDEM_BIND message: $(cat "$W/err")"
[ "$(wc -l <"$W/err")" -eq 1 ] || fail "more than one line for bad configuration"
if TANDEM_READ_CACHE=maybe "$BIN" serve 2>"$W/err"; then fail "bad TANDEM_READ_CACHE accepted"; fi
grep -q "TANDEM_READ_CACHE" "$W/err" || fail "bad TANDEM_READ_CACHE message: $(cat "$W/err")"

# openapi without a server.
"$BIN" openapi --out "$W/spec.json"
python3 -c "import json,sys; json.load(open('$W/spec.json'))['paths']['/api/v1/auth/login']"

# migrate + admin create from stdin.
export TANDEM_DATA_DIR="$W/data"
"$BIN" migrate 2>/dev/null
echo "cli-password-123" | "$BIN" admin create --email Ops@Example.com --name "运维" --employee-id OPS1 2>"$W/err" \
  || fail "admin create: $(cat "$W/err")"
if echo "short" | "$BIN" admin create --email x@example.com --name x 2>/dev/null; then fail "short password accepted"; fi

# Start: an active admin exists, so no one-time password is printed.
P=$(port)
TANDEM_BIND=127.0.0.1:$P "$BIN" serve >"$W/out" 2>&1 &
PID=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$P/api/health" >/dev/null 2>&1 && break; sleep 0.05; done
curl -fsS -X POST "http://127.0.0.1:$P/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"login":"OPS1","password":"cli-password-123"}' >/dev/null || fail "CLI admin cannot log in"
grep -q "password:" "$W/out" && fail "one-time password printed although an admin exists"
[ "$(stat -c %a "$W/data/jwt_secret")" = 600 ] || fail "jwt_secret is not 0600"
kill -TERM $PID
wait $PID || fail "serve did not exit cleanly on SIGTERM"

# A fresh data dir without admin variables prints a one-time password that works.
export TANDEM_DATA_DIR="$W/data2"
P=$(port)
TANDEM_BIND=127.0.0.1:$P "$BIN" serve >"$W/out2" 2>&1 &
PID=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$P/api/health" >/dev/null 2>&1 && break; sleep 0.05; done
PASS=$(sed -n 's/.*password: *//p' "$W/out2" | head -1)
[ -n "$PASS" ] || fail "no one-time password printed"
curl -fsS -X POST "http://127.0.0.1:$P/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"login\":\"admin@tandem.local\",\"password\":\"$PASS\"}" >/dev/null || fail "one-time password does not work"
curl -fsS "http://127.0.0.1:$P/" | grep -q Tandem || fail "no page at /"

# tandem seed / export (I3) as a CI script runs them: a token from the environment, the
# example twice (the second run changes nothing), a bad file refused with its line, the export
# valid against the published schema and seeding back without changes.
ACCESS=$(curl -fsS -X POST "http://127.0.0.1:$P/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"login\":\"admin@tandem.local\",\"password\":\"$PASS\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
export TANDEM_URL="http://127.0.0.1:$P"
export TANDEM_TOKEN=$(curl -fsS -X POST "$TANDEM_URL/api/v1/me/tokens" -H "authorization: Bearer $ACCESS" \
  -H 'content-type: application/json' -d '{"name":"ci","scopes":["read","write","admin"]}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
"$BIN" seed examples/seed/launch.yaml --dry-run >"$W/plan" 2>&1 || fail "dry run: $(cat "$W/plan")"
grep -q "tasks *4 created.*would be" "$W/plan" || fail "dry-run plan: $(cat "$W/plan")"
grep -q "^create *tasks launch/t1$" "$W/plan" || fail "the dry run does not list objects: $(cat "$W/plan")"
"$BIN" seed examples/seed/launch.yaml >"$W/seed1" 2>&1 || fail "seed: $(cat "$W/seed1")"
grep -q "new account lilei@example.com: password" "$W/seed1" || fail "no generated password printed: $(cat "$W/seed1")"
"$BIN" seed examples/seed/launch.yaml >"$W/seed2" 2>&1 || fail "second seed: $(cat "$W/seed2")"
grep -q "tasks *0 created *0 updated *4 unchanged" "$W/seed2" || fail "second run changed something: $(cat "$W/seed2")"
grep -q "new account" "$W/seed2" && fail "a second run printed passwords again"
printf 'users:\n  - key: x\n    name: 名字\n    position: [1]\n' >"$W/bad.yaml"
if "$BIN" seed "$W/bad.yaml" 2>"$W/err"; then fail "a bad seed file was accepted"; fi
grep -q "bad.yaml:2: x: invalid type" "$W/err" || fail "bad file message: $(cat "$W/err")"
"$BIN" export --out "$W/export.yaml" || fail "export failed"
grep -q "key: launch" "$W/export.yaml" || fail "export lacks the project"
$PY scripts/seed_schema_check.py api-spec/seed.schema.json examples/seed/launch.yaml "$W/export.yaml" >/dev/null \
  || fail "seed files do not match api-spec/seed.schema.json"
"$BIN" seed "$W/export.yaml" >"$W/seed3" 2>&1 || fail "seeding the export: $(cat "$W/seed3")"
grep -q "tasks *0 created *0 updated *4 unchanged" "$W/seed3" || fail "the export seeds changes: $(cat "$W/seed3")"
if TANDEM_TOKEN=tdm_nonsense "$BIN" seed examples/seed/launch.yaml 2>"$W/err"; then fail "a bad token was accepted"; fi
grep -q "401" "$W/err" || fail "bad token message: $(cat "$W/err")"
unset TANDEM_URL TANDEM_TOKEN
kill -INT $PID
wait $PID || fail "serve did not exit cleanly on SIGINT"

# Background jobs survive a crash (issue 11): a task due today gets its due-soon notice once,
# also after kill -9 and a restart with the scan running every second; `tandem jobs` shows
# the scan.
export TANDEM_SCAN_INTERVAL_SECS=1
start() {
  TANDEM_BIND=127.0.0.1:$P "$BIN" serve >>"$W/out3" 2>&1 &
  PID=$!
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$P/api/health" >/dev/null 2>&1 && break; sleep 0.05; done
}
api() { # METHOD PATH [JSON]
  curl -fsS -X "$1" "http://127.0.0.1:$P/api/v1$2" -H "authorization: Bearer $ACCESS" \
    -H 'content-type: application/json' ${3:+-d "$3"}
}
field() { python3 -c "import json,sys; v=json.load(sys.stdin); print($1)"; }
start
ACCESS=$(curl -fsS -X POST "http://127.0.0.1:$P/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"login\":\"admin@tandem.local\",\"password\":\"$PASS\"}" | field 'v["access_token"]')
ME=$(api GET /me | field 'v["id"]')
DEPT=$(api GET /departments | field 'v["items"][0]["id"]')
PROJECT=$(api POST /projects "{\"name\":\"到期提醒\",\"goal\":\"\",\"department_ids\":[\"$DEPT\"],\"start_date\":\"2026-01-01\",\"end_date\":\"2030-12-31\",\"time_zone\":\"UTC\"}" | field 'v["id"]')
TODAY=$(date -u +%F)
api POST "/projects/$PROJECT/tasks" "{\"title\":\"今天到期\",\"assignee_id\":\"$ME\",\"due_date\":\"$TODAY\"}" >/dev/null
due_count() { api GET "/me/notifications?kind=task.due_soon" | field 'len(v["items"])'; }
for _ in $(seq 1 100); do [ "$(due_count)" = 1 ] && break; sleep 0.1; done
[ "$(due_count)" = 1 ] || fail "no due-soon notice within 10 s"
kill -9 $PID
wait $PID 2>/dev/null || true
start
sleep 3
[ "$(due_count)" = 1 ] || fail "the due-soon notice came again after a restart: $(due_count)"
"$BIN" jobs >"$W/jobs" 2>&1 || fail "tandem jobs: $(cat "$W/jobs")"
grep -q "due.scan" "$W/jobs" || fail "tandem jobs does not list the due scan: $(cat "$W/jobs")"
if "$BIN" jobs --status nonsense 2>"$W/err"; then fail "tandem jobs accepted a bad status"; fi
kill -TERM $PID
wait $PID || fail "serve did not exit cleanly on SIGTERM"
unset TANDEM_SCAN_INTERVAL_SECS
echo "smoke: ok"
