#!/usr/bin/env bash
# Runs the test lanes — every one, also after one has failed — and prints how long each took and
# whether it passed; exits non-zero when any lane failed.
# Usage: scripts/test.sh [lane…]   lanes: lint sqlite pg smoke schemathesis clients web (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tandem/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
lanes=("$@")
[ ${#lanes[@]} -gt 0 ] || lanes=(lint sqlite pg smoke schemathesis clients web)
report=()
failed=()

ensure_nextest() {
  command -v cargo-nextest >/dev/null || cargo install --quiet cargo-nextest
}

# Each lane runs in a subshell with `set -e`: its first failing command ends the lane (and runs
# the lane's EXIT traps, e.g. stopping the PostgreSQL cluster), not the whole run.
# (Not `if ! ( … )`: bash ignores `set -e` inside a subshell whose status is being tested.)
lane() {
  local name=$1; shift
  local start=$SECONDS result=ok status
  echo "==> $name"
  set +e
  (set -euo pipefail; "$@")
  status=$?
  set -e
  if [ "$status" -ne 0 ]; then
    result=FAILED
    failed+=("$name")
  fi
  report+=("$(printf '%-14s %4ss  %s' "$name" $((SECONDS - start)) "$result")")
}

lint() {
  rustup component add rustfmt clippy >/dev/null 2>&1 || true
  cargo fmt --all -- --check
  cargo clippy --workspace --exclude tandem-web --all-targets -- -D warnings
  # The web app's logic that needs no browser (task store, drafts, mentions, formatting) is
  # its own native crate: its unit tests run here, fast, without a browser.
  cargo test --quiet -p tandem-web-logic
  # The web app only builds for the browser.
  rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
  cargo clippy -p tandem-web --target wasm32-unknown-unknown -- -D warnings
}

# The mail tests read what a real SMTP server on loopback received.
smtp_sink() {
  local env
  env=$(scripts/smtp-sink.sh) || { echo "the SMTP sink did not start (see above)" >&2; return 1; }
  eval "$env"
  export TANDEM_TEST_REQUIRE_SMTP=1
}

stop_smtp_sink() {
  kill "${TANDEM_SMTP_SINK_PID:-}" 2>/dev/null || true
  rm -rf "${TANDEM_SMTP_SINK_DIR:-/nonexistent}"
}

# The storage tests read and write a real S3-compatible server on loopback (moto).
s3_server() {
  local env
  env=$(scripts/s3-up.sh) || { echo "the S3 server did not start (see above)" >&2; return 1; }
  eval "$env"
}

stop_s3_server() {
  kill "${TANDEM_S3_PID:-}" 2>/dev/null || true
  rm -rf "${TANDEM_S3_DIR:-/nonexistent}"
}

sqlite() {
  ensure_nextest
  smtp_sink
  s3_server
  trap 'stop_smtp_sink; stop_s3_server' EXIT
  cargo nextest run --workspace --exclude tandem-web --no-fail-fast
}

pg() {
  ensure_nextest
  # `eval "$(…)"` would run an empty string when the cluster fails to start, and go on.
  local env
  env=$(scripts/pg-up.sh) || { echo "pg: the PostgreSQL cluster did not start (see above)" >&2; return 1; }
  eval "$env"
  smtp_sink
  s3_server
  # Runs when the lane's subshell ends, passed or failed.
  trap 'scripts/pg-down.sh; stop_smtp_sink; stop_s3_server' EXIT
  # Only the API tests touch the database; the rest ran in the SQLite lane.
  TANDEM_TEST_PG="$TANDEM_TEST_PG" cargo nextest run -p tandem-testkit --no-fail-fast
}

smoke() {
  scripts/smoke.sh
}

schemathesis() {
  scripts/schemathesis.sh
}

# A client generated from the committed spec (the sqlite lane checks that it is the served
# one) by a mainstream generator, without warnings, and usable.
clients() {
  scripts/client-gen.sh api-spec/openapi.json
}

web() {
  scripts/build-web.sh
  scripts/e2e.sh
}

for l in "${lanes[@]}"; do
  case "$l" in
    lint|sqlite|pg|smoke|schemathesis|clients|web) lane "$l" "$l" ;;
    *) echo "unknown lane $l" >&2; exit 2 ;;
  esac
done
echo
echo "lane timings:"
printf '  %s\n' "${report[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed lanes: ${failed[*]}" >&2
  exit 1
fi
