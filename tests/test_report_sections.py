"""The SLA, workflow adherence and proposed targets sections show exactly the engine's
numbers (sla_summary / sla_breaches, workflow_adherence + workflow_summary, the ratchet
detector), filtered like the rest of the report, in both languages; and the cached metrics
answer exactly as ``compute``."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

import pandas as pd
import pytest
from rich.console import Console

from supportkpi.kpis.compute import compute
from supportkpi.kpis.sla_report import sla_breaches, sla_summary
from supportkpi.report.content import Filters, ReportContent, build_content
from supportkpi.report.engine import MetricsCache
from supportkpi.report.formatting import Formatter
from supportkpi.report.html import render_html
from supportkpi.report.i18n import tr
from supportkpi.report.sla import SlaSection, SlaView
from supportkpi.report.targets import Proposal, StreakWeek, proposal_of
from supportkpi.report.terminal import print_summary
from supportkpi.report.workflow import WorkflowSection, WorkflowView
from supportkpi.signals import Signal, workflow_adherence, workflow_summary
from supportkpi.signals.context import make_context
from supportkpi.store import open_store
from tests.test_report_fixtures import AS_OF, NO_FILTERS, sim_store


@cache
def sections(filters: Filters = NO_FILTERS) -> ReportContent:
    workflow = WorkflowSection()
    with open_store(sim_store(), read_only=True) as store:
        try:
            return build_content(
                store,
                filters=filters,
                as_of=AS_OF,
                extras={"sla": SlaSection(), "workflow": workflow},
            )
        finally:
            workflow.release()  # its kept table belongs to this connection


def _section(html: str, name: str) -> str:
    part = html[html.index(f'<section id="{name}">') :]
    return part[: part.index("</section>")]


# --- SLA ---------------------------------------------------------------------------------


def test_sla_summary_is_the_engines_per_priority() -> None:
    view: SlaView = sections().extras["sla"]
    with open_store(sim_store(), read_only=True) as store:
        expected = sla_summary(store, None, by=("priority",), as_of=AS_OF)
    pd.testing.assert_frame_equal(view.summary, expected)
    assert set(view.summary["target"]) == {"first_response", "next_reply", "resolution"}
    assert int(view.summary["breached"].sum()) > 0


def test_sla_breaches_are_the_engines_worst_first() -> None:
    view: SlaView = sections().extras["sla"]
    with open_store(sim_store(), read_only=True) as store:
        expected = sla_breaches(store, None, limit=10, as_of=AS_OF)
    pd.testing.assert_frame_equal(view.breaches, expected)
    late = list(view.breaches["breached_by_s"])
    assert late == sorted(late, reverse=True) and len(late) == 10


def test_sla_filter_keeps_the_engines_group() -> None:
    view: SlaView = sections(Filters(channel="email")).extras["sla"]
    with open_store(sim_store(), read_only=True) as store:
        grouped = sla_summary(store, None, by=("priority", "channel"), as_of=AS_OF)
        every = sla_breaches(store, None, limit=100_000, as_of=AS_OF)
    email = grouped[grouped["channel"] == "email"].drop(columns="channel")
    pd.testing.assert_frame_equal(view.summary, email.reset_index(drop=True))
    worst = every[every["channel"] == "email"].head(10).reset_index(drop=True)
    pd.testing.assert_frame_equal(view.breaches, worst)
    everything: SlaView = sections().extras["sla"]
    assert view.summary["met"].sum() < everything.summary["met"].sum()


def test_sla_cannot_follow_a_type_filter_and_says_so() -> None:
    view: SlaView = sections(Filters(type="delivery")).extras["sla"]
    assert view.unfiltered_by == "type" and view.summary.empty
    html = render_html(sections(Filters(type="delivery")), "en")
    assert tr("en", "sla.no_type_filter") in _section(html, "sla")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_sla_html_shows_the_summary_and_the_breaches(lang: str) -> None:
    content = sections()
    view: SlaView = content.extras["sla"]
    section = _section(render_html(content, lang), "sla")
    rows = re.findall(
        r'data-priority="([^"]*)" data-target="([^"]+)" data-met="(\d+)" '
        r'data-breached="(\d+)" data-running="(\d+)" data-compliance="([^"]*)"',
        section,
    )
    expected = [
        (str(r.priority), r.target, str(r.met), str(r.breached), str(r.running), repr(r.compliance))
        for r in view.summary.itertuples()
    ]
    assert rows == expected
    fmt = Formatter(lang)
    first = view.summary.iloc[0]
    assert f"<b>{fmt.percent(first.compliance)}</b>" in section
    tickets = re.findall(r'<tr data-ticket="([^"]+)" data-target="([^"]+)"', section)
    assert tickets == list(zip(view.breaches.ticket_id, view.breaches.target, strict=True))
    assert fmt.duration(view.breaches.breached_by_s.iloc[0]) in section
    assert tr(lang, "section.sla") in section and tr(lang, "target.resolution") in section


def test_terminal_summary_has_sla_per_priority_within_100_columns() -> None:
    view: SlaView = sections().extras["sla"]
    for lang in ("en", "ru"):
        console = Console(width=100, record=True, color_system=None)
        print_summary(sections(), lang, console)
        text = console.export_text()
        assert max(len(line) for line in text.splitlines()) <= 100
        assert tr(lang, "term.sla") in text
        fmt = Formatter(lang)
        for row in view.summary.itertuples():
            assert fmt.percent(row.compliance) in text
        assert tr(lang, "priority.urgent") in text


# --- Workflow adherence ------------------------------------------------------------------


def _workflow_expected(by: str, channel: str | None = None) -> pd.DataFrame:
    """``workflow_summary`` over ``workflow_adherence`` (of one channel's tickets)."""
    with open_store(sim_store(), read_only=True) as store:
        ctx = make_context(store, since=None, until=None, config=None, settings=None)
        try:
            per_ticket = workflow_adherence(store, context=ctx)
            if channel is not None:
                tickets = store.con.table("tickets").select("ticket_id", "channel")
                per_ticket = per_ticket.inner_join(tickets, "ticket_id")
                per_ticket = per_ticket.filter(per_ticket.channel == channel).drop("channel")
            return workflow_summary(per_ticket, by=by).to_pandas()
        finally:
            ctx.release()


def test_workflow_is_the_engines_per_team_and_agent() -> None:
    view: WorkflowView = sections().extras["workflow"]
    pd.testing.assert_frame_equal(view.teams, _workflow_expected("team"))
    pd.testing.assert_frame_equal(view.agents, _workflow_expected("agent_id"))
    assert list(view.teams["team"]) == ["tier1-a", "tier1-b", "tier2"]


def test_workflow_filter_narrows_the_tickets() -> None:
    view: WorkflowView = sections(Filters(channel="email")).extras["workflow"]
    pd.testing.assert_frame_equal(view.teams, _workflow_expected("team", channel="email"))
    assert view.teams["tickets"].sum() < sections().extras["workflow"].teams["tickets"].sum()


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_unknown_steps_are_shown_as_unknown_never_as_passed(lang: str) -> None:
    view: WorkflowView = sections().extras["workflow"]
    section = _section(render_html(sections(), lang), "workflow")
    unknown = tr(lang, "workflow.unknown")
    cells = re.findall(r'data-step="([a-z_]+)" data-value="([^"]*)">(.*?)</td>', section)
    assert len(cells) == len(view.steps) * (len(view.teams) + len(view.agents))
    blanks = [c for c in cells if c[1] == ""]
    assert blanks, "the fixture has a step nothing is known about for some agent"
    for _step, value, text in cells:
        if value == "":
            assert unknown in text and "%" not in text
        else:
            assert text == Formatter(lang).percent(float(value))
    a27 = view.agents[view.agents["agent_id"] == "A-27"].iloc[0]
    assert pd.isna(a27["promises_kept_pass_rate"])


# --- Proposed targets --------------------------------------------------------------------


def _ratchet() -> Signal:
    at = datetime(2026, 2, 9, tzinfo=UTC)
    weeks = [
        {"week": "2026-01-12", "value_s": 170000.0, "tickets": 1300, "work_per_ticket_s": 610.0},
        {"week": "2026-01-19", "value_s": 172573.8, "tickets": 1290, "work_per_ticket_s": 600.0},
        {"week": "2026-01-26", "value_s": 165000.0, "tickets": 1296, "work_per_ticket_s": 590.0},
        {"week": "2026-02-02", "value_s": 160000.0, "tickets": 1300, "work_per_ticket_s": 580.0},
    ]
    return Signal(
        kind="target_ratchet", subject_kind="team", subject="tier1-a",
        title_en="Resolution target can be tightened", title_ru="Цель можно ужесточить",
        summary_en="s", summary_ru="s", detected_at=at,
        window_start=at - timedelta(days=28), window_end=at, score=1.5,
        score_name="target_over_worst_week", baseline=259200.0, observed=172573.8,
        unit="seconds", confidence="high", evidence_count=5186,
        details={
            "proposed_target_s": 172800.0, "current_target_s": 259200.0, "percentile": 0.8,
            "weeks": weeks, "trend_s_per_week": -3387.74, "work_trend_s_per_week": -10.0,
        },
    )  # fmt: skip


def test_a_proposal_carries_the_detectors_evidence() -> None:
    p = proposal_of(_ratchet())
    assert p == Proposal(
        team="tier1-a",
        detected_at=datetime(2026, 2, 9, tzinfo=UTC),
        percentile=0.8,
        weeks=4,
        first_week=date(2026, 1, 12),
        current_s=259200.0,
        proposed_s=172800.0,
        worst_week_s=172573.8,
        tickets=5186,
        trend_s_per_week=-3387.74,
        work_trend_s_per_week=-10.0,
        confidence="high",
        streak=(
            StreakWeek(date(2026, 1, 12), 170000.0, 1300, 610.0),
            StreakWeek(date(2026, 1, 19), 172573.8, 1290, 600.0),
            StreakWeek(date(2026, 1, 26), 165000.0, 1296, 590.0),
            StreakWeek(date(2026, 2, 2), 160000.0, 1300, 580.0),
        ),
    )
    assert p.shrinking is True and p.work_shrinking is True


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_targets_section_shows_current_and_proposed(lang: str) -> None:
    found = [proposal_of(_ratchet())]

    def provider(source: Any, **_: Any) -> list[Proposal]:
        return found

    with open_store(sim_store(), read_only=True) as store:
        content = build_content(store, as_of=AS_OF, extras={"targets": provider})
    section = _section(render_html(content, lang), "targets")
    fmt = Formatter(lang)
    assert 'data-team="tier1-a" data-current="259200.0" data-proposed="172800.0"' in section
    assert fmt.duration(259200) in section and fmt.duration(172800) in section
    assert '<td class="num">4<div' in section and "p80" in section
    assert tr(lang, "trend.shrinking") in section
    assert tr(lang, "targets.since_week", day=fmt.date(date(2026, 1, 12))) in section


def test_targets_come_from_the_ratchet_detector() -> None:
    from supportkpi.report.targets import TargetsSection
    from supportkpi.signals import detect

    with open_store(sim_store(), read_only=True) as store:
        got = TargetsSection()(store, filters=NO_FILTERS, as_of=AS_OF)
        expected = [proposal_of(s) for s in detect(store, kinds=["target_ratchet"])]
    assert got == expected


class _CountingSignals:
    """A signals provider that counts its runs and always finds the same ratchet."""

    def __init__(self) -> None:
        self.runs = 0

    def __call__(self, source: Any, **_: Any) -> list[Signal]:
        self.runs += 1
        return [_ratchet()]


def test_targets_read_the_dashboards_signals_run() -> None:
    from supportkpi.report.signals import SignalsSection
    from supportkpi.report.targets import TargetsSection
    from supportkpi.signals import detect

    signals = SignalsSection()
    with open_store(sim_store(), read_only=True) as store:
        every = signals(store, filters=NO_FILTERS, as_of=AS_OF)
        assert [(s.kind, s.subject) for s in every] == [(s.kind, s.subject) for s in detect(store)]
        assert signals(store, filters=NO_FILTERS, as_of=AS_OF) == every
        counting = _CountingSignals()
        section = TargetsSection(signals=counting)
        got = section(store, filters=NO_FILTERS, as_of=AS_OF)
        again = section(store, filters=Filters(team="tier1-b"), as_of=AS_OF)
    assert got == [proposal_of(_ratchet())] and again == [] and counting.runs == 1


# --- The cached engine -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kpis", "by", "period", "since", "until"),
    [
        (["first_response", "fcr_rate", "backlog", "customer_demand"], [], None, None, None),
        (["full_resolution", "backlog", "reopen_rate"], ["team", "priority"], None, None, None),
        (["wait_time", "abandonment_rate", "aht"], ["channel"], "week", None, None),
        (["first_response", "csat", "backlog"], ["channel"], None, date(2026, 1, 12), None),
        (["backlog", "next_reply"], ["agent_id"], None, None, date(2026, 1, 18)),
    ],
)
def test_cached_metrics_answer_exactly_as_compute(
    kpis: list[str], by: list[str], period: Any, since: date | None, until: date | None
) -> None:
    with open_store(sim_store(), read_only=True) as store:
        metrics = MetricsCache(store)
        try:
            got = metrics.frame(
                kpis=kpis, by=by, period=period, since=since, until=until, as_of=AS_OF
            )
        finally:
            metrics.release()
        expected = compute(
            store,
            kpis=kpis,
            by=by,
            period=period,
            since=since,
            until=until,
            basis="calendar",
            as_of=AS_OF,
        )
    assert len(got) == len(expected) > 0
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
