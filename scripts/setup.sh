#!/usr/bin/env bash
# Installs what building and testing aiwidget needs, and only what is missing:
# the wasm32 target, wasm-bindgen 0.2.130, cargo-leptos, trunk and wasm-opt
# (binaryen 132 from npm). Safe to run again: each step checks first.
#
# Run it, or source it from another script to get PATH set up as well.
# Ready builds of the Rust tools in ../shared/tools/bin (beside the repository)
# are used when that folder exists; otherwise they are built with cargo.

set -euo pipefail

AIWIDGET_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { printf '\n\033[1;34m==>\033[0m \033[1m%s\033[0m \033[2m(%s s)\033[0m\n' "$*" "$SECONDS"; }

shared_tools="$AIWIDGET_ROOT/../shared/tools/bin"
if [ -d "$shared_tools" ]; then
  PATH="$(cd "$shared_tools" && pwd):$PATH"
fi
PATH="$AIWIDGET_ROOT/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export PATH

for tool in cargo rustup npm; do
  command -v "$tool" >/dev/null || { echo "aiwidget: '$tool' is needed and missing" >&2; exit 1; }
done

has_version() { # tool, expected version text
  command -v "$1" >/dev/null && "$1" --version 2>/dev/null | grep -q "$2"
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "Adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! has_version wasm-bindgen "0.2.130"; then
  say "Installing wasm-bindgen-cli 0.2.130 (about 7 minutes)"
  cargo install wasm-bindgen-cli --version 0.2.130
fi

# cargo-leptos and trunk need rustc >= 1.96 to build: a nightly toolchain.
install_with_nightly() { # crate, version, what it takes
  say "Installing $1 $2 with nightly Rust ($3)"
  rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
  cargo +nightly install --locked "$1" --version "$2"
}
has_version cargo-leptos "0.3" || install_with_nightly cargo-leptos 0.3.11 "about 25 minutes"
has_version trunk "0.22" || install_with_nightly trunk 0.22.1 "about 20 minutes"

if ! has_version wasm-opt "version 132" || [ ! -d "$AIWIDGET_ROOT/tools/node_modules/playwright-core" ]; then
  say "Installing wasm-opt (binaryen 132) and playwright-core from npm"
  npm ci --prefix "$AIWIDGET_ROOT/tools" --no-audit --no-fund
fi

# Trunk writes the widget here and cargo-leptos copies it into the site.
mkdir -p "$AIWIDGET_ROOT/target/widget-dist"
