from enum import StrEnum


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"
    OTHER = "other"
    UNKNOWN = "unknown"


class EmploymentRole(StrEnum):
    PHYSICIAN = "physician"
    HEAD_PHYSICIAN = "head_physician"
    NURSE = "nurse"
    MIDWIFE = "midwife"
    TECHNICIAN = "technician"
    OTHER = "other"
