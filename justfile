# Tandem — `just run` starts the product, `just test` runs every test.
set shell := ["bash", "-euo", "pipefail", "-c"]

# Build cache outside the work tree, shared with CI on the same machine.
export CARGO_TARGET_DIR := env_var_or_default("CARGO_TARGET_DIR", env_var("HOME") + "/.cache/tandem/target")

# List the recipes.
default:
    @just --list

# Start the whole product: server + web app, SQLite under ./data.
run: build-web
    cargo build --release -p tandem-server
    "$CARGO_TARGET_DIR/release/tandem" serve

# Build the web app into frontend/dist (served at / by `tandem serve`).
build-web:
    scripts/build-web.sh

# Every test: formatting, lints, unit tests, API tests on SQLite and PostgreSQL, spec drift, schemathesis, browser journeys.
test:
    scripts/test.sh

# Formatting and lints only.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Format the code.
fmt:
    cargo fmt --all

# API tests on SQLite only (fast loop).
test-sqlite:
    scripts/test.sh sqlite

# API tests on a throwaway PostgreSQL cluster.
test-pg:
    scripts/test.sh pg

# Schemathesis against the live server's spec.
schemathesis:
    scripts/test.sh schemathesis

# A Python client generated from the spec (openapi-python-client) without warnings, and checked.
test-clients:
    scripts/test.sh clients

# Browser journeys in headless Chromium (builds the web app first); screenshots in e2e/artifacts.
test-web:
    scripts/test.sh web

# Benchmarks: web app size against its budget (API latency figures join with the task center).
bench:
    scripts/bench.sh

# Regenerate the committed OpenAPI document.
openapi:
    cargo run -q -p tandem-server -- openapi --out api-spec/openapi.json
