from enum import StrEnum


class LocationKind(StrEnum):
    COUNTRY = "country"
    REGION = "region"
    DISTRICT = "district"
