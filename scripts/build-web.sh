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
# See README "Web app size".
FIRST_BUDGET_KIB=300
SIGN_IN_BUDGET_KIB=340
BUDGET_KIB=1400
SPLIT_VERSION=0.2.4
WBG_VERSION=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' frontend/Cargo.toml)

rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
  || rustup target add wasm32-unknown-unknown
# The size build: a pinned nightly rebuilds the standard library for size, with panics that
# abort on the spot (no formatting machinery, no messages) and no `Debug` formatting (nothing
# user-visible uses it; api::js_error reads exceptions instead): 40 KiB less per screen. The
# rest of the workspace stays on stable. When the nightly cannot be installed, stable builds the
# same app, just larger (README "Web app size").
NIGHTLY=nightly-2026-05-20
size_build=(-Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size)
size_flags="-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none"
if ! rustup run "$NIGHTLY" rustc --print sysroot >/dev/null 2>&1 \
  || [ ! -d "$(rustup run "$NIGHTLY" rustc --print sysroot)/lib/rustlib/src/rust/library" ]; then
  echo "installing the $NIGHTLY toolchain for the size build (about 10 seconds, once)"
  rustup toolchain install "$NIGHTLY" --profile minimal --component rust-src >/dev/null 2>&1 || true
fi
if rustup run "$NIGHTLY" rustc --print sysroot >/dev/null 2>&1; then
  toolchain=(+"$NIGHTLY")
else
  echo "note: $NIGHTLY could not be installed; building on stable, about 40 KiB larger per screen"
  toolchain=(); size_build=(); size_flags=""
  FIRST_BUDGET_KIB=$((FIRST_BUDGET_KIB + 45))
  SIGN_IN_BUDGET_KIB=$((SIGN_IN_BUDGET_KIB + 45))
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WBG_VERSION" ]; then
  echo "installing wasm-bindgen-cli $WBG_VERSION (about 3 minutes, once)"
  # Not --locked: one of its pinned dependencies is no longer served by the registry.
  cargo install --quiet wasm-bindgen-cli --version "$WBG_VERSION"
fi

# Route splitting (frontend/src/app.rs: every page but signing in is a lazy route). The linker
# keeps its relocations (--emit-relocs) so wasm-split can follow every reference and move each
# page's code, and the code only it uses, into a module of its own; code two pages share goes
# into shared chunks. `erase_components` type-erases component views: 4 % smaller wasm.
RUSTFLAGS="${RUSTFLAGS:-} --cfg erase_components -Clink-args=--emit-relocs $size_flags" \
  cargo "${toolchain[@]}" build --quiet -p tandem-web --target wasm32-unknown-unknown \
  --profile wasm-release "${size_build[@]}"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
split_cli="$TOOLS/wasm-split/bin/wasm-split-cli"
if ! grep -qs "wasm_split_cli_support $SPLIT_VERSION " "$TOOLS/wasm-split/.crates.toml"; then
  echo "installing wasm-split-cli $SPLIT_VERSION (about a minute, once)"
  cargo install --quiet wasm_split_cli_support --version "$SPLIT_VERSION" --features build-binary \
    --root "$TOOLS/wasm-split" --force
fi
# Out: the main module (tandem-web.wasm, still to go through wasm-bindgen), one module per lazy
# page, shared chunks, and __wasm_split.js, which loads a page's modules into the main one's
# memory and table. Chunks are fetched relative to __wasm_split.js, so all of them stay together.
app="$stage/app"
mkdir -p "$app"
"$split_cli" "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/tandem-web.wasm" "$app" \
  --out-name tandem-web --target web
# The main module keeps the exports the chunks link against (--keep-lld-exports) and its
# mangled names (--no-demangle: the chunks import them by those names).
wasm-bindgen --target web --no-typescript --keep-lld-exports --no-demangle \
  --remove-name-section --remove-producers-section --out-dir "$app" "$app/tandem-web.wasm"
rm "$app/tandem-web.wasm"

wasm_opt="$TOOLS/node_modules/.bin/wasm-opt"
terser="$TOOLS/node_modules/.bin/terser"
csso="$TOOLS/node_modules/.bin/csso"
if { [ ! -x "$wasm_opt" ] || [ ! -x "$terser" ] || [ ! -x "$csso" ]; } && command -v npm >/dev/null; then
  mkdir -p "$TOOLS"
  # csso-cli (MIT) minifies the style sheet: 1.2 KiB less on every first screen.
  npm install --silent --prefix "$TOOLS" binaryen@132 terser@5 csso-cli@4 >/dev/null 2>&1 || true
fi
if [ -x "$wasm_opt" ]; then
  # Every module on its own (wasm-opt renames nothing that crosses modules: imports and exports
  # keep their names), two at a time. Rust never uses the first KiB of memory
  # (--low-memory-unused); the main module's memory starts zeroed (--zero-filled-memory, not for
  # the chunks: they import a memory already in use).
  features=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-reference-types
    --enable-sign-ext --enable-mutable-globals --low-memory-unused)
  find "$app" -name 'chunk_*.wasm' -o -name 'split_*.wasm' | tr '\n' '\0' \
    | xargs -0 -P "$(nproc)" -I{} "$wasm_opt" -Oz "${features[@]}" {} -o {} &
  "$wasm_opt" -Oz "${features[@]}" --zero-filled-memory "$app/tandem-web_bg.wasm" \
    -o "$app/tandem-web_bg.wasm"
  wait $!
else
  echo "note: npm not found, so no wasm-opt; the app works, the wasm is just larger"
fi
# A failed chunk load must not stop the app: our wrapAsyncCb retries (frontend/chunk-retry.js).
perl -0pi -e 'BEGIN { local $/; open(my $f, "<", "frontend/chunk-retry.js") or die; $r = <$f>; }
  $n = s/^function wrapAsyncCb\(callee\) \{\n.*?^\}\n/$r/ms; END { exit($n == 1 ? 0 : 3) }' \
  "$app/__wasm_split.js" || { echo "wasm-split's loader changed: check frontend/chunk-retry.js" >&2; exit 1; }
# The loader lists, above each shared chunk, the pages that need it: kept for the size report.
cp "$app/__wasm_split.js" "$stage/loader.js"
if [ -x "$terser" ]; then
  for f in "$app/tandem-web.js" "$app/__wasm_split.js"; do
    "$terser" "$f" --module --compress --mangle -o "$f.min" && mv "$f.min" "$f"
  done
fi

hash() { sha256sum "$1" | cut -c1-12; }
dist=frontend/dist
rm -rf "$dist"
mkdir -p "$dist/assets"
# The modules name each other with fixed relative names, so the whole set goes into one
# directory named after the hash of all of it: a new build is a new directory.
app_hash=$(cd "$app" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)
appdir="app-$app_hash"
cp -r "$app" "$dist/assets/$appdir"
js="$appdir/tandem-web.js"
wasm="$appdir/tandem-web_bg.wasm"
css="style-$(hash frontend/style.css).css"
icon="favicon-$(hash frontend/favicon.svg).svg"
if [ -x "$csso" ]; then
  "$csso" --no-restructure frontend/style.css -o "$dist/assets/$css"
else
  cp frontend/style.css "$dist/assets/$css"
fi
cp frontend/favicon.svg "$dist/assets/$icon"
# Each area's texts and styles (frontend/areas/<area>.{json,css}, see tandem_web_logic::texts),
# compacted and content-hashed; index.html names them for the pages that fetch them, so the
# first screen downloads neither.
texts=""
styles=""
for f in frontend/areas/*.json; do
  area=$(basename "$f" .json)
  sed -e 's/^ *//' "$f" | tr -d '\n' >"$stage/$area.json"
  name="area-$area-$(hash "$stage/$area.json").json"
  cp "$stage/$area.json" "$dist/assets/$name"
  texts="${texts:+$texts,}$area=/assets/$name"
done
for f in frontend/areas/*.css; do
  area=$(basename "$f" .css)
  if [ -x "$csso" ]; then "$csso" --no-restructure "$f" -o "$stage/$area.css"; else cp "$f" "$stage/$area.css"; fi
  name="area-$area-$(hash "$stage/$area.css").css"
  cp "$stage/$area.css" "$dist/assets/$name"
  styles="${styles:+$styles,}$area=/assets/$name"
done
# boot.js names the glue and the wasm, so it is hashed after they are filled in.
sed -e "s#{{JS}}#$js#g" -e "s#{{WASM}}#$wasm#g" frontend/boot.js >"$stage/boot.js"
boot="boot-$(hash "$stage/boot.js").js"
cp "$stage/boot.js" "$dist/assets/$boot"
sed -e "s#{{JS}}#$js#g" -e "s#{{WASM}}#$wasm#g" -e "s#{{CSS}}#$css#g" \
  -e "s#{{BOOT}}#$boot#g" -e "s#{{ICON}}#$icon#g" -e "s#{{TEXTS}}#$texts#g" \
  -e "s#{{STYLES}}#$styles#g" \
  frontend/index.html >"$dist/index.html"
if grep -q '{{' "$dist/index.html" "$dist/assets/$boot"; then
  echo "unfilled placeholder in index.html or boot.js" >&2
  exit 1
fi

# Size report (gzip -9): what every screen needs (main wasm, its glue, the chunk loader, boot
# and CSS: the shell and the project center, a signed-in person's start page), each page on top
# of that (its module and the shared chunks it loads), and all of it. Budgets: the start page,
# the sign-in screen and the whole app.
gz() { gzip -9 -c "$1" | wc -c; }
kib() { echo $((($1 + 1023) / 1024)); }
report="$dist/size.txt"
a="$dist/assets/$appdir"
start=$(($(gz "$a/tandem-web_bg.wasm") + $(gz "$a/tandem-web.js") + $(gz "$a/__wasm_split.js") \
  + $(gz "$dist/assets/$boot") + $(gz "$dist/assets/$css")))
total=$start
for f in "$a"/*.wasm; do
  [ "$f" = "$a/tandem-web_bg.wasm" ] || total=$((total + $(gz "$f")))
done
sign_in=0
{
  printf 'first screen (project center)  %4s KiB (budget %s KiB)\n' "$(kib "$start")" "$FIRST_BUDGET_KIB"
  for page in $(sed -n 's/^export const __wasm_split_load___\([a-z_]*\)_view_.*/\1/p' "$stage/loader.js" | sort); do
    bytes=$(($(gz "$(ls "$a"/split___"${page}"_view_*.wasm)")))
    for chunk in $(awk -v p="__${page}_view_" '/^\/\* / { need = index($0, p) > 0 }
        /^const __chunk_/ && need { sub(/^const __/, ""); sub(/ =.*/, ""); print }' "$stage/loader.js"); do
      bytes=$((bytes + $(gz "$a/$chunk.wasm")))
    done
    [ "$page" = login ] && sign_in=$((start + bytes))
    printf '  + %-26s %4s KiB\n' "$page" "$(kib "$bytes")"
  done
  printf 'sign-in screen                 %4s KiB (budget %s KiB)\n' "$(kib "$sign_in")" "$SIGN_IN_BUDGET_KIB"
  printf 'whole app                      %4s KiB (budget %s KiB)\n' "$(kib "$total")" "$BUDGET_KIB"
} >"$report"
cat "$report"
if [ "$sign_in" -eq 0 ] || [ "$(kib "$start")" -gt "$FIRST_BUDGET_KIB" ] \
  || [ "$(kib "$sign_in")" -gt "$SIGN_IN_BUDGET_KIB" ] || [ "$(kib "$total")" -gt "$BUDGET_KIB" ]; then
  echo "web app over budget" >&2
  exit 1
fi
