from __future__ import annotations

import csv
import io
import json
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from saglam.analytics.schemas import FIGURES
from saglam.core.query import Criterion, Query
from saglam.core.security import Role
from saglam.patients import service as patients
from tests.factories import SYSTEM, make_user
from tests.web.test_session import _login

PERIOD = "from=2025-07&to=2026-06"  # the test country's year of care


def _analyst(client: TestClient, session: Session, role: Role = Role.MINISTRY_ANALYST) -> None:
    make_user(session, "leyla", role)
    client.get("/language/en")
    _login(client, "leyla")


def _headline(html: str) -> dict[str, str]:
    """Headline label → value, as a person reads the figures on top of the page."""
    pairs = re.findall(
        r'<div class="value">([^<]*)</div><div class="label">([^<·]*)', html.replace("\n", "")
    )
    return {label.strip(): value for value, label in pairs}


def _chart(html: str, name: str) -> dict[str, object]:
    found = re.search(rf'<script type="application/json" id="chart-{name}">(.*?)</script>', html)
    assert found, name
    return dict(json.loads(found.group(1)))


def test_an_analyst_sees_headline_figures_and_every_chart(
    client: TestClient, session: Session
) -> None:
    _analyst(client, session)
    response = client.get(f"/dashboard?{PERIOD}")
    assert response.status_code == 200
    headline = _headline(response.text)
    for label in ("People", "Insured share", "Health facilities", "Doctors"):
        assert headline[label] not in ("", "0", "—"), label
    for name in FIGURES:
        assert f'data-chart="chart-{name}"' in response.text
        chart = _chart(response.text, name)
        assert chart["labels"] and chart["datasets"]
        assert f"/dashboard/{name}.csv?region=&amp;from=2025-07&amp;to=2026-06" in response.text
    assert response.text.count("<table>") == len(FIGURES)
    assert "July 2025" in response.text and "AZN" in response.text


def test_the_dashboard_is_the_analysts_start_page(client: TestClient, session: Session) -> None:
    _analyst(client, session)
    response = client.get("/")
    assert response.status_code == 200 and str(response.url).endswith("/dashboard")
    assert 'name="from" value="' in response.text


def test_a_csv_download_has_a_header_and_a_row_per_month(
    client: TestClient, session: Session
) -> None:
    _analyst(client, session)
    response = client.get(f"/dashboard/encounters.csv?region=&{PERIOD}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["month", "encounters"]
    assert [r[0] for r in rows[1:]][:2] == ["2025-07", "2025-08"] and len(rows) == 13
    assert all(int(r[1]) > 0 for r in rows[1:])


def test_a_money_csv_gives_qepik_and_manats(client: TestClient, session: Session) -> None:
    _analyst(client, session)
    rows = list(csv.DictReader(io.StringIO(client.get(f"/dashboard/paid.csv?{PERIOD}").text)))
    assert rows and all(int(r["paid_minor"]) == round(float(r["paid_azn"]) * 100) for r in rows)


def test_a_csv_of_places_names_them(client: TestClient, session: Session) -> None:
    _analyst(client, session)
    rows = list(csv.reader(io.StringIO(client.get(f"/dashboard/workforce.csv?{PERIOD}").text)))
    assert rows[0][:4] == ["code", "name", "people", "doctors"]
    assert rows[1 + [r[0] for r in rows[1:]].index("AZ-ER-BAKU")][:2] == ["AZ-ER-BAKU", "Baku"]


def test_a_region_filter_changes_the_numbers(client: TestClient, session: Session) -> None:
    _analyst(client, session)
    national = _headline(client.get(f"/dashboard?{PERIOD}").text)
    page = client.get(f"/dashboard?region=AZ-ER-LANKARAN-ASTARA&{PERIOD}")
    regional = _headline(page.text)
    assert page.status_code == 200
    assert regional["People"] != national["People"]
    assert regional["Health facilities"] != national["Health facilities"]
    assert '<option value="AZ-ER-LANKARAN-ASTARA" selected>' in page.text
    assert "Health facilities by district" in page.text
    national_csv = client.get(f"/dashboard/population.csv?{PERIOD}").text
    regional_csv = client.get(f"/dashboard/population.csv?region=AZ-ER-LANKARAN-ASTARA&{PERIOD}")
    assert regional_csv.text != national_csv


def test_bad_filters_are_shown_next_to_the_field(client: TestClient, session: Session) -> None:
    _analyst(client, session)
    response = client.get("/dashboard?from=2026-09&to=2026-01")
    assert response.status_code == 422
    assert 'id="from-error"' in response.text and 'aria-invalid="true"' in response.text
    assert client.get("/dashboard?region=AZ-NOWHERE").status_code == 422


def test_an_unknown_figure_is_not_found(client: TestClient, session: Session) -> None:
    _analyst(client, session)
    assert client.get("/dashboard/patients.csv").status_code == 404


def test_a_clinician_is_refused_the_dashboard_and_its_downloads(
    client: TestClient, session: Session
) -> None:
    _analyst(client, session, Role.CLINICIAN)
    assert client.get("/dashboard").status_code == 403
    assert client.get("/dashboard/population.csv").status_code == 403


def test_the_insurance_officer_sees_the_dashboard(client: TestClient, session: Session) -> None:
    _analyst(client, session, Role.INSURANCE_OFFICER)
    assert client.get(f"/dashboard?{PERIOD}").status_code == 200


def test_no_person_can_be_found_on_the_page_or_in_its_downloads(
    client: TestClient, session: Session
) -> None:
    people, _ = patients.find(
        session, SYSTEM, Query(clauses=(Criterion("status", "eq", "active"),), limit=40)
    )
    _analyst(client, session)
    texts = [client.get(f"/dashboard?{PERIOD}").text]
    texts += [client.get(f"/dashboard/{name}.csv?{PERIOD}").text for name in FIGURES]
    everything = "\n".join(texts)
    assert people
    for person in people:
        if person.fin and not person.fin.isdigit():  # an all-digit FIN could be any number
            assert person.fin not in everything
        assert f"{person.surname} {person.given_name}" not in everything
        assert f"{person.given_name} {person.surname}" not in everything
