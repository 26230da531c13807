from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from saglam.core.db import rollback
from saglam.core.errors import Conflict, Forbidden, Invalid
from saglam.core.security import Principal, Role
from saglam.facilities import service as facilities
from saglam.facilities.enums import EquipmentStatus, FacilityStatus, LifecycleEvent
from saglam.facilities.schemas import (
    EquipmentCreate,
    EquipmentUpdate,
    EventCreate,
    FacilityCreate,
    FacilityQuery,
    FacilityUpdate,
)
from tests.factories import SYSTEM, facilities_of


def _new(**overrides: object) -> FacilityCreate:
    values: dict[str, object] = {
        "code": "F-TEST-1",
        "name_az": "Quba 9 saylı ailə sağlamlıq mərkəzi",
        "name_en": "Guba Family health centre No. 9",
        "type_code": "family_health_centre",
        "district_code": "AZ-QBA",
        "contracted": True,
        "contract_number": "ITS-2026-1",
        "contract_from": date(2026, 1, 1),
    }
    values.update(overrides)
    return FacilityCreate.model_validate(values)


def test_register_a_facility_takes_level_from_its_type(session: Session) -> None:
    created = facilities.create_facility(session, SYSTEM, _new())
    assert created.level == "primary" and created.category == "outpatient"
    assert created.status is FacilityStatus.ACTIVE


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"type_code": "spaceport"}, Invalid),
        ({"district_code": "AZ-NOPE"}, Invalid),
        ({"code": "NC-THAL"}, Conflict),
    ],
)
def test_bad_facility_input_changes_nothing(
    session: Session, overrides: dict[str, object], error: type[Exception]
) -> None:
    before = len(facilities_of(session))
    with pytest.raises(error):
        facilities.create_facility(session, SYSTEM, _new(**overrides))
    rollback(session)
    assert len(facilities_of(session)) == before


def test_lifecycle_moves_and_rejects_impossible_ones(session: Session) -> None:
    facility = facilities.create_facility(session, SYSTEM, _new(commissioned_on=date(2010, 5, 1)))
    with pytest.raises(Invalid, match="cannot record reconstruction_finished"):
        facilities.record_event(
            session,
            SYSTEM,
            facility.id,
            EventCreate(kind=LifecycleEvent.RECONSTRUCTION_FINISHED, on=date(2020, 1, 1)),
        )
    facilities.record_event(
        session,
        SYSTEM,
        facility.id,
        EventCreate(kind=LifecycleEvent.RECONSTRUCTION_STARTED, on=date(2020, 1, 1)),
    )
    assert (
        facilities.get_facility(session, SYSTEM, facility.id).status
        is FacilityStatus.UNDER_RECONSTRUCTION
    )
    with pytest.raises(Invalid, match="before the previous event"):
        facilities.record_event(
            session,
            SYSTEM,
            facility.id,
            EventCreate(kind=LifecycleEvent.RECONSTRUCTION_FINISHED, on=date(2019, 1, 1)),
        )
    with pytest.raises(Invalid, match="future"):
        facilities.record_event(
            session,
            SYSTEM,
            facility.id,
            EventCreate(
                kind=LifecycleEvent.RECONSTRUCTION_FINISHED, on=date.today() + timedelta(days=5)
            ),
        )
    facilities.record_event(
        session,
        SYSTEM,
        facility.id,
        EventCreate(kind=LifecycleEvent.RECONSTRUCTION_FINISHED, on=date(2021, 6, 1)),
    )
    with pytest.raises(Invalid, match="already commissioned"):
        facilities.record_event(
            session,
            SYSTEM,
            facility.id,
            EventCreate(kind=LifecycleEvent.COMMISSIONED, on=date(2022, 1, 1)),
        )
    kinds = [e.kind for e in facilities.list_events(session, SYSTEM, facility.id)]
    assert kinds == [
        LifecycleEvent.COMMISSIONED,
        LifecycleEvent.RECONSTRUCTION_STARTED,
        LifecycleEvent.RECONSTRUCTION_FINISHED,
    ]


def test_equipment_with_origin_status_and_maintenance(session: Session) -> None:
    facility = facilities.create_facility(session, SYSTEM, _new())
    device = facilities.add_equipment(
        session, SYSTEM, facility.id,
        EquipmentCreate(type_code="ultrasound", manufacturer="Siemens Healthineers", country_of_origin="DE", serial_number="X1", acquired_on=date(2022, 3, 1)),
    )  # fmt: skip
    updated = facilities.update_equipment(
        session,
        SYSTEM,
        device.id,
        EquipmentUpdate(
            status=EquipmentStatus.UNDER_MAINTENANCE, last_maintenance_on=date(2026, 1, 10)
        ),
    )
    assert updated.status is EquipmentStatus.UNDER_MAINTENANCE and updated.country_of_origin == "DE"
    with pytest.raises(Invalid):
        facilities.update_equipment(
            session, SYSTEM, device.id, EquipmentUpdate(last_maintenance_on=date(2020, 1, 1))
        )
    facilities.update_equipment(
        session, SYSTEM, device.id, EquipmentUpdate(status=EquipmentStatus.DECOMMISSIONED)
    )
    with pytest.raises(Invalid):
        facilities.update_equipment(
            session, SYSTEM, device.id, EquipmentUpdate(status=EquipmentStatus.IN_SERVICE)
        )


def test_generated_facilities_carry_equipment_mostly_from_germany_and_switzerland(
    session: Session,
) -> None:
    origins: dict[str, int] = {}
    for facility in facilities_of(session, type_code="national_centre"):
        for device in facilities.list_equipment(session, SYSTEM, facility.id):
            origins[device.country_of_origin] = origins.get(device.country_of_origin, 0) + 1
    assert (origins.get("DE", 0) + origins.get("CH", 0)) / sum(origins.values()) > 0.5


def test_network_manager_edits_only_facilities_of_their_territory(session: Session) -> None:
    guba = facilities.create_facility(session, SYSTEM, _new())
    other = facilities.create_facility(
        session, SYSTEM, _new(code="F-TEST-2", district_code="AZ-LER")
    )
    manager = Principal.user(
        77, "nm-guba", Role.NETWORK_MANAGER, territory_codes=frozenset({"AZ-ER-GUBA-KHACHMAZ"})
    )
    assert facilities.update_facility(session, manager, guba.id, FacilityUpdate(beds=12)).beds == 12
    with pytest.raises(Forbidden):
        facilities.update_facility(session, manager, other.id, FacilityUpdate(beds=12))
    clinician = Principal.user(78, "doc", Role.CLINICIAN, frozenset({guba.id}))
    with pytest.raises(Forbidden):
        facilities.update_facility(session, clinician, guba.id, FacilityUpdate(beds=13))


def test_facility_search_filters_and_pages(session: Session) -> None:
    page, after = facilities.search_facilities(
        session, SYSTEM, FacilityQuery(region_code="AZ-ER-BAKU", limit=5)
    )
    assert len(page) == 5 and after is not None
    assert all(f.district_code == "AZ-BA" for f in page)
    rest, _ = facilities.search_facilities(
        session, SYSTEM, FacilityQuery(region_code="AZ-ER-BAKU", after_id=after, limit=500)
    )
    assert not {f.id for f in page} & {f.id for f in rest}
