"""Shared benchmark plumbing: databases, a live server, concurrent HTTP timing, results."""

from __future__ import annotations

import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from saglam.core.config import parse_database_url
from saglam.core.db import make_engine

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
WORK = Path(os.environ.get("SAGLAM_BENCH_DIR", ROOT.parent / "var" / "bench"))
PG_BASE = os.environ.get("SAGLAM_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
    }


def fresh_database(backend: str, name: str) -> str:
    """A new, empty database URL for ``backend`` ('sqlite' or 'postgresql')."""
    WORK.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        path = WORK / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    admin = make_engine(parse_database_url(PG_BASE), pool_size=1)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parse_database_url(PG_BASE).set(database=name).render_as_string(hide_password=False)


def existing_database(backend: str, name: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{WORK / f'{name}.db'}"
    return parse_database_url(PG_BASE).set(database=name).render_as_string(hide_password=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(database_url: str, workers: int = 1, warm: bool = False) -> Iterator[str]:
    """``saglam serve`` in a subprocess; yields its base URL. The dashboard warmer runs only when
    ``warm`` (the page benchmark): elsewhere its national GROUP BYs would compete with what is
    being measured."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAGLAM_")}
    env.update(
        SAGLAM_DATABASE_URL=database_url,
        SAGLAM_DATA_DIR=str(WORK / "var"),
        SAGLAM_LOG_LEVEL="WARNING",
        SAGLAM_LOGIN_MAX_FAILURES="1000",
        SAGLAM_TOKEN_TTL_SECONDS="7200",
        SAGLAM_WARM_DASHBOARD="true" if warm else "false",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "saglam", "serve", "--port", str(port), "--workers", str(workers)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            raise RuntimeError("server did not start")
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def admin_token(database_url: str, base: str, username: str = "bench-admin") -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAGLAM_")}
    env.update(SAGLAM_DATABASE_URL=database_url, SAGLAM_DATA_DIR=str(WORK / "var"))
    subprocess.run(
        [sys.executable, "-m", "saglam", "users", "create", username, "--role", "admin", "--password-stdin"],
        input="bench-password-1\n", env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    response = httpx.post(
        f"{base}/auth/token",
        data={"grant_type": "password", "username": username, "password": "bench-password-1"},
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


@dataclass
class Timing:
    requests: int
    seconds: float
    latencies_ms: list[float]
    errors: int

    def summary(self) -> dict[str, float]:
        lat = sorted(self.latencies_ms)

        def pct(p: float) -> float:
            return round(lat[min(len(lat) - 1, int(p * len(lat)))], 2) if lat else 0.0

        return {
            "requests": self.requests,
            "errors": self.errors,
            "requests_per_s": round(self.requests / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "mean_ms": round(statistics.fmean(lat), 2) if lat else 0.0,
        }


def hammer(
    base: str,
    token: str,
    make_request: Callable[[int], tuple[str, str, Any]],
    total: int,
    concurrency: int,
) -> Timing:
    """Send ``total`` requests from ``concurrency`` threads; ``make_request(i)`` → (method, path, json)."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = iter(range(total))

    def worker() -> None:
        nonlocal errors
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as client:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                method, path, body = make_request(i)
                started = time.perf_counter()
                response = (
                    client.request(method, path, json=body)
                    if body is not None
                    else client.request(method, path)
                )
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed)
                    if response.status_code >= 400:
                        errors += 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Timing(total, time.perf_counter() - started, latencies, errors)


def write_result(name: str, payload: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"machine": machine(), "at": time.strftime("%Y-%m-%dT%H:%M:%S"), **payload}
    path.write_text(json.dumps(payload, indent=2, default=str))
    return path


WRK_SCRIPT = """
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
local counter = 0
request = function()
  counter = counter + 1
  local path = paths[(counter %% #paths) + 1]
  return wrk.format("GET", path, {["Authorization"] = "Bearer %(token)s", ["Accept"] = "application/fhir+json"})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status + e.connect + e.read + e.write + e.timeout, latency.max))
end
"""


WRK_POST_SCRIPT = """
local bodies = {}
for line in io.lines("%(bodies)s") do bodies[#bodies + 1] = line end
local counter = 0
request = function()
  counter = counter + 1
  local body = bodies[(counter %% #bodies) + 1]
  return wrk.format("POST", "%(path)s", {["Authorization"] = "Bearer %(token)s",
    ["Content-Type"] = "application/json"}, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status + e.connect + e.read + e.write + e.timeout, latency.max))
end
"""


def wrk_available() -> bool:
    import shutil

    return shutil.which("wrk") is not None


def wrk(
    base: str,
    token: str,
    paths: list[str],
    *,
    connections: int = 50,
    seconds: int = 10,
    threads: int = 2,
    bodies: list[str] | None = None,
) -> dict[str, float]:
    """GET ``paths`` (cycled) with wrk, or with ``bodies`` POST each (cycled, one JSON document
    per line) to ``paths[0]``; requests/s and latency percentiles in ms."""
    WORK.mkdir(parents=True, exist_ok=True)
    script = WORK / "wrk.lua"
    if bodies is None:
        path_file = WORK / "wrk-paths.txt"
        path_file.write_text("\n".join(paths) + "\n")
        script.write_text(WRK_SCRIPT % {"paths": path_file, "token": token})
    else:
        body_file = WORK / "wrk-bodies.txt"
        body_file.write_text("\n".join(bodies) + "\n")
        script.write_text(WRK_POST_SCRIPT % {"bodies": body_file, "path": paths[0], "token": token})
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "-s", str(script), base],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    requests, duration_us, p50, p99, errors, worst = (int(x) for x in line.split()[1:])
    return {
        "requests": requests,
        "requests_per_s": round(requests / (duration_us / 1e6), 1),
        "p50_ms": round(p50 / 1000, 2),
        "p99_ms": round(p99 / 1000, 2),
        "max_ms": round(worst / 1000, 2),
        "errors": errors,
        "connections": connections,
    }
