"""Volume drop on a public holiday: the quiet day of a holiday raises nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow as pa

from supportkpi.model.schema import TICKETS
from supportkpi.policy import Config, ScheduleConfig, parse_config
from supportkpi.signals import SignalSettings, detect
from tests.backends import load_arrow

GOOD_FRIDAY = date(2026, 4, 3)  # a public holiday in Germany (DE)
UNTIL = datetime(2026, 4, 4, tzinfo=UTC)


def _email_desk() -> pa.Table:
    """8 email tickets in every hour 09:00-16:59 UTC of every weekday from Monday 2026-03-02
    to Friday 2026-04-03, except the holiday, which brings none."""
    rows = []
    day = date(2026, 3, 2)
    while day <= GOOD_FRIDAY:
        if day.weekday() < 5 and day != GOOD_FRIDAY:
            for hour in range(9, 17):
                for k in range(8):
                    at = datetime(day.year, day.month, day.day, hour, 7 * k, tzinfo=UTC)
                    rows.append(
                        {
                            "ticket_id": f"T-{day:%m%d}-{hour}-{k}",
                            "customer_id": f"C-{day:%m%d}-{hour}-{k}",
                            "created_at": at,
                            "channel": "email",
                            "created_by": "customer",
                        }
                    )
        day += timedelta(days=1)
    return pa.Table.from_pylist(rows, schema=TICKETS.arrow_schema())


def _config(country: str | None) -> Config:
    return Config(schedules={"default": ScheduleConfig(holiday_country=country)})


def test_good_friday_is_no_volume_drop(con: Any) -> None:
    inputs = load_arrow(con, {"tickets": _email_desk()})
    quiet = detect(inputs, config=_config("DE"), until=UNTIL, kinds=["volume_drop"])
    assert quiet == []
    # Without the holiday calendar the same empty Friday is a drop: each hour expects
    # 1.0 x 8 = 8 arrivals; one empty hour has P = e^-8 = 3.4e-4 (> 1e-5), two have
    # e^-16 = 1.1e-7, so it is raised at the end of the 10:00 hour.
    loud = detect(inputs, config=_config(None), until=UNTIL, kinds=["volume_drop"])
    assert [(s.subject, s.detected_at) for s in loud] == [
        ("email", datetime(2026, 4, 3, 11, tzinfo=UTC))
    ]
    assert loud[0].baseline == 16.0 and loud[0].observed == 0.0
    # the switch in [signals.volume] turns the holiday rule off
    off = SignalSettings.model_validate({"volume": {"skip_holidays": False}})
    again = detect(inputs, config=_config("DE"), settings=off, until=UNTIL,
                   kinds=["volume_drop"])  # fmt: skip
    assert [s.detected_at for s in again] == [datetime(2026, 4, 3, 11, tzinfo=UTC)]
    # ... and detect() reads it from the config's [signals] section
    section = parse_config(
        {
            "schedules": {"default": {"holiday_country": "DE"}},
            "signals": {"volume": {"skip_holidays": False}},
        }
    )
    from_config = detect(inputs, config=section, until=UNTIL, kinds=["volume_drop"])
    assert [s.detected_at for s in from_config] == [datetime(2026, 4, 3, 11, tzinfo=UTC)]
