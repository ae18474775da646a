"""Business time: exact hand-computed values, and the engine path equal to the reference."""

from __future__ import annotations

from datetime import UTC, date, datetime

import ibis
import numpy as np
import pyarrow as pa
import pytest

from supportkpi.calendar import BusinessClock, Schedule, add_business_seconds, business_seconds
from tests.backends import create, load_arrow

NINE_TO_FIVE = {d: ((9 * 60, 17 * 60),) for d in range(5)}


def hours(schedule: Schedule, start: str, end: str) -> float:
    """Business hours between two UTC instants written as ISO text."""
    s = np.array([start], dtype="datetime64[us]")
    e = np.array([end], dtype="datetime64[us]")
    return float(business_seconds(schedule, s, e)[0]) / 3600


UTC9 = Schedule("d", "UTC", NINE_TO_FIVE)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-03-02T10:00", "2026-03-02T12:30", 2.5),  # inside one day
        ("2026-03-02T08:00", "2026-03-02T18:00", 8.0),  # around a whole day
        ("2026-03-06T17:00", "2026-03-09T10:00", 1.0),  # Friday close to Monday 10:00
        ("2026-03-07T10:00", "2026-03-08T10:00", 0.0),  # a weekend
        ("2026-03-02T10:00", "2026-03-02T10:00", 0.0),  # start == end
        ("2026-03-02T12:00", "2026-03-02T11:00", 0.0),  # end before start
        ("2024-01-01T00:00", "2026-01-01T00:00", 8.0 * 523),  # two years: 523 weekdays
    ],
)
def test_plain_schedule(start: str, end: str, expected: float) -> None:
    assert hours(UTC9, start, end) == pytest.approx(expected, abs=1e-9)


def test_explicit_and_public_holidays() -> None:
    explicit = Schedule("d", "UTC", NINE_TO_FIVE, holidays=frozenset({date(2026, 3, 3)}))
    assert hours(explicit, "2026-03-02T00:00", "2026-03-05T00:00") == 16.0
    berlin = Schedule("de", "Europe/Berlin", NINE_TO_FIVE, holiday_country="DE")
    # 2026-12-24 (Thu) is a working day; 12-25 (Fri) is a public holiday in Germany.
    assert hours(berlin, "2026-12-24T00:00", "2026-12-26T00:00") == 8.0


def test_split_shift_and_interval_across_midnight() -> None:
    split = Schedule("s", "UTC", {0: ((9 * 60, 12 * 60), (13 * 60, 17 * 60))})
    assert hours(split, "2026-03-02T11:00", "2026-03-02T14:00") == 2.0  # lunch excluded
    night = Schedule("n", "UTC", {0: ((22 * 60, 6 * 60),)})  # Monday 22:00 to Tuesday 06:00
    assert hours(night, "2026-03-02T21:00", "2026-03-03T07:00") == 8.0
    assert hours(night, "2026-03-03T01:00", "2026-03-03T12:00") == 5.0


@pytest.mark.parametrize(
    ("zone", "day", "expected"),
    [
        ("America/New_York", "2026-03-08", 2.0),  # spring forward: 02:00 does not exist
        ("America/New_York", "2026-11-01", 4.0),  # fall back: 01:00-02:00 happens twice
        ("Europe/Berlin", "2026-03-29", 2.0),
        ("Europe/Berlin", "2026-10-25", 4.0),
    ],
)
def test_dst_inside_a_business_interval(zone: str, day: str, expected: float) -> None:
    sunday = Schedule("dst", zone, {6: ((60, 240),)})  # Sunday 01:00-04:00 local
    start = np.datetime64(day) - np.timedelta64(1, "D")
    end = np.datetime64(day) + np.timedelta64(2, "D")
    got = business_seconds(
        sunday, np.array([start], "datetime64[us]"), np.array([end], "datetime64[us]")
    )
    assert got[0] / 3600 == expected


def test_business_time_counts_real_hours_across_a_dst_change_in_a_working_day() -> None:
    ny = Schedule("ny", "America/New_York", {6: ((0, 1440),)})  # all Sunday
    assert hours(ny, "2026-03-08T00:00", "2026-03-10T00:00") == 23.0
    assert hours(ny, "2026-11-01T00:00", "2026-11-03T00:00") == 25.0


def test_a_wall_time_the_clock_skips_starts_at_the_jump() -> None:
    # New York, 2026-03-08: clocks jump from 02:00 EST (07:00Z) to 03:00 EDT.
    early = Schedule("e", "America/New_York", {6: ((150, 300),)})  # Sunday 02:30-05:00
    assert hours(early, "2026-03-08T00:00", "2026-03-09T00:00") == 2.0  # 03:00-05:00 EDT
    assert hours(early, "2026-03-08T07:00", "2026-03-08T07:30") == 0.5  # from the jump on
    inside = Schedule("g", "America/New_York", {6: ((120, 170),)})  # 02:00-02:50: skipped
    assert hours(inside, "2026-03-08T00:00", "2026-03-09T00:00") == 0.0
    assert hours(inside, "2026-03-01T00:00", "2026-03-02T00:00") == 50 / 60  # a week before


def test_interval_until_midnight_and_a_holiday_after_a_night_shift() -> None:
    late = Schedule("l", "UTC", {0: ((18 * 60, 1440),)})  # "18:00-24:00"
    assert hours(late, "2026-03-02T00:00", "2026-03-03T12:00") == 6.0
    # A night shift belongs to the day it starts on: Tuesday's holiday does not cut the
    # Monday 22:00 - Tuesday 06:00 shift, but cancels Tuesday's own.
    night = Schedule(
        "n", "UTC", {0: ((1320, 360),), 1: ((1320, 360),)}, holidays=frozenset({date(2026, 3, 3)})
    )
    assert hours(night, "2026-03-02T00:00", "2026-03-05T00:00") == 8.0


def test_a_schedule_that_never_works() -> None:
    never = Schedule("never", "Europe/Berlin", {})
    assert hours(never, "2026-01-01T00:00", "2027-01-01T00:00") == 0.0
    starts = np.array(["2026-03-02T10:00", "2026-03-02T10:00"], "datetime64[us]")
    got = add_business_seconds(never, starts, [0, 60])
    assert str(got[0]) == "2026-03-02T10:00:00.000000" and np.isnat(got[1])


def test_add_business_seconds_round_trips_on_random_data() -> None:
    rng = np.random.default_rng(11)
    berlin = Schedule(
        "de", "Europe/Berlin", {d: ((480, 720), (780, 1020)) for d in range(5)},
        holiday_country="DE",
    )  # fmt: skip
    base = np.datetime64("2025-12-01T00:00", "us").astype(np.int64)
    starts = (base + rng.integers(0, 400 * 86400 * 1_000_000, 2000)).astype("datetime64[us]")
    amounts = rng.integers(1, 30 * 3600 * 1_000_000, 2000) / 1_000_000
    deadlines = add_business_seconds(berlin, starts, amounts)
    np.testing.assert_allclose(business_seconds(berlin, starts, deadlines), amounts, atol=1e-6)
    # The deadline is the first such instant: a microsecond earlier is not enough.
    earlier = deadlines - np.timedelta64(1, "us")
    assert (business_seconds(berlin, starts, earlier) < amounts).all()
    with pytest.raises(ValueError, match="zero or more"):
        add_business_seconds(berlin, starts[:1], [-1])


def test_missing_values_give_nan() -> None:
    s = np.array(["2026-03-02T10:00", "NaT"], dtype="datetime64[us]")
    e = np.array(["NaT", "2026-03-02T11:00"], dtype="datetime64[us]")
    assert np.isnan(business_seconds(UTC9, s, e)).all()


def test_add_business_seconds_is_the_inverse() -> None:
    starts = np.array(
        ["2026-03-06T16:00", "2026-03-07T12:00", "2026-03-02T09:00"], "datetime64[us]"
    )
    got = add_business_seconds(UTC9, starts, [7200, 3600, 8 * 3600 * 5])
    expected = ["2026-03-09T10:00", "2026-03-09T10:00", "2026-03-06T17:00"]
    assert [str(v)[:16] for v in got] == expected
    back = business_seconds(UTC9, starts, got)
    assert back.tolist() == [7200, 3600, 8 * 3600 * 5]


def test_engine_path_equals_reference(con) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(7)
    base = np.datetime64("2026-03-01T00:00", "us").astype(np.int64)
    starts = base + rng.integers(0, 20 * 86400, 300) * 1_000_000 + rng.integers(0, 999_999, 300)
    ends = starts + rng.integers(-3600 * 1_000_000, 6 * 86400 * 1_000_000, 300)
    berlin = Schedule("de", "Europe/Berlin", NINE_TO_FIVE, holiday_country="DE")
    split = Schedule("split", "America/New_York", {d: ((480, 720), (780, 1080)) for d in range(6)})
    names = np.where(np.arange(300) % 2 == 0, "default", "split")
    table = pa.table(
        {
            "i": np.arange(300),
            "s": pa.array(starts, pa.timestamp("us", tz="UTC")),
            "e": pa.array(ends, pa.timestamp("us", tz="UTC")),
            "sched": names,
        }
    )
    t = load_arrow(con, {}).tickets  # a loaded table, to reach the backend
    backend = t._find_backend()
    loaded = create(backend, f"cal_{con.name}", table)
    clock = BusinessClock(
        {"default": berlin, "split": split},
        datetime(2026, 2, 28, tzinfo=UTC),
        datetime(2026, 3, 28, tzinfo=UTC),
    )
    out = clock.annotate(loaded, start="s", end="e", out="bh", schedule=loaded.sched)
    got = out.order_by("i").to_pandas()["bh"].to_numpy()
    s64, e64 = starts.astype("datetime64[us]"), ends.astype("datetime64[us]")
    expected = np.where(
        names == "default", business_seconds(berlin, s64, e64), business_seconds(split, s64, e64)
    )
    # Exact to the microsecond: both sides divide the same integer count of microseconds.
    np.testing.assert_array_equal(got, expected)
    assert (got > 0).sum() > 100 and (got == 0).sum() > 10  # the sample covers both

    # Several spans sharing an instant, and a fixed instant given by value: each the same
    # as the reference, with one lookup per distinct instant.
    now = datetime(2026, 3, 12, 10, 30, 15, 250_001, tzinfo=UTC)
    many = clock.annotate_many(
        loaded,
        [("a", "s", "e"), ("b", "s", "now"), ("c", "now", "e")],
        schedule=loaded.sched,
        instants={"now": now},
    )
    frame = many.order_by("i").to_pandas()
    now64 = np.full(300, np.datetime64(now.replace(tzinfo=None), "us"))

    def reference(a, b):  # type: ignore[no-untyped-def]
        de, ny = business_seconds(berlin, a, b), business_seconds(split, a, b)
        return np.where(names == "default", de, ny)

    np.testing.assert_array_equal(frame["a"].to_numpy(), expected)
    np.testing.assert_array_equal(frame["b"].to_numpy(), reference(s64, now64))
    np.testing.assert_array_equal(frame["c"].to_numpy(), reference(now64, e64))
    assert list(frame.columns) == [*loaded.columns, "a", "b", "c"]
    fixed = clock.annotate_many(loaded, [("b", "s", "now")], schedule="split",
                                instants={"now": now}).order_by("i").to_pandas()  # fmt: skip
    np.testing.assert_array_equal(fixed["b"].to_numpy(), business_seconds(split, s64, now64))


def test_engine_path_gives_null_outside_its_span_and_refuses_unknown_names() -> None:
    clock = BusinessClock(
        {"default": UTC9}, datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC)
    )
    t = ibis.memtable(
        pa.table(
            {
                "i": [0, 1, 2],
                "s": pa.array(
                    [
                        datetime(2026, 3, 2, 9, 0, 0, 1, tzinfo=UTC),
                        datetime(2026, 3, 2, 16, 59, 59, 999_999, tzinfo=UTC),
                        datetime(2026, 3, 20, 9, tzinfo=UTC),  # after the span (+1 day)
                    ],
                    pa.timestamp("us", tz="UTC"),
                ),
                "e": pa.array(
                    [
                        datetime(2026, 3, 2, 9, 0, 0, 2, tzinfo=UTC),
                        None,
                        datetime(2026, 3, 20, 10, tzinfo=UTC),
                    ],
                    pa.timestamp("us", tz="UTC"),
                ),
            }
        )
    )
    out = ibis.duckdb.connect().execute(clock.annotate(t, start="s", end="e", out="b"))
    values = out.sort_values("i")["b"].tolist()
    assert values[0] == 1e-6  # one microsecond of working time
    assert np.isnan(values[1]) and np.isnan(values[2])
    with pytest.raises(ValueError, match="unknown schedule 'nights'"):
        clock.annotate(t, start="s", end="e", out="b", schedule="nights")
