"""Schemathesis hooks for tests/fuzz/run.sh (loaded through SCHEMATHESIS_HOOKS).

- `no_server_error`, the one check: every answer but a documented provider
  fault (`502 upstream_*`) or a full password-check gate (`503 busy`) must be
  below 500. A failure is written down with a curl command that repeats it.
- `before_call` sets the surface's credentials (the CLI's `-H` would win
  over anything a hook does) and steers part of the requests at real objects, so
  the fuzzing reaches past `404 project_not_found` and `401`: on the widget
  surface the project id and the visitor token of the project run.sh made;
  on both, a random client address through `X-Forwarded-For` (the server
  trusts it from loopback, as from its nginx), so one fuzzing process is
  not one flooding client. The admin surface never targets its own user
  (deleting or demoting itself would turn the rest of the run into 401/403)
  and deletes only spare objects, never the project the run stands on.
- `after_call` appends `surface, method, path, status, error code, seconds to
  the answer, time` (tab-separated) to AIWIDGET_FUZZ_LOG for summary.py, and
  each server error with its curl command to AIWIDGET_FUZZ_LOG.failures.

Environment (set by run.sh): AIWIDGET_FUZZ_SURFACE (`admin` or `widget`),
AIWIDGET_FUZZ_TOKEN (its Bearer token), AIWIDGET_FUZZ_ORIGIN (the project's
allowed origin), AIWIDGET_FUZZ_LOG, AIWIDGET_FUZZ_PROJECT_ID, AIWIDGET_FUZZ_VISITOR_TOKEN,
AIWIDGET_FUZZ_HANDS_OFF (ids never put in a path: the fuzzing admin, the
widget surface's project), AIWIDGET_FUZZ_UPSTREAM
(the fake OpenAI's base URL), and comma-separated real ids for the admin
paths: AIWIDGET_FUZZ_CONVERSATION_IDS, AIWIDGET_FUZZ_VISITOR_IDS,
AIWIDGET_FUZZ_USER_IDS (an operator, never the fuzzing admin), and the ones
deletions may take: AIWIDGET_FUZZ_SPARE_PROJECT_ID, AIWIDGET_FUZZ_SPARE_USER_ID,
AIWIDGET_FUZZ_SPARE_VISITOR_IDS.
"""

import ast
import json
import os
import random
import threading
import time
import uuid

import schemathesis

SURFACE = os.environ.get("AIWIDGET_FUZZ_SURFACE", "admin")
LOG = os.environ.get("AIWIDGET_FUZZ_LOG", "fuzz-status.log")
TOKEN = os.environ.get("AIWIDGET_FUZZ_TOKEN", "")
ALLOWED_ORIGIN = os.environ.get("AIWIDGET_FUZZ_ORIGIN", "")
PROJECT_ID = os.environ.get("AIWIDGET_FUZZ_PROJECT_ID", "")
VISITOR_TOKEN = os.environ.get("AIWIDGET_FUZZ_VISITOR_TOKEN", "")
HANDS_OFF = {i for i in os.environ.get("AIWIDGET_FUZZ_HANDS_OFF", "").split(",") if i}
UPSTREAM = os.environ.get("AIWIDGET_FUZZ_UPSTREAM", "")
# Deletable objects: the spare project, the spare user, half of the visitors.
SPARE_VISITORS = [v for v in os.environ.get("AIWIDGET_FUZZ_SPARE_VISITOR_IDS", "").split(",") if v]
SPARES = [
    ("/api/v1/admin/projects/", os.environ.get("AIWIDGET_FUZZ_SPARE_PROJECT_ID", "")),
    ("/api/v1/admin/users/", os.environ.get("AIWIDGET_FUZZ_SPARE_USER_ID", "")),
]
CONVERSATIONS = [c for c in os.environ.get("AIWIDGET_FUZZ_CONVERSATION_IDS", "").split(",") if c]
USERS = [u for u in os.environ.get("AIWIDGET_FUZZ_USER_IDS", "").split(",") if u]
VISITORS = [v for v in os.environ.get("AIWIDGET_FUZZ_VISITOR_IDS", "").split(",") if v]
# What the run stands on: never deleted.
KEPT = {PROJECT_ID, *USERS, *VISITORS} - {""}

# Share of generated requests steered at the real project / token (the rest
# keeps what the generator made, to fuzz the refusals as well).
STEER = 0.7

_lock = threading.Lock()
# Our own generator: Hypothesis owns the global one inside its tests.
_rng = random.Random()

# CPython 3.11's ast.parse is not thread-safe ("AST constructor recursion
# depth mismatch" when two workers describe a Hypothesis lambda at once);
# one parse at a time.
_parse = ast.parse
_parse_lock = threading.Lock()


def _serial_parse(*args, **kwargs):
    with _parse_lock:
        return _parse(*args, **kwargs)


ast.parse = _serial_parse


def _error_code(response):
    try:
        body = json.loads(response.content or b"null")
    except (ValueError, UnicodeDecodeError):
        return ""
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return body["error"]
    return ""


def _documented_5xx(status, code):
    return (status == 502 and code.startswith("upstream_")) or (status == 503 and code == "busy")


@schemathesis.check
def no_server_error(ctx, response, case):
    """A 5xx other than `502 upstream_*` and `503 busy` is a server bug."""
    status = response.status_code
    if status < 500:
        return None
    code = _error_code(response)
    if _documented_5xx(status, code):
        return None
    raise AssertionError(f"{status} {code or '(no error code)'}: a server error")


def _steered():
    return _rng.random() < STEER


def _client_address():
    return f"10.{_rng.randint(0, 255)}.{_rng.randint(0, 255)}.{_rng.randint(1, 254)}"


def _steer_widget(case):
    path = case.operation.path
    if isinstance(case.query, dict) and "project_id" in case.query and _steered():
        case.query["project_id"] = PROJECT_ID
    if path == "/api/v1/widget/session" and isinstance(case.body, dict) and _steered():
        case.body["project_id"] = PROJECT_ID
        if _rng.random() < 0.5:
            case.body["visitor_token"] = VISITOR_TOKEN


def _credentials(case):
    """The surface's Bearer token, and on the widget an Origin, on every call
    but a few: a stream with a valid token never ends (schemathesis.toml cuts
    it after a second), so most stream calls go without the token, and 5 % of
    the widget's calls come from an origin the project does not allow."""
    headers = case.headers
    for name in [name for name in headers if name.lower() in ("authorization", "origin")]:
        del headers[name]
    if not (case.operation.path.endswith("/events") and _rng.random() < 0.75):
        headers["Authorization"] = f"Bearer {TOKEN}"
    if SURFACE == "widget":
        headers["Origin"] = ALLOWED_ORIGIN if _rng.random() >= 0.05 else "https://elsewhere.example"


def _real_id(path, method):
    """A real object for `path`'s `{id}`, or None to keep the generated one.
    Deletions go to the spare objects run.sh made for them."""
    if method.upper() == "DELETE":
        if path.startswith("/api/v1/admin/visitors/") and SPARE_VISITORS:
            return _rng.choice(SPARE_VISITORS)
        spares = [spare for prefix, spare in SPARES if spare and path.startswith(prefix)]
        return spares[0] if spares else None
    if path.startswith("/api/v1/admin/projects/"):
        return PROJECT_ID
    if path.startswith("/api/v1/admin/conversations/") and CONVERSATIONS:
        return _rng.choice(CONVERSATIONS)
    if path.startswith("/api/v1/admin/visitors/") and VISITORS:
        return _rng.choice(VISITORS)
    if path.startswith("/api/v1/admin/users/") and USERS:
        return _rng.choice(USERS)
    return None


def _steer_admin(case):
    """Real ids in most paths; never a deletion of what the run stands on
    (schemathesis learns ids from earlier answers and reuses them), never a
    change of the fuzzing admin itself."""
    params = case.path_parameters
    if isinstance(params, dict):
        for name, value in list(params.items()):
            if value in HANDS_OFF or (case.method.upper() == "DELETE" and value in KEPT):
                params[name] = str(uuid.uuid4())
            elif name == "id" and _steered():
                params[name] = _real_id(case.operation.path, case.method) or value
    body = case.body
    url = body.get("openai_base_url") if isinstance(body, dict) else None
    if isinstance(url, str) and url.lower().startswith("http") and UPSTREAM:
        # A generated host would be looked up and waited for (the provider's
        # connect time-out): a valid URL goes to the fake, or to a closed port.
        body["openai_base_url"] = UPSTREAM if _rng.random() < 0.9 else "http://127.0.0.1:9/v1"


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = dict(case.headers or {})
    headers["X-Forwarded-For"] = _client_address()
    case.headers = headers
    _credentials(case)
    if SURFACE == "widget":
        _steer_widget(case)
    else:
        _steer_admin(case)


@schemathesis.hook
def after_call(context, case, response):
    status = response.status_code
    code = _error_code(response)
    elapsed = f"{response.elapsed:.3f}\t{time.time():.3f}"
    line = f"{SURFACE}\t{case.operation.method.upper()}\t{case.operation.path}\t{status}\t{code}\t{elapsed}\n"
    with _lock:
        with open(LOG, "a", encoding="utf-8") as log:
            log.write(line)
        if status >= 500 and not _documented_5xx(status, code):
            with open(LOG + ".failures", "a", encoding="utf-8") as failures:
                failures.write(f"{status} {code}\n  {case.as_curl_command()}\n")
