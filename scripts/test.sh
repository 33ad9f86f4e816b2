#!/usr/bin/env bash
# Builds every part of aiwidget (widget and dashboard wasm included) and runs
# the whole test suite. The database is a temp SQLite file per test, or a new
# PostgreSQL database per test when TEST_DATABASE_URL is set, e.g.
#   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test scripts/test.sh

set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$AIWIDGET_ROOT"

say "Building the visitor widget (trunk)"
trunk build
say "Building the server and the dashboard (cargo leptos)"
cargo leptos build
say "Running the tests on ${TEST_DATABASE_URL:+PostgreSQL}${TEST_DATABASE_URL:-SQLite}"
cargo test
