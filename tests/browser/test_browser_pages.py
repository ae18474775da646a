"""The report and the dashboard in real headless Chromium: charts drawn, filters change
the figures, drill-down reaches the tickets, API docs render, no console errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from supportkpi.report.html import write_html
from tests.browser.conftest import ARTIFACTS, console_errors, screenshot
from tests.test_report_fixtures import content

WAIT = 180


def _wait(driver: Any, condition: Any) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT).until(condition)


def _marks(driver: Any) -> int:
    script = "return document.querySelectorAll('figure.chart svg path').length"
    return int(driver.execute_script(script))


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_report_file_renders_offline(browser: Any, tmp_path: Path, lang: str) -> None:
    out = write_html(content(), lang, tmp_path / f"report-{lang}.html")
    console_errors(browser)
    browser.get(out.as_uri())
    charts = browser.find_elements("css selector", "figure.chart svg")
    assert len(charts) == 6
    assert _marks(browser) > 50
    title = browser.find_element("css selector", "h1").text
    assert title == ("Отчёт по KPI поддержки" if lang == "ru" else "Support KPI report")
    badges = browser.find_elements("css selector", "span.grade")
    assert all(b.value_of_css_property("color") == "rgba(255, 255, 255, 1)" for b in badges)
    assert screenshot(browser, f"report-{lang}").stat().st_size > 50_000
    assert console_errors(browser) == []


def _demand_cell(browser: Any) -> Any:
    return browser.find_element(
        "css selector", 'table.headline td[data-kpi="customer_demand"][data-stat="value"]'
    )


def test_dashboard_filter_changes_the_figures(browser: Any, live_server: str) -> None:
    from selenium.webdriver.support.ui import Select

    console_errors(browser)
    browser.get(live_server + "/")
    first = _demand_cell(browser)
    assert first.get_attribute("data-channel") == ""  # all channels
    total = float(first.get_attribute("data-value"))
    assert _marks(browser) > 50
    screenshot(browser, "dashboard-en")
    Select(browser.find_element("css selector", 'select[name="channel"]')).select_by_value("email")
    _wait(browser, lambda d: "channel=email" in d.current_url)
    _wait(browser, lambda d: d.execute_script("return document.readyState") == "complete")
    cell = _demand_cell(browser)
    assert cell.get_attribute("data-channel") == "email"
    email = float(cell.get_attribute("data-value"))
    assert 0 < email < total
    assert cell.text == f"{email:,.0f}"
    screenshot(browser, "dashboard-email")
    assert console_errors(browser) == []


def test_drill_down_from_a_figure_to_its_tickets(browser: Any, live_server: str) -> None:
    console_errors(browser)
    browser.get(live_server + "/?channel=email&lang=ru")
    cell = browser.find_element(
        "css selector",
        'table.headline td[data-kpi="first_response"][data-stat="median"][data-channel="email"]',
    )
    n = int(cell.find_element("xpath", "following-sibling::td[2]").text.replace("\u00a0", ""))
    cell.find_element("css selector", "a.drill").click()
    _wait(browser, lambda d: "/tickets" in d.current_url)
    count = browser.find_element("css selector", "#ticket-count")
    assert int(count.get_attribute("data-total")) == n
    rows = browser.find_elements("css selector", "table.tickets tbody tr")
    assert 0 < len(rows) <= 200
    assert {r.find_elements("css selector", "td")[2].text for r in rows} == {"Почта"}
    screenshot(browser, "tickets-ru")
    assert console_errors(browser) == []


def test_api_docs_render_without_network(browser: Any, live_server: str) -> None:
    console_errors(browser)
    browser.get(live_server + "/docs")
    _wait(browser, lambda d: len(d.find_elements("css selector", ".opblock")) >= 4)
    screenshot(browser, "api-docs")
    assert console_errors(browser) == []


def _sla_met(browser: Any) -> dict[tuple[str, str], int]:
    rows = browser.find_elements("css selector", "table.sla-summary tbody tr")
    return {
        (r.get_attribute("data-priority"), r.get_attribute("data-target")): int(
            r.get_attribute("data-met")
        )
        for r in rows
    }


def test_dashboard_sla_workflow_and_targets_follow_the_filters(
    browser: Any, live_server: str
) -> None:
    from selenium.webdriver.support.ui import Select

    console_errors(browser)
    browser.get(live_server + "/")
    for section in ("sla", "workflow", "targets"):
        assert browser.find_element("css selector", f"section#{section} h2").is_displayed()
    everything = _sla_met(browser)
    assert {p for p, _ in everything} == {"high", "low", "normal", "urgent"}
    teams = browser.find_elements("css selector", 'table.workflow[data-dim="team"] tbody tr')
    assert [t.get_attribute("data-key") for t in teams] == ["tier1-a", "tier1-b", "tier2"]
    tier1a_all = int(teams[0].get_attribute("data-tickets"))
    browser.find_element("css selector", "section#sla").screenshot(
        str(ARTIFACTS / "dashboard-sla.png")
    )
    Select(browser.find_element("css selector", 'select[name="channel"]')).select_by_value("email")
    _wait(browser, lambda d: "channel=email" in d.current_url)
    _wait(browser, lambda d: d.execute_script("return document.readyState") == "complete")
    email = _sla_met(browser)
    assert set(email) <= set(everything) and email
    assert all(0 < met < everything[key] for key, met in email.items() if met)
    cell = browser.find_element(
        "css selector", 'table.workflow[data-dim="team"] tbody tr[data-key="tier1-a"]'
    )
    assert 0 < int(cell.get_attribute("data-tickets")) < tier1a_all
    screenshot(browser, "dashboard-sections-email")
    assert console_errors(browser) == []
