"""The adjudication rules as pure functions: each reason fires when it should and only then, and
the money arithmetic holds for any claim (property tests)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saglam.insurance import rules
from saglam.insurance.enums import LineOutcome, Reason

DAY = date(2026, 5, 12)
DEADLINE = 90
HIGH = 500_000


def line(**changes: Any) -> dict[str, Any]:
    """A line that passes every rule: a covered adult at a contracted primary facility."""
    row: dict[str, Any] = {
        "line_id": 1, "patient_id": 10, "facility_id": 5, "service_code": "PC001", "quantity": 1,
        "unit_price_minor": 1000, "service_date": DAY, "submitted_on": DAY + timedelta(days=3),
        "diagnoses_ok": True, "patient_found": True, "sex": "female", "birth_date": date(1980, 1, 1),
        "death_date": None, "covered": True, "contracted": True, "facility_level": "primary",
        "in_package": True, "tariff_minor": 1000, "levels": "primary;secondary", "referral_required": False,
        "prior_auth": False, "per_day_limit": None, "per_year_limit": None, "lifetime_limit": None,
        "age_from": 0, "age_to": 120, "service_sex": "any", "copay_rate_pct": 0, "has_referral": False,
        "has_prior_auth": False, "used_day": 0, "used_year": 0, "used_lifetime": 0,
        "duplicate_before": False,
    }  # fmt: skip
    row.update(changes)
    return row


def judge(*lines: dict[str, Any]) -> list[dict[str, Any]]:
    frame = pl.DataFrame(list(lines), schema=rules.REQUIRED)
    judged = rules.adjudicate(frame, deadline_days=DEADLINE, high_value_minor=HIGH)
    return judged.sort("line_id").to_dicts()


def test_a_clean_line_is_accepted_and_paid_at_the_price() -> None:
    [result] = judge(line())
    assert result["outcome"] == LineOutcome.ACCEPTED
    assert result["reasons"] == []
    assert (result["allowed_quantity"], result["allowed_unit_minor"], result["paid_minor"]) == (
        1,
        1000,
        1000,
    )


REJECTIONS = [
    (Reason.PATIENT_UNKNOWN, {"patient_found": False, "covered": None}, {}),
    (Reason.PATIENT_DECEASED, {"death_date": DAY - timedelta(days=1)}, {"death_date": DAY}),
    (Reason.NOT_COVERED, {"covered": False}, {}),
    (Reason.FACILITY_NOT_CONTRACTED, {"contracted": False}, {}),
    (Reason.LEVEL_NOT_ALLOWED, {"levels": "secondary;tertiary"}, {"levels": "primary"}),
    (Reason.NOT_IN_PACKAGE, {"in_package": False, "tariff_minor": None}, {}),
    (Reason.FREQUENCY_LIMIT, {"per_year_limit": 2, "used_year": 2}, {"per_year_limit": 2, "used_year": 1}),
    (Reason.AGE_RESTRICTION, {"age_from": 0, "age_to": 17}, {"age_from": 18, "age_to": 120}),
    (Reason.SEX_RESTRICTION, {"service_sex": "male"}, {"service_sex": "female"}),
    (Reason.DIAGNOSIS_RESTRICTION, {"diagnoses_ok": False}, {}),
    (Reason.REFERRAL_MISSING, {"referral_required": True}, {"referral_required": True, "has_referral": True}),
    (Reason.DUPLICATE, {"duplicate_before": True}, {}),
    (Reason.LATE_SUBMISSION, {"submitted_on": DAY + timedelta(days=DEADLINE + 1)}, {"submitted_on": DAY + timedelta(days=DEADLINE)}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("reason", "fires", "passes"), REJECTIONS, ids=[r[0].name for r in REJECTIONS]
)
def test_each_rejecting_rule_fires_and_does_not_fire(
    reason: Reason, fires: dict[str, Any], passes: dict[str, Any]
) -> None:
    [rejected] = judge(line(**fires))
    assert reason.value in rejected["reasons"]
    assert rejected["outcome"] == LineOutcome.REJECTED
    assert rejected["paid_minor"] == 0 and rejected["allowed_quantity"] == 0
    [clean] = judge(line(**passes))
    assert reason.value not in clean["reasons"]
    assert clean["outcome"] == LineOutcome.ACCEPTED


def test_price_above_tariff_is_paid_at_the_tariff() -> None:
    [result] = judge(line(unit_price_minor=1250, quantity=2))
    assert result["reasons"] == [Reason.PRICE_ABOVE_TARIFF.value]
    assert result["outcome"] == LineOutcome.ADJUSTED
    assert result["allowed_unit_minor"] == 1000 and result["paid_minor"] == 2000
    [cheaper] = judge(line(unit_price_minor=900))
    assert cheaper["reasons"] == [] and cheaper["paid_minor"] == 900


def test_quantity_over_the_daily_limit_is_cut_to_what_remains() -> None:
    [result] = judge(line(quantity=3, per_day_limit=2))
    assert result["reasons"] == [Reason.QUANTITY_OVER_LIMIT.value]
    assert (result["allowed_quantity"], result["paid_minor"]) == (2, 2000)
    [within] = judge(line(quantity=2, per_day_limit=2))
    assert within["reasons"] == []


def test_limits_count_earlier_lines_of_the_same_batch_in_date_order() -> None:
    first = line(line_id=1, per_year_limit=1, facility_id=5)
    later = line(line_id=2, per_year_limit=1, facility_id=6, service_date=DAY + timedelta(days=9))
    a, b = judge(later, first)
    assert a["outcome"] == LineOutcome.ACCEPTED
    assert b["reasons"] == [Reason.FREQUENCY_LIMIT.value]


def test_the_second_of_two_identical_lines_is_a_duplicate() -> None:
    a, b = judge(line(line_id=1), line(line_id=2))
    assert a["outcome"] == LineOutcome.ACCEPTED
    assert Reason.DUPLICATE.value in b["reasons"] and b["paid_minor"] == 0
    _, other_facility = judge(line(line_id=1), line(line_id=2, facility_id=6))
    assert Reason.DUPLICATE.value not in other_facility["reasons"]


def test_missing_prior_authorisation_pends_the_line() -> None:
    [result] = judge(line(prior_auth=True))
    assert result["outcome"] == LineOutcome.PENDED
    assert result["reasons"] == [Reason.PRIOR_AUTH_MISSING.value]
    [granted] = judge(line(prior_auth=True, has_prior_auth=True))
    assert granted["outcome"] == LineOutcome.ACCEPTED


def test_a_high_value_line_is_pended_for_review() -> None:
    [result] = judge(line(unit_price_minor=HIGH + 1, tariff_minor=HIGH + 1))
    assert result["outcome"] == LineOutcome.PENDED
    assert result["reasons"] == [Reason.HIGH_VALUE.value]
    [limit] = judge(line(unit_price_minor=HIGH, tariff_minor=HIGH))
    assert limit["outcome"] == LineOutcome.ACCEPTED


def test_without_referral_a_copayment_package_charges_the_patient_instead_of_rejecting() -> None:
    [result] = judge(
        line(referral_required=True, copay_rate_pct=50, unit_price_minor=1001, tariff_minor=1001)
    )
    assert result["reasons"] == [Reason.COPAYMENT.value]
    assert result["outcome"] == LineOutcome.ADJUSTED
    assert (result["copay_minor"], result["paid_minor"]) == (500, 501)
    [referred] = judge(line(referral_required=True, has_referral=True, copay_rate_pct=50))
    assert referred["copay_minor"] == 0 and referred["reasons"] == []


# --- arithmetic invariants ------------------------------------------------------------------

lines_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "quantity": st.integers(1, 20),
            "unit_price_minor": st.integers(0, 2_000_000),
            "tariff_minor": st.integers(0, 2_000_000),
            "per_day_limit": st.none() | st.integers(0, 5),
            "used_day": st.integers(0, 5),
            "copay_rate_pct": st.sampled_from([0, 10, 33, 50, 100]),
            "referral_required": st.booleans(),
            "has_referral": st.booleans(),
            "patient_id": st.integers(1, 3),
            "service_code": st.sampled_from(["A1", "B2"]),
            "covered": st.booleans(),
            "claim": st.integers(1, 4),
        }
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(lines_strategy)
def test_money_invariants_hold_for_any_claim(drawn: list[dict[str, Any]]) -> None:
    rows = [
        line(line_id=n, **{k: v for k, v in d.items() if k != "claim"}) for n, d in enumerate(drawn)
    ]
    judged = judge(*rows)
    for row, result in zip(rows, judged, strict=True):
        asked = row["quantity"] * row["unit_price_minor"]
        gross = result["allowed_quantity"] * result["allowed_unit_minor"]
        assert 0 <= result["paid_minor"] <= asked  # never more than asked
        assert result["paid_minor"] <= row["tariff_minor"] * row["quantity"]  # nor than the tariff
        assert result["paid_minor"] + result["copay_minor"] == gross  # paid = allowed − co-payment
        assert result["allowed_quantity"] <= row["quantity"]
        assert result["copay_minor"] >= 0
        if result["outcome"] == LineOutcome.REJECTED:
            assert result["paid_minor"] == 0
    frame = pl.DataFrame(judged).with_columns(pl.Series("claim_id", [d["claim"] for d in drawn]))
    totals = {r["claim_id"]: r for r in rules.claim_totals(frame).to_dicts()}
    for claim, total in totals.items():
        mine = [r for r, d in zip(judged, drawn, strict=True) if d["claim"] == claim]
        assert total["paid_minor"] == sum(r["paid_minor"] for r in mine)  # totals = Σ lines
        assert total["asked_minor"] == sum(r["asked_minor"] for r in mine)
        assert total["copay_minor"] == sum(r["copay_minor"] for r in mine)
