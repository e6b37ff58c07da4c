"""Serving an app under gunicorn for the load benchmarks, on a free local port."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(app_spec: str, port: int, env: dict, workers: int = 2) -> subprocess.Popen:
    """Start gunicorn with `workers` sync workers and wait until /healthz answers."""
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app_spec,
        ],
        cwd=ROOT,
        env=env,
    )
    for _i in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"gunicorn on port {port} did not start")


def bench_env(url: str) -> dict:
    """The servers' environment: the database, a fixed secret, no CSRF and no rate limits (the load
    comes from one address)."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "FLASK_SECRET_KEY": "bench",
        "FLASK_WTF_CSRF_ENABLED": "false",
        "FLASK_RATELIMIT_ENABLED": "false",
        "PYTHONPATH": str(ROOT),
    }
