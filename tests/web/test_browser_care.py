"""In a real browser: a clinician records an encounter, picking the diagnosis from the ICD-10
suggestions; an invalid code is refused next to its field first."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from saglam.core.security import Role
from saglam.patients import service as patients
from saglam.patients.schemas import PatientQuery
from tests.factories import SYSTEM
from tests.web.conftest import Site, log_in, screenshot


def test_a_clinician_records_an_encounter_after_fixing_an_invalid_icd10_code(
    page: Page, site: Site
) -> None:
    with site.session() as session:
        found = patients.search(
            session, SYSTEM, PatientQuery(facility_id=site.facility_id, limit=5)
        )
        patient = next(m.patient for m in found.items if m.patient.death_date is None)
    log_in(page, site, Role.CLINICIAN)
    page.goto(f"{site.base}/patients/{patient.id}")
    page.click("text=Record an encounter")
    page.fill("#dx_0", "Q99.99")
    page.fill("#svc_0", "PC001")
    page.select_option("#obs_0", "2345-7")
    page.fill("#obsv_0", "96")
    page.click("button:has-text('Save the encounter')")
    expect(page.locator("#dx_0-error")).to_be_visible()
    expect(page.locator("#dx_0")).to_have_attribute("aria-invalid", "true")
    screenshot(page, site, "encounter-error")
    page.fill("#dx_0", "")
    page.locator("#dx_0").press_sequentially("acute bronchitis", delay=20)
    page.locator("#dx_0-list button[data-code='J20.9']").click()
    expect(page.locator("#dx_0")).to_have_value("J20.9")
    page.click("button:has-text('Save the encounter')")
    expect(page.get_by_role("status")).to_contain_text("The encounter was saved.")
    expect(page.locator("body")).to_contain_text("J20.9")
