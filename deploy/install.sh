#!/usr/bin/env bash
# Installs aiwidget on a fresh Ubuntu 22.04/24.04 or Debian 12 server, as root:
#
#   sudo bash install.sh <domain> <email> [path/to/aiwidget_<version>_amd64.deb]
#
# 1. installs nginx, PostgreSQL and certbot from the distribution (when missing);
# 2. creates the PostgreSQL role and database `aiwidget` with a generated password;
# 3. installs the package (given, or the newest aiwidget_*_amd64.deb beside this
#    script or in the current folder), which writes /etc/aiwidget/aiwidget.env
#    with generated secrets, and points it at PostgreSQL and https://<domain>;
# 4. gets a certificate from Let's Encrypt for <domain> (certbot --webroot: the
#    domain's DNS must point at this server and port 80 must be open);
# 5. writes the nginx site /etc/nginx/sites-available/aiwidget-<domain>.conf;
# 6. restarts aiwidget, waits until it answers, and prints the dashboard's
#    address, user and password.
#
# Safe to run again: it keeps the secrets, the database password and the
# certificate, and rewrites only the nginx site and the two lines it owns in the
# env file (DATABASE_URL, PUBLIC_URL). Without systemd (a container or chroot)
# it starts PostgreSQL, nginx and aiwidget directly and says so.

set -euo pipefail

ENV_FILE=/etc/aiwidget/aiwidget.env
TEMPLATE=/usr/share/aiwidget/nginx-site.conf.template
WEBROOT=/var/www/letsencrypt
SITE_DIR=/usr/share/aiwidget/site
# No questions from apt, debconf or needrestart (Ubuntu): this runs unattended.
export DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=l

say() { printf '\n==> %s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }
has_systemd() { [ -d /run/systemd/system ]; }

usage() {
  echo "usage: sudo bash install.sh <domain> <email> [path/to/aiwidget_<version>_amd64.deb]" >&2
  exit 2
}

if [ $# -lt 2 ] || [ $# -gt 3 ]; then usage; fi
domain=$1
email=$2
[[ $domain =~ ^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$ ]] ||
  die "'$domain' is not a domain name like chat.example.com"
[[ $email =~ ^[^@[:space:]]+@[^@[:space:]]+$ ]] || die "'$email' is not an email address"
[ "$(id -u)" = 0 ] || die "run it as root: sudo bash $0 $*"

# The package: the given path, else the newest one beside this script or here.
find_package() {
  if [ -n "${1:-}" ]; then
    [ -f "$1" ] || die "no package at $1"
    realpath "$1"
    return
  fi
  local found
  found=$(find "$(dirname "$(realpath "$0")")" "$PWD" -maxdepth 1 -name 'aiwidget_*_amd64.deb' \
    -printf '%f\t%p\n' 2>/dev/null | sort -V -k1,1 | tail -n 1 | cut -f2)
  [ -n "$found" ] || die "no aiwidget_<version>_amd64.deb given or found beside install.sh or in $PWD"
  realpath "$found"
}
package=$(find_package "${3:-}")

random_alnum() { # length
  tr -dc 'A-Za-z0-9' </dev/urandom | head -c "$1" || true
}

# KEY=VALUE in the env file: replaces the line (also a commented one), or appends it.
set_env() {
  if grep -Eq "^#? ?$1=" "$ENV_FILE"; then
    sed -i -E "s|^#? ?$1=.*|$1=$2|" "$ENV_FILE"
  else
    printf '%s=%s\n' "$1" "$2" >>"$ENV_FILE"
  fi
  chmod 600 "$ENV_FILE"
}

get_env() {
  sed -n -E "s/^$1=(.*)$/\1/p" "$ENV_FILE" | tail -n 1
}

say "Packages: nginx, PostgreSQL, certbot"
missing=()
dpkg-query -W -f '${Status}' nginx 2>/dev/null | grep -q 'ok installed' || missing+=(nginx)
dpkg-query -W -f '${Status}' postgresql 2>/dev/null | grep -q 'ok installed' || missing+=(postgresql)
command -v certbot >/dev/null || missing+=(certbot)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update
  apt-get install -y "${missing[@]}"
else
  echo "already installed"
fi

say "PostgreSQL: running, role and database aiwidget"
if has_systemd; then
  systemctl enable --now postgresql
else
  echo "systemd is not running: starting the clusters with pg_ctlcluster"
  pg_lsclusters --no-header | while read -r version cluster _ status _; do
    [ "$status" = online ] || pg_ctlcluster "$version" "$cluster" start
  done
fi
# The newest cluster's port (5432 unless the server has several versions).
pg_port=$(pg_lsclusters --no-header | sort -k1,1V | awk 'END { print $3 }')
[ -n "$pg_port" ] || die "no PostgreSQL cluster found (pg_lsclusters)"
psql_admin() { # from /, which user postgres may enter (not so root's home)
  (cd / && runuser -u postgres -- psql --quiet --no-psqlrc -v ON_ERROR_STOP=1 -p "$pg_port" "$@")
}
for _ in $(seq 30); do
  psql_admin -Atc 'SELECT 1' >/dev/null 2>&1 && break
  sleep 1
done
psql_admin -Atc 'SELECT 1' >/dev/null || die "PostgreSQL does not answer on port $pg_port"

say "The package: $(basename "$package")"
apt-get install -y "$package"
[ -f "$ENV_FILE" ] || die "$ENV_FILE is missing after installing the package"

# Keep the database password already in the env file (a second run).
db_password=$(get_env DATABASE_URL | sed -n -E 's|^postgres(ql)?://aiwidget:([A-Za-z0-9]+)@.*|\2|p')
if [ -z "$db_password" ]; then
  db_password=$(random_alnum 32)
fi
if [ "$(psql_admin -Atc "SELECT 1 FROM pg_roles WHERE rolname = 'aiwidget'")" = 1 ]; then
  echo "role aiwidget exists: setting the password from $ENV_FILE"
  verb=ALTER
else
  verb=CREATE
fi
# Through standard input: the password never shows in the process list.
psql_admin <<SQL
$verb ROLE aiwidget WITH LOGIN PASSWORD '$db_password';
SQL
if [ "$(psql_admin -Atc "SELECT 1 FROM pg_database WHERE datname = 'aiwidget'")" != 1 ]; then
  psql_admin -c "CREATE DATABASE aiwidget OWNER aiwidget ENCODING 'UTF8' \
    LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"
else
  echo "database aiwidget exists"
fi
set_env DATABASE_URL "postgres://aiwidget:$db_password@127.0.0.1:$pg_port/aiwidget"
set_env PUBLIC_URL "https://$domain"

reload_nginx() {
  nginx -t
  if has_systemd; then
    systemctl enable nginx
    systemctl reload-or-restart nginx
  elif [ -s /run/nginx.pid ] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; then
    nginx -s reload
  else
    echo "systemd is not running: starting nginx directly"
    nginx
  fi
}

site=/etc/nginx/sites-available/aiwidget-$domain.conf
enable_site() {
  ln -sfn "$site" "/etc/nginx/sites-enabled/aiwidget-$domain.conf"
  rm -f /etc/nginx/sites-enabled/default
}

cert_dir=/etc/letsencrypt/live/$domain
mkdir -p "$WEBROOT"
if [ ! -s "$cert_dir/fullchain.pem" ]; then
  say "Certificate for $domain (Let's Encrypt, webroot $WEBROOT)"
  cat >"$site" <<EOF
# Temporary site of install.sh: answers Let's Encrypt's challenge for $domain.
server {
    listen 80;
    listen [::]:80;
    server_name $domain;
    location /.well-known/acme-challenge/ { root $WEBROOT; }
    location / { return 404; }
}
EOF
  enable_site
  reload_nginx
  certbot certonly --webroot -w "$WEBROOT" -d "$domain" -m "$email" --agree-tos -n
else
  say "Certificate for $domain: already in $cert_dir"
fi
# certbot renews by itself (its timer); nginx must then load the new certificate.
mkdir -p /etc/letsencrypt/renewal-hooks/deploy
cat >/etc/letsencrypt/renewal-hooks/deploy/aiwidget-reload-nginx <<'EOF'
#!/bin/sh
# Written by aiwidget's install.sh: nginx loads a renewed certificate.
if [ -d /run/systemd/system ]; then systemctl reload nginx; else nginx -s reload; fi
EOF
chmod 755 /etc/letsencrypt/renewal-hooks/deploy/aiwidget-reload-nginx

say "nginx site $site"
[ -f "$TEMPLATE" ] || die "$TEMPLATE is missing (is the package installed?)"
sed "s/__DOMAIN__/$domain/g" "$TEMPLATE" >"$site"
enable_site
reload_nginx

say "Starting aiwidget"
if has_systemd; then
  systemctl enable aiwidget.service aiwidget-backup.timer
  systemctl start aiwidget-backup.timer
  systemctl restart aiwidget.service
else
  echo "systemd is not running: starting aiwidget in the background, log in /var/log/aiwidget.log"
  if [ -s /run/aiwidget.pid ] && kill "$(cat /run/aiwidget.pid)" 2>/dev/null; then
    while kill -0 "$(cat /run/aiwidget.pid)" 2>/dev/null; do sleep 0.2; done
  fi
  (
    set -a
    # shellcheck source=/dev/null
    . "$ENV_FILE"
    set +a
    export SITE_DIR AIWIDGET_ENV=production
    cd /var/lib/aiwidget
    exec setsid setpriv --reuid aiwidget --regid aiwidget --init-groups /usr/bin/aiwidget serve
  ) >>/var/log/aiwidget.log 2>&1 </dev/null &
  echo $! >/run/aiwidget.pid
fi
listen=$(get_env LISTEN_ADDR)
health="http://${listen:-127.0.0.1:3000}/health"
for _ in $(seq 60); do
  curl -fsS "$health" >/dev/null 2>&1 && break
  sleep 1
done
if ! curl -fsS "$health"; then
  echo
  if has_systemd; then journalctl -u aiwidget -n 30 --no-pager || true; else tail -n 30 /var/log/aiwidget.log || true; fi
  die "aiwidget does not answer at $health (the lines above say why)"
fi
echo

cat <<EOF

aiwidget is installed and running.

    dashboard:  https://$domain/admin/
    user:       admin
    password:   $(get_env ADMIN_PASSWORD)

Back up $ENV_FILE somewhere safe, apart from the database dumps:
without its ENCRYPTION_KEY no backup can decrypt the projects' OpenAI keys.
Database dumps: daily in /var/backups/aiwidget (aiwidget-backup.timer).
EOF
