"""The terminal summary lists the worst SLA breaches after the compliance table: the same
rows as the HTML report, late-by durations humanized, in English and Russian, within 100
columns."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pandas as pd
import pytest
from rich.console import Console

from supportkpi.report.content import ReportContent
from supportkpi.report.formatting import NBSP
from supportkpi.report.i18n import tr
from supportkpi.report.sla import SlaView
from supportkpi.report.terminal import print_summary
from tests.test_report_sections import sections


def _text(content: ReportContent, lang: str, width: int = 100) -> str:
    console = Console(width=width, record=True, color_system=None)
    print_summary(content, lang, console)
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= width
    return text


def _cells(text: str, ticket: str, lines: int = 1) -> list[str]:
    """The cells of ``ticket``'s row (of its first ``lines`` lines, joined by a space)."""
    rows = text.splitlines()
    (at,) = [i for i, line in enumerate(rows) if line.startswith(ticket + " ")]
    parts = [[cell.strip() for cell in line.split("│")] for line in rows[at : at + lines]]
    return [" ".join(c for c in column if c) for column in zip(*parts, strict=True)]


def _u(text: str) -> str:
    """``~`` stands for the no-break space the formatter puts before units and in dates."""
    return text.replace("~", NBSP)


@pytest.mark.parametrize(
    ("lang", "worst"),
    [
        ("en", ["Resolution", "Urgent", "tier2", "8~h", "13~h 28~min"]),
        ("ru", ["Решение", "Срочный", "tier2", "8~ч", "13~ч 28~мин"]),
    ],
)
def test_the_worst_breaches_follow_the_compliance_table(lang: str, worst: list[str]) -> None:
    content = sections()
    view: SlaView = content.extras["sla"]
    text = _text(content, lang)
    compliance = text.index(tr(lang, "term.sla"))
    breaches = text.index(tr(lang, "term.sla_breaches"))
    assert compliance < breaches
    # Ten rows, worst first, in the engine's order.
    listed = [line.split(" ")[0] for line in text[breaches:].splitlines() if line.startswith("T-")]
    assert listed == list(view.breaches["ticket_id"]) and len(listed) == 10
    # T-000000396: a business-hours resolution clock of 8 h that ran 77,315 s, so late by
    # 48,515 s = 13 h 28 min 35 s.
    assert _cells(text, "T-000000396") == ["T-000000396", *map(_u, worst)]
    # T-000000201 breached both its first response and next reply targets: two rows.
    assert len([line for line in text.splitlines() if line.startswith("T-000000201 ")]) == 2
    assert tr(lang, "term.sla_basis_note") in text.replace("\n", " ")


def _view(breaches: pd.DataFrame) -> SlaView:
    summary = pd.DataFrame(
        {
            "priority": ["urgent"],
            "target": ["resolution"],
            "met": [3],
            "breached": [len(breaches)],
            "running": [0],
            "compliance": [3 / (3 + len(breaches))],
        }
    )
    return SlaView(summary=summary, breaches=breaches, limit=10)


def test_a_reopened_ticket_still_open_past_its_target() -> None:
    # T-7: reopened, still open. T-000000999: the widest row (long id, next reply, a long
    # team name, days late) still fits 100 columns.
    at = pd.Timestamp(datetime(2026, 1, 20, 9, 5, tzinfo=UTC))
    breaches = pd.DataFrame(
        {
            "ticket_id": ["T-000000999", "T-7"],
            "target": ["next_reply", "first_response"],
            "breached_by_s": [200_000.0, 7500.0],
            "policy": ["urgent", "urgent"],
            "cycle": [12, 2],
            "basis": ["calendar", "calendar"],
            "started_at": [at, at],
            "stopped_at": [pd.NaT, pd.NaT],
            "target_s": [3600.0, 3600.0],
            "elapsed_s": [203_600.0, 11100.0],
            "outcome": ["breached", "breached"],
            "priority": ["urgent", "urgent"],
            "channel": ["email", "email"],
            "team": ["second-line-support", None],
            "agent_id": [None, None],
            "schedule": ["default", "default"],
            "paused": [False, False],
        }
    )
    content = replace(sections(), extras={"sla": _view(breaches)})
    en = _text(content, "en")
    expected = ["T-7 #2", "First response", "Urgent", "—", "1~h", "2~h 5~min still open"]
    assert _cells(en, "T-7", lines=2) == [_u(cell) for cell in expected]
    assert tr("en", "term.sla_basis_note") not in en.replace("\n", " ")  # calendar clock
    ru = _text(content, "ru")
    assert _cells(ru, "T-7", lines=2)[-1] == _u("2~ч 5~мин ещё открыт")
    widest = _cells(ru, "T-000000999", lines=2)
    assert widest[0] == "T-000000999 #12" and widest[-1] == _u("2~д 7~ч ещё открыт")
    # On an 80-column terminal the names wrap; ticket and figures are never cut short.
    narrow = _text(content, "ru", width=80)
    breaches = narrow[narrow.index(tr("ru", "term.sla_breaches")) :]
    assert "…" not in breaches
    assert _cells(narrow, "T-000000999", lines=2)[-1] == _u("2~д 7~ч ещё открыт")


def test_no_breaches_is_said_and_a_type_filter_shows_none() -> None:
    empty = _view(sections().extras["sla"].breaches.head(0))
    text = _text(replace(sections(), extras={"sla": empty}), "en")
    assert "No breaches in this period." in text
    assert tr("en", "term.sla_breaches") not in text
    typed = SlaView(empty.summary.head(0), pd.DataFrame(), 10, unfiltered_by="type")
    text = _text(replace(sections(), extras={"sla": typed}), "ru")
    assert tr("ru", "sla.no_type_filter") in text.replace("\n", " ")
    assert tr("ru", "term.sla_breaches") not in text and "T-" not in text
