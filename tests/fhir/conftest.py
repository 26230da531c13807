from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from saglam.core.security import Role
from tests.factories import login_as

FIN_SYSTEM = "https://saglam.example/fhir/sid/az-fin"


@pytest.fixture
def admin(client: TestClient, session: Session) -> dict[str, str]:
    return login_as(client, session, Role.ADMIN)


def patient(fin: str = "8KQ2M7X", **extra: object) -> dict[str, object]:
    body: dict[str, object] = {
        "resourceType": "Patient",
        "identifier": [{"system": FIN_SYSTEM, "value": fin}],
        "name": [{"family": "Əliyeva", "given": ["Nərmin"]}],
        "gender": "female",
        "birthDate": "1992-05-17",
        "address": [{"district": "Quba", "text": "Quba, Nizami küç. 4"}],
    }
    body.update(extra)
    return body
