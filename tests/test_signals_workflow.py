"""The workflow's first-response step is timed on the business clock of the schedules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from supportkpi.policy import default_config, parse_config
from supportkpi.signals import workflow_adherence
from tests.backends import load_arrow
from tests.test_signals_rules import AGENT_ROWS, at, events, tickets

UNTIL = datetime(2026, 3, 10, 12, tzinfo=UTC)  # Tuesday noon


def _inputs(con: Any) -> Any:
    # Default schedule: Mon-Fri 09:00-17:00 UTC; "normal" policy: first response 8h business.
    t = tickets(
        # Fri 16:00 -> Mon 10:00: 66 h of calendar time, 1 h + 1 h = 2 h of business time.
        {"ticket_id": "W1", "created_at": at("2026-03-06T16:00"), "customer_id": "C1",
         "agent_id": "A-1"},
        # Mon 09:00 -> Tue 09:30: 8 h on Monday + 0.5 h on Tuesday = 8.5 h > 8 h.
        {"ticket_id": "W2", "created_at": at("2026-03-09T09:00"), "customer_id": "C2",
         "agent_id": "A-1"},
        # Fri 16:30, no reply by Tue 12:00: 0.5 h + 8 h + 3 h = 11.5 h waiting > 8 h.
        {"ticket_id": "W3", "created_at": at("2026-03-06T16:30"), "customer_id": "C3",
         "agent_id": "A-2"},
        # Tue 08:00, no reply by Tue 12:00: 3 h of business time, still within 8 h.
        {"ticket_id": "W4", "created_at": at("2026-03-10T08:00"), "customer_id": "C4",
         "agent_id": "A-2"},
    )  # fmt: skip
    e = events(
        ("W1", "2026-03-06T16:00", "message", "customer", "C1"),
        ("W1", "2026-03-09T10:00", "message", "agent", "A-1"),
        ("W2", "2026-03-09T09:00", "message", "customer", "C2"),
        ("W2", "2026-03-10T09:30", "message", "agent", "A-1"),
        ("W3", "2026-03-06T16:30", "message", "customer", "C3"),
        ("W4", "2026-03-10T08:00", "message", "customer", "C4"),
    )
    return load_arrow(con, {"tickets": t, "events": e, "agents": AGENT_ROWS})


def _first_response(con: Any, config: Any) -> dict[str, str]:
    table = workflow_adherence(_inputs(con), config=config, until=UNTIL)
    frame = table.select("ticket_id", "first_response_in_time").to_pandas()
    return dict(zip(frame["ticket_id"], frame["first_response_in_time"], strict=True))


def test_first_response_counts_business_hours(con: Any) -> None:
    assert _first_response(con, default_config()) == {
        "W1": "passed",
        "W2": "failed",
        "W3": "failed",
        "W4": "unknown",
    }


def test_a_calendar_policy_counts_every_hour(con: Any) -> None:
    calendar = parse_config(
        {
            "sla": {
                "policies": [
                    {"name": "all", "targets": {"first_response": "8h"}, "time": "calendar"}
                ]
            }
        }
    )
    # W1 66 h, W2 24.5 h, W3 91.5 h waiting: all over 8 h; W4 4 h waiting: unknown.
    assert _first_response(con, calendar) == {
        "W1": "failed",
        "W2": "failed",
        "W3": "failed",
        "W4": "unknown",
    }


def test_the_configs_workflow_settings_are_used(con: Any) -> None:
    t = tickets(
        {"ticket_id": "P1", "created_at": at("2026-03-09T09:00"), "customer_id": "C1"},
        {"ticket_id": "P2", "created_at": at("2026-03-09T09:00"), "customer_id": "C2"},
    )
    e = events(
        ("P1", "2026-03-09T09:00", "message", "customer", "C1"),
        ("P2", "2026-03-09T09:00", "message", "customer", "C2"),
        ("P1", "2026-03-09T11:00", "priority", "agent", "A-1"),  # 2 h after creation
        ("P2", "2026-03-09T15:00", "priority", "agent", "A-1"),  # 6 h after creation
    )
    inputs = load_arrow(con, {"tickets": t, "events": e, "agents": AGENT_ROWS})

    def steps(config: Any) -> dict[str, str]:
        frame = workflow_adherence(inputs, config=config, until=UNTIL).to_pandas()
        return dict(zip(frame["ticket_id"], frame["prioritized_in_time"], strict=True))

    assert steps(default_config()) == {"P1": "passed", "P2": "failed"}  # within 4 h
    lenient = parse_config({"signals": {"workflow": {"prioritize_within_s": "8h"}}})
    assert steps(lenient) == {"P1": "passed", "P2": "passed"}
