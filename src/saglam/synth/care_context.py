"""What care generation needs to know about the country, prepared once: doctors by facility,
where people go for primary, specialist and hospital care, the catalogue split by setting, the
laboratory tests, surgeries, visit reasons, medicines and utilisation rates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from saglam.country.profile import Profile, profile_table
from saglam.synth.facilities import FacilityPlan

#: medicines (by INN fragment) for diagnoses (ICD-10 category prefix), for prescriptions
TREATMENT = {
    "E10": "insulin", "E11": "metformin", "I10": "amlodipine", "I25": "acetylsalicylic", "I50": "furosemide",
    "J06": "paracetamol", "J11": "paracetamol", "J18": "amoxicillin", "J44": "salbutamol", "J45": "salbutamol",
    "N39": "ciprofloxacin", "A09": "oral rehydration", "M54": "ibuprofen", "M17": "ibuprofen", "D56": "deferasirox",
    "D64": "iron", "F32": "fluoxetine", "F41": "diazepam", "H66": "amoxicillin", "K02": "paracetamol",
}  # fmt: skip


@dataclass
class Context:
    """Everything about the country that care generation needs, prepared once."""

    profile: Profile
    doctors: dict[int, np.ndarray]
    primary_of_district: dict[str, np.ndarray]
    specialist_of_region: dict[str, np.ndarray]
    hospital_of_region: dict[str, np.ndarray]
    region_of: dict[str, str]
    services: dict[str, tuple[list[str], np.ndarray]]
    labs: list[Any]
    lab_p: np.ndarray
    lab_service: dict[str, str]
    open_services: dict[str, tuple[list[str], np.ndarray]]  # services without restrictions
    catalogue: dict[str, Any]
    primary_labs: np.ndarray  # indices into ``labs`` of the tests primary care does itself
    primary_lab_p: np.ndarray
    primary_lab_service: dict[str, str]
    surgeries: tuple[list[str], np.ndarray]
    reasons: list[Any]
    medicines: dict[str, str]
    utilisation: list[Any]


def context(
    profile: Profile, plan: FacilityPlan, employments: Sequence[tuple[Any, ...]]
) -> Context:
    doctors: dict[int, list[int]] = {}
    for practitioner_id, facility_id, role, *_ in employments:
        if role == "physician":
            doctors.setdefault(int(facility_id), []).append(int(practitioner_id))
    region_of = {d.code: d.region_code for d in profile.districts}
    capital = max(profile.districts, key=lambda d: d.population).code

    def group(test: Any) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for fid, kind in plan.type_code.items():
            if test(fid, kind) and fid in doctors:
                out.setdefault(plan.district[fid], []).append(fid)
        return out

    primary = group(lambda fid, kind: plan.level[fid] == "primary")
    specialist = group(lambda fid, kind: plan.level[fid] in ("secondary", "tertiary", "national"))
    hospital = group(
        lambda fid, kind: plan.category[fid] == "hospital" and plan.level[fid] != "primary"
    )
    everything = sorted(doctors)

    def by_region(found: dict[str, list[int]]) -> dict[str, np.ndarray]:
        regions: dict[str, list[int]] = {}
        for district, ids in found.items():
            regions.setdefault(region_of[district], []).extend(ids)
        return {r: np.array(ids) for r, ids in regions.items()} | {
            "*": np.array(found.get(capital) or everything)
        }

    catalogue = profile_table(profile.name, "services")
    services = {}
    open_services = {}
    for category in ("primary", "specialist_outpatient", "inpatient", "emergency"):
        rows = [
            s
            for s in catalogue
            if s.category == category and s.kind not in ("laboratory", "surgery")
        ]
        weights = np.array([s.weight for s in rows])
        services[category] = ([s.code for s in rows], weights / weights.sum())
        unrestricted = [
            s
            for s in rows
            if s.age_from == 0 and s.age_to >= 120 and s.sex == "any" and not s.icd10_ranges
        ]
        open_weights = np.array([s.weight for s in unrestricted])
        open_services[category] = (
            [s.code for s in unrestricted],
            open_weights / open_weights.sum(),
        )
    surgery_rows = [s for s in catalogue if s.kind == "surgery"]
    surgery_w = np.array([s.weight for s in surgery_rows])
    labs = [t for t in profile_table(profile.name, "lab_tests") if t.category == "laboratory"]
    lab_service = _lab_codes(catalogue, "secondary", "tertiary", "national")
    primary_lab_service = _lab_codes(catalogue, "primary")
    labs = [t for t in labs if t.loinc in lab_service]
    unique: dict[str, Any] = {}
    for t in labs:
        unique.setdefault(t.loinc, t)
    labs = list(unique.values())
    lab_w = np.array([t.weight for t in labs])
    primary_labs = [i for i, t in enumerate(labs) if t.loinc in primary_lab_service]
    primary_w = lab_w[primary_labs]
    medicines = {}
    for prefix, fragment in TREATMENT.items():
        match = next(
            (m for m in profile_table(profile.name, "formulary") if fragment in m.inn.lower()), None
        )
        if match is not None:
            medicines[prefix] = match.code
    return Context(
        profile=profile,
        doctors={k: np.array(v) for k, v in doctors.items()},
        primary_of_district={d: np.array(v) for d, v in primary.items()},
        specialist_of_region=by_region(specialist),
        hospital_of_region=by_region(hospital),
        region_of=region_of,
        services=services,
        open_services=open_services,
        catalogue={s.code: s for s in catalogue},
        labs=labs,
        lab_p=lab_w / lab_w.sum(),
        lab_service=lab_service,
        primary_labs=np.array(primary_labs),
        primary_lab_p=primary_w / primary_w.sum(),
        primary_lab_service=primary_lab_service,
        surgeries=([s.code for s in surgery_rows], surgery_w / surgery_w.sum()),
        reasons=list(profile_table(profile.name, "visit_reasons")),
        medicines=medicines,
        utilisation=list(profile_table(profile.name, "utilisation")),
    )


def _lab_codes(catalogue: Sequence[Any], *levels: str) -> dict[str, str]:
    """The service each laboratory test is billed as at ``level``: the most common unrestricted one
    (a glucose test is not billed as a pregnancy glucose-tolerance screen) allowed at every one of
    ``levels``."""
    best: dict[str, Any] = {}
    for s in catalogue:
        if s.kind != "laboratory" or not s.loinc or any(x not in s.levels for x in levels):
            continue
        rank = (s.sex == "any" and not s.icd10_ranges, s.age_to - s.age_from, s.weight)
        current = best.get(s.loinc)
        if current is None or rank > current[0]:
            best[s.loinc] = (rank, s.code)
    return {loinc: code for loinc, (_, code) in best.items()}
