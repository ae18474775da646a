"""Per-ticket metrics on hand-checked cases, on every backend (see tests/fixtures/kpis)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import pandas as pd

from supportkpi.kpis.inputs import Inputs
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


def _string_nulls(table: ir.Table) -> ir.Table:
    strings = [c for c, t in table.schema().items() if t.is_string()]
    return table.mutate(**{c: table[c].nullif("NaN") for c in strings})


def case(con: Any, name: str) -> Inputs:
    """Load a case. On PySpark the harness turns null strings into the text 'NaN' (its
    arrow -> pandas -> Spark path); they are turned back into nulls here."""
    inputs = load_case(con, CASES / name)
    if con.name != "pyspark":
        return inputs
    return Inputs(*(_string_nulls(t) for t in astuple_shallow(inputs)))


def astuple_shallow(inputs: Inputs) -> tuple[ir.Table, ...]:
    return (inputs.tickets, inputs.events, inputs.contacts, inputs.agents)


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
