from enum import StrEnum


class EncounterClass(StrEnum):
    AMBULATORY = "ambulatory"
    INPATIENT = "inpatient"
    EMERGENCY = "emergency"
    HOME = "home"
    VIRTUAL = "virtual"


class EncounterStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in-progress"
    FINISHED = "finished"
    CANCELLED = "cancelled"


class ParticipantRole(StrEnum):
    ATTENDER = "attender"
    ADMITTER = "admitter"
    DISCHARGER = "discharger"
    CONSULTANT = "consultant"
    PRIMARY_PERFORMER = "primary-performer"


class ClinicalStatus(StrEnum):
    ACTIVE = "active"
    RECURRENCE = "recurrence"
    REMISSION = "remission"
    RESOLVED = "resolved"


class VerificationStatus(StrEnum):
    CONFIRMED = "confirmed"
    PROVISIONAL = "provisional"
    DIFFERENTIAL = "differential"
    REFUTED = "refuted"


class ObservationCategory(StrEnum):
    VITAL_SIGNS = "vital-signs"
    LABORATORY = "laboratory"


class Interpretation(StrEnum):
    LOW = "L"
    NORMAL = "N"
    HIGH = "H"
    ABNORMAL = "A"


class ReferralStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    REVOKED = "revoked"


class PrescriptionStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
