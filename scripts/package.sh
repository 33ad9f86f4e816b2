#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Builds the Debian package target/debian/aiwidget_<version>_amd64.deb: the
# release binary, the site files, the systemd units, the nginx site template
# and the backup script (see [package.metadata.deb] in server/Cargo.toml).
#
#   scripts/package.sh              release build (scripts/release.sh), then the .deb
#   scripts/package.sh --no-build   the .deb from the existing release build (CI)
#
# Needs the README's set-up (scripts/setup.sh); installs cargo-deb from
# crates.io when missing (about 2 minutes). Prints the path of the .deb.

set -euo pipefail
# shellcheck source=setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$AIWIDGET_ROOT"

build=yes
case "${1:-}" in
  --no-build) build=no ;;
  "") ;;
  *) echo "usage: scripts/package.sh [--no-build]" >&2; exit 2 ;;
esac

if ! has_version cargo-deb "cargo-deb"; then
  say "Installing cargo-deb from crates.io (about 2 minutes)"
  cargo install cargo-deb --locked
fi

if [ "$build" = yes ]; then
  bash scripts/release.sh
fi
for built in target/release/aiwidget target/site/pkg; do
  [ -e "$built" ] || { echo "aiwidget: $built is missing: run scripts/release.sh first" >&2; exit 1; }
done

say "Packaging (cargo deb -p aiwidget --no-build)"
# cargo-deb warns that ../target/site is not a Cargo target dir: it is the site
# that scripts/release.sh built, packaged as it is; that warning is left out.
deb=$(cargo deb -p aiwidget --no-build 2> >(grep -vF "'../target/site/" >&2))
echo "$deb"
if command -v dpkg-deb >/dev/null; then
  dpkg-deb --field "$deb" Package Version Depends Recommends Installed-Size
fi
ls -l "$deb"
