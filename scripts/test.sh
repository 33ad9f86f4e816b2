#!/usr/bin/env bash
# Builds every part of aiwidget (widget and dashboard wasm included) and runs
# the whole test suite: Rust unit and HTTP integration tests, then the
# browser tests in Debian's Chromium. The database is a temp SQLite file per test, or a new
# PostgreSQL database per test when TEST_DATABASE_URL is set, e.g.
#   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test scripts/test.sh

set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$AIWIDGET_ROOT"

say "Building the visitor widget for release (trunk; the browser tests use what visitors get)"
trunk build --release --cargo-profile wasm-release
say "Size budgets: loader under 2,560 bytes brotli, opened widget under 95 KiB brotli"
node tests/sizes.mjs
say "Building the server and the dashboard (cargo leptos)"
cargo leptos build
node tools/compress.mjs target/site/pkg
say "Running the tests on ${TEST_DATABASE_URL:+PostgreSQL}${TEST_DATABASE_URL:-SQLite}"
cargo test

if ! command -v chromium >/dev/null; then
  say "Installing Chromium (Debian's package) for the browser tests"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq chromium
fi
say "Browser tests: the dashboard and the widget in Chromium (screenshots in docs/screenshots/)"
cargo build -p fake-openai -p fake-telegram
node tests/browser/dashboard.mjs
node tests/browser/widget.mjs
node tests/browser/takeover.mjs
node tests/browser/privacy.mjs
node tests/browser/knowledge.mjs
node tests/browser/retrieval.mjs
node tests/browser/alerts.mjs
node tests/browser/copilot.mjs
node tests/browser/ratings.mjs
node tests/browser/translation.mjs
node tests/browser/analytics.mjs
