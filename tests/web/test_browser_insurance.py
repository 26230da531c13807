"""An insurance officer reviews a pended claim and looks at the month's payments, in chromium."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from saglam.core.security import Role
from saglam.insurance import service as insurance
from tests.factories import SYSTEM
from tests.web.conftest import Site, log_in, screenshot


def test_an_officer_adjusts_a_pended_claim_and_opens_a_months_payments(
    page: Page, site: Site
) -> None:
    log_in(page, site, Role.INSURANCE_OFFICER)
    page.goto(f"{site.base}/claims")
    expect(page.get_by_role("heading", name="Claims waiting for review")).to_be_visible()
    expect(page.locator(".status-tabs a[aria-current=page] .badge")).to_have_text("Pended")
    first = page.locator("#results-heading + .table-wrap tbody tr th a").first
    claim_id = int(first.inner_text())
    first.click()
    expect(page.get_by_role("heading", name="Decision")).to_be_visible()

    with site.session() as session:
        claim = insurance.get_claim(session, SYSTEM, claim_id)
        session.rollback()
    pended = [line for line in claim.lines if line.outcome.value == "pended"]
    page.get_by_label("Adjust: pay the amounts entered below").check()
    for line in pended:
        ceiling = line.quantity * min(line.unit_price_minor, line.allowed_unit_minor or 10**12)
        half = ceiling // 2
        page.locator(f"#amount_{line.id}").fill(f"{half // 100},{half % 100:02d}")
    page.get_by_label("Note (required)").fill("Paid half: the stay was shorter than claimed.")
    page.get_by_role("button", name="Save the decision").click()

    expect(page.get_by_role("status")).to_have_text("The decision is saved.")
    expect(page.locator("h1 .badge")).to_have_text("Reviewed")
    expect(page.get_by_text("Paid half: the stay was shorter than claimed.")).to_be_visible()
    screenshot(page, site, "claim-review")

    page.get_by_role("link", name="Payments", exact=True).click()
    expect(page.get_by_role("heading", name="Months with a payment run")).to_be_visible()
    months = page.locator("#months-heading ~ .table-wrap tbody tr")
    assert months.count() >= 12
    months.nth(1).locator("th a").click()
    expect(page.get_by_role("heading", name="Per facility")).to_be_visible()
    expect(page.locator("#period-total")).not_to_be_empty()
    expect(page.get_by_role("link", name="PDF").first).to_be_visible()
    screenshot(page, site, "payments")


def test_money_shows_the_manat_sign_from_saglams_own_font(page: Page, site: Site) -> None:
    """Azerbaijani writes amounts with ₼; chromium's fonts here have no such glyph, so the page
    loads Saglam's one-glyph font for that character alone."""
    log_in(page, site, Role.INSURANCE_OFFICER, language="az")
    page.goto(f"{site.base}/payments")
    page.locator("#months-heading ~ .table-wrap tbody tr th a").nth(1).click()
    expect(page.locator("#period-total")).to_contain_text("₼")
    statuses = page.evaluate(
        """async () => {
            await document.fonts.ready;
            return [...document.fonts].filter(f => f.family.includes("Saglam Manat"))
                .map(f => f.status);
        }"""
    )
    assert statuses == ["loaded"]
    # The sign as the page draws it is as wide as Saglam's glyph (a box from another font is not).
    widths = page.evaluate(
        """() => ["inherit", '"Saglam Manat"'].map(family => {
            const sign = document.createElement("span");
            sign.textContent = "₼";
            sign.style.cssText = `font-family: ${family}; font-size: 100px`;
            document.querySelector("#period-total").append(sign);
            return sign.getBoundingClientRect().width;
        })"""
    )
    assert widths[0] == widths[1] == 72  # the glyph's advance, 720 of 1000 units
