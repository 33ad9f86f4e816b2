#!/usr/bin/env bash
# Backs up the aiwidget database into BACKUP_DIR and keeps the newest BACKUP_KEEP.
#
#   backup.sh [--env-file FILE] [--reason WORD] [--no-rotate]
#
# DATABASE_URL, BACKUP_DIR (default /var/backups/aiwidget) and BACKUP_KEEP
# (default 14) come from the environment, else from FILE (KEY=value lines, e.g.
# /etc/aiwidget/aiwidget.env). PostgreSQL is dumped with pg_dump --format=custom
# into aiwidget-YYYYmmdd-HHMMSS[-WORD].dump, SQLite copied with sqlite3's
# .backup (safe while the server runs) into aiwidget-YYYYmmdd-HHMMSS[-WORD].sqlite3;
# the time is UTC, the file mode 600. Prints the file's path. On failure it exits
# non-zero and leaves no partial file. --no-rotate deletes no older backup
# (restore.sh saves the database it replaces so). Restore with restore.sh.
# The backup is useless without the ENCRYPTION_KEY of the env file: keep both.
set -euo pipefail
umask 077

die() { echo "backup.sh: $*" >&2; exit 1; }
# shellcheck source=deploy/database-url.sh
source "$(dirname "${BASH_SOURCE[0]}")/database-url.sh"

env_file='' reason='' rotate=1
while [ $# -gt 0 ]; do
  case $1 in
    --env-file) env_file=${2:-}; shift 2 || die "--env-file needs a file" ;;
    --reason) reason=${2:-}; shift 2 || die "--reason needs a word" ;;
    --no-rotate) rotate=''; shift ;;
    -h | --help) sed -n '2,/^set /{/^set /d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
[[ $reason =~ ^[A-Za-z0-9-]*$ ]] || die "--reason: letters, digits and - only"

# NAME from the env file unless the environment sets it (as aiwidget does).
from_env_file() {
  if [ -n "${!1:-}" ] || [ -z "$env_file" ]; then return 0; fi
  local value
  value=$(sed -n -E "s/^[[:space:]]*(export[[:space:]]+)?$1[[:space:]]*=[[:space:]]*//p" "$env_file" |
    tail -n 1 | sed -E "s/[[:space:]]+$//; s/^\"(.*)\"$/\1/; s/^'(.*)'$/\1/")
  printf -v "$1" '%s' "$value"
}
[ -z "$env_file" ] || [ -r "$env_file" ] || die "cannot read $env_file"
for name in DATABASE_URL BACKUP_DIR BACKUP_KEEP; do from_env_file "$name"; done
url=${DATABASE_URL:-}
dir=${BACKUP_DIR:-/var/backups/aiwidget}
keep=${BACKUP_KEEP:-14}
[ -n "$url" ] || die "DATABASE_URL is not set (give --env-file /etc/aiwidget/aiwidget.env)"
[[ $keep =~ ^[1-9][0-9]*$ ]] || die "BACKUP_KEEP must be a number from 1 up, not '$keep'"
[[ $dir != *[\'\"]* ]] || die "BACKUP_DIR must not contain quotes"
mkdir -p "$dir" # mode 700: umask 077

name="aiwidget-$(date -u +%Y%m%d-%H%M%S)${reason:+-$reason}"
partial=''
trap '[ -z "$partial" ] || rm -f -- "$partial"' EXIT

case $url in
  postgres://* | postgresql://*)
    file="$dir/$name.dump"
    move_password_to_env
    partial="$file.partial"
    pg_dump --format=custom --file="$partial" --dbname="$url" || die "pg_dump failed"
    pg_restore --list "$partial" >/dev/null || die "the dump does not read back"
    ;;
  sqlite:*)
    file="$dir/$name.sqlite3"
    db=${url#sqlite:}
    db=${db#//}
    db=${db%%\?*}
    percent_decode "$db"
    db=$decoded
    [ "$db" != :memory: ] || die "an in-memory database has nothing to back up"
    [ -f "$db" ] || die "no SQLite database at $db (relative to $(pwd))"
    partial="$file.partial"
    sqlite3 -cmd ".timeout 10000" "$db" ".backup '$partial'" || die "sqlite3 .backup failed"
    # Opening the database may have made its -wal/-shm files: keep them the server's.
    for extra in "$db-wal" "$db-shm"; do
      [ ! -e "$extra" ] || chown --reference="$db" "$extra" 2>/dev/null || true
    done
    [ "$(sqlite3 "$partial" 'PRAGMA integrity_check')" = ok ] || die "the copy fails its integrity check"
    ;;
  *) die "DATABASE_URL is neither postgres:// nor sqlite:" ;;
esac

chmod 600 "$partial"
[ ! -e "$file" ] || die "$file exists already"
mv -- "$partial" "$file"
partial=''

# Names start with the UTC time, so the name order is the age order.
mapfile -t old < <(find "$dir" -maxdepth 1 -type f \
  \( -name 'aiwidget-*.dump' -o -name 'aiwidget-*.sqlite3' \) -printf '%f\n' | sort -r | tail -n +"$((keep + 1))")
[ -n "$rotate" ] || old=()
for stale in "${old[@]}"; do rm -f -- "${dir:?}/$stale"; done
echo "$file"
