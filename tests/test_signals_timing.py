"""When signals are raised: each is judged at the end of every hour on data recorded by
then, so ``detected_at`` is the end of the hour in which the evidence first crossed the
rule, not the end of its day (hand-made inputs, DuckDB and PySpark)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pyarrow as pa

from supportkpi.model.schema import AGENTS, CONTACTS
from supportkpi.signals import detect
from supportkpi.signals.context import make_context
from supportkpi.signals.escalation import escalation_windows
from supportkpi.signals.quality import fcr_facts, handled_contacts, work_to_first_solve
from tests.backends import load_arrow
from tests.test_signals_rules import at, events
from tests.test_signals_rules import tickets as rule_tickets

UNTIL = datetime(2026, 3, 10, tzinfo=UTC)
AGENT_ROWS = pa.Table.from_pylist(
    [{"agent_id": "A-1", "team": "t"}, {"agent_id": "A-2", "team": "t"}],
    schema=AGENTS.arrow_schema(),
)


def utc(value: datetime | None) -> datetime | None:
    """PySpark hands back naive UTC timestamps, DuckDB aware ones."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def tickets(*rows: dict[str, Any]) -> pa.Table:
    return rule_tickets(*({"type": "billing", "agent_id": "A-1"} | r for r in rows))


def test_parking_is_raised_at_the_end_of_the_hour_of_the_second_parking(con: Any) -> None:
    day = "2026-03-02T"
    t = tickets(*({"ticket_id": f"T{i}", "created_at": at(day + "08:00"), "customer_id": f"C{i}",
                   "agent_id": "A-1" if i <= 2 else "A-2"} for i in range(1, 7)))  # fmt: skip
    e = events(
        # A-1 parks T1 at 09:30 and T2 at 13:15: the customer wrote last both times
        ("T1", day + "08:00", "message", "customer", "C1"),
        ("T1", day + "09:30", "status", "agent", "A-1", {"status": "pending"}),
        ("T2", day + "08:00", "message", "customer", "C2"),
        ("T2", day + "13:15", "status", "agent", "A-1", {"status": "pending"}),
        # A-2 replies before each of its four pending changes: no parking in the team
        *(
            row
            for i in range(3, 7)
            for row in (
                (f"T{i}", day + "08:00", "message", "customer", f"C{i}"),
                (f"T{i}", day + "09:00", "message", "agent", "A-2"),
                (f"T{i}", day + "09:01", "status", "agent", "A-2", {"status": "pending"}),
            )
        ),
    )
    inputs = load_arrow(con, {"tickets": t, "events": e, "agents": AGENT_ROWS})
    [signal] = detect(inputs, until=UNTIL, kinds=["pending_parking"])
    # min_parked = 2 holds from the 13:00-14:00 hour on: 2 of A-1's 2 pending changes vs
    # none in the rest of the team (floored at half a case in 4: ratio 1 / 0.125 = 8 >= 4)
    assert signal.subject == "A-1"
    assert signal.detected_at == at(day + "14:00")
    assert signal.window_start == at(day + "14:00") - timedelta(days=7)
    assert signal.observed == 1.0 and signal.baseline == 0.0 and signal.score == 8.0
    assert sorted(signal.evidence_ids) == ["T1", "T2"]
    # judged with data up to 14:00 only, the same signal is raised at the same instant
    [early] = detect(inputs, until=at(day + "14:00"), kinds=["pending_parking"])
    assert early.detected_at == signal.detected_at
    # ... and with data up to 13:00 it is not raised yet: one parking only
    assert detect(inputs, until=at(day + "13:00"), kinds=["pending_parking"]) == []


def test_escalation_windows_count_the_last_24_hours_tickets(con: Any) -> None:
    t = tickets(
        # created more than 24 h before any window that sees its escalation
        {"ticket_id": "T0", "created_at": at("2026-03-01T08:30"), "customer_id": "C0"},
        {"ticket_id": "T1", "created_at": at("2026-03-02T09:10"), "customer_id": "C1"},
        {"ticket_id": "T2", "created_at": at("2026-03-02T09:20"), "customer_id": "C2"},
        # agent-created: not demand, neither counted nor escalations
        {"ticket_id": "T3", "created_at": at("2026-03-02T09:30"), "customer_id": "C3",
         "created_by": "agent"},
    )  # fmt: skip
    e = events(
        ("T0", "2026-03-02T09:50", "escalation", "agent", "A-1", {"team": "t2"}),
        ("T1", "2026-03-02T09:40", "escalation", "agent", "A-1", {"team": "t2"}),
        ("T2", "2026-03-02T11:30", "escalation", "agent", "A-1", {"team": "t2"}),
        ("T3", "2026-03-02T09:45", "escalation", "agent", "A-1", {"team": "t2"}),
    )
    inputs = load_arrow(con, {"tickets": t, "events": e, "agents": AGENT_ROWS})
    ctx = make_context(inputs, since=None, until=at("2026-03-02T13:00"), config=None,
                       settings=None)  # fmt: skip
    windows = escalation_windows(ctx)
    by_end = {
        pd.Timestamp(end).to_pydatetime(): (int(n), int(k))
        for end, n, k in zip(
            windows["end"], windows["tickets"], windows["escalations"], strict=True
        )
    }
    got = {
        hour: by_end[at(f"2026-03-02T{hour}")]
        for hour in ("08:00", "09:00", "10:00", "11:00", "12:00", "13:00")
    }
    assert got == {
        "08:00": (1, 0),  # T0 (created 03-01 08:30) is inside [03-01 08:00, 03-02 08:00)
        "09:00": (0, 0),
        "10:00": (2, 1),  # T1, T2; T1 escalated at 09:40; T0's escalation is not its window's
        "11:00": (2, 1),
        "12:00": (2, 2),  # T2 escalated at 11:30
        "13:00": (2, 2),
    }
    assert max(by_end) == at("2026-03-02T13:00")  # the last hour that ended


def test_fcr_misses_count_from_when_they_showed(con: Any) -> None:
    t = tickets(
        {"ticket_id": "T1", "created_at": at("2026-03-02T09:00"), "customer_id": "C1"},
        {"ticket_id": "T2", "created_at": at("2026-03-02T09:00"), "customer_id": "C2"},
        {"ticket_id": "T3", "created_at": at("2026-03-02T09:00"), "customer_id": "C3"},
        {"ticket_id": "T4", "created_at": at("2026-03-02T09:00"), "customer_id": "C4"},
        # C4 comes back with the same type two days after T4 was solved
        {"ticket_id": "T5", "created_at": at("2026-03-04T10:00"), "customer_id": "C4"},
    )
    solve = {"status": "solved"}
    e = events(
        # T1: one reply, solved, never back: a success
        ("T1", "2026-03-02T09:00", "message", "customer", "C1"),
        ("T1", "2026-03-02T10:00", "message", "agent", "A-1"),
        ("T1", "2026-03-02T10:01", "status", "agent", "A-1", solve),
        # T2: two replies before the solve: a miss known at the solve
        ("T2", "2026-03-02T09:00", "message", "customer", "C2"),
        ("T2", "2026-03-02T10:00", "message", "agent", "A-1"),
        ("T2", "2026-03-02T11:00", "message", "agent", "A-1"),
        ("T2", "2026-03-02T11:01", "status", "agent", "A-1", solve),
        # T3: one reply, solved, reopened the next day: a miss from the reopen
        ("T3", "2026-03-02T09:00", "message", "customer", "C3"),
        ("T3", "2026-03-02T10:00", "message", "agent", "A-1"),
        ("T3", "2026-03-02T10:01", "status", "agent", "A-1", solve),
        ("T3", "2026-03-03T12:00", "message", "customer", "C3"),
        ("T3", "2026-03-03T12:00", "status", "system", None, {"status": "open"}),
        ("T3", "2026-03-03T13:00", "message", "agent", "A-1"),
        ("T3", "2026-03-03T13:01", "status", "agent", "A-1", solve),
        # T4: one reply, solved; the repeat contact T5 makes it a miss from T5's creation
        ("T4", "2026-03-02T09:00", "message", "customer", "C4"),
        ("T4", "2026-03-02T10:00", "message", "agent", "A-1"),
        ("T4", "2026-03-02T10:01", "status", "agent", "A-1", solve),
        ("T5", "2026-03-04T10:00", "message", "customer", "C4"),
    )
    inputs = load_arrow(con, {"tickets": t, "events": e, "agents": AGENT_ROWS})
    ctx = make_context(inputs, since=None, until=UNTIL, config=None, settings=None)
    rows = {r["ticket_id"]: r for r in fcr_facts(ctx).to_pyarrow().to_pylist()}
    assert sorted(rows) == ["T1", "T2", "T3", "T4"]
    assert {k: (utc(r["solved_at"]), utc(r["missed_at"])) for k, r in rows.items()} == {
        "T1": (at("2026-03-02T10:01"), None),
        "T2": (at("2026-03-02T11:01"), at("2026-03-02T11:01")),
        "T3": (at("2026-03-02T10:01"), at("2026-03-03T12:00")),
        "T4": (at("2026-03-02T10:01"), at("2026-03-04T10:00")),
    }


def test_handling_counts_when_it_is_known(con: Any) -> None:
    t = tickets(
        {"ticket_id": "T1", "created_at": at("2026-03-02T09:00"), "customer_id": "C1"},
        {"ticket_id": "T2", "created_at": at("2026-03-02T09:00"), "customer_id": "C2"},
    )
    solve = {"status": "solved"}
    e = events(
        # T1: 300 s of work before its first solve, 900 s after its reopen
        ("T1", "2026-03-02T09:00", "message", "customer", "C1"),
        ("T1", "2026-03-02T09:30", "work", "agent", "A-1", {"work_seconds": 300.0}),
        ("T1", "2026-03-02T10:00", "message", "agent", "A-1"),
        ("T1", "2026-03-02T10:01", "status", "agent", "A-1", solve),
        ("T1", "2026-03-03T09:00", "message", "customer", "C1"),
        ("T1", "2026-03-03T09:00", "status", "system", None, {"status": "open"}),
        ("T1", "2026-03-03T09:30", "work", "agent", "A-1", {"work_seconds": 900.0}),
        ("T1", "2026-03-03T10:01", "status", "agent", "A-1", solve),
        # T2: solved without logged work: not in the work basis
        ("T2", "2026-03-02T09:00", "message", "customer", "C2"),
        ("T2", "2026-03-02T10:00", "message", "agent", "A-1"),
        ("T2", "2026-03-02T10:01", "status", "agent", "A-1", solve),
    )
    contacts = pa.Table.from_pylist(
        [
            # a call that arrived at 10:50 and ended at 11:10: known at 11:10
            {"contact_id": "K1", "channel": "phone", "arrived_at": at("2026-03-02T10:50"),
             "answered_at": at("2026-03-02T10:51"), "ended_at": at("2026-03-02T11:10"),
             "outcome": "answered", "talk_seconds": 1100.0, "wrap_seconds": 60.0,
             "agent_id": "A-1"},
            # ended after the analysis end (12:00): not known yet
            {"contact_id": "K2", "channel": "phone", "arrived_at": at("2026-03-02T11:50"),
             "answered_at": at("2026-03-02T11:51"), "ended_at": at("2026-03-02T12:05"),
             "outcome": "answered", "talk_seconds": 800.0, "agent_id": "A-1"},
        ],
        schema=CONTACTS.arrow_schema(),
    )  # fmt: skip
    inputs = load_arrow(
        con, {"tickets": t, "events": e, "contacts": contacts, "agents": AGENT_ROWS}
    )
    ctx = make_context(inputs, since=None, until=UNTIL, config=None, settings=None)
    work = work_to_first_solve(ctx).to_pyarrow().to_pylist()
    assert [(r["ticket_id"], utc(r["first_solved_at"]), r["work_s"]) for r in work] == [
        ("T1", at("2026-03-02T10:01"), 300.0)
    ]
    ctx = make_context(inputs, since=None, until=at("2026-03-02T12:00"), config=None,
                       settings=None)  # fmt: skip
    handled = handled_contacts(ctx).to_pyarrow().to_pylist()
    assert [(utc(r["known_at"]), r["handle_s"]) for r in handled] == [
        (at("2026-03-02T11:10"), 1160.0)
    ]
