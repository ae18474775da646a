"""The report's signals section shows exactly what the detectors return, in both languages."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.console import Console

from supportkpi.report.content import ReportContent, build_content
from supportkpi.report.html import render_html
from supportkpi.report.signals import signals_extra
from supportkpi.report.terminal import print_summary
from supportkpi.signals import Signal, detect
from supportkpi.store import open_store
from tests.test_report_fixtures import AS_OF, NO_FILTERS, sim_store


def _signal(kind: str, subject: str, evidence: tuple[str, ...]) -> Signal:
    at = datetime(2026, 1, 20, 9, tzinfo=UTC)
    return Signal(
        kind=kind, subject_kind="agent_id", subject=subject,
        title_en=f"{kind} title", title_ru=f"заголовок {kind}",
        summary_en=f"{kind} summary", summary_ru=f"описание {kind}",
        detected_at=at, window_start=at - timedelta(days=7), window_end=at,
        score=9.5, score_name="ratio", baseline=0.05, observed=0.4, unit="share",
        confidence="high", evidence_ids=evidence, evidence_count=len(evidence) + 10,
    )  # fmt: skip


FOUND = [
    _signal("pending_parking", "A-16", ("T-1", "T-2", "T-3", "T-4", "T-5", "T-6")),
    _signal("ticket_splitting", "A-20", ("T-9",)),
]


def _content(found: list[Signal]) -> ReportContent:
    def provider(source: Any, **_: Any) -> list[Signal]:
        return found

    with open_store(sim_store(), read_only=True) as store:
        return build_content(store, as_of=AS_OF, extras={"signals": provider})


def test_signals_section_lists_every_signal_with_its_evidence() -> None:
    content = _content(FOUND)
    for lang in ("en", "ru"):
        html = render_html(content, lang)
        section = html[html.index('<section id="signals">') :]
        section = section[: section.index("</section>")]
        rows = re.findall(r'<tr data-signal="([^"]+)" data-subject="([^"]+)"', section)
        assert rows == [("pending_parking", "A-16"), ("ticket_splitting", "A-20")]
        assert ("заголовок pending_parking" if lang == "ru" else "pending_parking title") in section
        # The first five evidence ids are listed, then the count of the others.
        assert all(f"<code>T-{i}</code>" in section for i in range(1, 6))
        assert "<code>T-6</code>" not in section
        assert ("и ещё 11" if lang == "ru" else "and 11 more") in section
        assert 'href="#signals"' in html


def test_a_signal_without_evidence_shows_a_plain_zero() -> None:
    """A volume drop can have no evidence (nothing got through): "0", not "0:"."""
    empty = replace(_signal("volume_drop", "web", ()), evidence_count=0)
    html = render_html(_content([empty]), "en")
    section = html[html.index('<section id="signals">') :]
    row = section[section.index('<tr data-signal="volume_drop"') :]
    row = row[: row.index("</tr>")]
    assert row.rstrip().endswith("<td>0</td>") and "<code>" not in row


def test_a_channel_named_by_a_signal_is_shown_in_the_reports_language() -> None:
    drop = replace(_signal("volume_drop", "social", ()), subject_kind="channel", evidence_count=0)
    content = _content([drop])
    for lang, name in (("en", "Social media"), ("ru", "Соцсети")):
        html = render_html(content, lang)
        row = html[html.index('<tr data-signal="volume_drop" data-subject="social"') :]
        assert f"<td>{name}</td>" in row[: row.index("</tr>")]
        console = Console(width=100, record=True, color_system=None)
        print_summary(content, lang, console)
        assert name in console.export_text()


def test_terminal_summary_lists_the_signals_within_100_columns() -> None:
    console = Console(width=100, record=True)
    print_summary(_content(FOUND), "en", console)
    text = console.export_text()
    assert all(len(line) <= 100 for line in text.splitlines())
    assert "Signals" in text and "A-16" in text and "A-20" in text


def test_the_report_asks_the_detectors() -> None:
    with open_store(sim_store(), read_only=True) as store:
        content = build_content(store, as_of=AS_OF, extras={"signals": signals_extra})
        expected = detect(store)
    assert [(s.kind, s.subject) for s in content.extras["signals"]] == [
        (s.kind, s.subject) for s in expected
    ]
    if not expected:
        assert "No signals in this period." in render_html(content, "en")


def test_without_the_provider_there_is_no_signals_section() -> None:
    with open_store(sim_store(), read_only=True) as store:
        content = build_content(store, filters=NO_FILTERS, as_of=AS_OF)
    assert 'id="signals"' not in render_html(content, "en")
