"""The admin screens in a real browser: create an account, find who read a patient, verify the
audit chain."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from saglam.auth import service as auth
from saglam.core.security import Principal, Role
from saglam.patients import service as patients
from tests.factories import SYSTEM, patient_at
from tests.web.conftest import Site, log_in, screenshot


def _clinician_reads_a_patient(site: Site) -> int:
    """The site's clinician opens a patient of their facility (committed, so it is audited)."""
    with site.database.unit_of_work() as s:
        clinician = next(
            u for u in auth.list_users(s, SYSTEM) if u.username == site.users[Role.CLINICIAN]
        )
        actor = Principal.user(
            clinician.id, clinician.username, Role.CLINICIAN, frozenset(clinician.facility_ids)
        )
        patient_id = patient_at(s, site.facility_id).id
        patients.get(s, actor, patient_id)
    return patient_id


def test_admin_creates_a_user_then_finds_a_patient_read_in_the_audit_trail_and_verifies_it(
    page: Page, site: Site
) -> None:
    log_in(page, site, Role.ADMIN)
    username = f"clerk-{uuid.uuid4().hex[:6]}"
    page.goto(f"{site.base}/admin/users")
    form = page.get_by_role("region", name="Create a user")
    form.get_by_label("User name").fill(username)
    form.get_by_label("Full name").fill("Nigar Həsənova")
    form.get_by_label("Role").select_option("registration_clerk")
    form.get_by_label("Language").select_option("en")
    form.get_by_label("Facility ids").fill(str(site.facility_id))
    form.get_by_label("Initial password", exact=True).fill("a long initial secret")
    form.get_by_label("Initial password again").fill("a long initial secret")
    form.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"User created; they can log in now: {username}"
    )
    row = page.get_by_role("row").filter(has_text=username)
    expect(row).to_contain_text("Registration clerk")
    expect(row).to_contain_text("Active")

    patient_id = _clinician_reads_a_patient(site)
    page.get_by_role("link", name="Audit trail").click()
    page.get_by_label("Patient id").fill(str(patient_id))
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(f"**/admin/audit?*patient_id={patient_id}*")
    read = page.get_by_role("row").filter(has_text=site.users[Role.CLINICIAN]).first
    expect(read).to_contain_text("Read")
    expect(read).to_contain_text("Clinician")
    expect(read).to_contain_text(str(patient_id))

    page.get_by_role("button", name="Verify the chain").click()
    expect(page.locator("#verify-result")).to_contain_text("The chain is intact.")
    expect(page.locator("#verify-result")).to_contain_text("Records checked")
    screenshot(page, site, "audit")
