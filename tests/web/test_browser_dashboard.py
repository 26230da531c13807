from __future__ import annotations

from playwright.sync_api import Page, expect

from saglam.analytics.schemas import FIGURES
from saglam.core.security import Role
from tests.web.conftest import Site, log_in, screenshot

DRAWN = "Array.from(document.querySelectorAll('canvas[data-chart]')).every(c => Chart.getChart(c))"


def _people(page: Page) -> str:
    return page.locator(".figure", has_text="People").locator(".value").inner_text()


def test_the_analyst_reads_charts_and_tables_filters_a_region_and_switches_language(
    site: Site, page: Page
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, site, Role.MINISTRY_ANALYST)
    page.goto(f"{site.base}/dashboard")
    expect(page.locator("h1")).to_have_text("National dashboard")
    expect(page.locator("canvas[data-chart]")).to_have_count(len(FIGURES))
    page.wait_for_function(DRAWN)
    national = _people(page)
    assert national not in ("", "0")

    tables = page.locator(".dash-card details")
    expect(tables).to_have_count(len(FIGURES))
    first = tables.first
    first.locator("summary").click()
    expect(first.locator("table")).to_be_visible()
    expect(first.locator("tbody tr").first.locator("th")).not_to_be_empty()

    page.select_option("#region", label="Lankaran-Astara")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/dashboard?region=*")
    page.wait_for_function(DRAWN)
    expect(page.locator("#region")).to_have_value("AZ-ER-LANKARAN-ASTARA")
    expect(page.locator("#h-facilities-by-area")).to_have_text("Health facilities by district")
    assert _people(page) != national
    screenshot(page, site, "dashboard")

    page.click("header .languages a[hreflang=az]")
    expect(page.locator("html")).to_have_attribute("lang", "az")
    expect(page.locator("canvas[data-chart]")).to_have_count(len(FIGURES))
    page.wait_for_function(DRAWN)
    assert errors == []
