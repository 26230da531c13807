"""Web pages: server time per page (p50/p95 over repeated requests, after one warm-up) and page
weight (the HTML plus every stylesheet and script it loads).

    python -m benchmarks.web [--scale 1.0] [--backend sqlite|postgresql|both] [--repeat 30]

Uses the country of benchmarks.claims/registries at the same scale (built if missing) and
logs in through the login form as each role that uses the page.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from typing import Any

import httpx
from sqlalchemy import text

from benchmarks.common import live_server, write_result
from saglam.core.config import parse_database_url
from saglam.core.db import make_engine

GOAL_P95_MS = 200
GOAL_WEIGHT_KB = 500
PASSWORD = "bench-password-1"


def _user(url: str, username: str, role: str, facility: int | None) -> None:
    import os
    import subprocess
    import sys

    from benchmarks.common import WORK

    env = {k: v for k, v in os.environ.items() if not k.startswith("SAGLAM_")}
    env.update(SAGLAM_DATABASE_URL=url, SAGLAM_DATA_DIR=str(WORK / "var"))
    args = [
        sys.executable,
        "-m",
        "saglam",
        "users",
        "create",
        username,
        "--role",
        role,
        "--password-stdin",
    ]
    if facility:
        args += ["--facility", str(facility)]
    subprocess.run(
        args, input=f"{PASSWORD}\n", env=env, capture_output=True, text=True, check=False
    )


def _login(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=600, follow_redirects=True)
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token
    client.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORD,
            "csrf_token": token.group(1),
            "next": "/",
        },
    ).raise_for_status()
    return client


def _samples(url: str) -> dict[str, Any]:
    engine = make_engine(parse_database_url(url))
    with engine.connect() as conn:
        patient, facility = conn.execute(
            text(
                "SELECT id, registered_facility_id FROM patient WHERE registered_facility_id IS NOT NULL "
                "AND death_date IS NULL ORDER BY id LIMIT 1 OFFSET 1000"
            )
        ).one()
        surname, given = conn.execute(
            text("SELECT surname, given_name FROM patient WHERE id = :id"), {"id": patient}
        ).one()
        claim = conn.execute(text("SELECT min(id) FROM claim WHERE status = 'pended'")).scalar()
        period = conn.execute(text("SELECT max(period) FROM payment_period")).scalar()
        doctor = conn.execute(text("SELECT min(practitioner_id) FROM employment")).scalar()
    engine.dispose()
    return {
        "patient": patient, "facility": facility, "name": f"{surname} {given}", "claim": claim,
        "period": period, "doctor": doctor,
    }  # fmt: skip


def _pages(s: dict[str, Any]) -> list[tuple[str, str]]:
    """(role, path) of every main screen."""
    pages = [
        ("ministry_analyst", "/dashboard"),
        ("registration_clerk", f"/patients?name={s['name']}"),
        ("insurance_officer", f"/patients/{s['patient']}"),
        ("admin", "/facilities"),
        ("admin", f"/facilities/{s['facility']}"),
        ("admin", f"/practitioners/{s['doctor']}"),
        ("clinician", f"/care/encounters/new?patient_id={s['patient']}"),
        ("clinician", "/care/icd10?target=dx_0&dx_0=hypertension"),
        ("insurance_officer", "/claims"),
        ("insurance_officer", "/signals"),
        ("admin", "/admin/users"),
        ("admin", "/admin/audit"),
    ]
    if s["claim"]:
        pages.append(("insurance_officer", f"/claims/{s['claim']}"))
    if s["period"]:
        pages += [
            ("insurance_officer", "/payments"),
            ("insurance_officer", f"/payments/{s['period']}"),
        ]
    return pages


def _weight(client: httpx.Client, html: str) -> int:
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    return len(html.encode()) + sum(len(client.get(a).content) for a in set(assets))


def measure(url: str, repeat: int) -> dict[str, Any]:
    samples = _samples(url)
    clients: dict[str, httpx.Client] = {}
    results: dict[str, Any] = {}
    with live_server(url, workers=1, warm=True) as base:
        for role, path in _pages(samples):
            if role not in clients:
                name = f"bench-{role.replace('_', '-')}"
                scoped = role in ("clinician", "registration_clerk")
                _user(url, name, role, samples["facility"] if scoped else None)
                clients[role] = _login(base, name)
            client = clients[role]
            started = time.perf_counter()
            first = client.get(path)
            first_ms = (time.perf_counter() - started) * 1000
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            label = re.sub(r"\d+", "{id}", path.split("?")[0])
            results[label] = {
                "role": role, "status": response.status_code, "first_ms": round(first_ms, 1), "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(times[int(len(times) * 0.95) - 1], 1), "weight_kb": round(_weight(client, first.text) / 1024, 1),
            }  # fmt: skip
            r = results[label]
            print(
                f"  {label:<34} {r['status']}  first {r['first_ms']:>8} ms  p50 {r['p50_ms']:>6} ms  p95 {r['p95_ms']:>6} ms  "
                f"{r['weight_kb']:>6} KB  (goals: p95 ≤ {GOAL_P95_MS} ms, ≤ {GOAL_WEIGHT_KB} KB)"
            )
    for client in clients.values():
        client.close()
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        print(f"== web pages on {backend}, scale {args.scale}")
        from benchmarks.claims import _country

        url = _country(backend, args.scale)
        result = {"backend": backend, "scale": args.scale, "pages": measure(url, args.repeat)}
        path = write_result(f"web-{backend}-{args.scale}", result)
        print(f"  written {path}")


if __name__ == "__main__":
    main()
