"""Claims: the openIMIS-shaped workload, real-time submission under load, batch adjudication of
a national month and the payment run.

    python -m benchmarks.claims [--scale 1.0] [--backend sqlite|postgresql|both]

* Like-for-like with openIMIS: 500 insured families, claims of 2 items + 2 services (here four
  priced lines: two visits, two laboratory tests), one transaction per claim, one process —
  through the service layer in process, and through the HTTP API from one client.
* Real-time: ``POST /api/claims`` from wrk (50 connections) against ``saglam serve``.
* Batch: a month of claims for the country at ``scale`` (8 million lines at scale 1), loaded in
  bulk as received, then ``adjudicate_period``; then ``run_payments`` for the month.

Uses the registries benchmark's country at the same scale (built without care if missing).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import date, timedelta
from typing import Any

import httpx
import numpy as np
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
from saglam.core.db import Database, make_engine
from saglam.core.security import Principal
from saglam.core.types import utcnow
from saglam.insurance import service as insurance
from saglam.insurance.schemas import ClaimIn
from saglam.migrations import runner

SYSTEM = Principal.system("benchmark")
MONTH = "2026-05"
LINES_PER_PERSON_MONTH = 0.8  # ~8 million lines a month for 10 million people
FAMILIES = 500
FAMILY_SIZE = 4
OPENIMIS = {"service_layer_claims_per_s": 2.3, "graphql_claims_per_s": 0.74}
#: the openIMIS workload: two services (visits) and two items (laboratory tests) per claim
SHAPE = [("PC001", 1000), ("PC013", 600), ("PC014", 250), ("PC018", 300)]
ERRORS = {"over_tariff": 0.03, "unknown_service": 0.005, "duplicate": 0.01, "uncovered": 0.03}


def _country(backend: str, scale: float) -> str:
    name = f"saglam_bench_registries_{str(scale).replace('.', '_')}"
    url = existing_database(backend, name)
    engine = make_engine(parse_database_url(url))
    try:
        with engine.connect() as conn:
            people = conn.execute(text("SELECT count(*) FROM patient")).scalar_one()
    except Exception:
        people = 0
    engine.dispose()
    if not people:
        from benchmarks.common import fresh_database
        from benchmarks.registries import build

        url = fresh_database(backend, name)
        build(url, scale)
    runner.upgrade(parse_database_url(url))
    return url


def _people(url: str, n: int, seed: int) -> list[tuple[int, int]]:
    """(patient, registered facility) of ``n`` random living people with a facility."""
    engine = make_engine(parse_database_url(url))
    with engine.connect() as conn:
        top = int(conn.execute(text("SELECT MAX(id) FROM patient")).scalar_one())
        ids = (
            np.random.default_rng(seed).choice(top, size=min(top, int(n * 1.3)), replace=False) + 1
        )
        rows: list[tuple[int, int]] = []
        for start in range(0, len(ids), 50_000):
            part = ",".join(str(int(i)) for i in ids[start : start + 50_000])
            rows.extend(
                (int(p), int(f))
                for p, f in conn.execute(
                    text(
                        "SELECT id, registered_facility_id FROM patient WHERE id IN "
                        f"({part}) AND registered_facility_id IS NOT NULL AND death_date IS NULL"
                    )
                )
            )
    engine.dispose()
    return rows[:n]


def prepare(url: str, people: list[tuple[int, int]]) -> None:
    """The package, and coverage for the people of the benchmark (3 % left uncovered)."""
    database = Database(make_engine(parse_database_url(url)))
    with database.unit_of_work() as session:
        insurance.ensure_package(session, SYSTEM)
        session.execute(text("DELETE FROM contribution"))
        session.execute(text("DELETE FROM coverage_period"))
        now = utcnow()
        rng = random.Random(3)
        rows = [
            (n + 1, pid, "employee", "employer", None, date(2021, 4, 1), None, "active", 90_000, 1, now)
            for n, (pid, _) in enumerate(people)
            if rng.random() >= ERRORS["uncovered"]
        ]  # fmt: skip
        insurance.bulk_load_coverage(session, SYSTEM, rows, [])
        insurance.coverage_after_bulk_load(session)
    database.engine.dispose()


def month_of_claims(url: str, people: list[tuple[int, int]], lines: int) -> dict[str, Any]:
    """Load a month of received claims (four lines each, with the usual share of errors)."""
    database = Database(make_engine(parse_database_url(url)))
    rng = np.random.default_rng(11)
    first = date.fromisoformat(f"{MONTH}-01")
    now = utcnow()
    started = time.perf_counter()
    with database.unit_of_work() as session:
        tables = ("payment", "payment_period", "claim_line", "claim")
        if session.get_bind().dialect.name == "postgresql":  # no dead rows left from the last run
            session.execute(text(f"TRUNCATE {', '.join(tables)}"))
        else:
            for table in tables:
                session.execute(text(f"DELETE FROM {table}"))
        claims: list[tuple[Any, ...]] = []
        claim_lines: list[tuple[Any, ...]] = []
        count = lines // len(SHAPE)
        who = rng.integers(0, len(people), count)
        days = rng.integers(0, 28, count)
        draws = rng.random((count, 3))
        for n in range(count):
            pid, fid = people[int(who[n])]
            day = first + timedelta(days=int(days[n]))
            cid = n + 1
            claims.append(
                (
                    cid,
                    f"B{cid}",
                    fid,
                    pid,
                    None,
                    day + timedelta(days=4),
                    MONTH,
                    "received",
                    "J06.9",
                    1,
                    now,
                )
            )
            for seq, (service, tariff) in enumerate(SHAPE, start=1):
                over = seq == 2 and draws[n, 0] < ERRORS["over_tariff"] * 4
                price = int(tariff * 1.2) if over else tariff
                unknown = seq == 4 and draws[n, 1] < ERRORS["unknown_service"] * 4
                code = "XX999" if unknown else service
                claim_lines.append(
                    (cid, seq, pid, fid, code, 1, price, day, None, "J06.9", "pended", "")
                )
            if draws[n, 2] < ERRORS["duplicate"]:  # the same visit claimed again
                claim_lines.append(
                    (cid, 5, pid, fid, "PC001", 1, 1000, day, None, "J06.9", "pended", "")
                )
        loaded = insurance.bulk_load_claims(session, SYSTEM, claims, claim_lines)
        insurance.claims_after_bulk_load(session)
    database.engine.dispose()
    seconds = time.perf_counter() - started
    print(f"  loaded {loaded[0]:,} claims, {loaded[1]:,} lines in {seconds:.0f} s")
    return {"claims": loaded[0], "lines": loaded[1], "load_seconds": round(seconds, 1)}


def batch(url: str) -> dict[str, Any]:
    database = Database(make_engine(parse_database_url(url)))
    with database.unit_of_work() as session:
        report = insurance.adjudicate_period(
            session, SYSTEM, MONTH,
            progress=lambda s, d, t: print(f"  {s}: {d:,} lines", flush=True),
        )  # fmt: skip
    started = time.perf_counter()
    with database.unit_of_work() as session:
        paid = insurance.run_payments(session, SYSTEM, MONTH)
    payment_seconds = time.perf_counter() - started
    database.engine.dispose()
    rate = report.lines / report.seconds if report.seconds else 0
    print(
        f"  batch adjudication: {report.lines:,} lines in {report.seconds:.1f} s → {rate:,.0f} lines/s "
        f"(rules {report.compute_seconds:.1f} s; goal ≥ 100,000 lines/s); outcomes {report.outcomes}"
    )
    print(
        f"  payment run: {len(paid.payments):,} facilities, {paid.total_minor / 100:,.2f} AZN in "
        f"{payment_seconds:.1f} s (goal ≤ 60 s at scale 1)"
    )
    return {
        "adjudication": {**report.model_dump(), "lines_per_s": round(rate), "goal_lines_per_s": 100_000},
        "payment_run": {"facilities": len(paid.payments), "seconds": round(payment_seconds, 1), "goal_seconds": 60},
    }  # fmt: skip


def _claim(n: int, person: tuple[int, int], day: date, prefix: str) -> dict[str, Any]:
    return {
        "identifier": f"{prefix}-{n}", "facility_id": person[1], "patient_id": person[0], "diagnoses": ["J06.9"],
        "lines": [
            {"service_code": code, "quantity": 1, "unit_price_minor": price, "service_date": day.isoformat()}
            for code, price in SHAPE
        ],
    }  # fmt: skip


def service_layer(url: str, families: list[tuple[int, int]], count: int) -> dict[str, Any]:
    """One claim per transaction through the service layer, in one process."""
    database = Database(make_engine(parse_database_url(url)))
    day = date.today() - timedelta(days=2)
    started = time.perf_counter()
    outcomes: dict[str, int] = {}
    for n in range(count):
        with database.unit_of_work() as session:
            claim, _ = insurance.submit(
                session, SYSTEM,
                ClaimIn.model_validate(_claim(n, families[n % len(families)], day - timedelta(days=n % 20), "S")),
            )  # fmt: skip
        outcomes[claim.status] = outcomes.get(claim.status, 0) + 1
    seconds = time.perf_counter() - started
    database.engine.dispose()
    rate = count / seconds
    print(
        f"  service layer, one transaction per claim: {rate:,.0f} claims/s "
        f"({rate / OPENIMIS['service_layer_claims_per_s']:,.0f}× openIMIS's 2.3); {outcomes}"
    )
    return {"claims": count, "claims_per_s": round(rate, 1), "outcomes": outcomes,
            "openimis_claims_per_s": OPENIMIS["service_layer_claims_per_s"]}  # fmt: skip


def http(
    url: str, families: list[tuple[int, int]], count: int, seconds: int, workers: int
) -> dict[str, Any]:
    day = date.today() - timedelta(days=2)
    with live_server(url, workers=workers) as base:
        token = admin_token(url, base)
        latencies = []
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as client:
            started = time.perf_counter()
            for n in range(count):
                body = _claim(n, families[n % len(families)], day - timedelta(days=n % 20), "H")
                tick = time.perf_counter()
                response = client.post("/api/claims", json=body)
                latencies.append((time.perf_counter() - tick) * 1000)
                response.raise_for_status()
            elapsed = time.perf_counter() - started
        latencies.sort()
        one_client = {
            "claims": count, "claims_per_s": round(count / elapsed, 1),
            "p50_ms": round(latencies[len(latencies) // 2], 2), "p99_ms": round(latencies[int(len(latencies) * 0.99)], 2),
            "openimis_claims_per_s": OPENIMIS["graphql_claims_per_s"],
        }  # fmt: skip
        print(
            f"  HTTP API, one client, one claim at a time: {one_client['claims_per_s']:,} claims/s, "
            f"p99 {one_client['p99_ms']} ms ({one_client['claims_per_s'] / OPENIMIS['graphql_claims_per_s']:,.0f}× openIMIS's 0.74)"
        )
        result: dict[str, Any] = {"one_client": one_client, "server_workers": workers}
        if wrk_available():
            bodies = [
                json.dumps(
                    _claim(n, families[n % len(families)], day - timedelta(days=n % 20), "W")
                )
                for n in range(60_000)
            ]
            loaded = wrk(
                base, token, ["/api/claims"], bodies=bodies, seconds=seconds, connections=50
            )
            loaded |= {"goal_requests_per_s": 1000, "goal_p99_ms": 50}
            print(
                f"  HTTP API under load (wrk, 50 connections): {loaded['requests_per_s']:,} claims/s, "
                f"p50 {loaded['p50_ms']} ms, p99 {loaded['p99_ms']} ms (goal ≥ 1,000/s, p99 ≤ 50 ms), "
                f"errors {loaded['errors']}"
            )
            result["under_load"] = loaded
        else:
            print("  wrk not installed: the load figure is skipped (apt-get install wrk)")
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--claims", type=int, default=300, help="openIMIS-shaped claims per path")
    parser.add_argument("--seconds", type=int, default=15, help="wrk duration")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--batch-only", action="store_true", help="only the national month: batch and payments"
    )
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        print(f"== claims on {backend}, scale {args.scale}")
        url = _country(backend, args.scale)
        lines = int(10_000_000 * args.scale * LINES_PER_PERSON_MONTH)
        people = _people(url, max(lines // len(SHAPE), FAMILIES * FAMILY_SIZE), seed=5)
        prepare(url, people)
        result: dict[str, Any] = {"backend": backend, "scale": args.scale}
        result["month"] = month_of_claims(url, people, lines)
        result.update(batch(url))
        if not args.batch_only:
            families = people[: FAMILIES * FAMILY_SIZE]
            result["service_layer"] = service_layer(url, families, args.claims)
            result["http"] = http(url, families, args.claims, args.seconds, args.workers)
        path = write_result(f"claims-{backend}-{args.scale}", result)
        print(f"  written {path}")


if __name__ == "__main__":
    main()
