#!/usr/bin/env bash
# Backup and restore as docs/deploy.md tells a site owner, on PostgreSQL and on
# SQLite: aiwidget serves a project with an OpenAI key; deploy/backup.sh dumps
# it; deploy/restore.sh restores it into an EMPTY database; aiwidget serves the
# restored project, and `aiwidget rotate-key` proves the key still decrypts
# with the same ENCRYPTION_KEY and not with another one. A restore over a
# database keeps a copy of what it replaced; a password with special
# characters reaches libpq as sqlx reads it.
#
#   tests/deploy/backup_restore.sh [path/to/aiwidget]   (default target/debug/aiwidget)
#
# Needs curl, jq, python3, sqlite3 and the PostgreSQL client tools, with a
# server at 127.0.0.1:5432 (user postgres, trust; PGHOST/PGPORT/PGUSER override).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=$(realpath "${1:-$root/target/debug/aiwidget}")
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
unset DATABASE_URL ENCRYPTION_KEY PREVIOUS_ENCRYPTION_KEY ENCRYPTION_KEY_VERSION JWT_SECRET \
  ADMIN_PASSWORD BACKUP_DIR BACKUP_KEEP LISTEN_ADDR PUBLIC_URL AIWIDGET_ENV
work=$(mktemp -d)
started=$SECONDS
databases=()
server_pid=''
log=''

step() { printf '\n== [%2d s] %s\n' "$((SECONDS - started))" "$*"; }
ok() { printf '   ok: %s\n' "$*"; }
fail() {
  printf '\nFAILED: %s\n' "$*" >&2
  if [ -n "$log" ] && [ -s "$log" ]; then printf -- '--- server log (%s):\n' "$log" >&2; tail -n 30 "$log" >&2; fi
  exit 1
}
cleanup() {
  [ -z "$server_pid" ] || { kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true; }
  for db in "${databases[@]}"; do dropdb --if-exists "$db" || true; done
  rm -rf "$work"
}
trap cleanup EXIT
for tool in curl jq python3 sqlite3 pg_dump pg_restore psql createdb; do
  command -v "$tool" >/dev/null || fail "$tool is missing"
done
[ -x "$bin" ] || fail "no aiwidget binary at $bin (cargo build first)"
pg_isready -q || fail "PostgreSQL does not answer at $PGHOST:$PGPORT"

key=$(head -c 32 /dev/urandom | base64)
other_key=$(head -c 32 /dev/urandom | base64)
jwt=$(head -c 48 /dev/urandom | base64)
password="backup test admin password"
openai_key="sk-backup-test-4242"

# write_env FILE DATABASE_URL BACKUP_DIR: the service's env file, as the package writes it.
write_env() {
  cat >"$1" <<EOF
DATABASE_URL=$2
ENCRYPTION_KEY=$key
JWT_SECRET=$jwt
ADMIN_PASSWORD="$password"
AIWIDGET_ENV=production
SITE_DIR=$root/target/site
BACKUP_DIR=$3
EOF
}

# start_server ENV_FILE: serves on a free port; sets base and server_pid.
start_server() {
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  log="$work/server-$port.log"
  (cd "$work" && exec env LISTEN_ADDR="127.0.0.1:$port" "$bin" --env-file "$1" serve) >"$log" 2>&1 &
  server_pid=$!
  base="http://127.0.0.1:$port"
  for _ in $(seq 1 200); do
    curl -fsS "$base/health" >/dev/null 2>&1 && return 0
    kill -0 "$server_pid" 2>/dev/null || fail "aiwidget exited at start"
    sleep 0.1
  done
  fail "aiwidget did not answer $base/health within 20 s"
}
stop_server() {
  kill -TERM "$server_pid"
  wait "$server_pid" || fail "aiwidget did not stop cleanly on SIGTERM"
  server_pid=''
}
login() {
  curl -fsS -H 'content-type: application/json' \
    -d "$(jq -n --arg p "$password" '{username: "admin", password: $p}')" \
    "$base/api/v1/admin/login" | jq -er .token
}
# rotate_key ENV_FILE EXPECTED [VAR=value…]: `aiwidget rotate-key` says EXPECTED.
rotate_key() {
  local env_file=$1 expected=$2 said
  shift 2
  said=$(cd "$work" && env "$@" "$bin" --env-file "$env_file" rotate-key 2>&1) || fail "rotate-key failed: $said"
  [[ $said == *"$expected"* ]] || fail "rotate-key said '$said', expected '$expected'"
  ok "rotate-key: $(head -n 1 <<<"$said")"
}

# check_backup FILE TAG: a file named as documented, mode 600.
check_backup() {
  [ -s "$1" ] || fail "backup.sh printed '$1', which is not a file"
  [[ $(basename "$1") =~ ^aiwidget-[0-9]{8}-[0-9]{6}$2\.(dump|sqlite3)$ ]] || fail "unexpected name $(basename "$1")"
  [ "$(stat -c %a "$1")" = 600 ] || fail "$1 is mode $(stat -c %a "$1"), not 600"
  ok "$(basename "$1"), mode 600, $(stat -c %s "$1") bytes"
}

# check_case KIND SOURCE_URL RESTORED_URL
check_case() {
  local kind=$1 dir="$work/$1" live file token project found
  mkdir -p "$dir"
  write_env "$dir/source.env" "$2" "$dir/backups"
  write_env "$dir/restored.env" "$3" "$dir/backups"

  step "$kind: aiwidget on a fresh database; the admin creates a project with an OpenAI key"
  start_server "$dir/source.env"
  token=$(login) || fail "admin login"
  project=$(curl -fsS -H "Authorization: Bearer $token" -H 'content-type: application/json' \
    -d "{\"name\": \"Backup test $kind\", \"openai_api_key\": \"$openai_key\"}" \
    "$base/api/v1/admin/projects" | jq -er .id) || fail "creating the project"
  ok "project $project created"

  step "$kind: deploy/backup.sh --env-file source.env, aiwidget running (the daily timer)"
  live=$("$root/deploy/backup.sh" --env-file "$dir/source.env") || fail "backup.sh failed"
  check_backup "$live" ''
  stop_server

  step "$kind: deploy/backup.sh --env-file source.env --reason pre-upgrade, aiwidget stopped"
  file=$("$root/deploy/backup.sh" --env-file "$dir/source.env" --reason pre-upgrade) || fail "backup.sh failed"
  check_backup "$file" -pre-upgrade

  step "$kind: deploy/restore.sh the backup made while running into an EMPTY database"
  "$root/deploy/restore.sh" --env-file "$dir/restored.env" "$live" || fail "restore.sh failed"
  ok "restored"

  step "$kind: aiwidget on the restored database: log in, see the project and its key"
  start_server "$dir/restored.env"
  token=$(login) || fail "admin login on the restored database"
  ok "the admin logs in with the same password"
  found=$(curl -fsS -H "Authorization: Bearer $token" "$base/api/v1/admin/projects/$project") ||
    fail "project $project is missing after the restore"
  jq -e --arg name "Backup test $kind" \
    '.name == $name and .openai_api_key_set == true and .openai_api_key_unreadable == false' \
    <<<"$found" >/dev/null || fail "the restored project is not as saved: $found"
  ok "project $project: name kept, key set and readable ($(jq -r .openai_api_key_hint <<<"$found"))"
  stop_server

  # rotate-key decrypts only keys of an older generation: move to generation 2.
  step "$kind: the key decrypts with the backed-up ENCRYPTION_KEY, and only with it"
  rotate_key "$dir/restored.env" "0 re-encrypted, 0 already current, 1 unreadable" \
    ENCRYPTION_KEY="$other_key" ENCRYPTION_KEY_VERSION=2
  rotate_key "$dir/restored.env" "1 re-encrypted, 0 already current, 0 unreadable" \
    ENCRYPTION_KEY="$other_key" ENCRYPTION_KEY_VERSION=2 PREVIOUS_ENCRYPTION_KEY="$key"

  step "$kind: restore the pre-upgrade backup over the database, not empty now"
  "$root/deploy/restore.sh" --env-file "$dir/restored.env" "$file" >/dev/null || fail "second restore failed"
  # The key is back at generation 1, as it was in the backup.
  rotate_key "$dir/restored.env" "0 re-encrypted, 1 already current, 0 unreadable"
  check_replaced_kept "$kind" "$dir" "$file"
}

# replaced_copies KIND DIR: the copies restore.sh kept of the databases it replaced.
replaced_copies() {
  if [ "$1" = postgres ]; then
    find "$2/backups" -name 'aiwidget-*-before-restore.dump'
  else
    find "$2/sqlite-restored" -name 'aiwidget.db.before-restore-*' ! -name '*-wal' ! -name '*-shm'
  fi
}

# check_replaced_kept KIND DIR BACKUP: the second restore kept what it
# replaced (the database at key generation 2); a third keeps both copies.
check_replaced_kept() {
  local kind=$1 dir=$2 copies
  mapfile -t copies < <(replaced_copies "$kind" "$dir")
  { [ "${#copies[@]}" = 1 ] && [ -s "${copies[0]}" ]; } || fail "no copy of the replaced database: ${copies[*]}"
  [ "$(stat -c %a "${copies[0]}")" = 600 ] || fail "${copies[0]} is not mode 600"
  [ -s "$3" ] || fail "the restored backup $3 was rotated away"
  [ "$kind" != postgres ] || sleep 1 # backup.sh names its file by the second
  "$root/deploy/restore.sh" --env-file "$dir/restored.env" "$3" >/dev/null || fail "third restore failed"
  mapfile -t copies < <(replaced_copies "$kind" "$dir")
  [ "${#copies[@]}" = 2 ] || fail "a restore overwrote the copy of an earlier one: ${copies[*]}"
  ok "each restore over a database kept it: $(basename -a "${copies[@]}" | tr '\n' ' ')"
}

for name in src dst; do
  databases+=("aiw_backup_${name}_$$")
  createdb "aiw_backup_${name}_$$" || fail "createdb aiw_backup_${name}_$$"
done
pg="postgres://$PGUSER@$PGHOST:$PGPORT"
check_case postgres "$pg/aiw_backup_src_$$" "$pg/aiw_backup_dst_$$"
check_case sqlite "sqlite://$work/sqlite/data/aiwidget.db?mode=rwc" \
  "sqlite://$work/sqlite/sqlite-restored/aiwidget.db?mode=rwc"

step "backup.sh keeps the newest BACKUP_KEEP (the environment wins over the env file)"
for reason in a b c; do
  BACKUP_DIR="$work/rotation" BACKUP_KEEP=2 "$root/deploy/backup.sh" \
    --env-file "$work/sqlite/source.env" --reason "$reason" >/dev/null || fail "backup $reason"
done
kept=$(cd "$work/rotation" && ls)
[[ $(wc -l <<<"$kept") == 2 && $kept == *-b.sqlite3*-c.sqlite3 ]] || fail "kept: $kept"
ok "kept the newest two: $(tr '\n' ' ' <<<"$kept")"

step "backup.sh fails loudly and leaves nothing when the database is not there"
if DATABASE_URL="$pg/aiw_backup_missing_$$" BACKUP_DIR="$work/failed" "$root/deploy/backup.sh" 2>"$work/failed.txt"; then
  fail "backup.sh succeeded without a database"
fi
[ -z "$(ls -A "$work/failed")" ] || fail "a partial file was left: $(ls "$work/failed")"
ok "non-zero exit, no file: $(tail -n 1 "$work/failed.txt")"

step "a password with special characters reaches pg_dump as sqlx reads it, never on its command line"
mkdir -p "$work/stub"
cat >"$work/stub/pg_dump" <<'EOF'
#!/usr/bin/env bash
printf '%s' "${PGPASSWORD-}" >"$STUB_OUT.password"
printf '%s\n' "$@" >"$STUB_OUT.args"
exit 1
EOF
chmod +x "$work/stub/pg_dump"
# Encoded: @ : / space % é; raw (as sqlx leaves them): a % without hex digits, \ $ ' & "
# shellcheck disable=SC2016 # a literal $ in the password
raw_password='p@ss:w/rd 50%off a\b $x'"'"'"&%41é'
url_password="p%40ss%3Aw%2Frd%2050%off%20a\\b%20\$x'\"&%2541%C3%A9"
STUB_OUT="$work/stub/out" PATH="$work/stub:$PATH" BACKUP_DIR="$work/stubbed" \
  DATABASE_URL="postgres://aiwidget:$url_password@127.0.0.1:5432/aiwidget" \
  "$root/deploy/backup.sh" 2>/dev/null && fail "the stub pg_dump fails, backup.sh did not"
[ "$(cat "$work/stub/out.password")" = "$raw_password" ] ||
  fail "PGPASSWORD was '$(cat "$work/stub/out.password")', not '$raw_password'"
grep -qx -- '--dbname=postgres://aiwidget@127.0.0.1:5432/aiwidget' "$work/stub/out.args" ||
  fail "pg_dump's arguments: $(cat "$work/stub/out.args")"
ok "PGPASSWORD decoded as sqlx does; the URL on pg_dump's command line has no password"

printf '\nBackup and restore passed on PostgreSQL and SQLite in %s s\n' "$((SECONDS - started))"
