#!/usr/bin/env bash
# Restores a backup made by backup.sh into the database of DATABASE_URL.
#
#   restore.sh [--env-file FILE] BACKUP
#
# Stop the service first (systemctl stop aiwidget; it refuses while aiwidget is
# active) and start it afterwards. DATABASE_URL comes from the environment, else
# from FILE (e.g. /etc/aiwidget/aiwidget.env).
# - PostgreSQL (a .dump): pg_restore --clean --if-exists --no-owner, in one
#   transaction, into the database as it is or into an empty one (createdb).
#   A database with tables is first saved by backup.sh (beside this script)
#   into BACKUP_DIR as aiwidget-YYYYmmdd-HHMMSS-before-restore.dump; when that
#   fails nothing is restored.
# - SQLite (a .sqlite3): the backup replaces the database file; the replaced
#   file (with its -wal and -shm) is kept beside it as
#   *.before-restore-YYYYmmdd-HHMMSS (UTC), never overwritten.
# The restored keys decrypt only with the ENCRYPTION_KEY of the backed-up server.
set -euo pipefail
umask 077

die() { echo "restore.sh: $*" >&2; exit 1; }
# shellcheck source=deploy/database-url.sh
source "$(dirname "${BASH_SOURCE[0]}")/database-url.sh"

env_file='' backup=''
while [ $# -gt 0 ]; do
  case $1 in
    --env-file) env_file=${2:-}; shift 2 || die "--env-file needs a file" ;;
    -h | --help) sed -n '2,/^set /{/^set /d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    -*) die "unknown option: $1 (see --help)" ;;
    *) [ -z "$backup" ] || die "one backup file only"; backup=$1; shift ;;
  esac
done
[ -n "$backup" ] || die "which backup? restore.sh [--env-file FILE] BACKUP"
[ -r "$backup" ] || die "cannot read $backup"
if [ -z "${DATABASE_URL:-}" ] && [ -n "$env_file" ]; then
  [ -r "$env_file" ] || die "cannot read $env_file"
  DATABASE_URL=$(sed -n -E 's/^[[:space:]]*(export[[:space:]]+)?DATABASE_URL[[:space:]]*=[[:space:]]*//p' "$env_file" |
    tail -n 1 | sed -E "s/[[:space:]]+$//; s/^\"(.*)\"$/\1/; s/^'(.*)'$/\1/")
fi
url=${DATABASE_URL:-}
[ -n "$url" ] || die "DATABASE_URL is not set (give --env-file /etc/aiwidget/aiwidget.env)"
if command -v systemctl >/dev/null && systemctl is-active --quiet aiwidget 2>/dev/null; then
  die "aiwidget is running: systemctl stop aiwidget first"
fi

case $url in
  postgres://* | postgresql://*)
    [ "$(head -c 5 "$backup")" = PGDMP ] || die "$backup is not a PostgreSQL dump"
    move_password_to_env
    # --clean drops what is there: save it first, unless there is nothing.
    tables=$(psql --dbname="$url" -Atc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") ||
      die "cannot read the database of DATABASE_URL: nothing was restored"
    if [ "$tables" != 0 ]; then
      saved=$(DATABASE_URL=$DATABASE_URL "$(dirname "${BASH_SOURCE[0]}")/backup.sh" \
        ${env_file:+--env-file "$env_file"} --reason before-restore --no-rotate) ||
        die "cannot save the database it would replace (see above): nothing was restored"
      echo "the replaced database is saved as $saved"
    fi
    pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction \
      --exit-on-error --dbname="$url" "$backup" || die "pg_restore failed: the database is unchanged"
    # --clean drops only what the dump has: tables a newer aiwidget made stay.
    extra=$(psql --dbname="$url" -Atc "SELECT tablename FROM pg_tables WHERE schemaname = 'public'" | sort |
      comm -23 - <(pg_restore --list "$backup" | awk '$4 == "TABLE" && $5 == "public" {print $6}' | sort))
    [ -z "$extra" ] || echo "restore.sh: tables not in the backup were left: $(echo "$extra" | tr '\n' ' ')" \
      "(from a newer aiwidget? drop them, or restore into an empty database)" >&2
    echo "restored $backup into the PostgreSQL database of DATABASE_URL"
    ;;
  sqlite:*)
    [ "$(head -c 15 "$backup")" = "SQLite format 3" ] || die "$backup is not a SQLite database"
    [ "$(sqlite3 "$backup" 'PRAGMA integrity_check')" = ok ] || die "$backup fails its integrity check"
    db=${url#sqlite:}
    db=${db#//}
    db=${db%%\?*}
    percent_decode "$db"
    db=$decoded
    [ "$db" != :memory: ] || die "an in-memory database cannot be restored"
    mkdir -p "$(dirname "$db")"
    cp -- "$backup" "$db.restoring"
    if [ -e "$db" ]; then
      chown --reference="$db" "$db.restoring" 2>/dev/null || true
      chmod --reference="$db" "$db.restoring"
      # A -wal left beside the new file would be replayed into it: move it too.
      # A new name each time: an earlier restore's copy may be all that is left.
      stamp="$db.before-restore-$(date -u +%Y%m%d-%H%M%S)" kept='' n=1
      while [ -z "$kept" ]; do
        kept=$stamp
        [ "$n" = 1 ] || kept+="-$n"
        for suffix in '' -wal -shm -journal; do
          [ ! -e "$kept$suffix" ] || { kept='' n=$((n + 1)); break; }
        done
      done
      for suffix in '' -wal -shm -journal; do
        [ ! -e "$db$suffix" ] || mv -- "$db$suffix" "$kept$suffix"
      done
      echo "the replaced database is kept as $kept"
    else
      chown --reference="$(dirname "$db")" "$db.restoring" 2>/dev/null || true
    fi
    mv -f -- "$db.restoring" "$db"
    echo "restored $backup into $db"
    ;;
  *) die "DATABASE_URL is neither postgres:// nor sqlite:" ;;
esac
