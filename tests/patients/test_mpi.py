"""The master patient index: registration, bad input, search, scoping."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from saglam.audit import service as audit
from saglam.audit.schemas import AuditQuery
from saglam.core.db import rollback
from saglam.core.errors import Conflict, Forbidden, Invalid, NotFound
from saglam.core.security import Principal, Role
from saglam.patients import service as patients
from saglam.patients.enums import MatchKind
from saglam.patients.schemas import PatientQuery, PatientUpdate
from tests.factories import SYSTEM, new_patient, patient_at, two_facilities


def _count(session: Session) -> int:
    return len(
        patients.search(
            session, SYSTEM, PatientQuery(name="Əliyev", given_name="Rəşad", limit=200)
        ).items
    )


def test_register_and_read_back(session: Session) -> None:
    created = patients.register(session, SYSTEM, new_patient(session))
    read = patients.get(session, SYSTEM, created.id)
    assert read.fin == "7AB2CD9" and read.surname == "Əliyev" and read.patronymic == "Kamran oğlu"
    assert patients.find_by_fin(session, SYSTEM, "7ab2cd9").id == created.id


@pytest.mark.parametrize(
    ("overrides", "field", "error"),
    [
        ({"district_code": "AZ-XXX"}, "district_code", Invalid),
        ({"fin": "12345"}, "fin", Invalid),
        ({"fin": "ABCDEFI"}, "fin", Invalid),
        ({"birth_date": date.today() + timedelta(days=3)}, "birth_date", Invalid),
        ({"death_date": date(1980, 1, 1)}, "death_date", Invalid),
        ({"insurance_category": "astronaut"}, "insurance_category", Invalid),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    session: Session, overrides: dict[str, object], field: str, error: type[Exception]
) -> None:
    before = _count(session)
    with pytest.raises(error) as caught:
        patients.register(session, SYSTEM, new_patient(session, **overrides))
    assert field in getattr(caught.value, "fields", {})
    rollback(session)
    assert _count(session) == before


def test_duplicate_fin_is_a_conflict(session: Session) -> None:
    patients.register(session, SYSTEM, new_patient(session))
    with pytest.raises(Conflict) as caught:
        patients.register(session, SYSTEM, new_patient(session, given_name="Kamran"))
    assert caught.value.fields == {"fin": "taken"}


def test_foreigner_without_fin_is_accepted_with_another_identifier(session: Session) -> None:
    created = patients.register(
        session,
        SYSTEM,
        new_patient(
            session,
            fin=None,
            surname="Pérez",
            given_name="Ana",
            nationality="CU",
            identifiers=[{"system": "urn:passport:CU", "value": "K1234567"}],
        ),
    )
    assert created.fin is None and created.identifiers[0].value == "K1234567"
    assert patients.find_by_identifier(session, SYSTEM, "urn:passport:CU", "K1234567") is not None


def test_name_search_folds_azerbaijani_letters(session: Session) -> None:
    patients.register(session, SYSTEM, new_patient(session))
    page = patients.search(
        session, SYSTEM, PatientQuery(name="aliyev rashad", birth_date=date(1984, 3, 12))
    )
    assert [m.patient.fin for m in page.items] == ["7AB2CD9"]


def test_name_search_finds_typos_and_transliterations_phonetically(session: Session) -> None:
    patients.register(session, SYSTEM, new_patient(session, surname="Hüseynov", given_name="Elşən"))
    for typed in ("Guseynov Elshan", "Huseinov Elsen", "Гусейнов Эльшан"):
        page = patients.search(
            session, SYSTEM, PatientQuery(name=typed, birth_date=date(1984, 3, 12))
        )
        assert [m.patient.surname for m in page.items] == ["Hüseynov"], typed
        assert page.items[0].match is MatchKind.PHONETIC


def test_keyset_paging_walks_all_results_once(session: Session) -> None:
    seen: list[int] = []
    cursor = None
    while True:
        page = patients.search(
            session, SYSTEM, PatientQuery(name="Məmmədov", limit=7, cursor=cursor)
        )
        seen.extend(m.patient.id for m in page.items)
        cursor = page.next_cursor
        if cursor is None or len(seen) > 70:
            break
    assert len(seen) == len(set(seen)) >= 8
    everything = patients.search(session, SYSTEM, PatientQuery(name="Məmmədov", limit=200))
    assert seen == [m.patient.id for m in everything.items][: len(seen)]


def test_bad_cursor_is_a_clear_error(session: Session) -> None:
    with pytest.raises(Invalid):
        patients.search(session, SYSTEM, PatientQuery(name="Məmmədov", cursor="not-a-cursor"))


def test_clerk_sees_only_patients_of_their_facility_and_is_audited(session: Session) -> None:
    a, b = two_facilities(session)
    mine, theirs = patient_at(session, a.id), patient_at(session, b.id)
    clerk = Principal.user(900, "clerk-a", Role.REGISTRATION_CLERK, frozenset({a.id}))
    assert patients.get(session, clerk, mine.id).id == mine.id
    with pytest.raises(Forbidden):
        patients.get(session, clerk, theirs.id)
    rollback(session)
    denied = audit.search(session, SYSTEM, AuditQuery(actor_name="clerk-a", outcome="denied"))
    assert denied and denied[0].patient_id == theirs.id
    page = patients.search(session, clerk, PatientQuery(name=theirs.surname, limit=200))
    assert all(m.patient.registered_facility_id == a.id for m in page.items)


def test_network_manager_sees_patients_of_facilities_in_their_territory(session: Session) -> None:
    a, b = two_facilities(session)
    manager = Principal.user(
        901, "nm", Role.NETWORK_MANAGER, territory_codes=frozenset({a.district_code})
    )
    assert patients.get(session, manager, patient_at(session, a.id).id)
    with pytest.raises(Forbidden):
        patients.get(session, manager, patient_at(session, b.id).id)


def test_ministry_analyst_sees_no_person_level_data(session: Session) -> None:
    analyst = Principal.user(902, "analyst", Role.MINISTRY_ANALYST)
    with pytest.raises(Forbidden):
        patients.search(session, analyst, PatientQuery(name="Əliyev"))


def test_every_patient_returned_by_a_search_is_audited(session: Session) -> None:
    page = patients.search(session, SYSTEM, PatientQuery(name="Əliyev", limit=3))
    session.commit()
    rows = audit.search(
        session, SYSTEM, AuditQuery(actor_name=SYSTEM.name, entity_type="Patient", limit=10)
    )
    assert {m.patient.id for m in page.items} <= {r.patient_id for r in rows}


def test_referral_link_makes_a_patient_visible_to_the_receiving_facility(session: Session) -> None:
    from saglam.patients.enums import LinkReason

    a, b = two_facilities(session)
    theirs = patient_at(session, b.id)
    clerk = Principal.user(903, "clerk-a2", Role.CLINICIAN, frozenset({a.id}))
    with pytest.raises(Forbidden):
        patients.get(session, clerk, theirs.id)
    rollback(session)
    patients.link_facility(session, SYSTEM, theirs.id, a.id, LinkReason.REFERRED, date(2026, 6, 1))
    assert patients.get(session, clerk, theirs.id).id == theirs.id


def test_update_checks_version_and_rules(session: Session) -> None:
    from saglam.core.errors import PreconditionFailed

    created = patients.register(session, SYSTEM, new_patient(session))
    updated = patients.update(
        session, SYSTEM, created.id, PatientUpdate(phone="+994551112233"), expected_version=1
    )
    assert updated.version == 2 and updated.phone == "+994551112233"
    with pytest.raises(PreconditionFailed):
        patients.update(
            session, SYSTEM, created.id, PatientUpdate(phone="+994551112234"), expected_version=1
        )
    with pytest.raises(Invalid):
        patients.update(session, SYSTEM, created.id, PatientUpdate(death_date=date(1970, 1, 1)))


def test_unknown_patient_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound):
        patients.get(session, SYSTEM, 987654321)
