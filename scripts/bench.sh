#!/usr/bin/env bash
# Benchmarks. Today: the web app's download size (wasm + JS + CSS, raw and gzip) against its
# budget. The API latency benchmark (100k tasks) arrives with the task center.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-web.sh >/dev/null
echo "web app size (frontend/dist/size.txt):"
cat frontend/dist/size.txt
