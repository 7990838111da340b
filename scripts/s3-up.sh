#!/usr/bin/env bash
# Starts a real S3-compatible server on loopback for the storage tests: moto (PyPI, server
# mode, Apache-2.0) in its own venv under ~/.cache/tandem, with one bucket. Prints the variables
# the tests and `tandem serve` read (eval them), like pg-up.sh:
#   AWS_ENDPOINT_URL AWS_ALLOW_HTTP AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION
#   TANDEM_TEST_S3_BUCKET TANDEM_TEST_REQUIRE_S3=1 TANDEM_S3_PID TANDEM_S3_DIR
# Stop it with: kill "$TANDEM_S3_PID"; rm -rf "$TANDEM_S3_DIR".
set -euo pipefail
venv="${TANDEM_TOOLS_DIR:-$HOME/.cache/tandem}/venv-moto"
if [ ! -x "$venv/bin/moto_server" ]; then
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    echo "missing: python3-venv (sudo apt-get install python3-venv), needed for the S3 server of the storage tests" >&2
    exit 1
  fi
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet 'moto[server]==5.2.*' >&2
fi
port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dir=$(mktemp -d)
# Always 127.0.0.1: moto's own default would listen on every interface.
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$dir/log" 2>&1 &
pid=$!
bucket=tandem-test
for _ in $(seq 100); do
  # An unsigned PUT of the bucket's path creates it (moto's default region).
  if curl -sf -X PUT "http://127.0.0.1:$port/$bucket" >/dev/null 2>&1; then
    echo "export AWS_ENDPOINT_URL=http://127.0.0.1:$port AWS_ALLOW_HTTP=true AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 TANDEM_TEST_S3_BUCKET=$bucket TANDEM_TEST_REQUIRE_S3=1 TANDEM_S3_PID=$pid TANDEM_S3_DIR=$dir"
    exit 0
  fi
  sleep 0.1
done
echo "the S3 server did not start:" >&2
cat "$dir/log" >&2
kill "$pid" 2>/dev/null || true
exit 1
