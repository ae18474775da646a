"""Per-ticket metrics on hand-checked cases, on every backend (see tests/fixtures/kpis)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from supportkpi.kpis.inputs import Inputs
from supportkpi.kpis.prepare import prepare
from supportkpi.kpis.replies import reply_metrics
from supportkpi.kpis.status import status_intervals
from supportkpi.kpis.tickets import TICKET_COLUMNS, ticket_metrics
from tests.backends import load_case

CASES = Path(__file__).parent / "fixtures" / "kpis"


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def plain(value: Any) -> Any:
    """Backend-neutral Python values: UTC datetimes, None for every kind of null."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        ts = value.tz_localize("UTC") if value.tzinfo is None else value.tz_convert("UTC")
        return ts.to_pydatetime()
    if hasattr(value, "item"):
        return value.item()
    return value


def by_ticket(table: ir.Table, key: str = "ticket_id") -> dict[str, dict[str, Any]]:
    df = table.to_pandas()
    return {
        str(row[key]): {c: plain(row[c]) for c in df.columns}
        for row in df.to_dict(orient="records")
    }


def case(con: Any, name: str) -> Inputs:
    return load_case(con, CASES / name)


def test_columns_are_the_documented_ones(con: Any) -> None:
    table = ticket_metrics(case(con, "first_response"), as_of=instant("2026-03-03T11:00:00Z"))
    assert tuple(table.columns) == TICKET_COLUMNS


def test_first_response(con: Any) -> None:
    t = by_ticket(
        ticket_metrics(case(con, "first_response"), as_of=instant("2026-03-03T11:00:00Z"))
    )
    # T1: the bot acknowledgement (09:01), the internal note (09:05) and the non-public
    # agent message (09:10) are ignored; the first public reply is 11:00+01:00 = 10:00Z.
    assert t["T1"]["first_reply_at"] == instant("2026-03-02T10:00:00Z")
    assert t["T1"]["first_response_s"] == 3600.0
    assert t["T1"]["replies"] == 2
    assert t["T1"]["touches"] == "two"
    assert t["T1"]["waiting_so_far_s"] is None
    # T2 is agent-created: the clock starts at the customer's first message (12:00).
    assert t["T2"]["is_outbound"] is True and t["T2"]["is_demand"] is False
    assert t["T2"]["clock_start_at"] == instant("2026-03-02T12:00:00Z")
    assert t["T2"]["first_response_s"] == 1800.0
    # T3 has had no human reply (the bot does not count): waiting so far, 24 h at as_of.
    assert t["T3"]["first_reply_at"] is None
    assert t["T3"]["first_response_s"] is None
    assert t["T3"]["waiting_so_far_s"] == 86400.0
    assert t["T3"]["is_open"] is True and t["T3"]["age_s"] == 86400.0
    assert t["T3"]["created_by"] == "customer" and t["T3"]["priority"] == "normal"
    # T4 was solved without any reply: no first response, and not "waiting" either.
    assert t["T4"]["first_response_s"] is None
    assert t["T4"]["waiting_so_far_s"] is None
    assert t["T4"]["is_open"] is False and t["T4"]["age_s"] is None
    assert t["T4"]["fcr"] is None  # a zero-reply solve is not a first contact resolution
    assert t["T4"]["touches"] == "zero"
    # T5: an agent message stamped before the ticket was created (two systems' clocks)
    # does not answer it; the first reply is the one after creation.
    assert t["T5"]["first_reply_at"] == instant("2026-03-02T10:20:00Z")
    assert t["T5"]["first_response_s"] == 1200.0
    assert t["T5"]["replies"] == 2


def test_status_intervals_and_waits(con: Any) -> None:
    inputs = case(con, "waits")
    as_of = instant("2026-03-02T18:00:00Z")
    iv = status_intervals(inputs, as_of).filter(lambda r: r.ticket_id == "T1")
    got = [
        (r["status"], plain(r["start_at"]).hour, plain(r["duration_s"]), bool(r["is_current"]))
        for r in iv.order_by("start_at").to_pandas().to_dict(orient="records")
    ]
    assert got == [
        ("new", 9, 600.0, False),
        ("open", 9, 600.0, False),
        ("pending", 9, 6000.0, False),
        ("open", 11, 3600.0, False),
        ("on_hold", 12, 3600.0, False),
        ("open", 13, 3600.0, False),
        ("solved", 14, 14400.0, True),
    ]
    t = by_ticket(ticket_metrics(inputs, as_of=as_of))
    # Requester wait = new + open + on hold (pending, waiting on the customer, excluded).
    assert t["T1"]["requester_wait_s"] == 600 + 600 + 3600 + 3600 + 3600
    assert t["T1"]["agent_wait_s"] == 6000.0
    assert t["T1"]["on_hold_s"] == 3600.0
    assert t["T1"]["full_resolution_s"] == 5 * 3600.0
    assert t["T1"]["needed_dialogue"] is True
    assert t["T1"]["dialogue_resolution_s"] == 5 * 3600.0
    # The customer wrote after the solve (14:30) without a status change: that is a reopen.
    assert t["T1"]["reopens"] == 1 and t["T1"]["reopened"] is True
    assert t["T1"]["solved_at"] == instant("2026-03-02T14:00:00Z")
    assert t["T2"]["requester_wait_s"] == 3600.0 and t["T2"]["agent_wait_s"] == 0.0
    assert t["T3"]["requester_wait_s"] is None  # not solved: no resolution components
    assert t["T3"]["needed_dialogue"] is None


def test_next_reply_stops_at_solve(con: Any) -> None:
    rows = reply_metrics(case(con, "waits"), as_of=instant("2026-03-02T18:00:00Z"))
    got = sorted(
        (
            r["ticket_id"],
            plain(r["message_at"]).strftime("%H:%M"),
            plain(r["next_reply_s"]),
            plain(r["ended_by"]),
            plain(r["waiting_so_far_s"]),
        )
        for r in rows.to_pandas().to_dict(orient="records")
    )
    assert got == [
        # answered 30 min later; the "thanks" at 14:30, after the solve, starts nothing
        ("T1", "11:00", 1800.0, "reply", None),
        # two messages in one burst (10:20, 10:25) make one wait; the solve stops it
        ("T2", "10:20", None, "solved", None),
        # still waiting at 18:00 (the internal note is not a reply)
        ("T3", "10:30", None, None, 27000.0),
    ]


def test_next_reply_waits_start_only_after_a_reply(con: Any) -> None:
    rows = reply_metrics(case(con, "reply_edges"), as_of=instant("2026-03-02T18:00:00Z"))
    got = sorted(
        (r["ticket_id"], plain(r["message_at"]).strftime("%H:%M"), plain(r["next_reply_s"]))
        for r in rows.to_pandas().to_dict(orient="records")
    )
    assert got == [
        # written at the instant of the first reply: the reply comes first, a wait starts
        ("T4", "09:30", 1800.0),
        # T5: both messages came before the first reply (first response time, not next)
        # T6, agent-created: the 08:00 outreach is no reply; 09:00 starts the clock
        ("T6", "09:40", 1200.0),
    ]


def test_reopens_disguised_reopens_and_fcr(con: Any) -> None:
    t = by_ticket(ticket_metrics(case(con, "reopens"), as_of=instant("2026-03-25T00:00:00Z")))
    # T1: the customer's message and the status back to open (same instant) are one reopen,
    # 2 days after the solve: within the 14-day window. Resolved at its last solve.
    assert t["T1"]["reopens"] == 1 and t["T1"]["reopened"] is True
    assert t["T1"]["first_reopened_at"] == instant("2026-03-03T09:00:00Z")
    assert t["T1"]["first_solved_at"] == instant("2026-03-01T12:00:00Z")
    assert t["T1"]["solved_at"] == instant("2026-03-03T11:00:00Z")
    assert t["T1"]["first_resolution_s"] == 3 * 3600.0
    assert t["T1"]["full_resolution_s"] == 50 * 3600.0
    assert t["T1"]["needed_dialogue"] is False  # the customer wrote only after the solve
    assert t["T1"]["fcr"] is False and t["T1"]["two_touch"] is True
    # T2: reopened after 18 days 21 hours: a reopen, but outside the window; still no FCR.
    assert t["T2"]["reopens"] == 1 and t["T2"]["reopened"] is False
    assert t["T2"]["fcr"] is False
    # T3: solved then closed (one solve); the same customer opens T4 on the same type
    # 4 days 23 hours later: a disguised reopen and a repeat contact (no FCR).
    assert t["T3"]["reopens"] == 0 and t["T3"]["reopened"] is False
    assert t["T3"]["solved_at"] == instant("2026-03-01T10:00:00Z")
    assert t["T3"]["disguised_reopen"] is True and t["T3"]["follow_up_ticket_id"] == "T4"
    assert t["T3"]["repeat_contact"] is True and t["T3"]["fcr"] is False
    assert t["T4"]["disguised_reopen"] is None and t["T4"]["fcr"] is None
    assert t["T4"]["reopened"] is None
    # T5: the follow-up comes after 8 days 23 hours: a disguised reopen (14 d window) but
    # not a repeat contact (7 d window), so this is still a first contact resolution.
    assert t["T5"]["disguised_reopen"] is True and t["T5"]["follow_up_ticket_id"] == "T6"
    assert t["T5"]["repeat_contact"] is False and t["T5"]["fcr"] is True
    assert t["T5"]["one_touch"] is True
    # T7: solved with zero replies: excluded from FCR and from the touch shares.
    assert t["T7"]["fcr"] is None and t["T7"]["one_touch"] is None
    assert t["T7"]["touches"] == "zero" and t["T7"]["disguised_reopen"] is False
    # T8: a customer message after the solve is a reopen even without a status change.
    assert t["T8"]["reopens"] == 1 and t["T8"]["reopened"] is True and t["T8"]["fcr"] is False
    # T9/T10: the same customer and type return within 2 days: T9 loses FCR, T10 keeps it.
    assert t["T9"]["repeat_contact"] is True and t["T9"]["fcr"] is False
    assert t["T10"]["fcr"] is True and t["T10"]["disguised_reopen"] is False


def test_windows_come_from_the_config(con: Any) -> None:
    class Thresholds:
        repeat_window = 10 * 86400.0
        reopen_window = 1 * 86400.0

    t = by_ticket(
        ticket_metrics(case(con, "reopens"), Thresholds(), as_of=instant("2026-03-25T00:00:00Z"))
    )
    assert t["T1"]["reopened"] is False  # 45 hours > 1 day
    assert t["T5"]["repeat_contact"] is True and t["T5"]["fcr"] is False  # 8d23h < 10 d
    assert t["T5"]["disguised_reopen"] is False


def test_merged_duplicate_escalation_and_reassignment(con: Any) -> None:
    t = by_ticket(
        ticket_metrics(case(con, "merge_escalation"), as_of=instant("2026-03-03T00:00:00Z"))
    )
    # T2 was merged into T1: no row of its own; its message and work move to T1, its
    # "closed as merged" status does not.
    assert sorted(t) == ["T1", "T3", "T4", "T5"]
    assert t["T1"]["merged_tickets"] == 1
    assert t["T1"]["work_seconds"] == 120.0
    assert t["T1"]["solved_at"] == instant("2026-03-02T10:00:00Z")
    assert t["T1"]["needed_dialogue"] is False and t["T1"]["fcr"] is True
    # T3: t1-a -> t1-b (same tier) is a reassignment; -> tier2 with an escalation at the
    # same instant is the escalation, not a reassignment.
    assert t["T3"]["reassignments"] == 1 and t["T3"]["reassigned"] is True
    assert t["T3"]["escalated"] is True and t["T3"]["escalated_to"] == "tier2"
    assert t["T3"]["first_escalated_at"] == instant("2026-03-02T11:00:00Z")
    # T4: t1-a -> t1-b counts; back to A1 in t1-b does not change the team; the move to a
    # tier-2 agent is not a same-tier handoff. No escalation event: not escalated.
    assert t["T4"]["reassignments"] == 1 and t["T4"]["escalated"] is False
    assert t["T4"]["escalated_to"] is None
    # T5: agent-created, priority raised by an event; no customer message: no clock.
    assert t["T5"]["is_outbound"] is True and t["T5"]["is_demand"] is False
    assert (t["T5"]["priority"], t["T5"]["initial_priority"]) == ("high", "normal")
    assert t["T5"]["clock_start_at"] is None and t["T5"]["waiting_so_far_s"] is None


def test_work_logs_and_ratings(con: Any) -> None:
    t = by_ticket(ticket_metrics(case(con, "work_csat"), as_of=instant("2026-03-03T00:00:00Z")))
    assert t["T1"]["work_seconds"] == 540.0 and t["T1"]["work_per_reply_s"] == 270.0
    assert t["T2"]["work_seconds"] is None and t["T2"]["work_per_reply_s"] is None
    assert (t["T1"]["rating"], t["T1"]["csat_good"]) == ("good", True)  # the last rating
    assert t["T1"]["rated_at"] == instant("2026-03-02T12:00:00Z")
    assert (t["T2"]["rating"], t["T2"]["csat_good"]) == ("bad", False)
    assert (t["T3"]["rating"], t["T3"]["csat_good"]) == (None, None)


def test_columns_asked_alone_keep_their_values(con: Any) -> None:
    """Asking for a few columns builds only what they read (the solve times come from one
    pass over the status changes when no reopen figure is asked), with the same values."""
    inputs = case(con, "reopens")
    as_of = instant("2026-03-25T00:00:00Z")
    wanted = ["ticket_id", "solved_at", "first_solved_at", "full_resolution_s", "status"]
    narrow = ticket_metrics(inputs, as_of=as_of, columns=wanted)
    assert tuple(narrow.columns) == tuple(wanted)
    t = by_ticket(narrow)
    # T1 reopened and solved again: resolved at the last solve, first solved at the first.
    assert t["T1"]["solved_at"] == instant("2026-03-03T11:00:00Z")
    assert t["T1"]["first_solved_at"] == instant("2026-03-01T12:00:00Z")
    assert t["T1"]["full_resolution_s"] == 50 * 3600.0
    # T3 solved then closed: one solve period, resolved at the solve; status is closed.
    assert t["T3"]["solved_at"] == instant("2026-03-01T10:00:00Z")
    assert t["T3"]["status"] == "closed"
    # T8: the customer wrote after the solve without a status change: still solved.
    assert t["T8"]["solved_at"] == instant("2026-03-01T09:30:00Z")
    full = by_ticket(ticket_metrics(inputs, as_of=as_of))
    assert t == {k: {c: row[c] for c in wanted} for k, row in full.items()}

    inputs = case(con, "waits")
    as_of = instant("2026-03-02T18:00:00Z")
    wanted = ["ticket_id", "requester_wait_s", "agent_wait_s", "first_response_s", "is_open"]
    t = by_ticket(ticket_metrics(inputs, as_of=as_of, columns=wanted))
    assert t["T1"]["requester_wait_s"] == 600 + 600 + 3600 + 3600 + 3600
    assert t["T1"]["agent_wait_s"] == 6000.0
    assert t["T3"]["requester_wait_s"] is None and t["T3"]["is_open"] is True
    full = by_ticket(ticket_metrics(inputs, as_of=as_of))
    assert t == {k: {c: row[c] for c in wanted} for k, row in full.items()}


def test_events_count_towards_their_surviving_ticket_only(con: Any) -> None:
    """Which ticket each event counts towards, as of 2026-03-03: T2 was merged into T1, so
    its message and work move to T1 and its status stays behind; T3 was merged into T2 (a
    duplicate itself), T5 into T4 (created after as_of), T6 into T9 (no such ticket):
    their events count nowhere, and neither do those of T4 (created after as_of, with a
    message written before its creation). E11 happened after as_of."""
    inputs = case(con, "merge_chain")
    prep = prepare(inputs, instant("2026-03-03T00:00:00Z"))
    rows = prep.events.select("event_id", "ticket_id", "own").to_pandas()
    got = sorted((r.event_id, r.ticket_id, bool(r.own)) for r in rows.itertuples())
    assert got == [
        ("E01", "T1", True),
        ("E02", "T1", False),
        ("E04", "T1", False),
        ("E09", "T7", True),
        ("E10", "T7", True),
    ]
    t = by_ticket(ticket_metrics(inputs, as_of=instant("2026-03-03T00:00:00Z")))
    assert sorted(t) == ["T1", "T7"]
    assert t["T1"]["merged_tickets"] == 1  # T3's target T2 is not a ticket of its own
    assert t["T1"]["work_seconds"] == 60.0 and t["T1"]["status"] == "new"
    assert t["T7"]["status"] == "open" and t["T7"]["replies"] == 0


def test_each_piece_is_read_as_the_caller_returns_it(con: Any) -> None:
    """Every per-ticket piece goes through ``piece`` once, keyed by ticket, and the table
    reads what it returns: the same rows give the same table, no rows leave each piece's
    columns to the tickets alone."""
    inputs = case(con, "reopens")
    as_of = instant("2026-03-25T00:00:00Z")
    full = by_ticket(ticket_metrics(inputs, as_of=as_of))
    keys: list[str] = []

    def same(table: ir.Table) -> ir.Table:
        keys.append(table.columns[0])
        return table.select(*table.columns)

    assert by_ticket(ticket_metrics(inputs, as_of=as_of, piece=same)) == full
    # One event summary: the messages are not materialized apart here (see compute()).
    pieces = ["s_ticket", "o_ticket", "i_ticket", "p_ticket", "d_ticket", "u_ticket", "a_ticket"]
    assert sorted(keys) == sorted(pieces)

    nothing = ibis.literal(False)
    t = by_ticket(ticket_metrics(inputs, as_of=as_of, piece=lambda p: p.filter(nothing)))
    assert t.keys() == full.keys()
    for ticket, row in t.items():
        assert row["created_at"] == full[ticket]["created_at"]
        assert row["first_reply_at"] is None and row["solved_at"] is None
        # Counts of an empty piece are zero, never missing.
        assert row["reopens"] == 0 and row["replies"] == 0 and row["status"] is None
    assert any(row["solved_at"] is not None for row in full.values())
