"""The benefit package: versions in force from a date, each a full copy of its items, so a new
version never changes how an earlier claim was judged."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from saglam.audit import service as audit
from saglam.audit.enums import AuditAction
from saglam.core.bulk import load_rows
from saglam.core.errors import Conflict, Invalid, NotFound
from saglam.core.message import Message
from saglam.core.security import Principal
from saglam.core.types import utcnow
from saglam.country import service as country
from saglam.country.profile import profile_table
from saglam.insurance import repository
from saglam.insurance.models import PackageItem, PackageVersion
from saglam.insurance.schemas import PackageItemRead, PackageVersionCreate, PackageVersionRead

LAUNCH = date(2021, 4, 1)  # nationwide compulsory insurance (stage 3)
COPAY_FROM = date(2027, 1, 1)  # co-payment without referral, postponed to this date
COPAY_PCT = 50  # EST: share of the allowed amount a patient pays without a referral


def ensure_package(session: Session, actor: Principal) -> list[PackageVersionRead]:
    """The package from the profile's catalogue (launch version and the co-payment version),
    created once."""
    audit.require(session, actor, "BenefitPackage", "write", action=AuditAction.CREATE)
    existing = repository.versions(session)
    if existing:
        return [PackageVersionRead.model_validate(v) for v in existing]
    profile = country.active_profile(session)
    rows = []
    first = PackageVersion(
        name="Services package 2021",
        effective_from=LAUNCH,
        copay_rate_pct=0,
        deadline_days=90,
        high_value_minor=1_000_000,
        note="From the profile's service catalogue",
        created_by=actor.name,
        created_at=utcnow(),
    )
    second = PackageVersion(
        name="Services package 2027 (co-payment without referral)",
        effective_from=COPAY_FROM,
        copay_rate_pct=COPAY_PCT,
        deadline_days=90,
        high_value_minor=1_000_000,
        note="Co-payment for going straight to a specialist, in force from 2027-01-01",
        created_by=actor.name,
        created_at=utcnow(),
    )
    session.add_all([first, second])
    session.flush()
    for version in (first, second):
        for s in profile_table(profile.name, "services"):
            rows.append(
                (
                    version.id,
                    s.code,
                    s.category,
                    s.tariff_minor,
                    s.levels,
                    s.referral_required,
                    s.prior_auth,
                    s.per_day_limit,
                    s.per_year_limit,
                    s.lifetime_limit,
                    s.age_from,
                    s.age_to,
                    s.sex,
                    s.icd10_ranges,
                    s.specialty_code,
                    s.case_group,
                )
            )
    load_rows(session, PackageItem.__table__, repository.ITEM_COLUMNS, rows)
    audit.record(
        session,
        actor,
        AuditAction.CREATE,
        "BenefitPackage",
        detail={"versions": 2, "items": len(rows)},
    )
    return [PackageVersionRead.model_validate(v) for v in (first, second)]


def versions(session: Session, actor: Principal) -> list[PackageVersionRead]:
    audit.require(session, actor, "BenefitPackage", "read", action=AuditAction.SEARCH)
    return [PackageVersionRead.model_validate(v) for v in repository.versions(session)]


def items(session: Session, actor: Principal, version_id: int) -> list[PackageItemRead]:
    audit.require(
        session, actor, "BenefitPackage", "read", action=AuditAction.READ, entity_id=version_id
    )
    if repository.version(session, version_id) is None:
        raise NotFound("version-not-found", Message("no package version %(id)s", id=version_id))
    return sorted(
        (PackageItemRead.model_validate(i) for i in repository.items(session, [version_id])),
        key=lambda i: i.service_code,
    )


def new_version(
    session: Session, actor: Principal, data: PackageVersionCreate
) -> PackageVersionRead:
    """A new version: the one in force before ``effective_from`` with the given changes.

    Versions already in force stay as they are, so claims judged under them keep their outcome.
    """
    audit.require(session, actor, "BenefitPackage", "write", action=AuditAction.CREATE)
    existing = repository.versions(session)
    if any(v.effective_from == data.effective_from for v in existing):
        raise Conflict(
            "version-exists",
            Message("a version already starts on %(date)s", date=data.effective_from),
        )
    if data.effective_from <= utcnow().date():
        raise Invalid(
            "retroactive",
            Message("a new version must start in the future"),
            fields={"effective_from": Message("not in the future")},
        )
    base = [v for v in existing if v.effective_from < data.effective_from]
    if not base:
        raise Invalid("no-base", Message("no earlier version to start from"))
    previous = base[-1]
    version = PackageVersion(
        name=data.name, effective_from=data.effective_from,
        copay_rate_pct=previous.copay_rate_pct if data.copay_rate_pct is None else data.copay_rate_pct,
        deadline_days=data.deadline_days or previous.deadline_days, high_value_minor=previous.high_value_minor,
        note=data.note, created_by=actor.name, created_at=utcnow(),
    )  # fmt: skip
    session.add(version)
    session.flush()
    current = {
        i.service_code: {c: getattr(i, c) for c in repository.ITEM_COLUMNS}
        for i in repository.items(session, [previous.id])
    }
    for change in data.changes:
        values = current.get(change.service_code)
        if values is None:
            raise Invalid(
                "unknown-service",
                Message("service %(code)s is not in the package", code=change.service_code),
                fields={"changes": change.service_code},
            )
        if change.remove:
            del current[change.service_code]
            continue
        values.update(change.model_dump(exclude={"service_code", "remove"}, exclude_none=True))
    rows = [
        tuple(version.id if c == "version_id" else values[c] for c in repository.ITEM_COLUMNS)
        for values in current.values()
    ]
    load_rows(session, PackageItem.__table__, repository.ITEM_COLUMNS, rows)
    audit.record(
        session,
        actor,
        AuditAction.CREATE,
        "BenefitPackage",
        version.id,
        detail={"from": previous.id, "changes": len(data.changes)},
    )
    return PackageVersionRead.model_validate(version)
