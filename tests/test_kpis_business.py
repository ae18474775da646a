"""Business time through the KPI engine, on every backend (schedules in the config)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from supportkpi.kpis.business import clock_for
from supportkpi.kpis.tickets import ticket_metrics
from supportkpi.policy import parse_config
from tests.backends import load_case

CASE = Path(__file__).parent / "fixtures" / "kpis" / "business_time"
AS_OF = datetime(2026, 3, 10, tzinfo=UTC)


def rows(con: Any, config: Any) -> dict[str, dict[str, Any]]:
    inputs = load_case(con, CASE)
    table = ticket_metrics(inputs, config, as_of=AS_OF, clock=clock_for(config))
    frame = table.to_pandas()
    return {r["ticket_id"]: r for r in frame.to_dict(orient="records")}


def test_business_time_in_the_default_schedule(con: Any) -> None:
    got = rows(con, None)  # default: UTC, Monday to Friday 09:00-17:00
    # B1: created Friday 17:00, the bot's acknowledgement does not count, answered Monday
    # 10:00: one business hour; solved Monday 12:30: three and a half.
    assert got["B1"]["first_response_s"] == 3 * 86400 - 7 * 3600
    assert got["B1"]["first_response_bh_s"] == 3600.0
    assert got["B1"]["full_resolution_bh_s"] == 3.5 * 3600
    # B2: Monday 10:00 to Tuesday 10:00 = 8 business hours (17:00 to 09:00 closed).
    assert got["B2"]["full_resolution_bh_s"] == 8 * 3600.0
    assert got["B2"]["first_response_bh_s"] == 1800.0


def test_a_schedule_per_channel_from_the_config(con: Any) -> None:
    config = parse_config(
        {
            "schedules": {
                "phones": {"timezone": "Europe/Berlin", "week": {"mon": ["08:00-16:30"]}}
            },
            "schedule_for": {"channel": {"phone": "phones"}},
        }
    )
    got = rows(con, config)
    # B3 (phone): Berlin closes at 16:30 local = 15:30Z, so 16:00Z to 16:10Z is closed time.
    assert got["B3"]["first_response_bh_s"] == 0.0
    assert got["B3"]["first_response_s"] == 600.0
    # Email keeps the default schedule.
    assert got["B1"]["first_response_bh_s"] == pytest.approx(3600.0)
