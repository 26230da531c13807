from enum import StrEnum


class Payer(StrEnum):
    EMPLOYER = "employer"
    PERSON = "person"
    STATE = "state"


class CoverageStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"
    SUSPENDED = "suspended"


class LineOutcome(StrEnum):
    ACCEPTED = "accepted"
    ADJUSTED = "adjusted"
    REJECTED = "rejected"
    PENDED = "pended"


class ClaimStatus(StrEnum):
    RECEIVED = "received"
    ADJUDICATED = "adjudicated"
    PENDED = "pended"
    REVIEWED = "reviewed"


class Reason(StrEnum):
    """Stable reason codes (persisted; never renumbered)."""

    PATIENT_UNKNOWN = "R01"
    PATIENT_DECEASED = "R02"
    NOT_COVERED = "R03"
    FACILITY_NOT_CONTRACTED = "R04"
    LEVEL_NOT_ALLOWED = "R05"
    NOT_IN_PACKAGE = "R06"
    PRICE_ABOVE_TARIFF = "R07"
    QUANTITY_OVER_LIMIT = "R08"
    FREQUENCY_LIMIT = "R09"
    AGE_RESTRICTION = "R10"
    SEX_RESTRICTION = "R11"
    DIAGNOSIS_RESTRICTION = "R12"
    REFERRAL_MISSING = "R13"
    PRIOR_AUTH_MISSING = "R14"
    DUPLICATE = "R15"
    LATE_SUBMISSION = "R16"
    COPAYMENT = "R17"
    HIGH_VALUE = "R18"


REASON_TEXT: dict[Reason, str] = {
    Reason.PATIENT_UNKNOWN: "patient not in the population register",
    Reason.PATIENT_DECEASED: "patient had died before the service date",
    Reason.NOT_COVERED: "patient not covered on the service date",
    Reason.FACILITY_NOT_CONTRACTED: "facility has no contract with the insurer on the service date",
    Reason.LEVEL_NOT_ALLOWED: "service not allowed at this facility's level",
    Reason.NOT_IN_PACKAGE: "service not in the benefit package on the service date",
    Reason.PRICE_ABOVE_TARIFF: "price above the tariff: paid at the tariff",
    Reason.QUANTITY_OVER_LIMIT: "quantity over the limit: cut to what remains",
    Reason.FREQUENCY_LIMIT: "frequency limit already reached",
    Reason.AGE_RESTRICTION: "service not for the patient's age",
    Reason.SEX_RESTRICTION: "service not for the patient's sex",
    Reason.DIAGNOSIS_RESTRICTION: "service not for the claimed diagnoses",
    Reason.REFERRAL_MISSING: "no referral from primary care",
    Reason.PRIOR_AUTH_MISSING: "prior authorisation missing: pended for review",
    Reason.DUPLICATE: "duplicate of a line already claimed",
    Reason.LATE_SUBMISSION: "submitted after the deadline",
    Reason.COPAYMENT: "co-payment due from the patient",
    Reason.HIGH_VALUE: "high-value line: pended for review",
}


class PeriodStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ReviewDecision(StrEnum):
    APPROVE = "approve"
    ADJUST = "adjust"
    REJECT = "reject"
