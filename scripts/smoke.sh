#!/usr/bin/env bash
# Drives the `tandem` binary as an operator would: bad configuration, migrate, admin create,
# first start with and without the admin variables, the one-time password, graceful stop.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tandem/target}"
cargo build -q -p tandem-server
BIN="$CARGO_TARGET_DIR/debug/tandem"
W=$(mktemp -d /tmp/tandem-smoke.XXXXXX)
trap 'rm -rf "$W"' EXIT
fail() { echo "smoke: $*" >&2; exit 1; }
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
kill -INT $PID
wait $PID || fail "serve did not exit cleanly on SIGINT"
echo "smoke: ok"
