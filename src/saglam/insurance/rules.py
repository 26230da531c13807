"""The adjudication rules: pure, vectorised over a frame of claim lines (Polars).

One implementation judges a single claim in real time (a frame of a few lines) and a national
month in batch (millions). The caller joins each line with its context — the patient, coverage
on the service date, the facility's contract and level, the package item in force on the
service date, referrals, prior authorisations and the quantities already paid before — and this
module decides, line by line, with every reason that applied and exact integer amounts.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from saglam.insurance.enums import LineOutcome, Reason

#: reasons that reject a line outright
REJECTING = (
    Reason.PATIENT_UNKNOWN, Reason.PATIENT_DECEASED, Reason.NOT_COVERED, Reason.FACILITY_NOT_CONTRACTED,
    Reason.LEVEL_NOT_ALLOWED, Reason.NOT_IN_PACKAGE, Reason.FREQUENCY_LIMIT, Reason.AGE_RESTRICTION,
    Reason.SEX_RESTRICTION, Reason.DIAGNOSIS_RESTRICTION, Reason.DUPLICATE, Reason.LATE_SUBMISSION,
)  # fmt: skip
PENDING = (Reason.PRIOR_AUTH_MISSING, Reason.HIGH_VALUE)
ADJUSTING = (Reason.PRICE_ABOVE_TARIFF, Reason.QUANTITY_OVER_LIMIT, Reason.COPAYMENT)

#: the columns a line frame must carry (context already joined; nulls where unknown)
REQUIRED = {
    "line_id": pl.Int64, "patient_id": pl.Int64, "facility_id": pl.Int64, "service_code": pl.String,
    "quantity": pl.Int64, "unit_price_minor": pl.Int64, "service_date": pl.Date, "submitted_on": pl.Date,
    "diagnoses_ok": pl.Boolean, "patient_found": pl.Boolean, "sex": pl.String, "birth_date": pl.Date,
    "death_date": pl.Date, "covered": pl.Boolean, "contracted": pl.Boolean, "facility_level": pl.String,
    "in_package": pl.Boolean, "tariff_minor": pl.Int64, "levels": pl.String, "referral_required": pl.Boolean,
    "prior_auth": pl.Boolean, "per_day_limit": pl.Int64, "per_year_limit": pl.Int64, "lifetime_limit": pl.Int64,
    "age_from": pl.Int64, "age_to": pl.Int64, "service_sex": pl.String, "copay_rate_pct": pl.Int64,
    "has_referral": pl.Boolean, "has_prior_auth": pl.Boolean, "used_day": pl.Int64, "used_year": pl.Int64,
    "used_lifetime": pl.Int64, "duplicate_before": pl.Boolean,
}  # fmt: skip

BIG = 1 << 40


#: one bit per reason: a line's reasons are one integer while it is judged (list columns per row
#: are slow); they become the list of codes once, per distinct combination, at the end
BIT = {reason: 1 << n for n, reason in enumerate(Reason)}


def _mask(reasons: tuple[Reason, ...]) -> int:
    return sum(BIT[r] for r in reasons)


def _flag(condition: pl.Expr, reason: Reason) -> pl.Expr:
    return pl.when(condition.fill_null(False)).then(pl.lit(BIT[reason])).otherwise(pl.lit(0))


def _any(reasons: tuple[Reason, ...]) -> pl.Expr:
    return (pl.col("_mask") & _mask(reasons)) != 0


def _codes(frame: pl.DataFrame) -> pl.DataFrame:
    """The ``reasons`` list (codes in order) of each line, from its mask."""
    masks = frame["_mask"].unique().to_list()
    table = pl.DataFrame(
        {
            "_mask": masks,
            "reasons": [[r.value for r in Reason if m & BIT[r]] for m in masks],
        },
        schema={"_mask": pl.Int64, "reasons": pl.List(pl.String)},
    )
    return frame.join(table, on="_mask", how="left")


def adjudicate(lines: pl.DataFrame, *, deadline_days: int, high_value_minor: int) -> pl.DataFrame:
    """Judge every line: outcome, reasons, allowed quantity and unit price, co-payment, paid.

    Lines of one patient and service are taken in (service date, line id) order, so within a
    batch the earlier line uses up a frequency limit first; of identical lines (same patient,
    service, date and facility) only the first stands.
    """
    frame = lines.sort(["service_date", "line_id"])
    key = ["patient_id", "service_code"]
    frame = frame.with_columns(
        pl.col("quantity").cum_sum().over([*key, "service_date"]).alias("_upto_day"),
        pl.col("quantity")
        .cum_sum()
        .over([*key, pl.col("service_date").dt.year()])
        .alias("_upto_year"),
        pl.col("quantity").cum_sum().over(key).alias("_upto_life"),
        pl.int_range(pl.len()).over([*key, "service_date", "facility_id"]).alias("_dup_rank"),
        ((pl.col("service_date") - pl.col("birth_date")).dt.total_days() // 365.2425)
        .cast(pl.Int64)
        .alias("_age"),
    )
    earlier = pl.col("_upto_day") - pl.col("quantity")
    remaining = pl.min_horizontal(
        pl.col("per_day_limit").fill_null(BIG) - pl.col("used_day").fill_null(0) - earlier,
        pl.col("per_year_limit").fill_null(BIG)
        - pl.col("used_year").fill_null(0)
        - (pl.col("_upto_year") - pl.col("quantity")),
        pl.col("lifetime_limit").fill_null(BIG)
        - pl.col("used_lifetime").fill_null(0)
        - (pl.col("_upto_life") - pl.col("quantity")),
    ).clip(lower_bound=0)
    frame = frame.with_columns(remaining.alias("_remaining"))
    missing_referral = pl.col("referral_required") & ~pl.col("has_referral").fill_null(False)
    reasons = [
        _flag(~pl.col("patient_found"), Reason.PATIENT_UNKNOWN),
        _flag(pl.col("death_date") < pl.col("service_date"), Reason.PATIENT_DECEASED),
        _flag(pl.col("patient_found") & ~pl.col("covered").fill_null(False), Reason.NOT_COVERED),
        _flag(~pl.col("contracted").fill_null(False), Reason.FACILITY_NOT_CONTRACTED),
        _flag(~pl.col("in_package").fill_null(False), Reason.NOT_IN_PACKAGE),
        _flag(
            pl.col("in_package")
            & ~pl.col("levels").str.contains(pl.col("facility_level").fill_null("?"), literal=True),
            Reason.LEVEL_NOT_ALLOWED,
        ),
        _flag(
            pl.col("in_package") & (pl.col("unit_price_minor") > pl.col("tariff_minor")),
            Reason.PRICE_ABOVE_TARIFF,
        ),
        _flag(pl.col("in_package") & (pl.col("_remaining") == 0), Reason.FREQUENCY_LIMIT),
        _flag(
            pl.col("in_package")
            & (pl.col("_remaining") > 0)
            & (pl.col("_remaining") < pl.col("quantity")),
            Reason.QUANTITY_OVER_LIMIT,
        ),
        _flag(
            (pl.col("_age") < pl.col("age_from")) | (pl.col("_age") > pl.col("age_to")),
            Reason.AGE_RESTRICTION,
        ),
        _flag(
            (pl.col("service_sex") != "any") & (pl.col("sex") != pl.col("service_sex")),
            Reason.SEX_RESTRICTION,
        ),
        _flag(~pl.col("diagnoses_ok"), Reason.DIAGNOSIS_RESTRICTION),
        _flag(
            pl.col("in_package") & missing_referral & (pl.col("copay_rate_pct").fill_null(0) == 0),
            Reason.REFERRAL_MISSING,
        ),
        _flag(
            pl.col("in_package") & missing_referral & (pl.col("copay_rate_pct").fill_null(0) > 0),
            Reason.COPAYMENT,
        ),
        _flag(
            pl.col("in_package")
            & pl.col("prior_auth")
            & ~pl.col("has_prior_auth").fill_null(False),
            Reason.PRIOR_AUTH_MISSING,
        ),
        _flag(
            pl.col("duplicate_before").fill_null(False) | (pl.col("_dup_rank") > 0),
            Reason.DUPLICATE,
        ),
        _flag(
            (pl.col("submitted_on") - pl.col("service_date")).dt.total_days() > deadline_days,
            Reason.LATE_SUBMISSION,
        ),
    ]
    frame = frame.with_columns(pl.sum_horizontal(reasons).cast(pl.Int64).alias("_mask"))
    rejected = _any((*REJECTING, Reason.REFERRAL_MISSING))
    allowed_unit = pl.min_horizontal(
        pl.col("unit_price_minor"), pl.col("tariff_minor").fill_null(0)
    )
    allowed_qty = pl.min_horizontal(pl.col("quantity"), pl.col("_remaining"))
    frame = frame.with_columns(
        pl.when(rejected).then(0).otherwise(allowed_qty).cast(pl.Int64).alias("allowed_quantity"),
        pl.when(rejected)
        .then(0)
        .otherwise(allowed_unit)
        .cast(pl.Int64)
        .alias("allowed_unit_minor"),
    )
    gross = pl.col("allowed_quantity") * pl.col("allowed_unit_minor")
    copay = (
        pl.when(_any((Reason.COPAYMENT,)))
        .then(gross * pl.col("copay_rate_pct").fill_null(0) // 100)
        .otherwise(0)
    )
    frame = frame.with_columns(copay.cast(pl.Int64).alias("copay_minor"))
    frame = frame.with_columns(
        (gross - pl.col("copay_minor")).cast(pl.Int64).alias("paid_minor"),
        (
            pl.col("_mask")
            | pl.when(gross > high_value_minor).then(BIT[Reason.HIGH_VALUE]).otherwise(0)
        )
        .cast(pl.Int64)
        .alias("_mask"),
    )
    outcome = (
        pl.when(rejected).then(pl.lit(LineOutcome.REJECTED.value))
        .when(_any(PENDING)).then(pl.lit(LineOutcome.PENDED.value))
        .when(_any(ADJUSTING)).then(pl.lit(LineOutcome.ADJUSTED.value))
        .otherwise(pl.lit(LineOutcome.ACCEPTED.value))
    )  # fmt: skip
    frame = frame.with_columns(
        outcome.alias("outcome"),
        (pl.col("quantity") * pl.col("unit_price_minor")).alias("asked_minor"),
    )
    frame = _codes(frame)
    return frame.drop([c for c in frame.columns if c.startswith("_")])


def claim_totals(judged: pl.DataFrame, claim_column: str = "claim_id") -> pl.DataFrame:
    """Per claim: asked, allowed, co-payment and paid (sums of its lines), and its status."""
    return judged.group_by(claim_column).agg(
        pl.col("asked_minor").sum().alias("asked_minor"),
        (pl.col("allowed_quantity") * pl.col("allowed_unit_minor")).sum().alias("allowed_minor"),
        pl.col("copay_minor").sum().alias("copay_minor"),
        pl.col("paid_minor").sum().alias("paid_minor"),
        (pl.col("outcome") == LineOutcome.PENDED.value).any().alias("pended"),
    )


def premium_due(
    payer: str,
    monthly_wage_minor: int | None,
    *,
    employee_rate: Decimal,
    employer_rate: Decimal,
    cap_minor: int,
    above_cap_rate: Decimal,
    self_employed_rate: Decimal,
    minimum_wage_minor: int,
    state_per_capita_minor: int,
) -> list[tuple[str, int, int]]:
    """(kind, base, due) of one month's contributions, exact in qəpik (rounded half up).

    Employees: their own share and their employer's, each at the rate up to the cap and the
    lower rate above it; the self-employed: a share of the minimum wage; state-paid groups: a
    twelfth of the yearly per-capita amount.
    """
    from decimal import ROUND_HALF_UP

    def part(rate: Decimal, base: int) -> int:
        return int((rate * base).to_integral_value(rounding=ROUND_HALF_UP))

    if payer == "employer":
        wage = monthly_wage_minor or 0
        below, above = min(wage, cap_minor), max(wage - cap_minor, 0)
        return [
            ("employee", wage, part(employee_rate, below) + part(above_cap_rate, above)),
            ("employer", wage, part(employer_rate, below) + part(above_cap_rate, above)),
        ]
    if payer == "person":
        return [("self", minimum_wage_minor, part(self_employed_rate, minimum_wage_minor))]
    return [
        (
            "state",
            state_per_capita_minor,
            int((Decimal(state_per_capita_minor) / 12).to_integral_value(rounding=ROUND_HALF_UP)),
        )
    ]
