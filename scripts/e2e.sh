#!/usr/bin/env bash
# Browser journeys (e2e/journeys) in Debian's headless Chromium, each run against its own server
# on a fresh database and a free port. Installs what is missing: chromium and CJK fonts (apt),
# Node.js (apt), playwright-core (npm; it never downloads a browser). Needs the web app built
# (scripts/build-web.sh) and the debug server binary.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tandem/target}"

apt_install() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      sudo="sudo"
    else
      echo "missing: $* — install them with: sudo apt-get install -y $*" >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  # The first try once failed inside dpkg on this image; a second one succeeds.
  $sudo apt-get install -y -q "$@" >/dev/null || {
    $sudo apt-get update -q >/dev/null
    $sudo apt-get install -y -q "$@" >/dev/null
  }
}

need=()
command -v chromium >/dev/null || need+=(chromium)
# Without CJK fonts every Chinese character in the screenshots is a box.
[ -d /usr/share/fonts/opentype/noto ] || fc-list 2>/dev/null | grep -qi "CJK" || need+=(fonts-noto-cjk)
command -v node >/dev/null || need+=(nodejs npm)
[ ${#need[@]} -eq 0 ] || apt_install "${need[@]}"

if [ ! -d e2e/node_modules/playwright-core ] || [ e2e/package-lock.json -nt e2e/node_modules/.package-lock.json ]; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --silent --prefix e2e
fi
[ -f frontend/dist/index.html ] || scripts/build-web.sh
cargo build --quiet -p tandem-server

rm -rf e2e/artifacts
# An explicit glob: how Node finds tests in a bare directory changed between versions.
node --test --test-concurrency=1 --test-reporter=spec e2e/journeys/*.test.mjs
echo "screenshots: e2e/artifacts/"
