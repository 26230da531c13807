"""Registries at national scale: generate + load the country, check it against the profile,
FIN lookup and name search over HTTP, duplicate detection over the whole population.

    python -m benchmarks.registries [--scale 1.0] [--backend sqlite|postgresql|both] [--skip-build]
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from datetime import date
from typing import Any

from benchmarks.common import (
    admin_token,
    existing_database,
    fresh_database,
    hammer,
    live_server,
    write_result,
    wrk,
    wrk_available,
)
from saglam.core.config import parse_database_url
from saglam.core.db import Database, make_engine
from saglam.core.security import Principal
from saglam.country.profile import load_profile
from saglam.facilities import service as facilities
from saglam.facilities.schemas import FacilityQuery
from saglam.migrations import runner
from saglam.patients import service as patients
from saglam.synth import facilities as facility_gen
from saglam.synth.build import build_country
from saglam.synth.population import transliterate
from saglam.workforce import service as workforce

AS_OF = date(2026, 6, 30)
SYSTEM = Principal.system("benchmark")


def build(url: str, scale: float) -> dict[str, Any]:
    runner.upgrade(parse_database_url(url))
    database = Database(make_engine(parse_database_url(url)))
    stages: dict[str, float] = {}
    last = {"stage": "", "at": time.perf_counter()}

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if stage != last["stage"]:
            if last["stage"]:
                stages[str(last["stage"])] = (
                    stages.get(str(last["stage"]), 0) + now - float(last["at"])
                )
            last.update(stage=stage, at=now)
            print(f"  {stage} …", flush=True)

    started = time.perf_counter()
    with database.unit_of_work() as session:
        report = build_country(
            session, SYSTEM, load_profile("azerbaijan"), scale=scale, seed=1, as_of=AS_OF,
            progress=progress, duplicate_rate=0.002, twin_rate=0.01, with_care=False,
        )  # fmt: skip
    total = time.perf_counter() - started
    database.engine.dispose()
    result = {
        "people": report.people,
        "facilities": report.facilities,
        "practitioners": report.practitioners,
        "equipment": report.equipment,
        "seconds_total": round(total, 1),
        "people_per_s": round(report.people / total),
        "goal_seconds": 180,
    }
    print(
        f"  built {report.people:,} people in {total:.1f} s → {result['people_per_s']:,} people/s (goal ≤ 180 s)"
    )
    return result


def check_profile(url: str, scale: float) -> dict[str, Any]:
    """Population by region (1%), facilities by type (5%), doctors per 10k by district (10%)."""
    profile = load_profile("azerbaijan")
    database = Database(make_engine(parse_database_url(url)))
    with database.unit_of_work() as session:
        people = patients.counts(session, SYSTEM, "district_code", "death_date")
        types = {str(t): int(str(n)) for t, n in facilities.counts(session, SYSTEM, "type_code")}
        staff = workforce.staff_counts(session, SYSTEM, AS_OF)
        district_of: dict[int, str] = {}
        after = None
        while True:
            page, after = facilities.search_facilities(
                session, SYSTEM, FacilityQuery(limit=500, after_id=after)
            )
            district_of.update({f.id: f.district_code for f in page})
            if after is None:
                break
    database.engine.dispose()
    region_of = {d.code: d.region_code for d in profile.districts}
    living: Counter[str] = Counter()
    for district, death, count in people:
        if death is None:
            living[region_of[str(district)]] += int(str(count))
    region_dev = {
        r.code: living[r.code]
        / (sum(d.population for d in profile.districts if d.region_code == r.code) * scale)
        - 1
        for r in profile.regions
    }
    expected = facility_gen.expected_counts(profile, scale)
    type_dev = {code: (types.get(code, 0) - want) / want for code, want in expected.items() if want}
    doctors: Counter[str] = Counter()
    for facility_id, group, count in staff:
        if group == "doctor":
            doctors[district_of[facility_id]] += count
    doctor_dev = {
        d.code: (doctors[d.code] / (d.population * scale) * 10_000) / d.doctors_per_10k - 1
        for d in profile.districts
        if d.doctors_per_10k and d.population
    }
    worst = {
        "population_by_region": max(region_dev.items(), key=lambda kv: abs(kv[1])),
        "facilities_by_type": max(type_dev.items(), key=lambda kv: abs(kv[1])),
        "doctors_per_10k_by_district": max(doctor_dev.items(), key=lambda kv: abs(kv[1])),
    }
    limits = {
        "population_by_region": 0.01,
        "facilities_by_type": 0.05,
        "doctors_per_10k_by_district": 0.10,
    }
    result = {
        key: {
            "worst": name,
            "deviation": round(dev, 4),
            "limit": limits[key],
            "ok": abs(dev) <= limits[key],
        }
        for key, (name, dev) in worst.items()
    }
    for key, value in result.items():
        print(
            f"  {key}: worst {value['worst']} {value['deviation']:+.2%} (limit ±{value['limit']:.0%}) {'ok' if value['ok'] else 'MISSED'}"
        )
    return result


def sample_people(url: str, n: int) -> list[dict[str, Any]]:
    engine = make_engine(parse_database_url(url))
    with engine.connect() as conn:
        from sqlalchemy import text

        top = conn.execute(text("SELECT MAX(id) FROM patient")).scalar_one()
        ids = random.Random(5).sample(range(1, int(top) + 1), n)
        wanted = ",".join(map(str, ids))
        sql = f"SELECT fin, surname, given_name, birth_date FROM patient WHERE id IN ({wanted}) AND fin IS NOT NULL"
        rows = conn.execute(text(sql)).all()
    engine.dispose()
    return [{"fin": r[0], "surname": r[1], "given": r[2], "birth": str(r[3])} for r in rows]


def http_lookups(url: str, workers: int, requests: int, concurrency: int) -> dict[str, Any]:
    runner.upgrade(parse_database_url(url))
    people = sample_people(url, 3000)
    with live_server(url, workers=workers) as base:
        token = admin_token(url, base)

        def by_fin(i: int) -> tuple[str, str, Any]:
            return ("GET", f"/api/patients/by-fin/{people[i % len(people)]['fin']}", None)

        fin_alone = hammer(base, token, by_fin, requests // 3, 1)
        fin = hammer(base, token, by_fin, requests, concurrency)
        # The same lookups from wrk (a C client): the server's latency without the Python
        # client's own time on the same two cores.
        fin_paths = [by_fin(i)[1] for i in range(len(people))]
        fin_wrk = (
            {
                f"fin_lookup_wrk_{c}": {
                    **wrk(base, token, fin_paths, connections=c, threads=1, seconds=10),
                    "goal_p99_ms": 5,
                }
                for c in (1, concurrency)
            }
            if wrk_available()
            else {}
        )

        def name_query(i: int) -> tuple[str, str, Any]:
            person = people[i % len(people)]
            surname = transliterate(person["surname"]) if i % 2 else person["surname"]
            return (
                "GET",
                f"/api/patients?name={surname}+{person['given']}&birth_date={person['birth']}",
                None,
            )

        names = hammer(base, token, name_query, requests, concurrency)

        def surname_only(i: int) -> tuple[str, str, Any]:
            person = people[i % len(people)]
            return (
                "GET",
                f"/api/patients?name={person['surname']}+{person['given'][:3]}&limit=20",
                None,
            )

        broad = hammer(base, token, surname_only, requests // 2, concurrency)
    result = {
        "fin_lookup_one_client": {**fin_alone.summary(), "goal_p99_ms": 5},
        "fin_lookup": {**fin.summary(), "goal_p99_ms": 5},
        **fin_wrk,
        "name_search": {**names.summary(), "goal_p99_ms": 100},
        "name_prefix_search": {**broad.summary(), "goal_p99_ms": 100},
        "server_workers": workers,
        "client_concurrency": concurrency,
    }
    for key in (
        "fin_lookup_one_client",
        "fin_lookup",
        *fin_wrk,
        "name_search",
        "name_prefix_search",
    ):
        s = result[key]
        print(
            f"  {key}: {s['requests_per_s']} req/s, p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms (goal p99 ≤ {s['goal_p99_ms']} ms), errors {s['errors']}"
        )
    return result


def dedup(url: str) -> dict[str, Any]:
    database = Database(make_engine(parse_database_url(url)))
    started = time.perf_counter()
    with database.unit_of_work() as session:
        report = patients.detect_duplicates(
            session, SYSTEM, progress=lambda s, d, t: print(f"  dedup: {s}", flush=True)
        )
    seconds = time.perf_counter() - started
    database.engine.dispose()
    print(
        f"  duplicate detection: {report.patients:,} people, {report.pairs_compared:,} pairs, {report.candidates:,} candidates in {seconds:.0f} s (goal ≤ 600 s)"
    )
    return {**report.model_dump(), "seconds": round(seconds, 1), "goal_seconds": 600}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--skip-dedup", action="store_true")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        name = f"saglam_bench_registries_{str(args.scale).replace('.', '_')}"
        print(f"== registries on {backend}, scale {args.scale}")
        url = existing_database(backend, name) if args.skip_build else fresh_database(backend, name)
        result: dict[str, Any] = {"backend": backend, "scale": args.scale}
        if args.skip_build:
            runner.upgrade(parse_database_url(url))
        if not args.skip_build:
            result["build"] = build(url, args.scale)
        result["profile_check"] = check_profile(url, args.scale)
        result["http"] = http_lookups(url, args.workers, args.requests, args.concurrency)
        if not args.skip_dedup:
            result["dedup"] = dedup(url)
        path = write_result(f"registries-{backend}-{args.scale}", result)
        print(f"  written {path}")


if __name__ == "__main__":
    main()
