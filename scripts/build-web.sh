#!/usr/bin/env bash
# The Leptos web app arrives with the web-app issue; until then the server shows its
# built-in start page at / and this step has nothing to build.
set -euo pipefail
echo "web app: not built yet — the server shows its start page at / (API docs at /api/docs/)"
