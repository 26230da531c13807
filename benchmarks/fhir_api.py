"""FHIR API at national scale over HTTP on loopback (wrk, 50 connections): Patient read,
Patient?identifier= search, a search with _include, and transaction ingest.

    python -m benchmarks.fhir_api [--scale 1.0] [--backend sqlite|postgresql|both]

Uses the country built by benchmarks.registries at the same scale (builds it if missing).
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from typing import Any

import httpx
from sqlalchemy import text

from benchmarks.common import (
    admin_token,
    existing_database,
    live_server,
    write_result,
    wrk,
    wrk_available,
)
from saglam.core.config import parse_database_url
from saglam.core.db import make_engine
from saglam.migrations import runner

FIN = "https://saglam.example/fhir/sid/az-fin"


def samples(url: str) -> dict[str, list[Any]]:
    engine = make_engine(parse_database_url(url))
    rng = random.Random(7)
    with engine.connect() as conn:
        top = int(conn.execute(text("SELECT MAX(id) FROM patient")).scalar_one())
        ids = rng.sample(range(1, top + 1), 5000)
        rows = conn.execute(
            text(
                f"SELECT id, fin FROM patient WHERE id IN ({','.join(map(str, ids))}) AND fin IS NOT NULL"
            )
        ).all()
        staff = [
            r[0]
            for r in conn.execute(
                text("SELECT practitioner_id FROM employment ORDER BY id LIMIT 3000")
            )
        ]
    engine.dispose()
    return {"ids": [r[0] for r in rows], "fins": [r[1] for r in rows], "practitioners": staff}


def ingest(
    base: str, token: str, bundles: int = 40, size: int = 100, concurrency: int = 4
) -> dict[str, Any]:
    """Transaction bundles of new patients (no national id), from ``concurrency`` threads."""
    lock = threading.Lock()
    queue = list(range(bundles))
    failures = 0

    def bundle(n: int) -> dict[str, Any]:
        entries = [
            {
                "fullUrl": f"urn:uuid:b{n}-{i}",
                "resource": {
                    "resourceType": "Patient",
                    "name": [
                        {
                            "family": random.choice(["Məmmədov", "Əliyev", "Həsənov", "Quliyev"]),
                            "given": [f"Test{n}x{i}"],
                        }
                    ],
                    "gender": random.choice(["male", "female"]),
                    "birthDate": f"{random.randint(1940, 2024)}-0{random.randint(1, 9)}-1{random.randint(0, 9)}",
                    "address": [{"district": "Quba", "country": "AZ"}],
                },
                "request": {"method": "POST", "url": "Patient"},
            }
            for i in range(size)
        ]
        return {"resourceType": "Bundle", "type": "transaction", "entry": entries}

    def worker() -> None:
        nonlocal failures
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120
        ) as client:
            while True:
                with lock:
                    if not queue:
                        return
                    n = queue.pop()
                response = client.post("/fhir", json=bundle(n))
                if response.status_code != 200:
                    with lock:
                        failures += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    stored = (bundles - failures) * size
    return {
        "resources": stored,
        "seconds": round(seconds, 2),
        "resources_per_s": round(stored / seconds, 1),
        "failed_bundles": failures,
        "bundle_size": size,
    }


def run(backend: str, scale: float, seconds: int) -> dict[str, Any]:
    name = f"saglam_bench_registries_{str(scale).replace('.', '_')}"
    url = existing_database(backend, name)
    runner.upgrade(parse_database_url(url))
    data = samples(url)
    result: dict[str, Any] = {
        "backend": backend,
        "scale": scale,
        "tool": "wrk" if wrk_available() else "none",
    }
    for workers in (1, 2):
        with live_server(url, workers=workers) as base:
            token = admin_token(url, base)
            runs: dict[str, Any] = {
                "read": wrk(
                    base, token, [f"/fhir/Patient/{i}" for i in data["ids"]], seconds=seconds
                ),
                "identifier_search": wrk(
                    base,
                    token,
                    [f"/fhir/Patient?identifier={FIN}|{f}" for f in data["fins"]],
                    seconds=seconds,
                ),
                "include_search": wrk(
                    base,
                    token,
                    [
                        f"/fhir/PractitionerRole?practitioner={p}&_include=PractitionerRole:practitioner"
                        for p in data["practitioners"]
                    ],
                    seconds=seconds,
                ),
                "transaction_ingest": ingest(base, token),
            }
            result[f"workers_{workers}"] = runs
            for key, value in runs.items():
                if "p99_ms" in value:
                    print(
                        f"  {backend} {workers}w {key}: {value['requests_per_s']} req/s, p50 {value['p50_ms']} ms, p99 {value['p99_ms']} ms, errors {value['errors']}"
                    )
                else:
                    print(
                        f"  {backend} {workers}w {key}: {value['resources_per_s']} resources/s ({value['failed_bundles']} failed bundles)"
                    )
    result["goals"] = {
        "read_per_s": 2000,
        "read_p99_ms": 25,
        "search_p99_ms": 50,
        "ingest_resources_per_s": 3000,
    }
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args(argv)
    if not wrk_available():
        raise SystemExit("wrk is needed (apt-get install wrk; make bench installs it)")
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        print(f"== FHIR API on {backend}, scale {args.scale}")
        write_result(f"fhir-{backend}-{args.scale}", run(backend, args.scale, args.seconds))


if __name__ == "__main__":
    main()
