"""The insurance domain's use cases (other domains and the transports import this module)."""

from saglam.insurance.aggregates import claims_by_month, insured_by_category
from saglam.insurance.claims import (
    adjudicate_period,
    any_claims,
    decide,
    find_claim,
    get_claim,
    queue,
    reopen,
)
from saglam.insurance.claims import after_bulk_load as claims_after_bulk_load
from saglam.insurance.claims import bulk_load as bulk_load_claims
from saglam.insurance.claims import bulk_loading as bulk_loading
from saglam.insurance.coverage import after_bulk_load as coverage_after_bulk_load
from saglam.insurance.coverage import (
    auto_enrol,
    bill_month,
    contributions,
    coverage_of,
    eligibility,
    end_coverage,
    enrol,
    get_coverage,
    premium_settings,
)
from saglam.insurance.coverage import bulk_load as bulk_load_coverage
from saglam.insurance.package import ensure_package
from saglam.insurance.package import items as package_items
from saglam.insurance.package import new_version as new_package_version
from saglam.insurance.package import versions as package_versions
from saglam.insurance.payments import close as close_period
from saglam.insurance.payments import facility_payments, get_period, remittance_csv, remittance_pdf
from saglam.insurance.payments import periods as payment_periods
from saglam.insurance.payments import run as run_payments
from saglam.insurance.queries import find_claims, find_coverage, read_claims, read_coverage
from saglam.insurance.realtime import ClaimBatcher
from saglam.insurance.repository import COUNT_CAP
from saglam.insurance.signals import latest_period as latest_claim_period
from saglam.insurance.signals import outliers
from saglam.insurance.submission import import_claims, parse_claims, submit, submit_many

__all__ = [
    "COUNT_CAP",
    "ClaimBatcher",
    "adjudicate_period",
    "any_claims",
    "auto_enrol",
    "bill_month",
    "bulk_load_claims",
    "bulk_load_coverage",
    "bulk_loading",
    "claims_after_bulk_load",
    "claims_by_month",
    "close_period",
    "contributions",
    "coverage_after_bulk_load",
    "coverage_of",
    "decide",
    "eligibility",
    "end_coverage",
    "enrol",
    "ensure_package",
    "facility_payments",
    "find_claim",
    "find_claims",
    "find_coverage",
    "get_claim",
    "get_coverage",
    "get_period",
    "import_claims",
    "insured_by_category",
    "latest_claim_period",
    "new_package_version",
    "outliers",
    "package_items",
    "package_versions",
    "parse_claims",
    "payment_periods",
    "premium_settings",
    "queue",
    "read_claims",
    "read_coverage",
    "remittance_csv",
    "remittance_pdf",
    "reopen",
    "run_payments",
    "submit",
    "submit_many",
]  # fmt: skip
