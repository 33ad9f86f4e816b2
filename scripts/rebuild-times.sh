#!/usr/bin/env bash
# Measures the edit-build loop: for each file given, touches it and times
# `trunk build` (the release widget, as scripts/test.sh builds it) plus
# `cargo leptos build` (server + dashboard), after one warm-up build.
#   scripts/rebuild-times.sh app/src/projects.rs engine/src/services/widget.rs contract/src/chat.rs
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$AIWIDGET_ROOT"
build() {
  trunk build --release --cargo-profile wasm-release >/dev/null 2>&1
  cargo leptos build >/dev/null 2>&1
}
build # warm: nothing left to do after this
for file in "$@"; do
  touch "$file"
  start=$(date +%s.%N)
  build
  printf '%-50s %6.1f s\n' "$file" "$(echo "$(date +%s.%N) - $start" | bc)"
done
