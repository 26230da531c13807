from enum import StrEnum


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"
    OTHER = "other"
    UNKNOWN = "unknown"


class PatientStatus(StrEnum):
    ACTIVE = "active"
    MERGED = "merged"
    DELETED = "deleted"


class LinkReason(StrEnum):
    REGISTERED = "registered"
    SEEN = "seen"
    REFERRED = "referred"
    MERGED = "merged"


class CandidateStatus(StrEnum):
    OPEN = "open"
    MERGED = "merged"
    DISMISSED = "dismissed"


class MatchKind(StrEnum):
    IDENTIFIER = "identifier"
    EXACT = "exact"
    PREFIX = "prefix"
    PHONETIC = "phonetic"
