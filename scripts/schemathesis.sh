#!/usr/bin/env bash
# Runs schemathesis (from PyPI, in ./.venv) against a live server on a fresh database,
# authenticated as an administrator. Fails on any server error or spec violation.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tandem/target}"
if [ ! -x .venv/bin/schemathesis ]; then
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  echo "missing: python3-venv (sudo apt-get install python3-venv), needed for schemathesis" >&2
  exit 1
fi
  python3 -m venv .venv
  .venv/bin/pip install --quiet schemathesis
fi
cargo build -q -p tandem-server
DATA=$(mktemp -d /tmp/tandem-st.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
PASS="schemathesis-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
TANDEM_BIND=127.0.0.1:$PORT TANDEM_DATA_DIR="$DATA" TANDEM_LOG=warn \
  TANDEM_ADMIN_EMAIL=admin@example.com TANDEM_ADMIN_PASSWORD="$PASS" \
  "$CARGO_TARGET_DIR/debug/tandem" serve >"$DATA/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do curl -fsS "$BASE/api/health" >/dev/null 2>&1 && break; sleep 0.1; done
TOKEN=$(curl -fsS -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"login\":\"admin@example.com\",\"password\":\"$PASS\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
# A department so that registration examples can hit the success path too.
curl -fsS -X POST "$BASE/api/v1/departments" -H "authorization: Bearer $TOKEN" \
  -H 'content-type: application/json' -d '{"name":"研发部"}' >/dev/null
# The served spec, without the Idempotency-Key header: schemathesis would reuse its short random
# keys with other bodies, which the server rightly refuses (422 idempotency_key_reused). The
# sweep test (crates/testkit/tests/sweep.rs) checks that every operation declaring the header
# replays a retry. If-Match is pinned to `*` in api-spec/schemathesis.toml for the same reason
# (a random version is rightly 412).
curl -fsS "$BASE/api/openapi.json" | python3 -c '
import json, sys
spec = json.load(sys.stdin)
for item in spec["paths"].values():
    for op in item.values():
        if isinstance(op, dict) and "parameters" in op:
            op["parameters"] = [p for p in op["parameters"] if p.get("name") != "Idempotency-Key"]
json.dump(spec, sys.stdout)
' >"$DATA/openapi.json"
set +e
.venv/bin/schemathesis --config-file api-spec/schemathesis.toml run "$DATA/openapi.json" \
  --url "$BASE" \
  --header "Authorization: Bearer $TOKEN" \
  --checks all \
  --max-examples "${ST_MAX_EXAMPLES:-40}" \
  --seed 1 \
  --request-timeout 10 \
  "$@"
rc=$?
set -e
if grep -q "request failed" "$DATA/server.log"; then
  echo "the server logged internal errors:" >&2
  grep "request failed" "$DATA/server.log" | head -20 >&2
  rc=1
fi
exit $rc
