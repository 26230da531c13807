"""The insurer's screens: review queue, claim page with the decision form, payments, signals."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from saglam.core.query import Criterion, Query
from saglam.core.security import Role
from saglam.insurance import repository as insurance_repository
from saglam.insurance import service as insurance
from saglam.insurance.enums import ReviewDecision
from saglam.insurance.schemas import ClaimLineRead, ClaimRead, ReviewIn
from saglam.web import i18n
from saglam.web.routes import insurance as insurance_routes
from saglam.web.routes.insurance import parse_azn
from tests.factories import PASSWORD, SYSTEM, make_user

EN = i18n.Formats("en")


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def _log_in(
    client: TestClient, session: Session, role: Role = Role.INSURANCE_OFFICER, **scope: list[int]
) -> None:
    username = f"web-{role.value}".replace("_", "-")
    make_user(session, username, role, **scope)  # type: ignore[arg-type]
    client.cookies.set(i18n.COOKIE, "en")
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": _csrf(form.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def _claim_ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'<a href="/claims/(\d+)">', html)]


def _pended_claim(session: Session, **filters: object) -> ClaimRead:
    claims, _ = insurance.queue(session, SYSTEM, limit=20, **filters)  # type: ignore[arg-type]
    return next(c for c in claims if any(line.outcome.value == "pended" for line in c.lines))


def _ceiling(line: ClaimLineRead) -> int:
    return line.quantity * min(
        line.unit_price_minor, line.allowed_unit_minor or line.unit_price_minor
    )


def _azn(minor: int) -> str:
    """As a person in Baku would type it: "1 234,50"."""
    return f"{minor // 100:,}".replace(",", " ") + f",{minor % 100:02d}"


# --- the queue ------------------------------------------------------------------------------


def test_counts_past_the_cap_read_as_over_the_cap_and_small_ones_stay_exact(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    exact = {
        status: insurance.find_claims(
            session, SYSTEM, Query(clauses=(Criterion("status", "eq", status),), limit=0),
            with_total=True,
        )[1]
        for status in ("pended", "adjudicated")
    }  # fmt: skip
    cap = exact["pended"] + 1
    assert exact["adjudicated"] > cap
    monkeypatch.setattr(insurance_repository, "COUNT_CAP", cap)
    monkeypatch.setattr(insurance, "COUNT_CAP", cap)
    _, counts = insurance.queue(session, SYSTEM, limit=5)
    assert counts["pended"] == exact["pended"] and counts["adjudicated"] == cap + 1
    _log_in(client, session)
    response = client.get("/claims")
    assert f'<span class="count">{EN.number(exact["pended"])}</span>' in response.text
    assert f'<span class="count">over {EN.number(cap)}</span>' in response.text


def test_an_officer_sees_the_review_queue_with_counts_per_status(
    client: TestClient, session: Session
) -> None:
    claims, counts = insurance.queue(session, SYSTEM, limit=50)
    _log_in(client, session)
    response = client.get("/claims")
    assert response.status_code == 200
    for status in ("pended", "adjudicated"):
        shown = (
            f"over {EN.number(insurance.COUNT_CAP)}"
            if counts[status] > insurance.COUNT_CAP
            else EN.number(counts[status])
        )
        assert f'<span class="count">{shown}</span>' in response.text
    assert _claim_ids(response.text) == [c.id for c in claims]
    assert 'class="badge pended"' in response.text
    if len(claims) == 50:
        assert f"after_id={claims[-1].id}" in response.text


def test_the_next_page_continues_after_the_last_claim(client: TestClient, session: Session) -> None:
    first, _ = insurance.queue(session, SYSTEM, limit=50)
    second, _ = insurance.queue(session, SYSTEM, limit=50, after_id=first[-1].id)
    _log_in(client, session)
    response = client.get("/claims", params={"after_id": first[-1].id})
    assert _claim_ids(response.text) == [c.id for c in second]


def test_filters_narrow_the_queue(client: TestClient, session: Session) -> None:
    facility_id = _pended_claim(session, reason="R14").facility_id
    expected, _ = insurance.queue(
        session, SYSTEM, facility_id=facility_id, reason="R14", min_amount=1250, sort="amount"
    )
    everything, _ = insurance.queue(session, SYSTEM, limit=50)
    _log_in(client, session)
    response = client.get(
        "/claims",
        params={
            "facility_id": facility_id,
            "reason": "R14",
            "min_amount": "12,50",
            "sort": "amount",
        },
    )
    assert response.status_code == 200
    shown = _claim_ids(response.text)
    assert shown == [c.id for c in expected] and 0 < len(shown) < len(everything)
    assert "prior authorisation missing" in response.text
    reviewed = client.get("/claims", params={"status": "reviewed"})
    assert 'aria-current="page"><span class="badge reviewed">' in reviewed.text


def test_a_malformed_amount_is_shown_next_to_the_field(
    client: TestClient, session: Session
) -> None:
    _log_in(client, session)
    response = client.get("/claims", params={"min_amount": "12.3456", "older_than": "yesterday"})
    assert response.status_code == 422
    assert 'id="min_amount-error"' in response.text and "at most two decimals" in response.text
    assert 'id="older_than-error"' in response.text
    assert 'value="12.3456"' in response.text  # what was typed stays in the field


@pytest.mark.parametrize(
    ("typed", "minor"),
    [("1234.50", 123450), ("1 234,50", 123450), ("1\u00a0234,5", 123450), ("1,234.50", 123450),
     ("1.234.567,89", 123456789), ("0,07", 7), ("12", 1200), ("12 AZN", 1200), ("1,234,567", 123456700)],
)  # fmt: skip
def test_amounts_in_manats_become_whole_qepik(typed: str, minor: int) -> None:
    assert parse_azn(typed) == minor


@pytest.mark.parametrize("typed", ["", "abc", "-5", "1.234", "12.345", "1,2,3", "1e3", "1 234.5.6"])
def test_malformed_amounts_are_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        parse_azn(typed)


def test_a_clinician_may_not_open_the_review_queue(client: TestClient, session: Session) -> None:
    claim = _pended_claim(session)
    _log_in(client, session, Role.CLINICIAN, facility_ids=[claim.facility_id])
    page = client.get("/claims")
    assert page.status_code == 403
    assert client.get("/signals").status_code == 403
    refused = client.post(
        f"/claims/{claim.id}/review",
        data={"csrf_token": _csrf(page.text), "decision": "approve", "note": "looks fine"},
    )
    assert refused.status_code == 403


# --- a claim --------------------------------------------------------------------------------


def test_the_claim_page_explains_every_reason_in_words(
    client: TestClient, session: Session
) -> None:
    claim = _pended_claim(session, reason="R14")
    _log_in(client, session)
    response = client.get(f"/claims/{claim.id}")
    assert response.status_code == 200
    assert "prior authorisation missing: pended for review" in response.text
    assert f'href="/patients/{claim.patient_id}"' in response.text
    assert EN.money(claim.asked_minor) in response.text
    assert f'action="/claims/{claim.id}/review"' in response.text
    assert "Reopen the claim" not in response.text


def test_an_officer_adjusts_a_pended_claim_through_the_form(
    client: TestClient, session: Session
) -> None:
    claim = _pended_claim(session)
    pended = [line for line in claim.lines if line.outcome.value == "pended"]
    amounts = {line.id: _ceiling(line) // 2 for line in pended}
    _log_in(client, session)
    page = client.get(f"/claims/{claim.id}")
    form = {"csrf_token": _csrf(page.text), "decision": "adjust", "note": "half: partial stay"}
    form |= {f"amount_{line_id}": _azn(minor) for line_id, minor in amounts.items()}
    response = client.post(f"/claims/{claim.id}/review", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/claims/{claim.id}?done=reviewed"
    shown = client.get(response.headers["location"])
    assert "The decision is saved." in shown.text and 'class="badge reviewed"' in shown.text
    assert "half: partial stay" in shown.text
    session.expire_all()
    after = insurance.get_claim(session, SYSTEM, claim.id)
    others = sum(line.paid_minor for line in claim.lines if line.outcome.value != "pended")
    assert after.status.value == "reviewed"
    assert after.paid_minor == others + sum(amounts.values())
    assert EN.money(after.paid_minor) in shown.text


def test_an_adjustment_above_the_ceiling_is_refused_and_nothing_changes(
    client: TestClient, session: Session
) -> None:
    claim = _pended_claim(session)
    line = next(line for line in claim.lines if line.outcome.value == "pended")
    _log_in(client, session)
    page = client.get(f"/claims/{claim.id}")
    form = {
        "csrf_token": _csrf(page.text), "decision": "adjust", "note": "too much",
        f"amount_{line.id}": _azn(_ceiling(line) + 1),
    }  # fmt: skip
    response = client.post(f"/claims/{claim.id}/review", data=form)
    assert response.status_code == 422
    assert f'id="adjustments-{line.id}-error"' in response.text
    assert 'class="notice err"' in response.text
    short = client.post(
        f"/claims/{claim.id}/review",
        data={"csrf_token": form["csrf_token"], "decision": "approve", "note": "ok"},
    )
    assert short.status_code == 422 and 'id="note-error"' in short.text
    session.expire_all()
    after = insurance.get_claim(session, SYSTEM, claim.id)
    assert after.status.value == "pended" and after.paid_minor == claim.paid_minor
    assert after.review_note is None


def test_only_an_administrator_reopens_a_reviewed_claim(
    client: TestClient, session: Session
) -> None:
    claim = _pended_claim(session)
    insurance.decide(
        session, SYSTEM, claim.id, ReviewIn(decision=ReviewDecision.REJECT, note="no authorisation")
    )
    session.commit()
    _log_in(client, session)
    page = client.get(f"/claims/{claim.id}")
    assert "Reopen the claim" not in page.text and "no authorisation" in page.text
    again = client.post(
        f"/claims/{claim.id}/review",
        data={"csrf_token": _csrf(page.text), "decision": "approve", "note": "second try"},
    )
    assert again.status_code == 409 and "only pended claims are reviewed" in again.text
    refused = client.post(
        f"/claims/{claim.id}/reopen",
        data={"csrf_token": _csrf(page.text), "reopen_note": "second look"},
    )
    assert refused.status_code == 403
    client.cookies.clear()
    _log_in(client, session, Role.ADMIN)
    page = client.get(f"/claims/{claim.id}")
    assert "Reopen the claim" in page.text
    reopened = client.post(
        f"/claims/{claim.id}/reopen",
        data={"csrf_token": _csrf(page.text), "reopen_note": "second look"},
    )
    assert reopened.status_code == 200 and "back in the queue" in reopened.text
    assert 'class="badge pended"' in reopened.text


# --- payments -------------------------------------------------------------------------------


def test_the_payments_page_lists_the_months(client: TestClient, session: Session) -> None:
    _log_in(client, session)
    response = client.get("/payments")
    assert response.status_code == 200
    for period in ("2025-07", "2026-01", "2026-05"):
        assert f'href="/payments/{period}"' in response.text
    may = response.text.split('href="/payments/2026-05"')[1].split("</tr>")[0]
    assert 'class="badge open"' in may
    april = insurance.get_period(session, SYSTEM, "2026-04")
    assert EN.money(april.total_minor) in response.text


def test_a_period_page_shows_totals_equal_to_the_sum_of_facility_totals(
    client: TestClient, session: Session
) -> None:
    statement = insurance.get_period(session, SYSTEM, "2026-04")
    assert statement.total_minor == sum(p.total_minor for p in statement.payments)
    _log_in(client, session)
    response = client.get("/payments/2026-04")
    assert response.status_code == 200
    assert (
        f'<td class="num" id="period-total">{EN.money(statement.total_minor)}</td>' in response.text
    )
    for payment in statement.payments:
        assert EN.money(payment.total_minor) in response.text
        assert f"/payments/2026-04/remittance/{payment.facility_id}.pdf" in response.text
    assert 'class="badge closed"' in response.text and "Close the month" not in response.text
    assert "Close the month" in client.get("/payments/2026-05").text


def test_a_period_page_shows_a_page_of_facilities_at_a_time_with_the_whole_months_totals(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(insurance_routes, "FACILITIES_PER_PAGE", 2)
    statement = insurance.get_period(session, SYSTEM, "2026-04")
    assert len(statement.payments) > 2
    _log_in(client, session)
    seen: list[int] = []
    url: str | None = "/payments/2026-04"
    while url:
        response = client.get(url)
        assert response.status_code == 200
        shown = [
            int(x) for x in re.findall(r"/payments/2026-04/remittance/(\d+)\.csv", response.text)
        ]
        assert 1 <= len(shown) <= 2
        seen += shown
        assert f'id="period-total">{EN.money(statement.total_minor)}<' in response.text
        found = re.search(r'href="(/payments/2026-04\?page=\d+)" rel="next"', response.text)
        url = found.group(1) if found else None
    assert seen == [p.facility_id for p in statement.payments]
    last = client.get("/payments/2026-04?page=999")
    assert last.status_code == 200 and 'rel="next"' not in last.text
    assert client.get("/payments/2026-04?page=0").status_code == 422


def test_remittance_statements_download_as_csv_and_pdf(
    client: TestClient, session: Session
) -> None:
    facility_id = insurance.get_period(session, SYSTEM, "2026-04").payments[0].facility_id
    _log_in(client, session)
    csv = client.get(f"/payments/2026-04/remittance/{facility_id}.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    assert csv.text.startswith("claim,identifier,claim_period")
    pdf = client.get(f"/payments/2026-04/remittance/{facility_id}.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_a_network_manager_sees_only_their_own_facilities_payments(
    client: TestClient, session: Session
) -> None:
    payments = insurance.get_period(session, SYSTEM, "2026-04").payments
    own, other = payments[0], payments[1]
    _log_in(client, session, Role.NETWORK_MANAGER, facility_ids=[own.facility_id])
    months = client.get("/payments")
    assert months.status_code == 200 and "Totals of your facilities only." in months.text
    assert EN.money(own.total_minor) in months.text
    response = client.get("/payments/2026-04")
    assert f"/remittance/{own.facility_id}.csv" in response.text
    assert f"/remittance/{other.facility_id}.csv" not in response.text
    assert "Run again" not in client.get("/payments/2026-05").text
    assert client.get(f"/payments/2026-04/remittance/{other.facility_id}.csv").status_code == 403


def test_months_are_run_from_the_page_and_closed_in_order(
    client: TestClient, session: Session
) -> None:
    _log_in(client, session)
    page = client.get("/payments")
    token = _csrf(page.text)
    bad = client.post("/payments", data={"csrf_token": token, "period": "2026-13"})
    assert bad.status_code == 422 and 'id="period-error"' in bad.text
    run = client.post(
        "/payments", data={"csrf_token": token, "period": "2026-06"}, follow_redirects=False
    )
    assert run.status_code == 303 and run.headers["location"] == "/payments/2026-06?done=run"
    assert "computed again" in client.get(run.headers["location"]).text
    early = client.post("/payments/2026-06/close", data={"csrf_token": token})
    assert early.status_code == 409 and "close 2026-05 before 2026-06" in early.text
    assert insurance.get_period(session, SYSTEM, "2026-06").status == "open"
    closed = client.post("/payments/2026-05/close", data={"csrf_token": token})
    assert closed.status_code == 200 and "The month is closed" in closed.text
    rerun = client.post("/payments/2026-05/run", data={"csrf_token": token})
    assert rerun.status_code == 409 and "is closed" in rerun.text


# --- signals --------------------------------------------------------------------------------


def test_the_signals_page_lists_outliers_of_the_latest_month(
    client: TestClient, session: Session
) -> None:
    expected = insurance.outliers(session, SYSTEM, "2026-06")
    _log_in(client, session)
    response = client.get("/signals")
    assert response.status_code == 200
    assert "June 2026" in response.text and "robust z-score" in response.text
    assert response.text.count("<tr>") == len(expected) + (1 if expected else 0)
    if expected:
        assert EN.number(expected[0].robust_z, digits=2) in response.text
    chosen = client.get("/signals", params={"period": "2026-05"})
    assert chosen.status_code == 200 and "May 2026" in chosen.text
    assert client.get("/signals", params={"period": "May"}).status_code == 422


@pytest.mark.parametrize("language", ["az", "ru"])
def test_the_screens_speak_every_language(
    client: TestClient, session: Session, language: str
) -> None:
    claim = _pended_claim(session)
    _log_in(client, session)
    client.cookies.set(i18n.COOKIE, language)
    for path in ("/claims", f"/claims/{claim.id}", "/payments", "/payments/2026-04", "/signals"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert f'<html lang="{language}">' in response.text
