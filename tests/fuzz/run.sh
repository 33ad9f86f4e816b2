#!/usr/bin/env bash
# Schema fuzzing of the whole JSON API with schemathesis, from the server's own
# /api/v1/openapi.json, on both surfaces:
#   widget  /api/v1/widget/*  from an allowed Origin with a visitor token;
#   admin   /api/v1/admin/* and /health, with an admin's Bearer token
#           (schemathesis leaves out the document's own path).
# Both run at once against one server on a temp SQLite database, each on its
# own project answering from the fake OpenAI (target/debug/fake-openai).
# Excluded: logout (it ends every session of the fuzzing admin); the hooks
# (hooks.py) keep requests off the admin's own user and the widget's project.
#
# Passes when no answer is a server error (a documented `502 upstream_*` or
# `503 busy` is an answer), at least FUZZ_MIN_REQUESTS requests were made (a
# floor that proves the run ran, not a speed: the count in the time box
# depends on the machine, 9,500 to 13,000 seen here), and each surface met
# mostly real answers rather than 401/403 (summary.py).
#
#   tests/fuzz/run.sh [path/to/aiwidget]
#     the server binary: target/debug/aiwidget (default; what `cargo leptos
#     build` and scripts/test.sh make) or target/release/aiwidget.
#
# Needs python3 (venv), curl and jq. schemathesis is installed once into a
# venv under ${AIWIDGET_CI_CACHE:-~/.cache/aiwidget-ci} (PyPI) and reused.
# FUZZ_WIDGET_EXAMPLES and FUZZ_ADMIN_EXAMPLES (per operation and phase),
# FUZZ_WORKERS (per surface) and FUZZ_MIN_REQUESTS tune the run; the defaults
# make 9,500 to 13,000 requests in 3 minutes on 2 cores.
# FUZZ_OUT=DIR keeps the status log (with each answer's time) and the server's log;
# FUZZ_DATABASE_URL=postgres://… runs the server on that (empty) database instead.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here="$root/tests/fuzz"
bin=$(realpath "${1:-$root/target/debug/aiwidget}")
fake_bin="$root/target/debug/fake-openai"
schemathesis_version="4.32.5"
venv="${AIWIDGET_CI_CACHE:-$HOME/.cache/aiwidget-ci}/schemathesis-$schemathesis_version"
widget_examples=${FUZZ_WIDGET_EXAMPLES:-600}
admin_examples=${FUZZ_ADMIN_EXAMPLES:-300}
workers=${FUZZ_WORKERS:-4}
seconds=${FUZZ_SECONDS:-170}
min_requests=${FUZZ_MIN_REQUESTS:-6000}
work=$(mktemp -d)
started=$SECONDS
pids=()

step() { printf '\n== [%3d s] %s\n' "$((SECONDS - started))" "$*"; }
fail() {
  printf '\nFAILED: %s\n' "$*" >&2
  if [ -s "$work/server.log" ]; then
    printf -- '--- server log:\n' >&2
    tail -n 30 "$work/server.log" >&2
  fi
  exit 1
}
cleanup() {
  if [ -n "${FUZZ_OUT:-}" ]; then
    mkdir -p "$FUZZ_OUT" && cp -r "$work"/status*.log* "$work"/st-*.out "$work"/server.log "$FUZZ_OUT"/ 2>/dev/null || true
  fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
for tool in python3 curl jq; do
  command -v "$tool" >/dev/null || fail "$tool is missing"
done
[ -x "$bin" ] || fail "no aiwidget binary at $bin (cargo leptos build first)"

if ! "$venv/bin/st" --version 2>/dev/null | grep -qF "$schemathesis_version"; then
  step "Installing schemathesis $schemathesis_version into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis==$schemathesis_version"
fi
if [ ! -x "$fake_bin" ]; then
  step "Building the fake OpenAI server"
  (cd "$root" && cargo build -p fake-openai)
fi

step "Starting the fake OpenAI server and aiwidget ($bin) on ${FUZZ_DATABASE_URL:+PostgreSQL }${FUZZ_DATABASE_URL:-a temp SQLite database}"
"$fake_bin" >"$work/fake.out" 2>"$work/fake.log" &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$work/fake.out" ] && break; sleep 0.1; done
upstream=$(head -n 1 "$work/fake.out")
[ -n "$upstream" ] || fail "the fake OpenAI server printed no URL"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
password="fuzzing admin password"
(cd "$work" && exec env -i PATH="$PATH" HOME="$HOME" \
  DATABASE_URL="${FUZZ_DATABASE_URL:-sqlite://$work/fuzz.db?mode=rwc}" \
  DATA_DIR="$work/data" \
  ADMIN_PASSWORD="$password" \
  JWT_SECRET="$(head -c 48 /dev/urandom | base64)" \
  ENCRYPTION_KEY="$(head -c 32 /dev/urandom | base64)" \
  LISTEN_ADDR="127.0.0.1:$port" \
  PUBLIC_URL="$base" \
  SITE_DIR="$root/target/site" \
  ALLOW_PRIVATE_UPSTREAMS=true \
  RUST_LOG=warn \
  "$bin" serve) >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do
  curl -fsS "$base/health" >/dev/null 2>&1 && break
  kill -0 "${pids[-1]}" 2>/dev/null || fail "aiwidget exited at start"
  sleep 0.1
done
curl -fsS "$base/health" >/dev/null || fail "aiwidget did not answer /health within 30 s"

# api METHOD PATH [TOKEN] [BODY]: the JSON answer; fails unless 2xx.
api() {
  local args=(-fsS -X "$1" "$base$2" -H 'content-type: application/json')
  [ -z "${3:-}" ] || args+=(-H "authorization: Bearer $3")
  [ -z "${4:-}" ] || args+=(-H 'origin: https://fuzz.example' --data "$4")
  curl "${args[@]}" || fail "$1 $2 was refused"
}

step "Signing in; two projects on the fake OpenAI (one per surface), visitors, an operator"
admin_token=$(api POST /api/v1/admin/login "" "$(jq -nc --arg p "$password" '{username: "admin", password: $p}')" | jq -r .token)
self_id=$(api GET /api/v1/admin/me "$admin_token" | jq -r .id)
new_project() { # name: a project answering from the fake, with room in every limit
  api POST /api/v1/admin/projects "$admin_token" "$(jq -nc --arg name "$1" --arg url "$upstream" '{
    name: $name, openai_api_key: "sk-test-valid-key-0000", openai_base_url: $url,
    model: "gpt-4o-mini", instructions: "Answer briefly.", allowed_origins: ["https://fuzz.example"],
    limits: {messages_per_minute: 600, conversations_per_hour: 10000, daily_ai_messages: 1000000,
             messages_per_ip_per_minute: 6000}}')" | jq -r .id
}
# The surfaces run at the same time: the widget's project is out of the admin
# run's reach (the hooks), so its origins and key stay as set here.
widget_project_id=$(new_project "Widget fuzzing")
admin_project_id=$(new_project "Admin fuzzing")
visitor_token=$(api POST /api/v1/widget/session "" "$(jq -nc --arg p "$widget_project_id" '{project_id: $p}')" | jq -r .visitor_token)
api POST /api/v1/widget/messages "$visitor_token" '{"text": "Hello"}' >/dev/null
# The widget run's visitor too: the admin run learns visitor ids from the
# inbox and the exports, and deleting this one would void the widget's token.
widget_visitor_id=$(api GET "/api/v1/admin/conversations?project_id=$widget_project_id" "$admin_token" | jq -r '.items[0].visitor_id')
[ -n "$widget_visitor_id" ] && [ "$widget_visitor_id" != null ] || fail "the widget's visitor is not listed"
# Visitors with a conversation each in the admin run's project: half are kept
# for reads and actions, the other half may be deleted.
for i in $(seq 1 8); do
  token=$(api POST /api/v1/widget/session "" "$(jq -nc --arg p "$admin_project_id" '{project_id: $p}')" | jq -r .visitor_token)
  api POST /api/v1/widget/messages "$token" "{\"text\": \"Hello $i\"}" >/dev/null
done
conversations=$(api GET "/api/v1/admin/conversations?project_id=$admin_project_id&limit=100" "$admin_token")
[ "$(jq '.items | length' <<<"$conversations")" -eq 8 ] || fail "the 8 conversations are not listed"
spare_project_id=$(api POST /api/v1/admin/projects "$admin_token" '{"name": "Spare"}' | jq -r .id)
spare_user_id=$(api POST /api/v1/admin/users "$admin_token" '{"username": "spare", "display_name": "Spare",
  "password": "spare operator password", "role": "operator", "project_ids": []}' | jq -r .id)
operator_id=$(api POST /api/v1/admin/users "$admin_token" "$(jq -nc --arg p "$admin_project_id" '{
  username: "fuzz-operator", display_name: "Fuzz", password: "fuzzing operator password",
  role: "operator", project_ids: [$p]}')" | jq -r .id)

export SCHEMATHESIS_HOOKS="$here/hooks.py"
export AIWIDGET_FUZZ_UPSTREAM="$upstream" AIWIDGET_FUZZ_ORIGIN="https://fuzz.example"
export AIWIDGET_FUZZ_HANDS_OFF="$self_id,$widget_project_id,$widget_visitor_id"
export AIWIDGET_FUZZ_USER_IDS="$operator_id"
export AIWIDGET_FUZZ_CONVERSATION_IDS AIWIDGET_FUZZ_VISITOR_IDS AIWIDGET_FUZZ_SPARE_VISITOR_IDS
AIWIDGET_FUZZ_CONVERSATION_IDS=$(jq -r '[.items[range(0; 8; 2)].id] | join(",")' <<<"$conversations")
AIWIDGET_FUZZ_VISITOR_IDS=$(jq -r '[.items[range(0; 8; 2)].visitor_id] | join(",")' <<<"$conversations")
AIWIDGET_FUZZ_SPARE_VISITOR_IDS=$(jq -r '[.items[range(1; 8; 2)].visitor_id] | join(",")' <<<"$conversations")
export AIWIDGET_FUZZ_SPARE_PROJECT_ID="$spare_project_id" AIWIDGET_FUZZ_SPARE_USER_ID="$spare_user_id"
st_run() { # surface, project id, token, max examples, then st options
  local surface=$1 project=$2 token=$3 examples=$4
  shift 4
  AIWIDGET_FUZZ_SURFACE="$surface" AIWIDGET_FUZZ_PROJECT_ID="$project" AIWIDGET_FUZZ_TOKEN="$token" \
    AIWIDGET_FUZZ_VISITOR_TOKEN="$visitor_token" AIWIDGET_FUZZ_LOG="$work/status-$surface.log" \
    "$venv/bin/st" --config-file "$here/schemathesis.toml" run "$base/api/v1/openapi.json" \
    --checks no_server_error --max-examples "$examples" --workers "$workers" \
    --max-time "$seconds" --request-timeout 15 --no-shrink --suppress-health-check all --generation-database none \
    --continue-on-failure --no-color --report-dir "$work/report-$surface" "$@" \
    >"$work/st-$surface.out" 2>&1
}

step "Fuzzing both surfaces at once (schemathesis output follows when both are done)"
echo "   widget: /api/v1/widget/* from an allowed Origin with a visitor token"
echo "   admin:  /api/v1/admin/* and /health with an admin's token (no logout)"
status=0
st_run widget "$widget_project_id" "$visitor_token" "$widget_examples" \
  --include-path-regex '^/api/v1/widget/' &
widget_pid=$!
st_run admin "$admin_project_id" "$admin_token" "$admin_examples" \
  --exclude-path-regex '^/api/v1/widget/' --exclude-path /api/v1/admin/logout || status=1
wait "$widget_pid" || status=1
for surface in widget admin; do
  printf '\n---- schemathesis, %s surface\n' "$surface"
  # From the failures and errors it found (a curl command each) to its summary.
  awk '/^=+ (ERRORS|FAILURES|WARNINGS|SUMMARY) =+$/ { shown = 1 } shown' "$work/st-$surface.out"
done

step "Status codes per surface"
cat "$work"/status-*.log >"$work/status.log" 2>/dev/null || true
[ -s "$work/status.log" ] || fail "no request was recorded (did the hooks load?)"
python3 "$here/summary.py" "$work/status.log" "$min_requests" || status=1
if compgen -G "$work/status-*.log.failures" >/dev/null; then
  printf '\nServer errors, each with a request that repeats it:\n' >&2
  sort -u "$work"/status-*.log.failures | head -n 60 >&2
  status=1
fi
curl -fsS "$base/health" >/dev/null || fail "aiwidget no longer answers /health"
[ "$status" -eq 0 ] || fail "schema fuzzing found problems (above)"
step "Schema fuzzing passed"
