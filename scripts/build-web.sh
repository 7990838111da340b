#!/usr/bin/env bash
# Builds the Leptos web app into frontend/dist, which `tandem serve` serves at `/`:
#   wasm32 build (size profile) → wasm-bindgen → wasm-opt (npm binaryen, when available) →
#   content-hashed file names under dist/assets (cached for a year) → dist/index.html (never
#   cached) → size report, checked against the budget.
# index.html has no inline script or style (the server sends a strict Content-Security-Policy):
# the start-up code is frontend/boot.js and the icon frontend/favicon.svg, hashed like the rest.
# Installs what it needs: the wasm32 target, wasm-bindgen-cli (the exact version the frontend
# pins) and, through npm, binaryen. Debian's binaryen package is too old and breaks the wasm.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tandem/target}"
TOOLS="${TANDEM_TOOLS_DIR:-$HOME/.cache/tandem/tools}"
# 660 while the app is one download (no route splitting yet; see README "Web app size"): the
# first screen and the whole app are the same file today.
BUDGET_KIB=660
WBG_VERSION=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' frontend/Cargo.toml)

rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
  || rustup target add wasm32-unknown-unknown
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WBG_VERSION" ]; then
  echo "installing wasm-bindgen-cli $WBG_VERSION (about 3 minutes, once)"
  # Not --locked: one of its pinned dependencies is no longer served by the registry.
  cargo install --quiet wasm-bindgen-cli --version "$WBG_VERSION"
fi

cargo build --quiet -p tandem-web --target wasm32-unknown-unknown --profile wasm-release
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section --out-dir "$stage" \
  "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/tandem-web.wasm"

wasm_opt="$TOOLS/node_modules/.bin/wasm-opt"
if [ ! -x "$wasm_opt" ] && command -v npm >/dev/null; then
  mkdir -p "$TOOLS"
  npm install --silent --prefix "$TOOLS" binaryen@132 >/dev/null 2>&1 || true
fi
if [ -x "$wasm_opt" ]; then
  "$wasm_opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-reference-types --enable-sign-ext --enable-mutable-globals \
    "$stage/tandem-web_bg.wasm" -o "$stage/opt.wasm"
  mv "$stage/opt.wasm" "$stage/tandem-web_bg.wasm"
else
  echo "note: npm not found, so no wasm-opt; the app works, the wasm is just larger"
fi

hash() { sha256sum "$1" | cut -c1-12; }
dist=frontend/dist
rm -rf "$dist"
mkdir -p "$dist/assets"
js="tandem-web-$(hash "$stage/tandem-web.js").js"
wasm="tandem-web-$(hash "$stage/tandem-web_bg.wasm")_bg.wasm"
css="style-$(hash frontend/style.css).css"
icon="favicon-$(hash frontend/favicon.svg).svg"
cp "$stage/tandem-web.js" "$dist/assets/$js"
cp "$stage/tandem-web_bg.wasm" "$dist/assets/$wasm"
cp frontend/style.css "$dist/assets/$css"
cp frontend/favicon.svg "$dist/assets/$icon"
# boot.js names the glue and the wasm, so it is hashed after they are filled in.
sed -e "s/{{JS}}/$js/g" -e "s/{{WASM}}/$wasm/g" frontend/boot.js >"$stage/boot.js"
boot="boot-$(hash "$stage/boot.js").js"
cp "$stage/boot.js" "$dist/assets/$boot"
sed -e "s/{{JS}}/$js/g" -e "s/{{WASM}}/$wasm/g" -e "s/{{CSS}}/$css/g" \
  -e "s/{{BOOT}}/$boot/g" -e "s/{{ICON}}/$icon/g" frontend/index.html >"$dist/index.html"
if grep -q '{{' "$dist/index.html" "$dist/assets/$boot"; then
  echo "unfilled placeholder in index.html or boot.js" >&2
  exit 1
fi

# Size report: raw and gzip, the budget counts gzip of wasm + JS (glue and boot) + CSS.
report="$dist/size.txt"
total=0
{
  printf '%-8s %10s %10s\n' file raw gzip
  for f in "$wasm" "$js" "$boot" "$css"; do
    raw=$(wc -c <"$dist/assets/$f")
    gz=$(gzip -9 -c "$dist/assets/$f" | wc -c)
    total=$((total + gz))
    case $f in boot-*) label=boot ;; *) label=${f##*.} ;; esac
    printf '%-8s %7s KiB %7s KiB\n' "$label" $(((raw + 1023) / 1024)) $(((gz + 1023) / 1024))
  done
  printf 'total gzip %s KiB (budget %s KiB)\n' $(((total + 1023) / 1024)) "$BUDGET_KIB"
} >"$report"
cat "$report"
if [ $((total / 1024)) -gt "$BUDGET_KIB" ]; then
  echo "web app over budget" >&2
  exit 1
fi
