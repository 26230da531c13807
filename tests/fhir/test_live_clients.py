"""Real FHIR clients (fhirpy, fhirclient) against a live server on loopback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from saglam.auth import service as auth
from saglam.auth.schemas import UserCreate
from saglam.core.config import parse_database_url
from saglam.core.db import Database, make_engine
from saglam.core.security import Principal, Role
from saglam.country.profile import load_profile
from saglam.migrations import runner
from saglam.synth.build import build_country
from tests.cli.test_cli import _free_port
from tests.fhir.conftest import FIN_SYSTEM, patient

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    folder = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{folder / 'live.db'}"
    runner.upgrade(parse_database_url(url))
    database = Database(make_engine(parse_database_url(url)))
    system = Principal.system("tests")
    with database.unit_of_work() as session:
        build_country(
            session,
            system,
            load_profile("azerbaijan"),
            scale=0.0005,
            seed=3,
            as_of=date(2026, 6, 30),
        )
        auth.create_user(
            session,
            system,
            UserCreate(username="fhir-admin", password="fhir-password", role=Role.ADMIN),
        )
    database.engine.dispose()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAGLAM_")}
    env.update(
        SAGLAM_DATABASE_URL=url, SAGLAM_DATA_DIR=str(folder / "var"), SAGLAM_LOG_LEVEL="WARNING"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "saglam", "serve", "--port", str(port)],
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        token = httpx.post(
            f"{base}/auth/token",
            data={"grant_type": "password", "username": "fhir-admin", "password": "fhir-password"},
        ).json()["access_token"]
        yield f"{base}/fhir", token
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_fhirpy_create_read_update_search_page_and_transaction(live: tuple[str, str]) -> None:
    from fhirpy import SyncFHIRClient

    base, token = live
    client = SyncFHIRClient(base, authorization=f"Bearer {token}")
    created = client.resource(
        "Patient", **{k: v for k, v in patient("3FP1RPY").items() if k != "resourceType"}
    )
    created.save()
    assert created.id and created["meta"]["versionId"] == "1"
    fetched = client.reference("Patient", created.id).to_resource()
    assert fetched["name"][0]["family"] == "Əliyeva"
    fetched["gender"] = "other"
    fetched.save()
    assert client.reference("Patient", created.id).to_resource()["gender"] == "other"
    found = client.resources("Patient").search(identifier=f"{FIN_SYSTEM}|3FP1RPY").fetch()
    assert [p.id for p in found] == [created.id]
    everyone = client.resources("Practitioner").limit(7).fetch_all()
    assert len(everyone) == client.resources("Practitioner").count() and len(everyone) > 7
    assert len({p.id for p in everyone}) == len(everyone)
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:a",
                "resource": patient("4FP2RPY"),
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "fullUrl": "urn:uuid:b",
                "resource": patient(
                    "5FP3RPY", link=[{"other": {"reference": "urn:uuid:a"}, "type": "seealso"}]
                ),
                "request": {"method": "POST", "url": "Patient"},
            },
        ],
    }
    result = client.execute("", method="post", data=bundle)
    assert result["type"] == "transaction-response" and len(result["entry"]) == 2


def test_fhirclient_create_read_update_search_and_paging(live: tuple[str, str]) -> None:
    from fhirclient import client as fhir_client
    from fhirclient.models.patient import Patient
    from fhirclient.models.practitioner import Practitioner

    base, token = live
    smart = fhir_client.FHIRClient(settings={"app_id": "saglam-tests", "api_base": base})
    smart.server.session.headers["Authorization"] = f"Bearer {token}"
    new = Patient(patient("6FC1LNT"))
    response = new.create(smart.server)
    assert response is not None
    found = list(
        Patient.where(struct={"identifier": f"{FIN_SYSTEM}|6FC1LNT"}).perform_resources_iter(
            smart.server
        )
    )
    assert len(found) == 1 and found[0].name[0].family == "Əliyeva"
    mine = Patient.read(found[0].id, smart.server)
    mine.gender = "other"
    mine.update(smart.server)
    assert Patient.read(found[0].id, smart.server).gender == "other"
    pages = list(Practitioner.where(struct={"_count": "5"}).perform_iter(smart.server))
    assert len(pages) > 1
    ids = [e.resource.id for page in pages for e in (page.entry or [])]
    assert len(ids) == len(set(ids)) > 5
