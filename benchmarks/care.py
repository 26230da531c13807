"""Care: generating and loading a year of care with the country (rows/s, by stage), the calibration
of the synthetic year against the profile, ``Patient/$everything`` over HTTP, and recording an
encounter (3 diagnoses, 5 services) through the API.

    python -m benchmarks.care [--scale 0.1] [--backend sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text

from benchmarks.common import (
    admin_token,
    existing_database,
    fresh_database,
    live_server,
    write_result,
)
from saglam.core.config import parse_database_url
from saglam.core.db import Database, make_engine
from saglam.core.security import Principal
from saglam.country.profile import load_profile
from saglam.migrations import runner
from saglam.synth import calibration
from saglam.synth.build import build_country

SYSTEM = Principal.system("benchmark")
TABLES = ("encounter", "diagnosis", "service_line", "observation", "referral", "prescription")


def build(url: str, scale: float) -> dict[str, Any]:
    runner.upgrade(parse_database_url(url))
    database = Database(make_engine(parse_database_url(url)))
    stages: dict[str, float] = {}
    last = {"stage": "", "at": time.perf_counter()}

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if stage != last["stage"]:
            if last["stage"]:
                key = str(last["stage"])
                stages[key] = stages.get(key, 0.0) + now - float(last["at"])
            last.update(stage=stage, at=now)

    started = time.perf_counter()
    profile, as_of = load_profile("azerbaijan"), datetime.now(UTC).date()
    with database.unit_of_work() as session:
        report = build_country(
            session, SYSTEM, profile, scale=scale, seed=1, as_of=as_of, progress=progress
        )
    seconds = time.perf_counter() - started
    with database.unit_of_work() as session:
        checks = calibration.checks(session, SYSTEM, profile, as_of)
    with database.engine.connect() as conn:
        rows = {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in TABLES
        }
    database.engine.dispose()
    care_rows = sum(rows.values())
    result = {
        "people": report.people, "seconds_total": round(seconds, 1),
        "stages_seconds": {k: round(v, 1) for k, v in stages.items()}, "rows": rows,
        "care_rows_per_s_of_build": round(care_rows / seconds), "claims": report.claims,
        "national_year_estimate_minutes": round(seconds / scale / 60, 1), "goal_national_minutes": 20,
        "calibration": {
            c.name: {"expected": round(c.expected), "actual": c.actual, "deviation": round(c.deviation, 4)}
            for c in checks
        },
        "calibration_within_5_percent": all(c.within(0.05) for c in checks),
    }  # fmt: skip
    print(
        f"  built {report.people:,} people and {care_rows:,} care rows in {seconds:.0f} s "
        f"({result['care_rows_per_s_of_build']:,} care rows/s over the whole build); stages {result['stages_seconds']}"
    )
    print("  calibration (expected from the profile, actual in the database):")
    for c in checks:
        mark = "ok" if c.within(0.05) else "OFF BY MORE THAN 5 %"
        print(f"    {c.name:13} {c.expected:14,.0f} {c.actual:14,} {c.deviation:+7.2%}  {mark}")
    return result


def _samples(url: str) -> tuple[list[int], int, list[int]]:
    engine = make_engine(parse_database_url(url))
    with engine.connect() as conn:
        ids = [
            int(r[0])
            for r in conn.execute(text("SELECT DISTINCT patient_id FROM encounter LIMIT 5000"))
        ]
        facility, patient, doctor = conn.execute(
            text(
                "SELECT p.registered_facility_id, p.id, e.practitioner_id FROM patient p "
                "JOIN employment e ON e.facility_id = p.registered_facility_id AND e.role = 'physician' "
                "WHERE p.death_date IS NULL AND p.birth_date < '1990-01-01' AND p.sex = 'male' LIMIT 1"
            )
        ).one()
    engine.dispose()
    return ids, int(facility), [int(patient), int(doctor)]


#: Requests before timing starts: the first ones of a worker compile SQL and fill caches.
WARM_UP = 20


def _percentiles(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {
        "requests": len(times),
        "p50_ms": round(times[len(times) // 2], 1),
        "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 1),
    }


def http(url: str, requests: int) -> dict[str, Any]:
    patients, facility, (patient, doctor) = _samples(url)
    rng = random.Random(3)
    with live_server(url, workers=2) as base:
        token = admin_token(url, base)
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/fhir+json"}
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            for pid in patients[:WARM_UP]:  # each worker compiles its statements once
                client.get(f"/fhir/Patient/{pid}/$everything").raise_for_status()
            times = []
            for _ in range(requests):
                started = time.perf_counter()
                client.get(f"/fhir/Patient/{rng.choice(patients)}/$everything").raise_for_status()
                times.append((time.perf_counter() - started) * 1000)
            everything = _percentiles(times) | {"goal_p99_ms": 100}
            times = []
            for n in range(-WARM_UP, requests):
                start = datetime.now(UTC) - timedelta(days=1, minutes=n + WARM_UP)
                body = {
                    "patient_id": patient, "facility_id": facility, "class": "ambulatory", "status": "finished",
                    "start": start.isoformat(), "end": (start + timedelta(minutes=15)).isoformat(),
                    "participants": [{"practitioner_id": doctor}],
                    "diagnoses": [{"code": c, "rank": i + 1} for i, c in enumerate(["I10", "E11.9", "J06.9"])],
                    "services": [{"service_code": f"PC00{i}"} for i in range(1, 6)],
                }  # fmt: skip
                started = time.perf_counter()
                client.post("/api/encounters", json=body).raise_for_status()
                if n >= 0:
                    times.append((time.perf_counter() - started) * 1000)
            record = _percentiles(times) | {"goal_p99_ms": 30}
    print(
        f"  Patient/$everything: p50 {everything['p50_ms']} ms, p99 {everything['p99_ms']} ms (goal ≤ 100 ms)"
    )
    print(
        f"  record an encounter (3 diagnoses, 5 services): p50 {record['p50_ms']} ms, p99 {record['p99_ms']} ms (goal ≤ 30 ms)"
    )
    return {"everything": everything, "record_encounter": record}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--skip-build", action="store_true", help="time HTTP on the last build")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        print(f"== care on {backend}, scale {args.scale}")
        name = f"saglam_bench_care_{str(args.scale).replace('.', '_')}"
        result: dict[str, Any] = {"backend": backend, "scale": args.scale}
        if args.skip_build:
            url = existing_database(backend, name)
            runner.upgrade(parse_database_url(url))
        else:
            url = fresh_database(backend, name)
            result["build"] = build(url, args.scale)
        result["http"] = http(url, args.requests)
        path = write_result(f"care-{backend}-{args.scale}", result)
        print(f"  written {path}")


if __name__ == "__main__":
    main()
