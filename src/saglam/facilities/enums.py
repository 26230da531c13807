from enum import StrEnum


class FacilityStatus(StrEnum):
    ACTIVE = "active"
    UNDER_RECONSTRUCTION = "under_reconstruction"
    CLOSED = "closed"


class LifecycleEvent(StrEnum):
    COMMISSIONED = "commissioned"
    RECONSTRUCTION_STARTED = "reconstruction_started"
    RECONSTRUCTION_FINISHED = "reconstruction_finished"
    REHABILITATED = "rehabilitated"
    CLOSED = "closed"


class EquipmentStatus(StrEnum):
    IN_SERVICE = "in_service"
    UNDER_MAINTENANCE = "under_maintenance"
    OUT_OF_SERVICE = "out_of_service"
    DECOMMISSIONED = "decommissioned"
