"""Build each claim line's context (set-based, a few queries per batch) and judge it with the
rules. The same code runs for one claim and for a national month."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from saglam.care import service as care
from saglam.care.rules import in_ranges
from saglam.core.memo import database_of, remembered
from saglam.core.security import Principal
from saglam.facilities import service as facilities
from saglam.insurance import repository, rules
from saglam.patients import service as patients

REFERRAL_VALID_DAYS = 180
LINE_SCHEMA = {
    "line_id": pl.Int64, "claim_id": pl.Int64, "patient_id": pl.Int64, "facility_id": pl.Int64,
    "service_code": pl.String, "quantity": pl.Int64, "unit_price_minor": pl.Int64, "service_date": pl.Date,
    "diagnoses": pl.String, "submitted_on": pl.Date,
}  # fmt: skip


def _items_of(session: Session, version_id: int, schema: dict[str, Any]) -> pl.DataFrame:
    return _frame(repository.item_rows(session, [version_id]), schema)


def _frame(rows: list[tuple[Any, ...]], schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row")


def _any(
    lines: pl.DataFrame, other: pl.DataFrame, on: list[str], condition: pl.Expr, name: str
) -> pl.DataFrame:
    """Whether some row of ``other`` joined on ``on`` meets ``condition``, per line."""
    if other.is_empty():
        return lines.with_columns(pl.lit(False).alias(name))
    hits = (
        lines.select(
            "line_id",
            *on,
            "service_date",
            "facility_id",
            *([c for c in ("specialty_code",) if c in lines.columns]),
        )
        .join(other, on=on)
        .filter(condition)
    )
    found = hits.select("line_id").unique().with_columns(pl.lit(True).alias(name))
    return lines.join(found, on="line_id", how="left").with_columns(pl.col(name).fill_null(False))


def context(
    session: Session, actor: Principal, lines: pl.DataFrame
) -> tuple[pl.DataFrame, int, int]:
    """``lines`` joined with everything the rules need; and the deadline and high-value limits."""
    pids = lines["patient_id"].drop_nulls().unique().to_list()
    people = patients.demographics(session, actor, pids)
    frame = lines.join(
        people.with_columns(pl.lit(True).alias("patient_found")), on="patient_id", how="left"
    )
    frame = frame.with_columns(pl.col("patient_found").fill_null(False))
    periods = repository.coverage_rows(session, pids)
    frame = _any(
        frame,
        periods,
        ["patient_id"],
        (pl.col("start") <= pl.col("service_date"))
        & (pl.col("end").is_null() | (pl.col("end") >= pl.col("service_date"))),
        "covered",
    )
    sites = _frame(
        facilities.contract_info(session, actor, frame["facility_id"].unique().to_list()),
        {
            "facility_id": pl.Int64,
            "facility_level": pl.String,
            "contract_flag": pl.Boolean,
            "contract_from": pl.Date,
            "contract_to": pl.Date,
            "facility_type": pl.String,
            "district": pl.String,
        },
    )
    frame = frame.join(sites, on="facility_id", how="left").with_columns(
        (
            pl.col("contract_flag").fill_null(False)
            & (
                pl.col("contract_from").is_null()
                | (pl.col("contract_from") <= pl.col("service_date"))
            )
            & (pl.col("contract_to").is_null() | (pl.col("contract_to") >= pl.col("service_date")))
        ).alias("contracted")
    )
    versions = repository.versions(session)
    version_frame = pl.DataFrame(
        {
            "effective_from": [v.effective_from for v in versions],
            "version_id": [v.id for v in versions],
            "copay_rate_pct": [v.copay_rate_pct for v in versions],
        },
        schema={"effective_from": pl.Date, "version_id": pl.Int64, "copay_rate_pct": pl.Int64},
    ).sort("effective_from")
    frame = frame.sort("service_date").join_asof(
        version_frame, left_on="service_date", right_on="effective_from", strategy="backward"
    )
    item_schema = {
        "version_id": pl.Int64, "service_code": pl.String, "category": pl.String, "tariff_minor": pl.Int64, "levels": pl.String,
        "referral_required": pl.Boolean, "prior_auth": pl.Boolean, "per_day_limit": pl.Int64, "per_year_limit": pl.Int64,
        "lifetime_limit": pl.Int64, "age_from": pl.Int64, "age_to": pl.Int64, "service_sex": pl.String, "icd10_ranges": pl.String,
        "specialty_code": pl.String, "case_group": pl.String,
    }  # fmt: skip
    used = set(frame["version_id"].drop_nulls().unique().to_list())
    database = database_of(session)
    items = pl.concat(
        [pl.DataFrame(schema=item_schema)]
        + [
            # a version's items never change once it exists: read each version once
            remembered(
                ("package-items", database, v.id, v.created_at),
                partial(_items_of, session, v.id, item_schema),
                ttl=3600,
                single_flight=False,  # read in the caller's (writing) transaction
            )
            for v in versions
            if v.id in used
        ]
    )
    frame = frame.join(items, on=["version_id", "service_code"], how="left").with_columns(
        pl.col("tariff_minor").is_not_null().alias("in_package")
    )
    frame = frame.with_columns(
        # primary care is the gate: a service that needs a referral needs one unless it is primary
        # care at the patient's own primary-care facility; nothing in an emergency claim needs one
        (
            ~(pl.col("category") == "emergency").fill_null(False).any().over("claim_id")
            & (
                (
                    pl.col("referral_required").fill_null(False)
                    & (pl.col("category") != "primary").fill_null(True)
                )
                | (
                    (pl.col("category") == "primary").fill_null(False)
                    & pl.col("registered_facility_id").is_not_null()
                    & (pl.col("registered_facility_id") != pl.col("facility_id"))
                )
            )
        ).alias("referral_required"),
        pl.col("prior_auth").fill_null(False),
        pl.col("age_from").fill_null(0),
        pl.col("age_to").fill_null(200),
        pl.col("service_sex").fill_null("any"),
        pl.col("levels").fill_null(""),
    )
    referrals = care.referral_facts(session, actor, pids)
    frame = _any(
        frame, referrals, ["patient_id"],
        ((pl.col("to_facility_id") == pl.col("facility_id")) | (pl.col("to_specialty") == pl.col("specialty_code")))
        & (pl.col("authored_on") <= pl.col("service_date"))
        & (pl.col("authored_on") >= pl.col("service_date") - timedelta(days=REFERRAL_VALID_DAYS)),
        "has_referral",
    )  # fmt: skip
    auths = repository.prior_auths(session, pids)
    frame = _any(
        frame,
        auths,
        ["patient_id", "service_code"],
        (pl.col("valid_from") <= pl.col("service_date"))
        & (pl.col("valid_to") >= pl.col("service_date")),
        "has_prior_auth",
    )
    frame = _history(session, frame, pids)
    frame = _diagnoses(frame)
    latest = versions[-1] if versions else None
    deadline = latest.deadline_days if latest else 90
    high = latest.high_value_minor if latest else 500_000
    return frame, deadline, high


def _history(session: Session, frame: pl.DataFrame, pids: list[int]) -> pl.DataFrame:
    """Quantities already paid for the same patient and service (by day, year, ever), and
    whether the same line was already paid (a duplicate)."""
    limited = frame.filter(
        pl.col("per_day_limit").is_not_null()
        | pl.col("per_year_limit").is_not_null()
        | pl.col("lifetime_limit").is_not_null()
    )
    first = frame["service_date"].min()
    last = frame["service_date"].max()
    past = repository.history(
        session,
        pids,
        limited["service_code"].unique().to_list(),
        frame["claim_id"].unique().to_list(),
        window=(first, last),  # type: ignore[arg-type]
    )
    if past.is_empty():
        return frame.with_columns(
            pl.lit(0).cast(pl.Int64).alias("used_day"), pl.lit(0).cast(pl.Int64).alias("used_year"),
            pl.lit(0).cast(pl.Int64).alias("used_lifetime"), pl.lit(False).alias("duplicate_before"),
        )  # fmt: skip
    joined = frame.select(
        "line_id", "patient_id", "service_code", "service_date", "facility_id"
    ).join(past, on=["patient_id", "service_code"])
    same_day = pl.col("past_date") == pl.col("service_date")
    agg = joined.group_by("line_id").agg(
        pl.col("past_quantity").filter(same_day).sum().alias("used_day"),
        pl.col("past_quantity")
        .filter(pl.col("past_date").dt.year() == pl.col("service_date").dt.year())
        .sum()
        .alias("used_year"),
        pl.col("past_quantity").sum().alias("used_lifetime"),
        (same_day & (pl.col("past_facility") == pl.col("facility_id")))
        .any()
        .alias("duplicate_before"),
    )
    return frame.join(agg, on="line_id", how="left").with_columns(
        pl.col("used_day").fill_null(0), pl.col("used_year").fill_null(0), pl.col("used_lifetime").fill_null(0),
        pl.col("duplicate_before").fill_null(False),
    )  # fmt: skip


def _diagnoses(frame: pl.DataFrame) -> pl.DataFrame:
    """Whether a line's diagnoses fit the service's diagnosis restriction (checked once per
    distinct pair of restriction and diagnoses)."""
    pairs = frame.select("icd10_ranges", "diagnoses").unique()
    verdict = [
        (
            ranges,
            diagnoses,
            (not ranges)
            or any(in_ranges(code, ranges) for code in (diagnoses or "").split(";") if code),
        )
        for ranges, diagnoses in pairs.iter_rows()
    ]
    table = pl.DataFrame(
        verdict,
        schema={"icd10_ranges": pl.String, "diagnoses": pl.String, "diagnoses_ok": pl.Boolean},
        orient="row",
    )
    return frame.join(
        table, on=["icd10_ranges", "diagnoses"], how="left", nulls_equal=True
    ).with_columns(pl.col("diagnoses_ok").fill_null(True))


#: the insurer's engine: it reads what the rules need (the submitter may not see all of it)
ENGINE = Principal.system("adjudication")


def judge(session: Session, actor: Principal, lines: pl.DataFrame) -> pl.DataFrame:
    """Every line judged (outcome, reasons, allowed amounts, co-payment, paid, package version).

    ``actor`` has been authorised for the claims already; the context is read by the engine."""
    del actor
    frame, deadline, high = context(session, ENGINE, lines)
    columns = [*rules.REQUIRED, "claim_id", "version_id", "case_group", "category"]
    frame = frame.select(
        *[pl.col(c).cast(rules.REQUIRED[c]) if c in rules.REQUIRED else pl.col(c) for c in columns]
    )
    return rules.adjudicate(frame, deadline_days=deadline, high_value_minor=high)


def today_or(day: date | None) -> date:
    return day or date.today()
