#!/usr/bin/env bash
# Builds the web app into frontend/dist, which `tandem serve` serves at / (with deep links
# falling back to index.html). Until the Leptos app lands this is the static start page.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p frontend/dist
cp frontend/index.html frontend/dist/index.html
echo "web app: frontend/dist/index.html ($(wc -c <frontend/dist/index.html) bytes)"
