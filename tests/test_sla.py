"""SLA outcomes, at-risk deadlines and summaries on hand-computed cases (sla_basic).

sla_basic (all created Monday 2026-03-02 09:00 UTC unless noted; 'standard' is calendar time,
'vip' business time in the default 09:00-17:00 Monday-Friday UTC schedule):
T1 reply 10:00 (3600 s), solved 11:00.   T2 reply 10:00:01 (3601 s), never solved.
T3 reply 09:30, pending 10:00-13:00, solved 14:00.   T4 solved 10:00, reopened 12:00,
solved 14:30.   T5 (vip) no reply.   T6 (vip) created Friday 16:00, reply Monday 10:00.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from supportkpi.kpis.sla import sla_outcomes
from supportkpi.kpis.sla_report import sla_at_risk, sla_breaches, sla_summary
from supportkpi.policy import Config
from tests.backends import load_case

CASE = Path(__file__).parent / "fixtures" / "kpis" / "sla_basic"
EVENING = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)


def _config(vip_first: float = 7200.0, resolution: float = 7200.0) -> Config:
    return Config.model_validate(
        {
            "sla": {
                "policies": [
                    {"name": "vip", "match": {"customer_tier": ["vip"]},
                     "targets": {"first_response": vip_first}, "time": "business"},
                    {"name": "standard",
                     "targets": {"first_response": 3600, "resolution": resolution},
                     "time": "calendar"},
                ]
            }
        }
    )  # fmt: skip


def _rows(con: Any, config: Config, as_of: datetime = EVENING) -> dict[tuple[str, str, int], Any]:
    frame = sla_outcomes(load_case(con, CASE), config, as_of=as_of).to_pandas()
    return {(r.ticket_id, r.target, int(r.cycle)): r for r in frame.itertuples()}


def test_first_matching_policy_wins(con: Any) -> None:
    rows = _rows(con, _config())
    assert rows[("T5", "first_response", 1)].policy == "vip"
    assert rows[("T1", "first_response", 1)].policy == "standard"
    # vip sets no resolution target: no resolution rows for vip tickets.
    assert ("T5", "resolution", 1) not in rows and ("T6", "resolution", 1) not in rows
    assert len(rows) == 11


def test_first_response_met_at_target_breached_one_second_later(con: Any) -> None:
    rows = _rows(con, _config())
    t1, t2 = rows[("T1", "first_response", 1)], rows[("T2", "first_response", 1)]
    assert (t1.elapsed_s, t1.outcome, t1.basis) == (3600.0, "met", "calendar")
    assert pd.isna(t1.breached_by_s)
    assert (t2.elapsed_s, t2.outcome, t2.breached_by_s) == (3601.0, "breached", 1.0)


def test_business_policy_skips_the_weekend(con: Any) -> None:
    row = _rows(con, _config())[("T6", "first_response", 1)]
    # Friday 16:00-17:00 and Monday 09:00-10:00: two business hours.
    assert (row.basis, row.elapsed_s, row.target_s, row.outcome) == (
        "business", 7200.0, 7200.0, "met"
    )  # fmt: skip


def test_pending_pauses_resolution(con: Any) -> None:
    row = _rows(con, _config())[("T3", "resolution", 1)]
    # 09:00-14:00 is 5 h; pending 10:00-13:00 does not count: 2 h = the target, met.
    assert (row.elapsed_s, row.outcome, bool(row.paused)) == (7200.0, "met", False)


def test_reopen_starts_a_new_resolution_cycle(con: Any) -> None:
    rows = _rows(con, _config())
    first, second = rows[("T4", "resolution", 1)], rows[("T4", "resolution", 2)]
    assert (first.elapsed_s, first.outcome) == (3600.0, "met")
    assert second.started_at == pd.Timestamp("2026-03-02T12:00:00Z")
    assert (second.elapsed_s, second.outcome, second.breached_by_s) == (9000.0, "breached", 1800.0)


def test_running_past_target_is_breached(con: Any) -> None:
    rows = _rows(con, _config())
    t2 = rows[("T2", "resolution", 1)]
    assert pd.isna(t2.stopped_at)
    assert (t2.elapsed_s, t2.outcome, t2.breached_by_s) == (25200.0, "breached", 18000.0)
    t5 = rows[("T5", "first_response", 1)]  # 09:00-16:00 working time
    assert (t5.elapsed_s, t5.outcome, t5.breached_by_s) == (25200.0, "breached", 18000.0)


def test_changing_the_config_recomputes(con: Any) -> None:
    rows = _rows(con, _config(resolution=10800.0))
    assert rows[("T4", "resolution", 2)].outcome == "met"
    rows = _rows(con, _config(vip_first=7199.0))
    assert rows[("T6", "first_response", 1)].breached_by_s == 1.0


def test_at_risk_with_exact_deadlines(con: Any) -> None:
    at = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
    frame = sla_at_risk(load_case(con, CASE), _config(), as_of=at)
    got = [
        (r.ticket_id, r.target, r.remaining_s, r.due_at, bool(r.paused)) for r in frame.itertuples()
    ]
    eleven = pd.Timestamp("2026-03-02T11:00:00Z")
    assert got == [
        ("T1", "resolution", 1800.0, eleven, False),
        ("T2", "resolution", 1800.0, eleven, False),
        ("T5", "first_response", 1800.0, eleven, False),
        ("T3", "resolution", 3600.0, pd.NaT, True),  # pending now: no deadline yet
    ]


def test_at_risk_business_deadline_rolls_to_next_morning(con: Any) -> None:
    # vip target 9 h; at 16:00 seven working hours are gone, two remain: one on Monday
    # until 17:00, one on Tuesday from 09:00, so due Tuesday 10:00.
    inputs = load_case(con, CASE)
    config = _config(vip_first=32400.0)
    near = sla_at_risk(inputs, config, as_of=EVENING)
    assert "T5" not in set(near.ticket_id)  # 2 h remain, but the deadline is 18 h away
    far = sla_at_risk(inputs, config, as_of=EVENING, horizon_s=18 * 3600.0)
    row = far[far.ticket_id == "T5"].iloc[0]
    assert row.remaining_s == 7200.0
    assert row.due_at == pd.Timestamp("2026-03-03T10:00:00Z")


def test_summary_counts_running_breaches_as_breached(con: Any) -> None:
    frame = sla_summary(load_case(con, CASE), _config(), by=("policy",), as_of=EVENING)
    got = {
        (r.policy, r.target): (r.met, r.breached, r.running, r.compliance)
        for r in frame.itertuples()
    }
    assert got == {
        ("standard", "first_response"): (3, 1, 0, 0.75),
        ("standard", "resolution"): (3, 2, 0, 0.6),
        ("vip", "first_response"): (1, 1, 0, 0.5),
    }


def test_summary_running_and_since(con: Any) -> None:
    at = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
    frame = sla_summary(
        load_case(con, CASE), _config(), by=("priority",), since=datetime(2026, 3, 1), as_of=at
    )
    got = {(r.priority, r.target): (r.met, r.breached, r.running) for r in frame.itertuples()}
    # T6 (created Friday) is left out by since; T1, T2, T3 resolution still running.
    assert got == {
        ("high", "first_response"): (0, 0, 1),
        ("normal", "first_response"): (3, 1, 0),  # T2 replied one second late
        ("normal", "resolution"): (1, 0, 3),
    }


@pytest.mark.parametrize("limit", [2])
def test_breaches_worst_first(con: Any, limit: int) -> None:
    frame = sla_breaches(load_case(con, CASE), _config(), limit=limit, as_of=EVENING)
    got = list(zip(frame.ticket_id, frame.target, frame.breached_by_s, strict=True))
    assert got == [("T2", "resolution", 18000.0), ("T5", "first_response", 18000.0)]


def test_next_reply_one_row_per_awaited_message(con: Any) -> None:
    config = Config.model_validate(
        {"sla": {"policies": [{"name": "all", "time": "calendar",
                               "targets": {"next_reply": 1800}}]}}
    )  # fmt: skip
    inputs = load_case(con, Path(__file__).parent / "fixtures" / "kpis" / "sla_replies")
    frame = sla_outcomes(inputs, config, as_of=datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    got = [
        (r.target, int(r.cycle), r.elapsed_s, r.outcome, r.breached_by_s)
        for r in frame.to_pandas().sort_values("cycle").itertuples()
    ]
    assert got[0][:4] == ("next_reply", 1, 1800.0, "met")  # 10:00 -> 10:30
    assert got[1] == ("next_reply", 2, 3600.0, "breached", 1800.0)  # 11:00, unanswered
    assert len(got) == 2


UPDATES = Path(__file__).parent / "fixtures" / "kpis" / "sla_updates"
_T = "2026-03-02T{}:00+00:00"


def test_periodic_updates_and_clocks_a_solve_stopped(con: Any) -> None:
    """sla_updates, calendar time, first response 1 h, next reply 30 min, periodic update 1 h,
    as of 16:00. U1 replies 09:20, 10:00, 11:30, pending 11:40, customer 12:00, solved 14:00
    with no reply. U2 solved 11:00 unanswered; U3 solved 09:30 unanswered. U4 reply and solve
    at 09:10. U5 reply 09:10, silent solve 12:00. U6 created 14:30, reply 15:00. U7 reply and
    pending at 09:10, another reply 13:00 while still pending."""
    config = Config.model_validate(
        {"sla": {"policies": [{"name": "std", "time": "calendar", "targets": {
            "first_response": 3600, "next_reply": 1800, "periodic_update": 3600}}]}}
    )  # fmt: skip
    frame = sla_outcomes(
        load_case(con, UPDATES), config, as_of=datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    )
    got = sorted(
        (r.ticket_id, r.target, int(r.cycle), r.elapsed_s, r.outcome,
         None if pd.isna(r.breached_by_s) else r.breached_by_s,
         None if pd.isna(r.stopped_at) else r.stopped_at.isoformat())
        for r in frame.to_pandas().itertuples()
    )  # fmt: skip
    assert got == [
        ("U1", "first_response", 1, 1200.0, "met", None, _T.format("09:20")),
        # 12:00 customer message, solved 14:00 with no reply: 2 h against 30 min
        ("U1", "next_reply", 1, 7200.0, "breached", 5400.0, _T.format("14:00")),
        ("U1", "periodic_update", 1, 2400.0, "met", None, _T.format("10:00")),
        ("U1", "periodic_update", 2, 5400.0, "breached", 1800.0, _T.format("11:30")),
        # cycle 3 (11:30) ended by pending after 10 min: owes nothing, no row
        ("U2", "first_response", 1, 7200.0, "breached", 3600.0, _T.format("11:00")),
        # U3: solved unanswered after 30 min: no row at all
        ("U4", "first_response", 1, 600.0, "met", None, _T.format("09:10")),
        ("U5", "first_response", 1, 600.0, "met", None, _T.format("09:10")),
        ("U5", "periodic_update", 1, 10200.0, "breached", 6600.0, _T.format("12:00")),
        ("U6", "first_response", 1, 1800.0, "met", None, _T.format("15:00")),
        ("U6", "periodic_update", 1, 3600.0, "running", None, None),  # exactly at target
        ("U7", "first_response", 1, 600.0, "met", None, _T.format("09:10")),
        # U7's replies at 09:10 and 13:00 were made in pending: no update was owed
    ]
