"""Patient ⇄ the master patient index."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import ValidationError
from sqlalchemy import Select
from sqlalchemy.orm import Session

from saglam.core.errors import Invalid
from saglam.core.query import AnyOf, Criterion, Query
from saglam.core.security import Principal
from saglam.core.text import fold, phonetic
from saglam.country import service as country
from saglam.fhir.mappers.common import (
    EXT,
    SYSTEMS,
    clean,
    code_in,
    day,
    ext_value,
    extension,
    parse_day,
    ref_id,
    stored,
)
from saglam.fhir.params import date_param, reference_param, string_param, token_param
from saglam.fhir.registry import Handler, Include, SearchParam, Stored, Value, register
from saglam.patients import service as patients
from saglam.patients.enums import PatientStatus
from saglam.patients.schemas import PatientCreate, PatientRead, PatientUpdate

STORED_ELEMENTS = {
    "resourceType", "id", "meta", "identifier", "active", "name", "telecom", "gender", "birthDate",
    "deceasedDateTime", "address", "managingOrganization", "extension", "text",
}  # fmt: skip
HOME_COUNTRY = {"AZ", "AZE", "AZERBAIJAN", "AZƏRBAYCAN"}
_DISTRICTS: dict[str, tuple[str, str]] = {}
_DISTRICT_KEYS: dict[str, str] = {}


def _districts(session: Session) -> dict[str, tuple[str, str]]:
    if not _DISTRICTS:
        _DISTRICTS.update(country.district_names(session))
    return _DISTRICTS


def _district_by_folded_name(session: Session) -> dict[str, str]:
    """folded code, Azerbaijani or English name → district code (folded once, not per patient)."""
    if not _DISTRICT_KEYS:
        for district, (name_az, name_en) in _districts(session).items():
            for name in (name_en, name_az, district):
                _DISTRICT_KEYS[fold(name)] = district
    return _DISTRICT_KEYS


def to_fhir(p: PatientRead, session: Session) -> dict[str, Any]:
    system = country.active_profile(session).national_id_system
    identifiers = [{"use": "official", "system": system, "value": p.fin}] if p.fin else []
    identifiers += [{"system": i.system, "value": i.value} for i in p.identifiers]
    name: dict[str, Any] = {"use": "official", "family": p.surname, "given": [p.given_name]}
    name["text"] = " ".join(x for x in (p.surname, p.given_name, p.patronymic) if x)
    if p.patronymic:
        name["extension"] = [extension("patronymic", valueString=p.patronymic)]
    address: dict[str, Any] = {}
    if p.address or p.district_code:
        address = {"use": "home", "text": p.address or None, "country": "AZ"}
        if p.district_code:
            address["district"] = _districts(session).get(p.district_code, (p.district_code,))[0]
            address["extension"] = [extension("district", valueCode=p.district_code)]
    links = (
        [{"other": {"reference": f"Patient/{p.merged_into_id}"}, "type": "replaced-by"}]
        if p.merged_into_id
        else []
    )
    links += [{"other": {"reference": f"Patient/{m}"}, "type": "replaces"} for m in p.merged_from]
    extensions = []
    if p.insurance_category:
        extensions.append(
            extension(
                "insurance-category",
                valueCoding={"system": SYSTEMS["insurance-category"], "code": p.insurance_category},
            )
        )
    if p.nationality:
        extensions.append(
            {
                "url": EXT["nationality"],
                "extension": [
                    {
                        "url": "code",
                        "valueCodeableConcept": {
                            "coding": [{"system": SYSTEMS["iso-country"], "code": p.nationality}]
                        },
                    }
                ],
            }
        )
    if p.household_id:
        extensions.append(
            extension(
                "household",
                valueIdentifier={
                    "system": f"{SYSTEMS['territory']}/household",
                    "value": str(p.household_id),
                },
            )
        )
    return clean(
        {
            "resourceType": "Patient",
            "extension": extensions,
            "identifier": identifiers,
            "active": p.status is PatientStatus.ACTIVE,
            "name": [clean(name)],
            "telecom": [{"system": "phone", "value": p.phone, "use": "mobile"}] if p.phone else [],
            "gender": p.sex.value,
            "birthDate": day(p.birth_date),
            "deceasedDateTime": day(p.death_date),
            "address": [clean(address)] if address else [],
            "managingOrganization": {"reference": f"Organization/{p.registered_facility_id}"}
            if p.registered_facility_id
            else None,
            "link": links,
        }
    )


def _district_code(session: Session, address: dict[str, Any], warnings: list[str]) -> str | None:
    """The district of residence: our district extension, or a district name of the country.

    An unknown district is refused when the address says it is in the country; an address
    without a country whose district is not ours is kept as text (it may lie abroad).
    """
    code = ext_value(address, "district")
    if code:
        return str(code)
    text = address.get("district")
    if not text:
        return None
    country_given = address.get("country")
    if country_given and str(country_given).upper() not in HOME_COUNTRY:
        return None  # a district abroad is kept in the address text
    found = _district_by_folded_name(session).get(fold(str(text)))
    if found:
        return found
    if not country_given:
        warnings.append(
            f"district {text!r} is not a district of the country: kept in the address text only"
        )
        return None
    raise Invalid(
        "unknown-district",
        f"unknown district {text!r}",
        fields={"Patient.address.district": "unknown district"},
    )


def from_fhir(resource: dict[str, Any], session: Session) -> tuple[dict[str, Any], list[str]]:
    """Domain values and warnings about what cannot be stored."""
    system = country.active_profile(session).national_id_system
    warnings = [f"Patient.{k} is not stored" for k in resource if k not in STORED_ELEMENTS]
    fin = None
    others = []
    for ident in resource.get("identifier", []):
        if not ident.get("value"):
            continue
        if ident.get("system") == system:
            fin = str(ident["value"]).upper()
        elif ident.get("system"):
            entry = {"system": ident["system"], "value": str(ident["value"])[:80]}
            if entry not in others:
                others.append(entry)
        else:
            warnings.append("an identifier without a system is not stored")
    names = resource.get("name") or [{}]
    name = next((n for n in names if n.get("use") == "official"), names[0])
    if len(names) > 1:
        warnings.append("only one name (the official one) is stored")
    given = " ".join(name.get("given") or [])
    family = name.get("family") or ""
    if not family and not given and name.get("text"):
        family, _, given = str(name["text"]).partition(" ")
    addresses = resource.get("address") or []
    address = addresses[0] if addresses else {}
    if len(addresses) > 1:
        warnings.append("only the first address is stored")
    text = address.get("text") or ", ".join(
        str(x)
        for x in [
            *address.get("line", []),
            address.get("city"),
            address.get("district"),
            address.get("state"),
            address.get("postalCode"),
            address.get("country"),
        ]
        if x
    )
    phones = [
        t for t in resource.get("telecom", []) if t.get("system") == "phone" and t.get("value")
    ]
    if len(resource.get("telecom", [])) > len(phones[:1]):
        warnings.append("only one phone number is stored")
    known_ext = {EXT["insurance-category"], EXT["nationality"], EXT["household"]}
    warnings += [
        f"extension {e.get('url')} is not stored"
        for e in resource.get("extension", [])
        if e.get("url") not in known_ext
    ]
    if resource.get("deceasedBoolean") is True:
        warnings.append("deceasedBoolean without a date is not stored")
    nationality = None
    for ext in resource.get("extension", []):
        if ext.get("url") == EXT["nationality"]:
            for part in ext.get("extension", []):
                nationality = (
                    code_in(part.get("valueCodeableConcept"), "iso-country") or nationality
                )
    category = ext_value(resource, "insurance-category")
    organization = ref_id(resource.get("managingOrganization"), "Organization")
    if resource.get("managingOrganization") and organization is None:
        warnings.append("managingOrganization without an Organization reference is not stored")
    values = {
        "fin": fin,
        "surname": family or "?",
        "given_name": given or "?",
        "patronymic": ext_value(name, "patronymic") or "",
        "sex": resource.get("gender") or "unknown",
        "birth_date": parse_day(resource.get("birthDate")),
        "death_date": parse_day(resource.get("deceasedDateTime")),
        "district_code": _district_code(session, address, warnings) if address else None,
        "address": text[:300],
        "phone": phones[0]["value"] if phones else None,
        "insurance_category": (category or {}).get("code") if isinstance(category, dict) else None,
        "nationality": nationality,
        "registered_facility_id": int(organization)
        if organization and organization.isdigit()
        else None,
        "identifiers": others,
    }
    if organization and not organization.isdigit():
        raise Invalid(
            "unknown-organization",
            f"Organization/{organization} does not exist",
            fields={"Patient.managingOrganization": "unknown"},
        )
    return values, warnings


def _to_stored(p: PatientRead, session: Session) -> Stored:
    return stored(
        p.id, to_fhir(p, session), p.version, p.updated_at, p.status is PatientStatus.DELETED
    )


def _identifier(session: Session, actor: Principal, values: Sequence[Value]) -> AnyOf:
    system = country.active_profile(session).national_id_system
    criteria = []
    for v in values:
        code = (v.code or v.raw).strip()
        if v.system in (None, "", system):
            criteria.append(Criterion("fin", "eq", code.upper()))
        else:
            criteria.append(
                Criterion("id", "in_select", patients.identifier_ids(session, v.system, code))
            )
    return AnyOf(tuple(criteria))


def _phonetic(session: Session, actor: Principal, values: Sequence[Value]) -> AnyOf:
    return AnyOf(tuple(Criterion("surname_phon", "eq", phonetic(v.raw)) for v in values))


def _active(session: Session, actor: Principal, values: Sequence[Value]) -> AnyOf:
    return AnyOf(
        tuple(
            Criterion(
                "status", "eq" if (v.code or v.raw) == "true" else "ne", PatientStatus.ACTIVE.value
            )
            for v in values
        )
    )


def _deceased(session: Session, actor: Principal, values: Sequence[Value]) -> AnyOf:
    return AnyOf(
        tuple(Criterion("death_date", "missing", (v.code or v.raw) != "true") for v in values)
    )


class PatientHandler(Handler):
    type = "Patient"
    interactions = frozenset(
        {"read", "vread", "history-instance", "search-type", "create", "update", "delete"}
    )
    conditional = True
    documentation = "People of the master patient index; the national id (FIN) is an identifier in the profile's system."
    params: ClassVar[dict[str, SearchParam]] = {
        "identifier": SearchParam(
            "identifier",
            "token",
            _identifier,
            "A patient identifier (the FIN or another)",
            "Patient.identifier",
        ),
        "name": SearchParam(
            "name",
            "string",
            string_param("surname_key", "given_key"),
            "Family or given name, Azerbaijani letters folded",
            "Patient.name",
        ),
        "family": SearchParam(
            "family",
            "string",
            string_param("surname_key"),
            "Family name, Azerbaijani letters folded",
            "Patient.name.family",
        ),
        "given": SearchParam(
            "given",
            "string",
            string_param("given_key"),
            "Given name, Azerbaijani letters folded",
            "Patient.name.given",
        ),
        "phonetic": SearchParam(
            "phonetic",
            "string",
            _phonetic,
            "Family name by sound (transliterations, typos)",
            "Patient.name.family",
        ),
        "birthdate": SearchParam(
            "birthdate", "date", date_param("birth_date"), "Date of birth", "Patient.birthDate"
        ),
        "death-date": SearchParam(
            "death-date", "date", date_param("death_date"), "Date of death", "Patient.deceased"
        ),
        "deceased": SearchParam(
            "deceased", "token", _deceased, "Whether the patient has died", "Patient.deceased"
        ),
        "gender": SearchParam("gender", "token", token_param("sex"), "Gender", "Patient.gender"),
        "phone": SearchParam(
            "phone", "token", token_param("phone"), "Phone number", "Patient.telecom"
        ),
        "address-district": SearchParam(
            "address-district",
            "token",
            token_param("district_code"),
            "District code of residence",
            "Patient.address.district",
        ),
        "organization": SearchParam(
            "organization",
            "reference",
            reference_param("registered_facility_id", ["Organization"]),
            "Facility of registration",
            "Patient.managingOrganization",
            ("Organization",),
            "registered_facility_id",
        ),
        "active": SearchParam(
            "active",
            "token",
            _active,
            "Whether the record is active (not merged)",
            "Patient.active",
        ),
    }
    sorts: ClassVar[dict[str, str]] = {
        "_id": "id",
        "_lastUpdated": "updated_at",
        "family": "surname_key",
        "given": "given_key",
        "birthdate": "birth_date",
    }
    includes: ClassVar[dict[str, Include]] = {
        "organization": Include(
            "organization",
            "Organization",
            lambda r: [x for x in [ref_id(r.get("managingOrganization"), "Organization")] if x],
            "registered_facility_id",
        ),
    }

    def read(self, session: Session, actor: Principal, ident: str) -> Stored:
        return _to_stored(patients.get(session, actor, _key(ident)), session)

    def versions(self, session: Session, actor: Principal, ident: str) -> list[Stored]:
        return [
            stored(
                v.entity_id,
                to_fhir(PatientRead.model_validate(v.data), session),
                v.version,
                v.recorded_at,
                v.deleted,
            )
            for v in patients.versions(session, actor, _key(ident))
        ]

    def search(
        self, session: Session, actor: Principal, query: Query, with_total: bool
    ) -> tuple[list[Stored], int | None]:
        found, total = patients.find(session, actor, query, with_total=with_total)
        return [_to_stored(p, session) for p in found], total

    def select_ids(self, session: Session, actor: Principal, query: Query) -> Select[Any]:
        return patients.select_ids(session, actor, query)

    def read_many(self, session: Session, actor: Principal, ids: Sequence[str]) -> list[Stored]:
        return [
            _to_stored(p, session)
            for p in patients.read_many(session, actor, [int(i) for i in ids if i.isdigit()])
        ]

    def create(
        self, session: Session, actor: Principal, resource: dict[str, Any]
    ) -> tuple[Stored, list[str]]:
        values, warnings = from_fhir(resource, session)
        try:
            data = PatientCreate.model_validate(values)
        except ValidationError as exc:
            raise _invalid(exc) from None
        return _to_stored(patients.register(session, actor, data), session), warnings

    def update(
        self,
        session: Session,
        actor: Principal,
        ident: str,
        resource: dict[str, Any],
        expected: int | None,
    ) -> tuple[Stored, list[str]]:
        values, warnings = from_fhir(resource, session)
        if values.pop("identifiers"):
            warnings.append("identifiers other than the national id are not changed by an update")
        try:
            data = PatientUpdate.model_validate(values)
        except ValidationError as exc:
            raise _invalid(exc) from None
        return _to_stored(
            patients.update(session, actor, _key(ident), data, expected_version=expected), session
        ), warnings

    def delete(self, session: Session, actor: Principal, ident: str) -> None:
        patients.delete(session, actor, _key(ident))


def _key(ident: str) -> int:
    if not ident.isdigit():
        from saglam.core.errors import NotFound

        raise NotFound("not-found", f"Patient/{ident} does not exist")
    return int(ident)


def _invalid(exc: ValidationError) -> Invalid:
    fields = {f"Patient.{'.'.join(str(p) for p in e['loc'])}": str(e["msg"]) for e in exc.errors()}
    return Invalid("invalid-patient", "the patient is not valid", fields=fields)


register(PatientHandler())
