#!/usr/bin/env bash
# The nginx site, proven through real nginx with TLS (issue 12):
#   bash tests/deploy/nginx_tls.sh [path/to/aiwidget] [site_dir]
# (defaults target/release/aiwidget and target/site, from scripts/release.sh).
#
# 1. deploy/nginx-loginov.futuguru.com.conf is the template rendered for the customer's
#    domain, and `nginx -t` accepts it (with a self-signed certificate in place of
#    Let's Encrypt's) inside Debian's own nginx.conf, beside a site for a second domain.
# 2. The release binary runs on a fresh PostgreSQL database, configured as the package
#    and deploy/install.sh configure it, behind our own nginx process serving the same
#    template on free local ports (the system nginx is never started), with the fake
#    OpenAI as the project's AI. curl checks TLS, redirects, limits, compression, cache
#    headers and /metrics; tests/deploy/widget_through_nginx.mjs checks the widget in
#    Chromium with an answer streamed word by word; the access log has no query strings.
# Everything it starts or creates is removed on exit; any failed check exits non-zero.

set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
binary="$(realpath -m "${1:-$ROOT/target/release/aiwidget}")"
site_dir="$(realpath -m "${2:-$ROOT/target/site}")"
cd "$ROOT"

DOMAIN=loginov.futuguru.com
SHOP=shop.futuguru.test # the host page's site, another origin
TEMPLATE=deploy/nginx/site.conf.template
COMMITTED=deploy/nginx-$DOMAIN.conf
# The streamed answer: 30 words, one every 80 ms (2.3 s from the first to the last).
REPLY="Доставка по Москве бесплатная от трёх тысяч рублей, по России её считает транспортная компания при оформлении заказа; обычно посылка идёт от двух до пяти рабочих дней, а трек-номер приходит письмом."
DELTA_MS=80

started=$(date +%s%N)
checks=0
step() { printf '\n[%6.1f s] %s\n' "$(( ($(date +%s%N) - started) / 1000000 ))e-3" "$*"; }
ok() { checks=$((checks + 1)); printf '  ok  %s\n' "$*"; }
fail() { printf '  FAILED: %s\n' "$*" >&2; exit 1; }
# Usage: expect "what" actual expected
expect() { if [ "$2" = "$3" ]; then ok "$1 ($2)"; else fail "$1: got '$2', expected '$3'"; fi; }

tmp="$(mktemp -d /tmp/aiw-nginx-XXXXXX)"
pids=()
database=""
created_policy=""
cleanup() {
  local code=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "$database" ]; then
    dropdb -h 127.0.0.1 -U postgres --if-exists "$database" || true
    psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP ROLE IF EXISTS $database" || true
  fi
  # Logs that `nginx -t` on the committed site created (their paths are the real ones).
  for log in "$tmp"/created-logs/*; do [ -e "$log" ] && rm -f "/var/log/nginx/$(basename "$log")"; done
  [ -n "$created_policy" ] && rm -f /usr/sbin/policy-rc.d
  if [ "$code" -ne 0 ]; then
    echo "--- nginx error log (last lines) ---" >&2
    tail -n 20 "$tmp/logs/error.log" "$tmp/logs/aiwidget.error.log" 2>/dev/null >&2 || true
    echo "--- aiwidget log (last lines) ---" >&2
    tail -n 30 "$tmp/aiwidget.log" 2>/dev/null >&2 || true
  fi
  rm -rf "$tmp"
  [ "$code" -eq 0 ] || echo "nginx_tls: FAILED (exit $code)" >&2
}
trap cleanup EXIT

free_ports() { # count: distinct free local ports (all held open while they are picked)
  python3 -c 'import socket, sys
held = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in held: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in held))' "$1"
}

step "Inputs: $binary, $site_dir"
[ -x "$binary" ] || fail "no release binary at $binary (bash scripts/release.sh)"
for file in pkg/aiwidget.wasm pkg/aiwidget.wasm.br widget/widget.js widget/chat_bg.wasm.br; do
  [ -f "$site_dir/$file" ] || fail "$site_dir/$file is missing (bash scripts/release.sh)"
done
[ -x target/debug/fake-openai ] || cargo build -q -p fake-openai
missing=()
command -v nginx >/dev/null || missing+=(nginx)
command -v chromium >/dev/null || missing+=(chromium)
if [ "${#missing[@]}" -gt 0 ]; then
  step "Installing ${missing[*]} (Debian's packages; the system nginx is not started)"
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    created_policy=1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
nginx -v 2>&1 | sed 's/^/  /'

step "Self-signed certificate for $DOMAIN (and $SHOP, the host page's site)"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$DOMAIN" \
  -addext "subjectAltName=DNS:$DOMAIN,DNS:$SHOP" \
  -keyout "$tmp/privkey.pem" -out "$tmp/fullchain.pem" 2>/dev/null
ok "certificate made"

step "The committed site is the template rendered for $DOMAIN"
header_lines=3
head -n 1 "$COMMITTED" | grep -q "^# Generated from $TEMPLATE" || fail "$COMMITTED does not start with its generated-from header"
if ! diff <(sed "s/__DOMAIN__/$DOMAIN/g" "$TEMPLATE") <(tail -n +"$((header_lines + 1))" "$COMMITTED") >"$tmp/render.diff"; then
  cat "$tmp/render.diff" >&2
  fail "$COMMITTED differs from the rendered template: render it again (its first lines say how)"
fi
ok "$COMMITTED = sed 's/__DOMAIN__/$DOMAIN/g' $TEMPLATE"
tail -n +"$((header_lines + 1))" "$COMMITTED" | grep -q __DOMAIN__ && fail "a __DOMAIN__ placeholder is left in $COMMITTED"
ok "no placeholder left"

step "nginx -t on the committed site inside Debian's nginx.conf, beside a second domain's site"
mkdir -p "$tmp/nginx-t" "$tmp/created-logs"
cert_paths() { # domain: only the certificate paths move to the test's own
  sed "s#/etc/letsencrypt/live/$1/fullchain.pem#$tmp/fullchain.pem#; s#/etc/letsencrypt/live/$1/privkey.pem#$tmp/privkey.pem#"
}
cert_paths "$DOMAIN" <"$COMMITTED" >"$tmp/nginx-t/$DOMAIN.conf"
sed 's/__DOMAIN__/second.example.org/g' "$TEMPLATE" | cert_paths second.example.org >"$tmp/nginx-t/second.example.org.conf"
grep -q 'include /etc/nginx/sites-enabled/\*;' /etc/nginx/nginx.conf || fail "/etc/nginx/nginx.conf has no sites-enabled include"
sed "s#include /etc/nginx/sites-enabled/\*;#include $tmp/nginx-t/*.conf;#" /etc/nginx/nginx.conf >"$tmp/nginx-t.conf"
for domain in "$DOMAIN" second.example.org; do
  for kind in access error; do
    log="aiwidget-$domain.$kind.log"
    [ -e "/var/log/nginx/$log" ] || touch "$tmp/created-logs/$log"
  done
done
nginx -t -c "$tmp/nginx-t.conf" 2>&1 | sed 's/^/  /' || fail "nginx -t refused the site"
ok "nginx -t: syntax is ok, test is successful"

step "PostgreSQL: a role and a database of their own, as install.sh makes them"
database="aiw_e2e_$(openssl rand -hex 4)"
db_password="$(openssl rand -hex 16)"
psql -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE ROLE $database LOGIN PASSWORD '$db_password'"
createdb -h 127.0.0.1 -U postgres -O "$database" "$database"
ok "database $database owned by role $database"

step "The fake OpenAI: $(wc -w <<<"$REPLY") words, one every $DELTA_MS ms"
FAKE_OPENAI_REPLY="$REPLY" FAKE_OPENAI_DELTA_MS="$DELTA_MS" target/debug/fake-openai >"$tmp/fake.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/fake.out" ] && break; sleep 0.1; done
fake_url="$(head -n 1 "$tmp/fake.out")"
[[ "$fake_url" == http://127.0.0.1:* ]] || fail "fake-openai did not print its URL: $fake_url"
ok "fake OpenAI at $fake_url"

read -r app_port http_port tls_port shop_port <<<"$(free_ports 4)"
public_url="https://$DOMAIN:$tls_port"

step "aiwidget (release) on 127.0.0.1:$app_port, PUBLIC_URL=$public_url"
admin_password="$(openssl rand -hex 12)"
# /etc/aiwidget/aiwidget.env as the package and install.sh write it, plus what the unit sets.
cat >"$tmp/aiwidget.env" <<EOF
JWT_SECRET=$(openssl rand -base64 48 | tr -d '\n')
ENCRYPTION_KEY=$(openssl rand -base64 32)
ADMIN_PASSWORD=$admin_password
DATABASE_URL=postgres://$database:$db_password@127.0.0.1:5432/$database
PUBLIC_URL=$public_url
LISTEN_ADDR=127.0.0.1:$app_port
SITE_DIR=$site_dir
AIWIDGET_ENV=production
ALLOW_PRIVATE_UPSTREAMS=true
RUST_LOG=warn
EOF
mkdir -p "$tmp/data"
mapfile -t settings <"$tmp/aiwidget.env"
(cd "$tmp/data" && exec env -i PATH="$PATH" "${settings[@]}" "$binary" serve) >"$tmp/aiwidget.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do
  curl -fs "http://127.0.0.1:$app_port/health" >/dev/null && break
  kill -0 "${pids[-1]}" 2>/dev/null || fail "aiwidget exited: $(tail -n 5 "$tmp/aiwidget.log")"
  sleep 0.1
done
curl -fs "http://127.0.0.1:$app_port/health" >/dev/null || fail "aiwidget did not answer /health"
ok "aiwidget answers on loopback"

step "Our own nginx: the template for $DOMAIN on ports $http_port/$tls_port, the host page on $shop_port"
mkdir -p "$tmp/logs" "$tmp/temp" "$tmp/webroot/.well-known/acme-challenge" "$tmp/shop"
echo "challenge-answer" >"$tmp/webroot/.well-known/acme-challenge/probe"
# The same template, moved onto this test's ports, paths and upstream (IPv6 listens dropped).
sed "s/__DOMAIN__/$DOMAIN/g" "$TEMPLATE" | cert_paths "$DOMAIN" | sed \
  -e "s#listen 80;#listen 127.0.0.1:$http_port;#" \
  -e "s#listen 443 ssl http2;#listen 127.0.0.1:$tls_port ssl http2;#" \
  -e '/listen \[::\]/d' \
  -e "s#/var/log/nginx/aiwidget-$DOMAIN\.#$tmp/logs/aiwidget.#" \
  -e "s#/var/www/letsencrypt#$tmp/webroot#" \
  -e "s#http://127.0.0.1:3000#http://127.0.0.1:$app_port#" \
  -e "s#https://$DOMAIN\$request_uri#https://$DOMAIN:$tls_port\$request_uri#" >"$tmp/site.conf"
grep -q "127.0.0.1:3000;\|/var/log\|/etc/letsencrypt\|listen 80\|listen 443" "$tmp/site.conf" && fail "the test's site still has a production port or path"
# The main config is as unfriendly as a main config can be: gzip on for every type, event
# streams included. The site must keep nginx's hands off the answers by itself.
cat >"$tmp/nginx.conf" <<EOF
user root;
worker_processes 1;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/logs/error.log;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path $tmp/temp/body;
    proxy_temp_path $tmp/temp/proxy;
    fastcgi_temp_path $tmp/temp/fastcgi;
    uwsgi_temp_path $tmp/temp/uwsgi;
    scgi_temp_path $tmp/temp/scgi;
    access_log $tmp/logs/access.log;
    gzip on;
    gzip_proxied any;
    gzip_types text/event-stream application/json application/javascript text/javascript application/wasm text/css;
    include $tmp/site.conf;
    # The host site that embeds the widget (test only: not part of the template).
    server {
        listen 127.0.0.1:$shop_port ssl;
        server_name $SHOP;
        ssl_certificate $tmp/fullchain.pem;
        ssl_certificate_key $tmp/privkey.pem;
        root $tmp/shop;
    }
}
EOF
nginx -t -q -c "$tmp/nginx.conf" -p "$tmp" || fail "nginx -t refused the test's config"
nginx -c "$tmp/nginx.conf" -p "$tmp" &
pids+=($!)
https_() { curl -sS --resolve "$DOMAIN:$tls_port:127.0.0.1" --cacert "$tmp/fullchain.pem" "$@"; }
for _ in $(seq 50); do
  https_ -o /dev/null "https://$DOMAIN:$tls_port/health" 2>/dev/null && break
  kill -0 "${pids[-1]}" 2>/dev/null || fail "nginx exited"
  sleep 0.1
done
https_ -fo /dev/null "https://$DOMAIN:$tls_port/health" || fail "nginx does not answer"
ok "nginx is up"
base="https://$DOMAIN:$tls_port"
header() { grep -i "^$1:" | head -n 1 | cut -d: -f2- | tr -d '\r' | sed 's/^ *//'; }
# aiwidget puts an x-request-id on every answer; nginx's own answers have none.
answered_by() { [ -n "$(header x-request-id <"$1")" ] && echo aiwidget || echo nginx; }

step "/health over https through nginx"
answer="$(https_ -D "$tmp/h" -w '\n%{http_code} %{http_version}' "$base/health")"
expect "status and HTTP version" "$(tail -n 1 <<<"$answer")" "200 2"
grep -q '"status":"ok"' <<<"$answer" || fail "/health: $answer"
ok "body: $(head -n 1 <<<"$answer")"
expect "HSTS" "$(header strict-transport-security <"$tmp/h")" "max-age=63072000"
expect "one HSTS header (aiwidget's own is hidden)" "$(grep -ci "^strict-transport-security:" <"$tmp/h")" "1"
expect "Server (server_tokens off)" "$(header server <"$tmp/h")" nginx
expect "TLS 1.3" "$(https_ --tlsv1.3 -o /dev/null -w '%{http_code}' "$base/health")" 200
expect "TLS 1.2" "$(https_ --tlsv1.2 --tls-max 1.2 -o /dev/null -w '%{http_code}' "$base/health")" 200
if openssl s_client -connect "127.0.0.1:$tls_port" -servername "$DOMAIN" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' </dev/null >/dev/null 2>&1; then
  fail "TLS 1.1 was accepted"
fi
ok "TLS 1.1 refused"

step "HTTP: a redirect to https, except Let's Encrypt's challenge"
curl -sS -o /dev/null -D "$tmp/h" --resolve "$DOMAIN:$http_port:127.0.0.1" "http://$DOMAIN:$http_port/admin/?x=1"
expect "status" "$(head -n 1 "$tmp/h" | cut -d' ' -f2)" 301
expect "Location" "$(header location <"$tmp/h")" "$base/admin/?x=1"
expect "ACME challenge over http" \
  "$(curl -sS --resolve "$DOMAIN:$http_port:127.0.0.1" "http://$DOMAIN:$http_port/.well-known/acme-challenge/probe")" challenge-answer

step "/metrics: refused by nginx, answered on loopback"
code="$(https_ -o /dev/null -D "$tmp/h" -w '%{http_code}' "$base/metrics")"
expect "through nginx: status, and who answered" "$code $(answered_by "$tmp/h")" "404 nginx"
direct="$(curl -s -o "$tmp/metrics" -w '%{http_code}' "http://127.0.0.1:$app_port/metrics")"
if [ "$direct" = 404 ]; then
  echo "  SKIPPED: /metrics not built yet (direct to aiwidget: 404)"
else
  expect "direct to aiwidget on loopback" "$direct" 200
  grep -q '^aiwidget_' "$tmp/metrics" || fail "/metrics has no aiwidget_ series"
fi

step "Body limits: 128 KB everywhere, 50 MB on the knowledge base's uploads"
head -c 1048576 /dev/zero >"$tmp/1mb"
head -c 100000 /dev/zero >"$tmp/100kb"
post() { # body file, path: "<status> <who answered>"
  local code
  code="$(https_ -o "$tmp/body" -D "$tmp/h" -w '%{http_code}' -H 'content-type: application/json' \
    --data-binary @"$1" "$base$2")"
  echo "$code $(answered_by "$tmp/h")"
}
expect "1 MB to /api/v1/admin/login" "$(post "$tmp/1mb" /api/v1/admin/login)" "413 nginx"
expect "100 KB to /api/v1/admin/login (aiwidget's own 64 KiB limit)" \
  "$(post "$tmp/100kb" /api/v1/admin/login) $(grep -o '"error":"[a-z_]*"' "$tmp/body")" '413 aiwidget "error":"payload_too_large"'
upload="/api/v1/admin/projects/$(python3 -c 'import uuid; print(uuid.uuid4())')/knowledge/files"
answer="$(post "$tmp/1mb" "$upload")"
[[ "$answer" == *aiwidget && "$answer" != 413* ]] || fail "1 MB to …/knowledge/files: $answer $(head -c 200 "$tmp/body")"
ok "1 MB to …/knowledge/files passed nginx ($answer $(grep -o '"error":"[a-z_]*"' "$tmp/body"))"

step "Compression: aiwidget's own .br/.gz copies, nothing added by nginx"
wasm="$site_dir/pkg/aiwidget.wasm"
https_ -o "$tmp/body" -D "$tmp/h" -H 'accept-encoding: br' "$base/pkg/aiwidget.wasm"
expect "/pkg/aiwidget.wasm, Accept-Encoding: br" "$(header content-encoding <"$tmp/h")" br
expect "its size is the .br file's" "$(stat -c %s "$tmp/body")" "$(stat -c %s "$wasm.br")"
expect "/pkg/ Cache-Control (added by nginx)" "$(header cache-control <"$tmp/h")" no-cache
expect "HSTS on /pkg/" "$(header strict-transport-security <"$tmp/h")" "max-age=63072000"
expect "one HSTS header on /pkg/" "$(grep -ci "^strict-transport-security:" <"$tmp/h")" "1"
modified="$(header last-modified <"$tmp/h")"
expect "revalidation with If-Modified-Since" \
  "$(https_ -o /dev/null -w '%{http_code}' -H 'accept-encoding: br' -H "if-modified-since: $modified" "$base/pkg/aiwidget.wasm")" 304
https_ -o "$tmp/body" -D "$tmp/h" -H 'accept-encoding: gzip' "$base/pkg/aiwidget.wasm"
expect "/pkg/aiwidget.wasm, Accept-Encoding: gzip (the .gz copy, not nginx's gzip)" \
  "$(header content-encoding <"$tmp/h") $(stat -c %s "$tmp/body")" "gzip $(stat -c %s "$wasm.gz")"
https_ -o "$tmp/body" -D "$tmp/h" "$base/pkg/aiwidget.wasm"
expect "/pkg/aiwidget.wasm, no Accept-Encoding: the raw file" \
  "$(header content-encoding <"$tmp/h")$(stat -c %s "$tmp/body")" "$(stat -c %s "$wasm")"
https_ -o /dev/null -D "$tmp/h" -H 'accept-encoding: gzip, br' "$base/admin/login"
encoding="$(header content-encoding <"$tmp/h")"
[[ "$encoding" == br || "$encoding" == gzip ]] || fail "/admin/login not compressed: '$encoding'"
ok "/admin/login (HTML) compressed once by aiwidget ($encoding)"

step "Cache headers of the widget"
https_ -o /dev/null -D "$tmp/h" -H 'accept-encoding: br' "$base/widget/widget.js"
expect "widget.js Cache-Control (aiwidget's)" "$(header cache-control <"$tmp/h")" "public, max-age=300"
expect "widget.js Access-Control-Allow-Origin" "$(header access-control-allow-origin <"$tmp/h")" "*"
expect "widget.js Content-Encoding" "$(header content-encoding <"$tmp/h")" br
version="$(https_ "$base/widget/widget.js" | grep -o 'var version = "[^"]*"' | cut -d'"' -f2)"
https_ -o /dev/null -D "$tmp/h" -H 'accept-encoding: br' "$base/widget/chat_bg.wasm?v=$version"
expect "chat_bg.wasm?v= Cache-Control (nginx: the URL changes with each release)" \
  "$(header cache-control <"$tmp/h")" "public, max-age=31536000, immutable"
expect "chat_bg.wasm?v= Content-Encoding" "$(header content-encoding <"$tmp/h")" br
expect "HSTS on chat_bg.wasm" "$(header strict-transport-security <"$tmp/h")" "max-age=63072000"
expect "one HSTS header on chat_bg.wasm" "$(grep -ci "^strict-transport-security:" <"$tmp/h")" "1"
https_ -o /dev/null -D "$tmp/h" "$base/widget/chat.js"
expect "chat.js without ?v= keeps the short cache" "$(header cache-control <"$tmp/h")" "public, max-age=300"
# The year-long cache of ?v= is only right while ?v= changes with every release.
server_version="$(https_ "$base/health" | grep -o '"version":"[^"]*"' | cut -d'"' -f4)"
expect "the loader's ?v= version is the server's version" "$version" "$server_version"

step "The widget through nginx in Chromium (tests/deploy/widget_through_nginx.mjs)"
# The event stream with its token in the query, as a browser opens it: for the log check.
https_ -o /dev/null -m 2 -H "origin: https://$SHOP:$shop_port" "$base/api/v1/widget/events?token=not-a-real-token&after=0" || true
AIW_URL="$base" AIW_HOST_URL="https://$SHOP:$shop_port/" AIW_HOST_PAGE_FILE="$tmp/shop/index.html" \
  AIW_CA="$tmp/fullchain.pem" AIW_ADMIN_PASSWORD="$admin_password" AIW_FAKE_URL="$fake_url" \
  AIW_REPLY="$REPLY" AIW_DELTA_MS="$DELTA_MS" AIW_SCREENSHOT="$ROOT/docs/screenshots/deploy-widget-through-nginx.png" \
  node tests/deploy/widget_through_nginx.mjs 2>&1 | sed 's/^/  /' || fail "the widget through nginx"
ok "widget loaded on https://$SHOP:$shop_port, answer streamed word by word (screenshot docs/screenshots/deploy-widget-through-nginx.png)"

step "The access log has no query strings"
log="$tmp/logs/aiwidget.access.log"
grep -q 'token=' "$log" && fail "a token is in the access log: $(grep -m 1 'token=' "$log")"
grep -q '?' "$log" && fail "a query string is in the access log: $(grep -m 1 '?' "$log")"
ok "no 'token=' and no '?' in $(wc -l <"$log") lines"
events="$(grep -c 'GET /api/v1/widget/events ' "$log" || true)"
[ "$events" -ge 2 ] || fail "the event-stream requests are not in the access log ($events)"
ok "$events event-stream requests logged, e.g. $(grep -m 1 'GET /api/v1/widget/events ' "$log" | cut -d' ' -f6-9)"
grep -q 'token=' "$tmp/logs/aiwidget.error.log" && fail "a token is in the error log"
ok "no 'token=' in the error log"

step "nginx_tls: all $checks checks passed"
