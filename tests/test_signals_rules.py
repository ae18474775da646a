"""Each detector's exact rule on tiny hand-made inputs (DuckDB and PySpark)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pytest

from supportkpi.model.schema import AGENTS, EVENTS, TICKETS
from supportkpi.signals import STEPS, SignalSettings, workflow_adherence, workflow_summary
from supportkpi.signals.context import binom_sf, make_context, poisson_cdf
from supportkpi.signals.gaming import parkings, split_offs
from tests.backends import load_arrow

UNTIL = datetime(2026, 3, 10, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def tickets(*rows: dict[str, Any]) -> pa.Table:
    base = {"channel": "email", "created_by": "customer", "priority": "normal", "team": "t"}
    return pa.Table.from_pylist([base | r for r in rows], schema=TICKETS.arrow_schema())


def events(*rows: tuple[Any, ...]) -> pa.Table:
    """(ticket, at, kind, role, actor, extra fields)"""
    out = []
    for i, (ticket, when, kind, role, actor, *extra) in enumerate(rows):
        row = {"event_id": f"E{i}", "ticket_id": ticket, "at": at(when), "kind": kind,
               "actor_role": role, "actor_id": actor}  # fmt: skip
        row |= extra[0] if extra else {}
        if kind == "message":
            row.setdefault("public", True)
        out.append(row)
    return pa.Table.from_pylist(out, schema=EVENTS.arrow_schema())


AGENT_ROWS = pa.Table.from_pylist(
    [{"agent_id": "A-1", "team": "t"}, {"agent_id": "A-2", "team": "t"}],
    schema=AGENTS.arrow_schema(),
)


def test_tail_probabilities() -> None:
    # P(X <= 0 | 2) = e^-2; P(X <= 2 | 1) = e^-1 (1 + 1 + 1/2)
    assert poisson_cdf(0, 2.0) == pytest.approx(0.1353352832)
    assert poisson_cdf(2, 1.0) == pytest.approx(0.9196986029)
    # P(X >= 2 | n=3, p=1/2) = (3 + 1) / 8
    assert binom_sf(2, 3, 0.5) == pytest.approx(0.5)
    assert binom_sf(0, 3, 0.1) == 1.0


def test_parking_is_pending_after_the_customer_wrote(con: Any) -> None:
    day = "2026-03-02T"
    t = tickets(*({"ticket_id": f"T{i}", "created_at": at(day + "09:00"), "customer_id": "C",
                   "agent_id": "A-1"} for i in range(1, 5)))  # fmt: skip
    e = events(
        # T1: customer wrote, the agent set pending without replying: parked
        ("T1", day + "09:00", "message", "customer", "C"),
        ("T1", day + "09:30", "status", "agent", "A-1", {"status": "pending"}),
        # T2: the agent replied (asking for information), then pending: fine
        ("T2", day + "09:00", "message", "customer", "C"),
        ("T2", day + "09:10", "message", "agent", "A-1"),
        ("T2", day + "09:11", "status", "agent", "A-1", {"status": "pending"}),
        # T3: the customer answered; an internal note is no reply: parked
        ("T3", day + "09:00", "message", "customer", "C"),
        ("T3", day + "09:10", "message", "agent", "A-1"),
        ("T3", day + "10:00", "message", "customer", "C"),
        ("T3", day + "10:05", "note", "agent", "A-1", {"public": False}),
        ("T3", day + "10:06", "status", "agent", "A-1", {"status": "pending"}),
        # T4: only a bot answered before A-2 set pending: parked (by A-2)
        ("T4", day + "09:00", "message", "customer", "C"),
        ("T4", day + "09:05", "message", "bot", "BOT"),
        ("T4", day + "09:06", "status", "agent", "A-2", {"status": "pending"}),
    )
    inputs = load_arrow(con, {"tickets": t, "events": e, "agents": AGENT_ROWS})
    ctx = make_context(inputs, since=None, until=UNTIL, config=None, settings=None)
    got = parkings(ctx).to_pyarrow().to_pylist()
    assert sorted((r["ticket_id"], r["agent_id"], r["event_id"]) for r in got) == [
        ("T1", "A-1", "E1"),
        ("T3", "A-1", "E9"),
        ("T4", "A-2", "E12"),
    ]


def test_split_offs_follow_the_customers_ticket_closely(con: Any) -> None:
    t = tickets(
        {"ticket_id": "T10", "created_at": at("2026-03-02T10:00"), "customer_id": "C1",
         "agent_id": "A-1"},
        # agent-created 30 min after the customer's ticket: a split-off
        {"ticket_id": "T11", "created_at": at("2026-03-02T10:30"), "customer_id": "C1",
         "agent_id": "A-1", "created_by": "agent"},
        # 2.5 h after the last ticket of C1 (default window 2 h): not a split-off
        {"ticket_id": "T12", "created_at": at("2026-03-02T13:00"), "customer_id": "C1",
         "agent_id": "A-1", "created_by": "agent"},
        # outbound to a customer without a recent ticket: not a split-off
        {"ticket_id": "T13", "created_at": at("2026-03-02T10:30"), "customer_id": "C2",
         "agent_id": "A-2", "created_by": "agent"},
    )  # fmt: skip
    inputs = load_arrow(con, {"tickets": t, "agents": AGENT_ROWS})
    ctx = make_context(inputs, since=None, until=UNTIL, config=None, settings=None)
    got = split_offs(ctx).to_pyarrow().to_pylist()
    assert [(r["ticket_id"], r["agent_id"], r["prior_ticket_id"]) for r in got] == [
        ("T11", "A-1", "T10")
    ]
    wider = SignalSettings.model_validate({"gaming": {"split_window_s": 3 * 3600}})
    ctx = make_context(inputs, since=None, until=UNTIL, config=None, settings=wider)
    got = split_offs(ctx).to_pyarrow().to_pylist()
    assert sorted(r["ticket_id"] for r in got) == ["T11", "T12"]


def test_workflow_steps_per_ticket(con: Any) -> None:
    t = tickets(
        {"ticket_id": "T1", "created_at": at("2026-03-02T09:00"), "customer_id": "C1",
         "agent_id": "A-1"},
        {"ticket_id": "T2", "created_at": at("2026-03-02T09:00"), "customer_id": "C2",
         "agent_id": "A-2", "priority": "high"},
    )  # fmt: skip
    e = events(
        ("T1", "2026-03-02T09:00", "message", "customer", "C1"),
        ("T1", "2026-03-02T09:05", "priority", "agent", "A-1", {"priority": "normal"}),
        ("T1", "2026-03-02T10:00", "message", "agent", "A-1"),
        ("T1", "2026-03-02T10:00", "promise", "agent", "A-1",
         {"promised_at": at("2026-03-03T12:00")}),
        ("T1", "2026-03-03T11:00", "message", "agent", "A-1"),
        ("T1", "2026-03-03T11:00", "status", "agent", "A-1", {"status": "solved"}),
        ("T1", "2026-03-03T12:00", "confirmation", "customer", "C1"),
        ("T1", "2026-03-07T11:00", "status", "system", None, {"status": "closed"}),
        ("T2", "2026-03-02T09:00", "message", "customer", "C2"),
        ("T2", "2026-03-02T09:30", "message", "agent", "A-2"),
        ("T2", "2026-03-02T09:40", "message", "agent", "A-2"),
        ("T2", "2026-03-02T09:45", "status", "agent", "A-2", {"status": "solved"}),
        ("T2", "2026-03-02T10:00", "message", "customer", "C2"),
        ("T2", "2026-03-02T10:00", "status", "system", None, {"status": "open"}),
        ("T2", "2026-03-02T11:00", "status", "agent", "A-2", {"status": "solved"}),
    )  # fmt: skip
    inputs = load_arrow(con, {"tickets": t, "events": e, "agents": AGENT_ROWS})
    table = workflow_adherence(inputs, until=UNTIL)
    rows = {r["ticket_id"]: r for r in table.to_pyarrow().to_pylist()}
    assert [rows["T1"][s] for s in STEPS] == ["passed"] * 6
    assert rows["T1"]["score"] == 1.0
    assert [rows["T2"][s] for s in STEPS] == [
        "passed",  # 30 min <= the high-priority 4 h target
        "passed",  # no priority event, but it came with a priority
        "failed",  # two replies, no promise of a date
        "unknown",  # no promises to keep
        "failed",  # reopened without a confirmation
        "unknown",  # not closed
    ]
    assert rows["T2"]["score"] == 0.5
    by_team = workflow_summary(table, "team").to_pyarrow().to_pylist()
    assert by_team[0]["tickets"] == 2
    assert by_team[0]["mean_score"] == pytest.approx(0.75)
    assert by_team[0]["steps_known_share"] == pytest.approx(10 / 12)


def test_no_promise_events_means_promise_steps_unknown(con: Any) -> None:
    t = tickets({"ticket_id": "T1", "created_at": at("2026-03-02T09:00"), "customer_id": "C1",
                 "agent_id": "A-1"})  # fmt: skip
    e = events(
        ("T1", "2026-03-02T09:00", "message", "customer", "C1"),
        ("T1", "2026-03-02T10:00", "message", "agent", "A-1"),
        ("T1", "2026-03-02T11:00", "message", "agent", "A-1"),
        ("T1", "2026-03-02T12:00", "status", "agent", "A-1", {"status": "solved"}),
    )
    inputs = load_arrow(con, {"tickets": t, "events": e, "agents": AGENT_ROWS})
    row = workflow_adherence(inputs, until=UNTIL).to_pyarrow().to_pylist()[0]
    assert [row[s] for s in STEPS] == [
        "passed",
        "unknown",  # the source has no priority events at all
        "unknown",  # ... no promise events
        "unknown",
        "passed",  # solved, not reopened
        "unknown",  # ... no confirmation events
    ]
