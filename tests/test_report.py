"""The report shows the engine's numbers: content, HTML (both languages), terminal, CLI."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from supportkpi.cli import main
from supportkpi.kpis.compute import compute, ticket_table
from supportkpi.kpis.registry import REGISTRY
from supportkpi.report.content import Filters
from supportkpi.report.formatting import NBSP, Formatter
from supportkpi.report.grades import grade_of
from supportkpi.report.html import render_html
from supportkpi.report.i18n import kpi_name, tr
from supportkpi.report.terminal import print_summary
from supportkpi.store import open_store
from tests.test_report_fixtures import AS_OF, content, sim_store


@pytest.fixture(scope="module")
def engine_by_channel() -> pd.DataFrame:
    with open_store(sim_store(), read_only=True) as store:
        return compute(store, by=["channel"], basis="calendar", as_of=AS_OF)


@pytest.fixture(scope="module")
def html() -> dict[str, str]:
    return {lang: render_html(content(), lang) for lang in ("en", "ru")}


class _Cells(HTMLParser):
    """Collects the figure cells (elements with data-kpi) and their visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[dict[str, str]] = []
        self._stack: list[dict[str, str] | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        data = {k: v or "" for k, v in attrs}
        if tag == "td":
            self._stack.append({**data, "text": ""} if "data-kpi" in data else None)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._stack:
            cell = self._stack.pop()
            if cell is not None:
                self.cells.append(cell)

    def handle_data(self, data: str) -> None:
        if self._stack and self._stack[-1] is not None:
            self._stack[-1]["text"] += data


def _cells(text: str) -> list[dict[str, str]]:
    parser = _Cells()
    parser.feed(text)
    return parser.cells


def test_headline_figures_equal_the_engine(engine_by_channel: pd.DataFrame) -> None:
    frame = engine_by_channel
    rows = [r for r in content().headline if r.channel is not None]
    assert {r.kpi for r in rows} >= {"first_response", "full_resolution", "fcr_rate", "csat"}
    for row in rows:
        match = frame[
            (frame.kpi == row.kpi) & (frame.stat == row.main.stat) & (frame.channel == row.channel)
        ]
        assert len(match) == 1, (row.kpi, row.channel)
        assert row.main.value == pytest.approx(float(match.value.iloc[0]), rel=0, abs=0)
        assert row.main.n == int(match.n.iloc[0])


def test_first_response_median_checked_against_the_tickets_themselves() -> None:
    """An independent path: the median of first_response_s over email tickets."""
    with open_store(sim_store(), read_only=True) as store:
        tickets = ticket_table(store, as_of=AS_OF, channels=["email"])
    answered = tickets["first_response_s"].dropna()
    row = next(r for r in content().headline if r.kpi == "first_response" and r.channel == "email")
    assert row.main.n == len(answered) > 50
    assert row.main.value == pytest.approx(float(answered.median()))
    assert row.p90 is not None
    assert row.p90.value == pytest.approx(float(answered.quantile(0.9)))
    # Its counter-metric on the same channel: FCR over solved email tickets.
    fcr = tickets["fcr"].dropna().astype(bool)
    assert row.counter is not None and row.counter.kpi == "fcr_rate"
    assert row.counter.value == pytest.approx(float(fcr.mean()))


def test_grades_are_the_policys_on_median_and_p90() -> None:
    from supportkpi.policy import default_config, grade

    rows = [r for r in content().headline if r.kpi == "first_response" and r.channel]
    assert rows
    for row in rows:
        assert row.p90 is not None
        assert row.grade_main == grade(default_config(), row.channel, row.main.value)
        assert row.grade_p90 == grade(default_config(), row.channel, row.p90.value)
    email = next(r for r in rows if r.channel == "email")
    assert email.grade_main == grade_of(None, "email", email.main.value) is not None


def test_html_figures_are_the_engines_numbers_in_both_languages(
    html: dict[str, str], engine_by_channel: pd.DataFrame
) -> None:
    frame = engine_by_channel
    for lang, text in html.items():
        fmt = Formatter(lang)
        cells = [c for c in _cells(text) if c["data-channel"] and not c["data-key"]]
        assert len(cells) > 60
        for cell in cells:
            match = frame[
                (frame.kpi == cell["data-kpi"])
                & (frame.stat == cell["data-stat"])
                & (frame.channel == cell["data-channel"])
            ]
            assert len(match) == 1, cell
            assert float(cell["data-value"]) == float(match.value.iloc[0])
        email_fr = next(
            c
            for c in cells
            if c["data-kpi"] == "first_response"
            and c["data-stat"] == "median"
            and c["data-channel"] == "email"
        )
        shown = fmt.duration(float(email_fr["data-value"]))
        assert email_fr["text"].startswith(shown)


def test_volume_table_adds_up_to_customer_demand(html: dict[str, str]) -> None:
    cells = [
        c
        for c in _cells(html["en"])
        if c["data-key"] and c["data-channel"] and c["data-kpi"] == "customer_demand"
    ]
    by_channel: dict[str, int] = {}
    for c in cells:
        count = int(float(c["data-value"]))
        by_channel[c["data-channel"]] = by_channel.get(c["data-channel"], 0) + count
    demand = {r.channel: r.main.value for r in content().headline if r.kpi == "customer_demand"}
    assert by_channel == {ch: int(v or 0) for ch, v in demand.items() if ch is not None}


def test_both_languages_are_complete(html: dict[str, str]) -> None:
    for lang, text in html.items():
        for key in (
            "section.headline",
            "section.trends",
            "section.volume",
            "section.queues",
            "section.people",
            "section.definitions",
            "lead.people",
            "chart.volume_weekly",
            "chart.speed_weekly",
        ):
            assert tr(lang, key) in text, (lang, key)
        other = "ru" if lang == "en" else "en"
        assert tr(other, "section.definitions") not in text
        assert f'<html lang="{lang}">' in text
    assert "Время первого ответа" in html["ru"] and "First response time" in html["en"]
    assert "Median / value" not in html["ru"]


def test_sections_without_data_are_left_out(html: dict[str, str]) -> None:
    for text in html.values():
        assert 'id="signals"' not in text and 'id="sla"' not in text
        assert "coming soon" not in text.lower()


def test_no_external_reference(html: dict[str, str]) -> None:
    for text in html.values():
        assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", text, re.I)
        assert not re.search(r"@import", text, re.I)
        assert not re.search(r"""url\(\s*["']?\s*(?:https?:)?//""", text, re.I)
        assert "cdn" not in text.lower()
        assert "<script src" not in text
        assert re.findall(r"<link [^>]*>", text) == ['<link rel="icon" href="data:,">']


def test_charts_are_inline_svg_with_marks(html: dict[str, str]) -> None:
    for lang, text in html.items():
        assert text.count("<svg") >= 6
        assert "mark-line" in text and "mark-rect" in text
        axis_label = "Неделя" if lang == "ru" else "Week"
        assert axis_label in text


def test_agents_are_listed_by_name_with_quality_beside_speed(html: dict[str, str]) -> None:
    from supportkpi.report.content import pivot

    rows = pivot(content().agents, "agent_id", ["customer_demand", "reopen_rate", "fcr_rate"])
    keys = [r.key for r in rows]
    assert keys == sorted(keys) and len(keys) >= 20
    assert all("reopen_rate" in r.figures for r in rows if r.key.startswith("A-"))
    assert 'data-dim="agent_id"' in html["en"] and 'data-dim="team"' in html["en"]


def test_filters_narrow_to_the_engine_group() -> None:
    narrowed = content(Filters(channel="email", priority="high"))
    with open_store(sim_store(), read_only=True) as store:
        frame = compute(
            store,
            kpis=["first_response"],
            by=["channel", "priority"],
            basis="calendar",
            as_of=AS_OF,
        )
    expected = frame[
        (frame.channel == "email") & (frame.priority == "high") & (frame.stat == "median")
    ]
    row = next(r for r in narrowed.headline if r.kpi == "first_response")
    assert row.channel == "email"  # one channel: no repeated "all channels" row
    assert row.main.value == float(expected.value.iloc[0])
    assert narrowed.queues == []  # phone and chat queues cannot be broken down by priority
    assert "wait_time" in narrowed.omitted


@pytest.mark.parametrize("width", [80, 100])
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_terminal_summary_keeps_every_column_on_a_narrow_terminal(lang: str, width: int) -> None:
    console = Console(width=width, record=True, color_system=None)
    print_summary(content(), lang, console)
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= width
    assert tr(lang, "term.headline") in text
    assert "…" not in text  # nothing is cut short: names wrap, figures fit
    words = text.split()
    rows = [*content().headline, *(r for r in content().queues if REGISTRY[r.kpi].headline)]
    for row in rows:
        for name in (
            kpi_name(lang, row.kpi),
            kpi_name(lang, row.counter.kpi) if row.counter else "",
        ):
            assert all(word in words for word in name.split()), name
    email = next(r for r in rows if r.kpi == "first_response" and r.channel == "email")
    assert email.p90 is not None and email.counter is not None
    fmt = Formatter(lang)
    figures = [
        fmt.figure(REGISTRY[f.kpi].unit, f.stat, f.value)
        for f in (email.main, email.p90, email.counter)
    ]
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if all(f in line for f in figures))
    assert f" {tr(lang, 'channel.email')} " in lines[at]
    grades = [g for g in (email.grade_main, email.grade_p90) if g is not None]
    assert grades  # the fixture's email first response is graded
    assert all(tr(lang, f"grade.{g}") in lines[at + 1] for g in grades)


def test_cli_writes_the_html_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.html"
    argv = ["report", "--store", str(sim_store()), "--as-of", AS_OF.isoformat()]
    with pytest.raises(SystemExit) as done:
        main([*argv, "--out", str(out), "--lang", "ru", "--since", "2026-01-12"])
    assert done.value.code in (0, None)
    text = out.read_text(encoding="utf-8")
    assert "Отчёт по KPI поддержки" in text
    assert f"12{NBSP}янв{NBSP}2026" in text


def test_cli_terminal_summary_and_a_bad_language(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["report", "--store", str(sim_store()), "--as-of", AS_OF.isoformat()]
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code in (0, None)
    printed = capsys.readouterr().out
    assert "Headline KPIs per channel" in printed
    with pytest.raises(SystemExit) as failed:
        main([*argv, "--lang", "de"])
    assert failed.value.code == 2
    assert "unknown language 'de'" in capsys.readouterr().err


def test_terminal_summary_names_the_period_of_its_figures() -> None:
    from datetime import date

    console = Console(width=120, record=True, color_system=None)
    print_summary(content(Filters(since=date(2026, 1, 12), until=date(2026, 1, 16))), "en", console)
    head = console.export_text().splitlines()[0].replace(NBSP, " ")
    assert "Data: 5 Jan 2026 – 25 Jan 2026  ·  Period: 12 Jan 2026 – 16 Jan 2026  ·  As of:" in head
