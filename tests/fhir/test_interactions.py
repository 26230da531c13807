"""FHIR REST interactions over HTTP: status codes, headers, versions, errors."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from saglam.core.security import Role
from tests.factories import login_as
from tests.fhir.conftest import FIN_SYSTEM, patient

FHIR = {"content-type": "application/fhir+json"}


def test_metadata_lists_exactly_what_is_registered(client: TestClient) -> None:
    from saglam.fhir.registry import REGISTRY

    body = client.get("/fhir/metadata").json()
    assert body["resourceType"] == "CapabilityStatement" and body["fhirVersion"] == "4.0.1"
    listed = {r["type"]: r for r in body["rest"][0]["resource"]}
    assert set(listed) == set(REGISTRY.handlers)
    assert {"read", "vread", "create", "update", "delete"} <= {
        i["code"] for i in listed["Patient"]["interaction"]
    }
    assert "delete" not in {i["code"] for i in listed["Organization"]["interaction"]}
    assert "PractitionerRole:practitioner" in listed["PractitionerRole"]["searchInclude"]


def test_create_read_update_with_versions_and_etags(
    client: TestClient, admin: dict[str, str]
) -> None:
    created = client.post("/fhir/Patient", json=patient(), headers=admin)
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    assert created.headers["etag"] == 'W/"1"' and created.headers["location"].endswith(
        f"/fhir/Patient/{pid}/_history/1"
    )
    read = client.get(f"/fhir/Patient/{pid}", headers=admin)
    assert read.headers["content-type"].startswith("application/fhir+json")
    assert read.json()["name"][0]["family"] == "Əliyeva" and "Last-Modified" in read.headers
    changed = patient(id=pid, telecom=[{"system": "phone", "value": "+994502223344"}])
    ok = client.put(f"/fhir/Patient/{pid}", json=changed, headers={**admin, "If-Match": 'W/"1"'})
    assert ok.status_code == 200 and ok.json()["meta"]["versionId"] == "2"
    stale = client.put(f"/fhir/Patient/{pid}", json=changed, headers={**admin, "If-Match": 'W/"1"'})
    assert stale.status_code == 412
    assert (
        client.get(f"/fhir/Patient/{pid}/_history/1", headers=admin).json().get("telecom") is None
    )
    history = client.get(f"/fhir/Patient/{pid}/_history", headers=admin).json()
    assert history["type"] == "history" and [e["response"]["etag"] for e in history["entry"]] == [
        'W/"2"',
        'W/"1"',
    ]


def test_delete_then_read_is_gone(client: TestClient, admin: dict[str, str]) -> None:
    pid = client.post("/fhir/Patient", json=patient(), headers=admin).json()["id"]
    assert client.delete(f"/fhir/Patient/{pid}", headers=admin).status_code == 204
    gone = client.get(f"/fhir/Patient/{pid}", headers=admin)
    assert gone.status_code == 410 and gone.json()["resourceType"] == "OperationOutcome"
    assert client.delete("/fhir/Organization/1", headers=admin).status_code == 405


def test_conditional_create_and_update(client: TestClient, admin: dict[str, str]) -> None:
    first = client.post(
        "/fhir/Patient",
        json=patient(),
        headers={**admin, "If-None-Exist": f"identifier={FIN_SYSTEM}|8KQ2M7X"},
    )
    again = client.post(
        "/fhir/Patient",
        json=patient(),
        headers={**admin, "If-None-Exist": f"identifier={FIN_SYSTEM}|8KQ2M7X"},
    )
    assert (first.status_code, again.status_code) == (201, 200) and first.json()[
        "id"
    ] == again.json()["id"]
    updated = client.put(
        f"/fhir/Patient?identifier={FIN_SYSTEM}|8KQ2M7X",
        json=patient(gender="other"),
        headers=admin,
    )
    assert updated.status_code == 200 and updated.json()["gender"] == "other"
    made = client.put(
        f"/fhir/Patient?identifier={FIN_SYSTEM}|9MN4P2Q", json=patient("9MN4P2Q"), headers=admin
    )
    assert made.status_code == 201


def test_search_by_string_with_folding_and_modifiers(
    client: TestClient, admin: dict[str, str]
) -> None:
    client.post("/fhir/Patient", json=patient(), headers=admin)
    plain = client.get(
        "/fhir/Patient",
        params={"family": "aliyeva", "given": "narmin", "birthdate": "1992-05"},
        headers=admin,
    ).json()
    assert [e["resource"]["identifier"][0]["value"] for e in plain["entry"]] == ["8KQ2M7X"]
    exact = {"family:exact": "aliyev", "given": "narmin", "birthdate": "1992-05-17"}
    assert client.get("/fhir/Patient", params=exact, headers=admin).json()["total"] == 0
    exact["family:exact"] = "ƏLİYEVA"
    assert client.get("/fhir/Patient", params=exact, headers=admin).json()["total"] == 1
    contains = client.get(
        "/fhir/Patient",
        params={"family:contains": "liyev", "given": "Nərmin", "birthdate": "1992-05-17"},
        headers=admin,
    ).json()
    assert contains["total"] >= 1


def test_date_prefixes(client: TestClient, admin: dict[str, str]) -> None:
    client.post("/fhir/Patient", json=patient(), headers=admin)
    for query, hit in [
        ("ge1992-05-17", True),
        ("gt1992-05-17", False),
        ("lt1993", True),
        ("eq1992", True),
        ("ne1992-05-17", False),
    ]:
        bundle = client.get(
            "/fhir/Patient",
            params={"identifier": f"{FIN_SYSTEM}|8KQ2M7X", "birthdate": query},
            headers=admin,
        ).json()
        assert (bundle["total"] == 1) is hit, query


def test_paging_links_walk_the_results(client: TestClient, admin: dict[str, str]) -> None:
    first = client.get(
        "/fhir/Practitioner", params={"_count": 5, "_sort": "-birthdate"}, headers=admin
    ).json()
    nxt = next(link["url"] for link in first["link"] if link["relation"] == "next")
    second = client.get(nxt.replace("http://testserver", ""), headers=admin).json()
    ids = [e["resource"]["id"] for e in first["entry"]] + [
        e["resource"]["id"] for e in second["entry"]
    ]
    assert len(ids) == len(set(ids)) == 10
    dates = [e["resource"].get("birthDate") for e in first["entry"]]
    assert dates == sorted(dates, reverse=True)


def test_chained_search_include_and_revinclude(client: TestClient, admin: dict[str, str]) -> None:
    role = client.get("/fhir/PractitionerRole", params={"_count": 1}, headers=admin).json()[
        "entry"
    ][0]["resource"]
    practitioner = client.get(f"/fhir/{role['practitioner']['reference']}", headers=admin).json()
    licence = practitioner["identifier"][0]["value"]
    bundle = client.get(
        "/fhir/PractitionerRole",
        params=[
            ("practitioner.identifier", licence),
            ("_include", "PractitionerRole:practitioner"),
            ("_include", "PractitionerRole:organization"),
        ],
        headers=admin,
    ).json()
    modes = {(e["resource"]["resourceType"], e["search"]["mode"]) for e in bundle["entry"]}
    assert {
        ("PractitionerRole", "match"),
        ("Practitioner", "include"),
        ("Organization", "include"),
    } <= modes
    rev = client.get(
        "/fhir/Practitioner",
        params={"_id": practitioner["id"], "_revinclude": "PractitionerRole:practitioner"},
        headers=admin,
    ).json()
    assert {e["resource"]["resourceType"] for e in rev["entry"]} == {
        "Practitioner",
        "PractitionerRole",
    }


def test_summary_count_elements_and_total(client: TestClient, admin: dict[str, str]) -> None:
    count = client.get("/fhir/Organization", params={"_summary": "count"}, headers=admin).json()
    assert count["total"] > 10 and count["entry"] == []
    slim = client.get(
        "/fhir/Organization",
        params={"_elements": "name", "_count": 1, "_total": "accurate"},
        headers=admin,
    ).json()
    resource = slim["entry"][0]["resource"]
    assert (
        set(resource) == {"resourceType", "id", "meta", "name"} and slim["total"] == count["total"]
    )
    assert resource["meta"]["tag"][0]["code"] == "SUBSETTED"


def test_unknown_parameters_strict_and_lenient(client: TestClient, admin: dict[str, str]) -> None:
    lenient = client.get("/fhir/Patient", params={"shoe-size": "44", "family": "x"}, headers=admin)
    assert lenient.status_code == 200
    assert lenient.json()["entry"][-1]["search"]["mode"] == "outcome"
    strict = client.get(
        "/fhir/Patient", params={"shoe-size": "44"}, headers={**admin, "Prefer": "handling=strict"}
    )
    assert strict.status_code == 400
    assert strict.json()["resourceType"] == "OperationOutcome"


def test_bad_input_gets_operation_outcomes_and_changes_nothing(
    client: TestClient, admin: dict[str, str]
) -> None:
    before = client.get(
        "/fhir/Patient", params={"_summary": "count", "family": "aliyeva"}, headers=admin
    ).json()["total"]
    cases = [
        (client.post("/fhir/Patient", content=b"{not json", headers={**admin, **FHIR}), 400),
        (
            client.post(
                "/fhir/Patient",
                json={"resourceType": "Observation", "status": "final"},
                headers=admin,
            ),
            400,
        ),
        (client.post("/fhir/Patient", json={**patient(), "shoeSize": 44}, headers=admin), 400),
        (
            client.post(
                "/fhir/Patient", json={**patient(), "birthDate": "17.05.1992"}, headers=admin
            ),
            400,
        ),
        (client.post("/fhir/Patient", json=patient("BAD"), headers=admin), 422),
        (
            client.post(
                "/fhir/Patient",
                json={**patient(), "address": [{"district": "Atlantis", "country": "AZ"}]},
                headers=admin,
            ),
            422,
        ),
        (
            client.post(
                "/fhir/Patient",
                json={**patient(), "managingOrganization": {"reference": "Organization/99999999"}},
                headers=admin,
            ),
            422,
        ),
        (
            client.post(
                "/fhir/Patient",
                content=b"<Patient/>",
                headers={**admin, "content-type": "application/fhir+xml"},
            ),
            415,
        ),
        (client.get("/fhir/Patient/1", params={"_format": "xml"}, headers=admin), 406),
        (client.get("/fhir/Spaceship/1", headers=admin), 404),
        (client.get("/fhir/Patient/999999999", headers=admin), 404),
    ]
    for response, status in cases:
        assert response.status_code == status, (response.request.url, response.text)
        assert response.json()["resourceType"] == "OperationOutcome"
    after = client.get(
        "/fhir/Patient", params={"_summary": "count", "family": "aliyeva"}, headers=admin
    ).json()["total"]
    assert after == before


def test_sql_metacharacters_and_unicode_in_search_values_are_harmless(
    client: TestClient, admin: dict[str, str]
) -> None:
    for value in ["'; DROP TABLE patient; --", "%_\\", "Ərəb 😀 ğüşıöç", "a" * 300, "x,y\\,z"]:
        response = client.get("/fhir/Patient", params={"family": value}, headers=admin)
        assert response.status_code == 200, value
    assert (
        client.get("/fhir/Patient", params={"birthdate": "'; --"}, headers=admin).status_code == 400
    )


def test_scopes_limit_types_and_interactions(client: TestClient, session: Session) -> None:
    from tests.factories import make_client

    creds = make_client(session, "reader", "system/Patient.read")
    token = client.post(
        "/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
        },
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (
        client.get("/fhir/Patient", params={"family": "aliyev"}, headers=headers).status_code == 200
    )
    assert client.post("/fhir/Patient", json=patient(), headers=headers).status_code == 403
    assert client.get("/fhir/Practitioner", headers=headers).status_code == 403


def test_patient_reads_are_audited_and_readable_as_audit_events(
    client: TestClient, session: Session, admin: dict[str, str]
) -> None:
    clinician = login_as(client, session, Role.REGISTRATION_CLERK, facility_ids=[1])
    pid = client.post(
        "/fhir/Patient",
        json=patient(managingOrganization={"reference": "Organization/1"}),
        headers=clinician,
    ).json()["id"]
    client.get(f"/fhir/Patient/{pid}", headers=clinician)
    events = client.get(
        "/fhir/AuditEvent", params={"patient": f"Patient/{pid}"}, headers=admin
    ).json()
    actions = {
        (e["resource"]["subtype"][0]["code"], e["resource"]["agent"][0]["who"]["display"])
        for e in events["entry"]
    }
    assert ("read", "u-registration_clerk-1") in actions
    assert client.get("/fhir/AuditEvent", headers=clinician).status_code == 403


def test_pretty_and_json_formats(client: TestClient, admin: dict[str, str]) -> None:
    pretty = client.get(
        "/fhir/Location/AZ-QBA", params={"_pretty": "true", "_format": "json"}, headers=admin
    )
    assert pretty.status_code == 200 and "\n  " in pretty.text
    assert pretty.json()["partOf"]["reference"] == "Location/AZ-ER-GUBA-KHACHMAZ"


def test_docs_fhir_md_is_generated_from_the_capability_statement() -> None:
    from pathlib import Path

    from saglam.cli.fhir import capability_markdown

    written = (Path(__file__).resolve().parents[2] / "docs" / "fhir.md").read_text()
    assert written == capability_markdown(), "run: saglam fhir capability --markdown docs/fhir.md"
