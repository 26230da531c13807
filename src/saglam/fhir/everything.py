"""``Patient/$everything``: the patient's whole record as a paged searchset."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from saglam.care import service as care
from saglam.core.errors import NotFound
from saglam.core.security import Principal
from saglam.fhir.mappers.care import CareHandler
from saglam.fhir.mappers.patient import to_fhir as patient_fhir
from saglam.fhir.registry import REGISTRY, stored_meta
from saglam.fhir.respond import with_meta
from saglam.fhir.search import DEFAULT_COUNT, MAX_COUNT

REGISTRY.operations["everything"] = {
    "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
    "documentation": "GET /fhir/Patient/{id}/$everything?_count=&_offset= — the patient (with merged records) and every care record, paged.",
}


def everything(
    session: Session, actor: Principal, ident: str, count: int | None, offset: int, base: str
) -> dict[str, Any]:
    if not ident.isdigit():
        raise NotFound("not-found", f"Patient/{ident} does not exist")
    size = min(max(count or DEFAULT_COUNT, 1), MAX_COUNT)
    patient, page, total = care.everything(session, actor, int(ident), count=size, offset=offset)
    entries = []
    if offset == 0:
        entries.append(
            {
                "fullUrl": f"{base}/Patient/{patient.id}",
                "resource": with_meta(
                    stored_meta(
                        patient.id,
                        patient_fhir(patient, session),
                        patient.version,
                        patient.updated_at,
                    )
                ),
                "search": {"mode": "match"},
            }
        )
    for kind, dto in page:
        handler = REGISTRY.get(kind)
        assert isinstance(handler, CareHandler)
        resource = with_meta(stored_meta(dto.id, handler.convert(dto), dto.version, dto.updated_at))
        entries.append(
            {
                "fullUrl": f"{base}/{kind}/{dto.id}",
                "resource": resource,
                "search": {"mode": "match"},
            }
        )

    def link(at: int) -> str:
        return f"{base}/Patient/{ident}/$everything?{urlencode({'_count': size, '_offset': at})}"

    links = [{"relation": "self", "url": link(offset)}]
    if offset + size < total:
        links.append({"relation": "next", "url": link(offset + size)})
    if offset:
        links.append({"relation": "previous", "url": link(max(0, offset - size))})
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total + 1,
        "link": links,
        "entry": entries,
    }
