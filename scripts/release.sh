#!/usr/bin/env bash
# Builds a release: target/release/aiwidget plus the assets folder target/site
# (dashboard under pkg/, widget under widget/). Copy both to the server and run
# the binary with SITE_DIR pointing at the folder (see deploy/).

set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$AIWIDGET_ROOT"

say "Building the visitor widget for release (trunk, size-first profile)"
trunk build --release --cargo-profile wasm-release
say "Building the server and the dashboard for release (cargo leptos)"
cargo leptos build --release
say "Precompressing the dashboard's assets (.br, .gz beside each file in target/site/pkg)"
node tools/compress.mjs target/site/pkg
say "Built"
ls -l target/release/aiwidget
du -sh target/site
echo "Run: SITE_DIR=$AIWIDGET_ROOT/target/site target/release/aiwidget"
