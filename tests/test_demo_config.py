"""The demo's config describes the simulated desk: its zone, hours and holidays."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime

from supportkpi.calendar.schedule import Schedule, business_seconds
from supportkpi.demo import desk_config
from supportkpi.policy import Config, parse_config

OPERATION = {
    "time_zone": "Europe/Berlin",
    "business_hours": {
        "email": {"days": ["Mon", "Tue", "Wed", "Thu", "Fri"], "open": "08:00", "close": "18:00"},
        "social": {"days": ["Mon", "Tue", "Wed", "Thu", "Fri"], "open": "08:00", "close": "18:00"},
        "web": {"days": ["Mon", "Tue", "Wed", "Thu", "Fri"], "open": "08:00", "close": "18:00"},
        "phone": {
            "days": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
            "open": "08:00",
            "close": "20:00",
        },
        "chat": {
            "days": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
            "open": "08:00",
            "close": "20:00",
        },
    },
    "holidays": {"country": "DE"},
}


def _config() -> Config:
    return parse_config(tomllib.loads(desk_config(OPERATION)))


def test_the_most_common_hours_are_the_default_schedule() -> None:
    config = _config()
    default = config.schedules["default"]
    assert (default.timezone, default.holiday_country) == ("Europe/Berlin", "DE")
    assert default.week == {d: ["08:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
    assert config.source.timezone == "Europe/Berlin"


def test_phones_and_chat_get_their_own_saturday_schedule() -> None:
    config = _config()
    assert config.schedule_for.channel == {"chat": "chat", "phone": "phone"}
    assert config.schedules["phone"].week["sat"] == ["08:00-20:00"]
    assert "sat" not in config.schedules["default"].week


def test_german_public_holidays_close_the_desk() -> None:
    config = _config()
    desk = Schedule.from_config("default", config.schedules["default"])
    # Good Friday 2026-04-03 is closed; Thursday 2026-04-02 has 10 hours (08:00-18:00 CEST).
    friday = business_seconds(
        desk, [datetime(2026, 4, 3, tzinfo=UTC)], [datetime(2026, 4, 4, tzinfo=UTC)]
    )
    thursday = business_seconds(
        desk, [datetime(2026, 4, 2, tzinfo=UTC)], [datetime(2026, 4, 3, tzinfo=UTC)]
    )
    assert (float(friday[0]), float(thursday[0])) == (0.0, 36000.0)
