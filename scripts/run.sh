#!/usr/bin/env bash
# Builds aiwidget and serves it on http://127.0.0.1:3000 with the embedded
# SQLite database under data/ (the first start prints the admin password once).
# Extra arguments go to `cargo leptos serve` (e.g. --release).

set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$AIWIDGET_ROOT"

say "Building the visitor widget (trunk)"
trunk build
say "Building the server and the dashboard, then serving (cargo leptos; the first build takes minutes)"
exec cargo leptos serve "$@"
