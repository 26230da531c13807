"""Claims submitted together are judged together, and each still gets its own answer."""

from __future__ import annotations

from sqlalchemy.orm import Session

from saglam.core.errors import Forbidden
from saglam.core.security import Principal, Role
from saglam.insurance import service as insurance
from saglam.insurance.schemas import ClaimIn
from tests.insurance.conftest import Insured, claim_body


def test_one_refused_claim_in_a_batch_does_not_stop_the_others(
    session: Session, insured: Insured
) -> None:
    own = Principal.user(
        1, "biller", Role.NETWORK_MANAGER, facility_ids=frozenset({insured.facility_id})
    )
    good = ClaimIn.model_validate(claim_body(insured, "B-1"))
    elsewhere = ClaimIn.model_validate(
        claim_body(insured, "B-2", facility_id=insured.other_facility_id)
    )
    outcomes = insurance.submit_many(session, [(own, good), (own, elsewhere), (own, good)])
    first, refused, repeat = outcomes
    assert isinstance(first, tuple) and first[1] and first[0].status == "adjudicated"
    assert isinstance(refused, Forbidden)
    assert isinstance(repeat, tuple) and repeat[0].id == first[0].id and repeat[1] is False
