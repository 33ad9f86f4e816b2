#!/usr/bin/env bash
# Proves the Debian package and deploy/install.sh in a Debian 12 root made with
# debootstrap (Ubuntu's archive is not reachable here; Debian 12 is a supported
# target too, and its glibc 2.36 is close to Ubuntu 22.04's 2.35).
#
#   tests/deploy/debian_root.sh path/to/aiwidget_<version>_amd64.deb
#
# On the host: the .deb's contents and control data, the binary's glibc symbol
# versions (<= 2.35, Ubuntu 22.04), `systemd-analyze verify` on the three units.
# In the root: first install (secrets generated, user, folders, units enabled),
# the packaged binary serving /health on Debian 12's glibc and SQLite, upgrade
# (env file byte-identical, pre-upgrade dump; a failing dump stops the upgrade),
# purge (env file and data kept), then deploy/install.sh twice with certbot
# stubbed (PostgreSQL, nginx with TLS, the service on PostgreSQL, same secrets).
#
# The root runs in its own mount, PID and network namespaces (unshare): its
# PostgreSQL, nginx (ports 80/443) and aiwidget (3000) never meet the host's,
# and everything started in it dies with the namespace. systemd is not PID 1
# there, so install.sh takes its documented fallbacks (pg_ctlcluster, nginx,
# aiwidget started directly).
#
# The root with nginx, PostgreSQL & co. preinstalled is built once and cached
# in $AIWIDGET_CI_CACHE (default /var/cache/aiwidget-ci), keyed by its recipe.
# AIWIDGET_KEEP_ROOT=1 keeps the unpacked root for a look afterwards.

set -euo pipefail

SUITE=bookworm
MIRROR=http://deb.debian.org/debian
ROOT_PACKAGES=(nginx postgresql openssl adduser ca-certificates sqlite3 procps curl)
ROOT_RECIPE="recipe 2 (packages installed offline): debootstrap --variant=minbase $SUITE $MIRROR; apt-get install --no-install-recommends ${ROOT_PACKAGES[*]}; LANG=C.UTF-8"
CACHE_DIR=${AIWIDGET_CI_CACHE:-/var/cache/aiwidget-ci}
DOMAIN=chat.example.test
EMAIL=admin@example.test

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
T_START=$EPOCHREALTIME

elapsed() { # since $1 (an $EPOCHREALTIME), in seconds with one decimal
  awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'
}
step() {
  [ -z "${STEP_T0:-}" ] || printf '    (%s s)\n' "$(elapsed "$STEP_T0")"
  STEP_T0=$EPOCHREALTIME
  printf '\n\033[1;34m==>\033[0m \033[1m%s\033[0m\n' "$*"
}
passed=0
pass() { passed=$((passed + 1)); printf '    ok  %s\n' "$*"; }
fail() {
  printf '    FAIL %s\n' "$*" >&2
  printf '\ndebian_root: %s passed, 1 failed\n' "$((passed + ${PASSED_BEFORE:-0}))"
  reported=yes
  exit 1
}
reported=no
on_error_exit() { # a command that was not a check failed (set -e)
  if [ "$1" != 0 ] && [ "$reported" = no ]; then
    printf '\n    FAIL the step above stopped (exit %s)\n' "$1" >&2
    printf '\ndebian_root: %s passed, 1 failed\n' "$((passed + ${PASSED_BEFORE:-0}))"
  fi
}
expect() { # description, command...
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

# ---------------------------------------------------------------------------
# Inside the namespaces (the script runs itself again under unshare).
# ---------------------------------------------------------------------------
ROOT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

in_root() {
  chroot "$ROOT" /usr/bin/env -i PATH="$ROOT_PATH" HOME=/root LANG=C.UTF-8 TERM=dumb "$@"
}

root_env() { # variable of the root's env file
  sed -n -E "s/^$1=(.*)$/\1/p" "$ROOT/etc/aiwidget/aiwidget.env" | tail -n 1
}

root_stat() { # mode and owner of a path in the root, by the root's user names
  in_root stat -c '%a %U:%G' "$1"
}

env_sum() { sha256sum "$ROOT/etc/aiwidget/aiwidget.env" | cut -d' ' -f1; }

wait_http() { # url, seconds
  local i
  for ((i = 0; i < $2 * 5; i++)); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}

kill_root_processes() {
  local signal pid
  for signal in TERM KILL; do
    for pid in /proc/[0-9]*; do
      if [ "$(readlink "$pid/root" 2>/dev/null)" = "$ROOT" ]; then
        kill "-$signal" "${pid#/proc/}" 2>/dev/null || true
      fi
    done
    sleep 0.5
  done
}

inside_cleanup() {
  on_error_exit "$1"
  kill_root_processes
  umount "$ROOT/dev/pts" "$ROOT/dev/shm" "$ROOT/proc" 2>/dev/null || true
}

installed_version() {
  # shellcheck disable=SC2016 # dpkg-query's own ${field} syntax
  in_root dpkg-query -W -f '${Version} ${Status}' aiwidget 2>/dev/null || true
}

inside() {
  ROOT=$1
  DEB=$2 DEB2=$3 DEB3=$4 DEB4=$5
  PASSED_BEFORE=$6
  VERSION=$(dpkg-deb --field "$DEB" Version)
  trap 'inside_cleanup $?' EXIT
  ip link set lo up
  mount -t proc proc "$ROOT/proc"
  mount -t tmpfs -o mode=1777 shm "$ROOT/dev/shm"
  mount -t devpts -o newinstance,ptmxmode=0666 devpts "$ROOT/dev/pts"
  cp "$DEB" "$DEB2" "$DEB3" "$DEB4" "$ROOT/root/"
  local log=$ROOT/root/logs
  mkdir -p "$log"

  step "First install: dpkg -i $(basename "$DEB")"
  in_root dpkg -i "/root/$(basename "$DEB")" 2>&1 | tee "$log/first-install.txt"
  local env_file=$ROOT/etc/aiwidget/aiwidget.env
  expect "the env file exists, root:root mode 600" \
    test "$(root_stat /etc/aiwidget/aiwidget.env)" = "600 root:root"
  local jwt enc admin
  jwt=$(root_env JWT_SECRET) enc=$(root_env ENCRYPTION_KEY) admin=$(root_env ADMIN_PASSWORD)
  expect "JWT_SECRET is base64 of 48 random bytes" \
    test "$(printf '%s' "$jwt" | base64 -d | wc -c)" = 48
  expect "ENCRYPTION_KEY is standard base64 of exactly 32 bytes" \
    test "$(printf '%s' "$enc" | base64 -d | wc -c)" = 32
  expect "ADMIN_PASSWORD is 20 letters and digits" grep -Eqx '[A-Za-z0-9]{20}' <<<"$admin"
  expect "DATABASE_URL is the SQLite default" \
    test "$(root_env DATABASE_URL)" = 'sqlite:///var/lib/aiwidget/aiwidget.db?mode=rwc'
  expect "LISTEN_ADDR and AIWIDGET_ENV are set, PUBLIC_URL waits for install.sh" \
    test "$(root_env LISTEN_ADDR) $(root_env AIWIDGET_ENV) $(root_env PUBLIC_URL)" = "127.0.0.1:3000 production "
  expect "the admin password was printed once" grep -Eq "password: +$admin\$" "$log/first-install.txt"
  expect "the ENCRYPTION_KEY backup warning was printed" grep -q "BACK UP /etc/aiwidget/aiwidget.env" "$log/first-install.txt"
  expect "system user aiwidget exists, no login shell" \
    grep -Eq '^aiwidget:x:[0-9]+:[0-9]+:.*:/var/lib/aiwidget:/usr/sbin/nologin$' "$ROOT/etc/passwd"
  expect "/var/lib/aiwidget is aiwidget's, mode 750" \
    test "$(root_stat /var/lib/aiwidget)" = "750 aiwidget:aiwidget"
  expect "/var/backups/aiwidget is root's, mode 700" \
    test "$(root_stat /var/backups/aiwidget)" = "700 root:root"
  expect "aiwidget.service is enabled (multi-user.target.wants)" \
    test "$(readlink "$ROOT/etc/systemd/system/multi-user.target.wants/aiwidget.service")" = /lib/systemd/system/aiwidget.service
  expect "aiwidget-backup.timer is enabled (timers.target.wants)" \
    test "$(readlink "$ROOT/etc/systemd/system/timers.target.wants/aiwidget-backup.timer")" = /lib/systemd/system/aiwidget-backup.timer
  expect "without systemd the service is not started (said so)" \
    grep -q "systemd is not running here" "$log/first-install.txt"

  step "The packaged binary on Debian 12 (glibc, SQLite) as user aiwidget, with the env file"
  # As the unit runs it: the env file, SITE_DIR, the data folder; another port.
  (
    # shellcheck disable=SC2046 # one variable per line of the env file
    exec chroot "$ROOT" /usr/bin/env -i PATH="$ROOT_PATH" \
      $(grep -E '^[A-Z_]+=' "$env_file") SITE_DIR=/usr/share/aiwidget/site LISTEN_ADDR=127.0.0.1:3100 \
      sh -c 'cd /var/lib/aiwidget && exec setpriv --reuid aiwidget --regid aiwidget --init-groups /usr/bin/aiwidget serve'
  ) >"$log/serve-sqlite.txt" 2>&1 &
  local server=$!
  if ! wait_http http://127.0.0.1:3100/health 60; then
    cat "$log/serve-sqlite.txt"
    fail "the packaged binary answers /health"
  fi
  expect "/health answers ok with the database ok" \
    grep -q '"db":"ok"' <<<"$(curl -fsS http://127.0.0.1:3100/health)"
  local wasm
  wasm=$(find "$ROOT/usr/share/aiwidget/site/pkg" -name '*.wasm' -printf '%f\n' | head -n 1)
  expect "the site files are served from /usr/share/aiwidget/site (/pkg/$wasm as brotli)" \
    grep -qi '^content-encoding: br' <<<"$(curl -fsS -o /dev/null -D - -H 'Accept-Encoding: br' "http://127.0.0.1:3100/pkg/$wasm")"
  kill "$server"
  wait "$server" || true
  expect "the SQLite database was made in /var/lib/aiwidget, owned by aiwidget" \
    test "$(in_root stat -c '%U' /var/lib/aiwidget/aiwidget.db)" = aiwidget

  # The documented upgrade: apt install ./aiwidget_<new>.deb
  step "Upgrade: apt-get install /root/$(basename "$DEB2")"
  local before
  before=$(env_sum)
  in_root apt-get -o Dpkg::Use-Pty=0 install -y -q "/root/$(basename "$DEB2")" 2>&1 | tee "$log/upgrade.txt"
  expect "the new version is installed" grep -q "^${VERSION}+ci2 install ok installed" <<<"$(installed_version)"
  expect "the env file is byte-identical after the upgrade" test "$(env_sum)" = "$before"
  expect "a pre-upgrade dump exists in /var/backups/aiwidget" \
    test -n "$(find "$ROOT/var/backups/aiwidget" -type f -name '*pre-upgrade*' -size +0)"
  expect "the upgrade printed no new password" not_grep "password:" "$log/upgrade.txt"

  step "Upgrade with a failing dump stops; AIWIDGET_SKIP_BACKUP=1 or the one-time flag file overrides"
  if in_root BACKUP_DIR=/proc/aiwidget-cannot-write apt-get -o Dpkg::Use-Pty=0 install -y -q "/root/$(basename "$DEB3")" \
    >"$log/upgrade-fail.txt" 2>&1; then
    cat "$log/upgrade-fail.txt"
    fail "an upgrade whose dump fails stops"
  fi
  tail -n 12 "$log/upgrade-fail.txt"
  expect "the failed dump is reported clearly" grep -q "pre-upgrade database dump FAILED" "$log/upgrade-fail.txt"
  expect "the installed version stays, fully installed" \
    grep -q "^${VERSION}+ci2 install ok installed" <<<"$(installed_version)"
  in_root AIWIDGET_SKIP_BACKUP=1 apt-get -o Dpkg::Use-Pty=0 install -y -q "/root/$(basename "$DEB3")" 2>&1 | tee "$log/upgrade-skip.txt"
  expect "with AIWIDGET_SKIP_BACKUP=1 the upgrade goes through" \
    grep -q "^${VERSION}+ci3 install ok installed" <<<"$(installed_version)"
  expect "the env file is still byte-identical" test "$(env_sum)" = "$before"
  touch "$ROOT/etc/aiwidget/skip-next-upgrade-backup"
  in_root BACKUP_DIR=/proc/aiwidget-cannot-write apt-get -o Dpkg::Use-Pty=0 install -y -q \
    "/root/$(basename "$DEB4")" 2>&1 | tee "$log/upgrade-flag.txt"
  expect "with /etc/aiwidget/skip-next-upgrade-backup the upgrade goes through" \
    grep -q "^${VERSION}+ci4 install ok installed" <<<"$(installed_version)"
  expect "the flag file is used once (removed)" test ! -e "$ROOT/etc/aiwidget/skip-next-upgrade-backup"

  step "Purge: dpkg --purge aiwidget"
  in_root dpkg --purge aiwidget 2>&1 | tee "$log/purge.txt"
  expect "the package is gone" test ! -e "$ROOT/usr/bin/aiwidget"
  expect "the env file is kept, byte-identical" test "$(env_sum)" = "$before"
  expect "the data is kept" test -s "$ROOT/var/lib/aiwidget/aiwidget.db"
  expect "the dumps are kept" test -n "$(find "$ROOT/var/backups/aiwidget" -type f -name '*pre-upgrade*')"
  expect "the purge says what it kept and where" grep -q "/etc/aiwidget/aiwidget.env" "$log/purge.txt"
  expect "the units' enablement is removed" \
    test ! -e "$ROOT/etc/systemd/system/multi-user.target.wants/aiwidget.service"

  step "deploy/install.sh $DOMAIN $EMAIL (certbot stubbed, no systemd)"
  install_certbot_stub
  cp "$REPO/deploy/install.sh" "$ROOT/root/install.sh"
  in_root bash /root/install.sh "$DOMAIN" "$EMAIL" "/root/$(basename "$DEB")" 2>&1 | tee "$log/install-1.txt"
  check_installed "$log/install-1.txt" "$jwt" "$enc" "$admin"
  local after_first db_url
  after_first=$(env_sum)
  db_url=$(root_env DATABASE_URL)

  step "deploy/install.sh a second time"
  in_root bash /root/install.sh "$DOMAIN" "$EMAIL" "/root/$(basename "$DEB")" 2>&1 | tee "$log/install-2.txt"
  check_installed "$log/install-2.txt" "$jwt" "$enc" "$admin"
  expect "the env file is byte-identical to the first run's (same secrets, same DB password)" \
    test "$(env_sum)" = "$after_first"
  expect "DATABASE_URL (with the role's password) unchanged" test "$(root_env DATABASE_URL)" = "$db_url"
  expect "certbot ran once: the second run kept the certificate" \
    test "$(wc -l <"$ROOT/var/log/certbot-stub.log")" = 1

  step "The backup unit's command (aiwidget-backup.service, ExecStart) on PostgreSQL"
  local command
  command=$(sed -n 's/^ExecStart=//p' "$ROOT/lib/systemd/system/aiwidget-backup.service")
  touch "$log/before-backup"
  # shellcheck disable=SC2086 # the unit's command line, split into words as systemd does
  in_root $command 2>&1 | tee "$log/backup.txt"
  expect "it made a new dump in /var/backups/aiwidget" \
    test -n "$(find "$ROOT/var/backups/aiwidget" -type f -newer "$log/before-backup" -size +0)"

  echo "$passed" >"$ROOT/root/logs/passed"
  step "Done inside the root"
}

not_grep() { ! grep -q "$@"; }

install_certbot_stub() {
  # Like certbot --webroot: the challenge file must come back through nginx over
  # http for the domain; then a self-signed certificate where certbot puts one.
  cat >"$ROOT/usr/local/bin/certbot" <<'EOF'
#!/bin/sh
# Test stand-in for certbot (tests/deploy/debian_root.sh).
set -eu
echo "$*" >>/var/log/certbot-stub.log
domain= webroot=
while [ $# -gt 0 ]; do
    case $1 in
        -d) domain=$2; shift ;;
        -w) webroot=$2; shift ;;
    esac
    shift
done
[ "${domain:-}" ] && [ "${webroot:-}" ] || { echo "certbot stub: -d and -w are needed" >&2; exit 1; }
token=stub$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
mkdir -p "$webroot/.well-known/acme-challenge"
echo "$token" >"$webroot/.well-known/acme-challenge/$token"
got=$(curl -fsS --resolve "$domain:80:127.0.0.1" "http://$domain/.well-known/acme-challenge/$token")
rm -f "$webroot/.well-known/acme-challenge/$token"
[ "$got" = "$token" ] || { echo "certbot stub: the challenge was not served" >&2; exit 1; }
echo "certbot stub: challenge served over http for $domain" >>/var/log/certbot-stub.challenge
mkdir -p "/etc/letsencrypt/live/$domain"
cd "/etc/letsencrypt/live/$domain"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$domain" \
    -addext "subjectAltName=DNS:$domain" -keyout privkey.pem -out fullchain.pem 2>/dev/null
echo "certbot stub: self-signed certificate for $domain"
EOF
  chmod 755 "$ROOT/usr/local/bin/certbot"
}

check_installed() { # install.sh's output, the first install's JWT_SECRET, ENCRYPTION_KEY, ADMIN_PASSWORD
  local out=$1 site=$ROOT/etc/nginx/sites-available/aiwidget-$DOMAIN.conf
  expect "the secrets are the first install's" \
    test "$(root_env JWT_SECRET) $(root_env ENCRYPTION_KEY) $(root_env ADMIN_PASSWORD)" = "$2 $3 $4"
  expect "the env file is still root:root mode 600" \
    test "$(root_stat /etc/aiwidget/aiwidget.env)" = "600 root:root"
  expect "DATABASE_URL points at PostgreSQL with a generated password" \
    grep -Eqx 'postgres://aiwidget:[A-Za-z0-9]{32}@127\.0\.0\.1:5432/aiwidget' <<<"$(root_env DATABASE_URL)"
  expect "PUBLIC_URL is https://$DOMAIN" test "$(root_env PUBLIC_URL)" = "https://$DOMAIN"
  expect "the HTTP-only site answered certbot's challenge" test -s "$ROOT/var/log/certbot-stub.challenge"
  expect "the nginx site is rendered for $DOMAIN" grep -q "server_name $DOMAIN" "$site"
  expect "no __DOMAIN__ is left in it" not_grep __DOMAIN__ "$site"
  expect "it points at the certificate" grep -q "/etc/letsencrypt/live/$DOMAIN/fullchain.pem" "$site"
  expect "the site is enabled and the default site is not" \
    test -L "$ROOT/etc/nginx/sites-enabled/aiwidget-$DOMAIN.conf" -a ! -e "$ROOT/etc/nginx/sites-enabled/default"
  expect "nginx -t passes in the root" in_root nginx -t -q
  expect "the service answers /health on 127.0.0.1:3000" wait_http http://127.0.0.1:3000/health 30
  expect "its database is PostgreSQL (the schema is in database aiwidget)" \
    test "$(in_root runuser -u postgres -- psql -Atc \
      "SELECT count(*) > 5 FROM information_schema.tables WHERE table_schema = 'public'" aiwidget)" = t
  local https=(curl -fsS --resolve "$DOMAIN:443:127.0.0.1" --cacert "$ROOT/etc/letsencrypt/live/$DOMAIN/fullchain.pem")
  expect "https://$DOMAIN/health answers through nginx with the certificate" \
    grep -q '"db":"ok"' <<<"$("${https[@]}" "https://$DOMAIN/health")"
  expect "http://$DOMAIN/ redirects to https" \
    grep -Eq "^Location: https://$DOMAIN/" <<<"$(curl -sS -o /dev/null -D - --resolve "$DOMAIN:80:127.0.0.1" "http://$DOMAIN/")"
  expect "admin signs in over https with the printed password" \
    grep -q '"token"' <<<"$("${https[@]}" -H 'Content-Type: application/json' -H "Origin: https://$DOMAIN" \
      -d "{\"username\":\"admin\",\"password\":\"$4\"}" "https://$DOMAIN/api/v1/admin/login")"
  expect "the admin URL and the password were printed" \
    grep -q "https://$DOMAIN/admin/" "$out"
  expect "the printed password is the env file's" grep -Eq "password: +$4\$" "$out"
}

# The cached root (built when missing): sets $cache.
ensure_root_cache() {
  step "Debian 12 root (debootstrap $SUITE, with ${ROOT_PACKAGES[*]})"
  local key build t0
  key=$(printf '%s' "$ROOT_RECIPE" | sha256sum | cut -c1-12)
  cache=$CACHE_DIR/debian12-root-$key.tar.zst
  mkdir -p "$CACHE_DIR"
  exec 9>"$CACHE_DIR/.lock"
  flock 9
  if [ ! -s "$cache" ]; then
    t0=$EPOCHREALTIME
    echo "    not cached ($cache): building it"
    build=$WORK/build
    debootstrap --variant=minbase "$SUITE" "$build" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
      { tail -n 30 "$WORK/debootstrap.log" >&2; fail "debootstrap"; }
    echo "    debootstrap: $(elapsed "$t0") s"
    printf '#!/bin/sh\n# No service starts during package installs in this root.\nexit 101\n' \
      >"$build/usr/sbin/policy-rc.d"
    chmod 755 "$build/usr/sbin/policy-rc.d"
    # In a private mount namespace: /proc and /dev/shm vanish with it.
    unshare --mount --propagation private -- \
      bash "$REPO/tests/deploy/debian_root.sh" --install-root-packages "$build" >"$WORK/root-packages.log" 2>&1 ||
      { tail -n 30 "$WORK/root-packages.log" >&2; fail "installing ${ROOT_PACKAGES[*]} in the root"; }
    rm -rf "$build"/var/lib/apt/lists/* "$build"/var/cache/apt/*.bin
    echo "    packages: $(elapsed "$t0") s"
    tar --zstd --numeric-owner -C "$build" -cf "$cache.tmp" .
    mv "$cache.tmp" "$cache"
    rm -rf --one-file-system "$build"
    find "$CACHE_DIR" -maxdepth 1 -name 'debian12-root-*.tar.zst' ! -name "$(basename "$cache")" -delete
    echo "    cold root build: $(elapsed "$t0") s, cached as $cache ($(du -h "$cache" | cut -f1))"
  fi
  flock -u 9
}

# Runs in a private mount namespace: the root's packages, with no service
# started (policy-rc.d) and installed offline, so that PostgreSQL's first
# cluster takes port 5432 even where the host's PostgreSQL has it.
install_root_packages() { # root being built
  local build=$1
  mount -t proc proc "$build/proc"
  mount -t tmpfs -o mode=1777 shm "$build/dev/shm"
  local apt=(chroot "$build" /usr/bin/env -i PATH="$ROOT_PATH" HOME=/root LANG=C.UTF-8
    DEBIAN_FRONTEND=noninteractive apt-get -y -qq --no-install-recommends)
  "${apt[@]}" update
  "${apt[@]}" install --download-only "${ROOT_PACKAGES[@]}"
  unshare --net -- "${apt[@]}" install "${ROOT_PACKAGES[@]}"
  "${apt[@]}" clean
  umount "$build/dev/shm" "$build/proc"
}

if [ "${1:-}" = --inside ]; then
  shift
  inside "$@"
  exit 0
fi
if [ "${1:-}" = --install-root-packages ]; then
  install_root_packages "$2"
  exit 0
fi

# ---------------------------------------------------------------------------
# On the host.
# ---------------------------------------------------------------------------
[ $# = 1 ] || { echo "usage: tests/deploy/debian_root.sh path/to/aiwidget_<version>_amd64.deb | --root-only" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "debian_root.sh: needs root (debootstrap, chroot, namespaces)" >&2; exit 2; }
if [ "$1" != --root-only ]; then
  DEB=$(realpath "$1")
  [ -f "$DEB" ] || { echo "debian_root.sh: no package at $1" >&2; exit 2; }
fi

step "Host tools"
need=()
for tool in debootstrap:debootstrap zstd:zstd objdump:binutils unshare:util-linux ip:iproute2 curl:curl; do
  command -v "${tool%%:*}" >/dev/null || need+=("${tool#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
pass "debootstrap, zstd, objdump, unshare, ip, curl"

WORK=$(mktemp -d /var/tmp/aiwidget-debian-root.XXXXXX)
cleanup() {
  on_error_exit "$1"
  # The root's mounts live in the namespace that ended; never delete through one.
  if findmnt -rn -o TARGET | grep -q "^$WORK/"; then
    echo "debian_root.sh: $WORK still has mounts; left in place" >&2
  elif [ "${AIWIDGET_KEEP_ROOT:-}" = 1 ]; then
    echo "kept: $WORK (the root in $WORK/root)"
  else
    rm -rf --one-file-system "$WORK"
  fi
}
trap 'cleanup $?' EXIT
if [ "$1" = --root-only ]; then
  ensure_root_cache
  printf '    (%s s)\n' "$(elapsed "$STEP_T0")"
  exit 0
fi

step "The package: $(basename "$DEB")"
VERSION=$(dpkg-deb --field "$DEB" Version)
dpkg-deb --field "$DEB" Package Version Architecture Depends Recommends Installed-Size
ls -l "$DEB"
dpkg-deb -c "$DEB" | awk '{ print $1, $2, $6 }' >"$WORK/contents.txt"
has_entry() { grep -Eq "^$1 (root/root|0/0) \./$2\$" "$WORK/contents.txt"; }
expect "file name is aiwidget_<version>_amd64.deb" test "$(basename "$DEB")" = "aiwidget_${VERSION}_amd64.deb"
expect "Package aiwidget, Architecture amd64" \
  test "$(dpkg-deb --field "$DEB" Package Architecture | tr '\n' ' ')" = "Package: aiwidget Architecture: amd64 "
expect "Depends: libc6 (computed) and adduser" \
  grep -Eq 'libc6.*adduser|adduser.*libc6' <<<"$(dpkg-deb --field "$DEB" Depends)"
expect "binary /usr/bin/aiwidget (755)" has_entry -rwxr-xr-x usr/bin/aiwidget
has_units() {
  has_entry -rw-r--r-- lib/systemd/system/aiwidget.service &&
    has_entry -rw-r--r-- lib/systemd/system/aiwidget-backup.service &&
    has_entry -rw-r--r-- lib/systemd/system/aiwidget-backup.timer
}
expect "the three units in /lib/systemd/system" has_units
expect "backup script /usr/lib/aiwidget/backup.sh (755)" has_entry -rwxr-xr-x usr/lib/aiwidget/backup.sh
expect "nginx site template /usr/share/aiwidget/nginx-site.conf.template" \
  has_entry -rw-r--r-- usr/share/aiwidget/nginx-site.conf.template
has_dashboard() {
  has_entry -rw-r--r-- 'usr/share/aiwidget/site/pkg/[^/]+\.wasm' &&
    has_entry -rw-r--r-- 'usr/share/aiwidget/site/pkg/[^/]+\.wasm\.br' &&
    has_entry -rw-r--r-- 'usr/share/aiwidget/site/pkg/[^/]+\.wasm\.gz'
}
expect "the dashboard's wasm with .br and .gz copies in /usr/share/aiwidget/site/pkg" has_dashboard
expect "the widget in /usr/share/aiwidget/site/widget" has_entry -rw-r--r-- 'usr/share/aiwidget/site/widget/.+\.wasm'
expect "nothing under /etc is shipped (the env file is made by postinst)" not_grep ' \./etc/' "$WORK/contents.txt"
expect "no conffiles at all" test -z "$(dpkg-deb --info "$DEB" conffiles 2>/dev/null || true)"
expect "maintainer scripts preinst, postinst, prerm, postrm" \
  test "$(dpkg-deb --info "$DEB" | grep -Ec ' (preinst|postinst|prerm|postrm) ')" = 4
printf '    %s files, %s under site/\n' "$(grep -c '^-' "$WORK/contents.txt")" \
  "$(grep -c 'usr/share/aiwidget/site/' "$WORK/contents.txt")"

step "glibc symbol versions of the packaged binary (Ubuntu 22.04 has 2.35)"
mkdir -p "$WORK/deb"
dpkg-deb -x "$DEB" "$WORK/deb"
newest=$(objdump -T "$WORK/deb/usr/bin/aiwidget" | grep -o 'GLIBC_[0-9.]*' | sort -Vu | tail -n 1)
echo "    newest: $newest"
if [ "$(printf '%s\n' "$newest" GLIBC_2.35 | sort -V | tail -n 1)" != GLIBC_2.35 ]; then
  objdump -T "$WORK/deb/usr/bin/aiwidget" | grep -E 'GLIBC_2\.(3[6-9]|[4-9][0-9])' >&2 || true
  fail "the binary needs no glibc newer than 2.35"
fi
pass "the binary needs no glibc newer than 2.35 ($newest)"

step "systemd-analyze verify on the three units"
if command -v systemd-analyze >/dev/null; then
  mkdir -p "$WORK/units"
  for unit in aiwidget.service aiwidget-backup.service aiwidget-backup.timer; do
    # ExecStart must exist to verify: point it at the extracted package.
    sed -e "s|/usr/bin/aiwidget|$WORK/deb/usr/bin/aiwidget|" \
      -e "s|/usr/lib/aiwidget/backup.sh|$WORK/deb/usr/lib/aiwidget/backup.sh|" \
      "$WORK/deb/lib/systemd/system/$unit" >"$WORK/units/$unit"
  done
  if ! verify=$(SYSTEMD_LOG_LEVEL=notice systemd-analyze verify "$WORK/units/aiwidget.service" \
    "$WORK/units/aiwidget-backup.service" "$WORK/units/aiwidget-backup.timer" 2>&1); then
    echo "$verify" >&2
    fail "systemd-analyze verify accepts the units"
  fi
  [ -z "$verify" ] || echo "$verify"
  pass "systemd-analyze verify accepts the units"
  systemd-analyze security --offline=true --no-pager "$WORK/units/aiwidget.service" 2>/dev/null |
    tail -n 1 | sed 's/^/    aiwidget.service /' || true
else
  echo "    systemd-analyze is not installed here: skipped"
fi

step "Upgrade packages ${VERSION}+ci2, +ci3, +ci4 (the same files, higher versions)"
for n in 2 3 4; do
  rm -rf "$WORK/repack"
  dpkg-deb -R "$DEB" "$WORK/repack"
  sed -i -E "s/^Version: .*/Version: ${VERSION}+ci$n/" "$WORK/repack/DEBIAN/control"
  dpkg-deb --root-owner-group -Zgzip -z1 -b "$WORK/repack" "$WORK/aiwidget_${VERSION}+ci${n}_amd64.deb" >/dev/null
done
rm -rf "$WORK/repack"
ls -1 "$WORK"/aiwidget_*+ci*_amd64.deb

ensure_root_cache
t0=$EPOCHREALTIME
mkdir "$WORK/root"
tar --zstd --numeric-owner -C "$WORK/root" -xpf "$cache"
echo "    unpacked $cache in $(elapsed "$t0") s"
pass "Debian 12 root ready"

step "Into the root's own mount, PID and network namespaces"
STEP_T0=
# The inner run prints its own summary when it fails.
unshare --mount --propagation private --pid --fork --mount-proc --net -- \
  bash "$REPO/tests/deploy/debian_root.sh" --inside "$(realpath "$WORK/root")" "$DEB" \
  "$WORK/aiwidget_${VERSION}+ci2_amd64.deb" "$WORK/aiwidget_${VERSION}+ci3_amd64.deb" \
  "$WORK/aiwidget_${VERSION}+ci4_amd64.deb" "$passed" ||
  { reported=yes; exit 1; }
inner=$(cat "$WORK/root/root/logs/passed")
printf '\ndebian_root: total %s s\n' "$(elapsed "$T_START")"
printf 'debian_root: %s passed, 0 failed\n' "$((passed + inner))"
