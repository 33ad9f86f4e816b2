#!/usr/bin/env python3
"""How far one client flooding the widget's API gets, and whether another
visitor of the same project is served meanwhile (issue 13's figure).

    python3 tests/bench/flood.py [path/to/aiwidget] [seconds]

Starts the binary on a temp SQLite database, makes a project, then for
`seconds` (default 10) 16 threads send GET /api/v1/widget/config as one
client (X-Forwarded-For 198.51.100.1, as the local nginx sends it) while a
second client (203.0.113.2) asks every 100 ms. Prints the flooding client's
answers per second by status, and the other client's. Uses only Python's
standard library and `requests`.
"""

import base64
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, "target/debug/aiwidget")
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
ORIGIN = "https://shop.example"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main():
    work = tempfile.mkdtemp(prefix="aiw-flood-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    password = secrets.token_urlsafe(16)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": f"sqlite://{work}/flood.db",
        "ADMIN_PASSWORD": password,
        "JWT_SECRET": secrets.token_urlsafe(48),
        "ENCRYPTION_KEY": base64.b64encode(os.urandom(32)).decode(),
        "LISTEN_ADDR": f"127.0.0.1:{port}",
        "PUBLIC_URL": base,
        "SITE_DIR": os.path.join(ROOT, "target/site"),
        "RUST_LOG": "warn",
    }
    log = open(os.path.join(work, "server.log"), "w")
    server = subprocess.Popen([BIN, "serve"], env=env, cwd=work, stdout=log, stderr=log)
    try:
        for _ in range(400):
            try:
                if requests.get(f"{base}/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        token = requests.post(
            f"{base}/api/v1/admin/login", json={"username": "admin", "password": password}
        ).json()["token"]
        project = requests.post(
            f"{base}/api/v1/admin/projects",
            headers={"Authorization": f"Bearer {token}"},
            json={"name": "Flood", "allowed_origins": [ORIGIN]},
        ).json()
        url = f"{base}/api/v1/widget/config?project_id={project['id']}"
        flood, other = Counter(), Counter()
        lock = threading.Lock()
        end = time.monotonic() + SECONDS

        def flooder():
            session = requests.Session()
            while time.monotonic() < end:
                status = session.get(
                    url, headers={"Origin": ORIGIN, "X-Forwarded-For": "198.51.100.1"}
                ).status_code
                with lock:
                    flood[status] += 1

        def visitor():
            session = requests.Session()
            while time.monotonic() < end:
                status = session.get(
                    url, headers={"Origin": ORIGIN, "X-Forwarded-For": "203.0.113.2"}
                ).status_code
                with lock:
                    other[status] += 1
                time.sleep(0.1)

        threads = [threading.Thread(target=flooder) for _ in range(16)]
        threads.append(threading.Thread(target=visitor))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        per_second = {status: round(count / SECONDS, 1) for status, count in sorted(flood.items())}
        print(json.dumps({
            "seconds": SECONDS,
            "flooding_client": {"answers": dict(sorted(flood.items())), "per_second": per_second},
            "other_visitor": dict(sorted(other.items())),
        }, indent=2))
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
