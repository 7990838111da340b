#!/usr/bin/env bash
# Client-generation lane: generates a Python client from the OpenAPI spec with a mainstream
# generator (openapi-python-client from PyPI, pinned) and fails if the generator warns about
# the spec (a skipped endpoint or response means real clients lose it too). Then imports the
# generated package and checks what generated clients need: list pages typed by their item
# schema, If-Match / Idempotency-Key headers, binary bodies as files (scripts/client_check.py).
# Usage: scripts/client-gen.sh [SPEC]   (default: api-spec/openapi.json)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SPEC="$(realpath "${1:-$ROOT/api-spec/openapi.json}")"
VERSION=0.29.1
VENV="${XDG_CACHE_HOME:-$HOME/.cache}/tandem/venv-clientgen"
PKG=tandem_api_client

if ! "$VENV/bin/python" -c '' 2>/dev/null; then
  rm -rf "$VENV"
  python3 -c 'import venv, ensurepip' 2>/dev/null || {
    echo "missing: python3-venv (sudo apt-get install python3-venv), needed for the client generator" >&2
    exit 1
  }
  python3 -m venv "$VENV"
fi
if [ "$("$VENV/bin/openapi-python-client" --version 2>/dev/null || true)" != "openapi-python-client version: $VERSION" ]; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "openapi-python-client==$VERSION"
fi

WORK=$(mktemp -d /tmp/tandem-clientgen.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# The generator treats only application/octet-stream as binary and drops (with a warning) any
# other media type; the avatar really is image/png, so have it read image/png as binary (its
# PUT then sends Content-Type application/octet-stream; the server sniffs the bytes anyway).
# Any other non-JSON media type still warns. No post hooks: ruff formatting is not under test.
cat >"$WORK/config.yaml" <<EOF
package_name_override: $PKG
post_hooks: []
content_type_overrides:
  image/png: application/octet-stream
EOF

set +e
"$VENV/bin/openapi-python-client" generate --path "$SPEC" --config "$WORK/config.yaml" \
  --meta none --output-path "$WORK/$PKG" >"$WORK/gen.log" 2>&1
rc=$?
set -e
# Warnings and errors come as one block opened by "Warning(s) encountered while generating"
# or "Error(s) encountered while generating", one "WARNING parsing …" / "Unable to parse …" /
# "Problem creating a …" entry each, closed by a line inviting to open an issue.
warned=0
if [ $rc -ne 0 ] || grep -qE 'encountered while generating|^WARNING|^ERROR|Traceback' "$WORK/gen.log"; then
  echo "client-gen: openapi-python-client $VERSION reported problems with $SPEC (exit $rc):" >&2
  grep -vE '^Generating |^If you believe this was a mistake' "$WORK/gen.log" | cat -s >&2
  warned=1
else
  echo "client-gen: openapi-python-client $VERSION generated $PKG without warnings"
fi
# Check the package even after warnings (when one was made), to report every problem at once.
checked=0
if [ -d "$WORK/$PKG" ]; then
  PYTHONPATH="$WORK" "$VENV/bin/python" "$ROOT/scripts/client_check.py" "$PKG" "$SPEC" || checked=1
fi
if [ $warned -eq 0 ] && [ $checked -eq 0 ]; then
  echo "client-gen: OK"
  exit 0
fi
[ $warned -eq 0 ] || echo "client-gen: FAILED: the generator warned about the spec (see above)" >&2
[ $checked -eq 0 ] || echo "client-gen: FAILED: client checks failed (see above)" >&2
exit 1
