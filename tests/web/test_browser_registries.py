"""In a real browser: logging in as each role, finding a patient, the patient page, the 403 page
of a role that may not see patients, and the language switch."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from saglam.audit import service as audit
from saglam.audit.schemas import AuditQuery
from saglam.core.security import Role
from saglam.core.text import fold
from tests.factories import SYSTEM, a_patient
from tests.web.conftest import Site, log_in, screenshot

START = {
    Role.ADMIN: "/dashboard", Role.MINISTRY_ANALYST: "/dashboard", Role.INSURANCE_OFFICER: "/dashboard",
    Role.NETWORK_MANAGER: "/patients", Role.REGISTRATION_CLERK: "/patients", Role.CLINICIAN: "/patients",
    Role.PROGRAM_OFFICER: "/", Role.COOPERATION_COORDINATOR: "/",
}  # fmt: skip


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_logs_in_and_lands_on_its_first_screen(
    page: Page, site: Site, role: Role
) -> None:
    log_in(page, site, role)
    assert page.url.removeprefix(site.base).split("?")[0] == START[role]
    expect(page.locator(".who .name")).to_have_text(site.users[role])
    page.click("text=Log out")
    expect(page).to_have_url(f"{site.base}/login")


def test_a_clerk_finds_a_patient_typed_without_azerbaijani_letters(page: Page, site: Site) -> None:
    with site.session() as session:
        patient = a_patient(session)
    log_in(page, site, Role.REGISTRATION_CLERK)
    page.fill("#name", f"{fold(patient.surname)} {fold(patient.given_name)}")
    page.click("button:has-text('Search')")
    page.click(f"a[href='/patients/{patient.id}']")
    expect(page.locator("h1")).to_contain_text(patient.surname)
    expect(page.get_by_role("heading", name="Insurance")).to_be_visible()
    screenshot(page, site, "patient")


def test_a_ministry_analyst_gets_the_403_page_for_a_patient_and_it_is_audited(
    page: Page, site: Site
) -> None:
    with site.session() as session:
        patient = a_patient(session)
    log_in(page, site, Role.MINISTRY_ANALYST)
    response = page.goto(f"{site.base}/patients/{patient.id}")
    assert response is not None and response.status == 403
    expect(page.get_by_role("alert")).to_contain_text("403")
    with site.session() as session:
        denied = audit.search(
            session, SYSTEM,
            AuditQuery(actor_name=site.users[Role.MINISTRY_ANALYST], patient_id=patient.id, outcome="denied"),
        )  # fmt: skip
    assert denied


def test_the_language_switch_translates_the_page(page: Page, site: Site) -> None:
    log_in(page, site, Role.REGISTRATION_CLERK)
    page.click("header .languages a[lang=az]")
    expect(page.locator("html")).to_have_attribute("lang", "az")
    page.click("header .languages a[lang=ru]")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.click("header .languages a[lang=en]")
    expect(page.get_by_role("heading", name="Find a patient")).to_be_visible()


def test_facilities_list_and_page(page: Page, site: Site) -> None:
    log_in(page, site, Role.NETWORK_MANAGER)
    page.goto(f"{site.base}/facilities?level=primary")
    page.locator("table a[href^='/facilities/']").first.click()
    expect(page.get_by_role("heading", name="About")).to_be_visible()
    screenshot(page, site, "facility")
