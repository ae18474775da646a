"""Aggregates, backlog and ``compute`` on hand-checked cases, on every backend."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from supportkpi.errors import UserError
from supportkpi.kpis.aggregate import aggregate_wide, collect_wide, quantile_columns_per_query
from supportkpi.kpis.backlog import backlog
from supportkpi.kpis.compute import UNAVAILABLE_NO_WORK_LOGS, compute
from supportkpi.kpis.registry import REGISTRY
from supportkpi.kpis.tickets import ticket_metrics
from tests.test_kpis_tickets import case, instant, plain


def values(frame: pd.DataFrame, *keys: str) -> dict[tuple[Any, ...], Any]:
    """{(key values..., stat): value} of a tidy result."""
    out: dict[tuple[Any, ...], Any] = {}
    for row in frame.to_dict(orient="records"):
        key = tuple(plain(row[k]) for k in keys)
        assert key not in out, f"{key} is ambiguous: select a basis or add a key"
        out[key] = plain(row["value"])
    return out


def test_median_and_p90_are_exact_and_identical_on_every_backend(con: Any) -> None:
    inputs = case(con, "stats")
    result = compute(
        inputs, kpis=["first_response"], basis="calendar", as_of=instant("2026-03-10T00:00:00Z")
    )
    got = values(result, "stat")
    # Written channels only (the chat ticket T7 is left out): 60, 100, 120, 300, 600, 3600.
    assert got[("count",)] == 6
    assert got[("mean",)] == pytest.approx(4780 / 6)
    assert got[("median",)] == 210.0  # (120 + 300) / 2
    assert got[("p90",)] == pytest.approx(2100.0)  # 600 + 0.5 * (3600 - 600)
    assert set(result["basis"]) == {"calendar"}
    assert set(result["n"]) == {6}


def test_weeks_start_on_monday(con: Any) -> None:
    result = compute(
        case(con, "stats"),
        kpis=["first_response", "tickets_created"],
        period="week",
        basis="calendar",
        as_of=instant("2026-03-10T00:00:00Z"),
    )
    got = values(result, "kpi", "period_start", "stat")
    week1, week2 = instant("2026-03-02T00:00:00Z"), instant("2026-03-09T00:00:00Z")
    # Monday 2 March .. Sunday 8 March: 60, 120, 300, 600, 3600.
    assert got[("first_response", week1, "count")] == 5
    assert got[("first_response", week1, "mean")] == 936.0
    assert got[("first_response", week1, "median")] == 300.0
    assert got[("first_response", week1, "p90")] == pytest.approx(2400.0)  # 600 + 0.6 * 3000
    assert got[("first_response", week2, "median")] == 100.0
    assert got[("tickets_created", week1, "value")] == 5
    assert got[("tickets_created", week2, "value")] == 2  # the chat ticket counts as volume


def test_by_dimension_and_by_tag(con: Any) -> None:
    inputs = case(con, "stats")
    as_of = instant("2026-03-10T00:00:00Z")
    by_channel = compute(
        inputs, kpis=["first_response"], by=["channel"], basis="calendar", as_of=as_of
    )
    got = values(by_channel, "channel", "stat")
    assert got[("email", "median")] == 120.0 and got[("email", "mean")] == 160.0
    assert got[("web", "median")] == 600.0
    assert got[("web", "p90")] == pytest.approx(3000.0)
    assert ("chat", "median") not in got
    by_tag = compute(inputs, kpis=["first_response"], by=["tag"], basis="calendar", as_of=as_of)
    got = values(by_tag, "tag", "stat")
    assert got[("late", "median")] == 90.0 and got[("late", "count")] == 2
    assert got[("courier", "median")] == 360.0


def test_rates_counts_and_means(con: Any) -> None:
    result = compute(
        case(con, "reopens"),
        kpis=[
            "fcr_rate",
            "reopen_rate",
            "reopens_per_ticket",
            "disguised_reopen_rate",
            "customer_demand",
        ],
        as_of=instant("2026-03-25T00:00:00Z"),
    )
    got = values(result, "kpi", "stat")
    n = {(r["kpi"], r["stat"]): r["n"] for r in result.to_dict(orient="records")}
    # FCR among the 7 solved tickets with replies: T5 and T10.
    assert got[("fcr_rate", "value")] == pytest.approx(2 / 7)
    assert got[("fcr_rate", "count")] == 2 and n[("fcr_rate", "value")] == 7
    # Reopened within 14 days: T1 and T8 of 8 solved tickets.
    assert got[("reopen_rate", "value")] == 0.25 and n[("reopen_rate", "value")] == 8
    # Reopens at any time: T1, T2, T8 over 8 solved tickets.
    assert got[("reopens_per_ticket", "value")] == 0.375
    # Disguised reopens: T3 (-> T4), T5 (-> T6), T9 (-> T10).
    assert got[("disguised_reopen_rate", "value")] == 3 / 8
    assert got[("customer_demand", "value")] == 10


def test_handling_is_unavailable_without_work_logs(con: Any) -> None:
    as_of = instant("2026-03-03T00:00:00Z")
    kpis = ["handling_per_ticket", "handling_per_reply", "csat"]
    without = compute(case(con, "no_work"), kpis=kpis, as_of=as_of)
    handling = without[without["kpi"].str.startswith("handling")]
    assert len(handling) == 2 * 4  # two KPIs, four statistics (work time has no business basis)
    assert set(handling["note"]) == {UNAVAILABLE_NO_WORK_LOGS}
    assert handling["value"].isna().all()
    with_logs = compute(case(con, "work_csat"), kpis=kpis, basis="calendar", as_of=as_of)
    got = values(with_logs, "kpi", "stat")
    assert got[("handling_per_ticket", "mean")] == 540.0
    assert got[("handling_per_ticket", "count")] == 1
    assert got[("handling_per_reply", "median")] == 270.0
    assert set(with_logs["note"]) == {""}
    # CSAT: T1's last rating is good, T2's bad, T3 unrated.
    assert got[("csat", "value")] == 0.5
    assert got[("csat", "count")] == 1


def test_quantiles_taken_over_several_queries_give_the_same_figures(con: Any) -> None:
    """Four KPIs solved at one instant ask for the quantiles of four columns: taken one
    column per query, two per query, or all at once, the figures are the same."""
    table = ticket_metrics(case(con, "waits"), as_of=instant("2026-03-02T18:00:00Z"))
    kpis = [REGISTRY[k] for k in ("full_resolution", "requester_wait", "agent_wait", "on_hold")]
    keys = ["period_start"]
    frames = {}
    for per_query, queries in ((1, 4), (2, 2), (3, 2), (None, 1)):
        made = aggregate_wide(
            table, kpis, period=None, by=[], basis="calendar", quantiles_per_query=per_query
        )
        assert len(made) == queries
        frames[per_query] = collect_wide(made, keys)
    whole = frames[None]
    # T1 and T2 are solved: requester waits of 12000 and 3600 s, agent waits 6000 and 0.
    assert whole["requester_wait__calendar__median"].iloc[0] == 7800.0
    assert whole["agent_wait__calendar__p90"].iloc[0] == pytest.approx(5400.0)
    for per_query in (1, 2, 3):
        pd.testing.assert_frame_equal(frames[per_query][whole.columns], whole)


def test_quantile_columns_per_query_keep_a_quarter_of_the_bound() -> None:
    gib = 1024**3
    # 3 GiB: 768 MiB for quantiles, 16 bytes a value.
    assert quantile_columns_per_query(10_000_000, 3 * gib) == 5
    assert quantile_columns_per_query(1_000_000, 3 * gib) == 50
    assert quantile_columns_per_query(1_000_000_000, 3 * gib) == 1  # never fewer than one
    assert quantile_columns_per_query(1_000, None) == 1  # no bound known: one at a time
    assert quantile_columns_per_query(0, 3 * gib) is None  # an empty table: one query


def test_backlog_at_the_end_of_each_period(con: Any) -> None:
    inputs = case(con, "backlog")
    as_of = instant("2026-03-04T12:00:00Z")
    rows = {
        plain(r["period_start"]).day: (
            plain(r["open_tickets"]),
            plain(r["age_mean_s"]),
            plain(r["age_median_s"]),
            plain(r["age_p90_s"]),
        )
        for r in backlog(inputs, period="day", as_of=as_of).to_pandas().to_dict("records")
    }
    assert rows == {
        2: (2, 41400.0, 41400.0, pytest.approx(48600.0)),  # T1 (14 h) and T2 (9 h) at midnight
        3: (1, 118800.0, 118800.0, 118800.0),  # T1 and T3 solved; T2 is 33 h old
        4: (
            2,
            88200.0,
            88200.0,
            pytest.approx(147240.0),
        ),  # at as_of: T2 (45 h) and pending T4 (4 h)
    }
    by_tag = compute(inputs, kpis=["backlog"], by=["tag"], period="day", as_of=as_of)
    got = values(by_tag, "period_start", "tag")
    assert got[(instant("2026-03-02T00:00:00Z"), "late")] == 2
    assert got[(instant("2026-03-02T00:00:00Z"), "courier")] == 1
    snapshot = compute(inputs, kpis=["backlog", "backlog_age"], as_of=as_of)
    got = values(snapshot, "kpi", "stat")
    assert got[("backlog", "value")] == 2 and got[("backlog_age", "median")] == 88200.0


def test_unknown_kpi_or_dimension_lists_the_valid_ones(con: Any) -> None:
    inputs = case(con, "stats")
    with pytest.raises(UserError, match=r"unknown KPI 'speed'.*first_response"):
        compute(inputs, kpis=["speed"])
    with pytest.raises(UserError, match=r"unknown dimension 'colour'.*customer_tier"):
        compute(inputs, kpis=["first_response"], by=["colour"])
    with pytest.raises(UserError, match="cannot be broken down by type"):
        compute(inputs, kpis=["wait_time"], by=["type"])


def test_backlog_and_metrics_kpis_share_one_period_column(con: Any) -> None:
    result = compute(
        case(con, "backlog"),
        kpis=["tickets_created", "backlog"],
        period="day",
        as_of=instant("2026-03-04T12:00:00Z"),
    )
    got = values(result, "kpi", "period_start")
    day = instant("2026-03-03T00:00:00Z")
    assert got[("tickets_created", day)] == 1 and got[("backlog", day)] == 1
    assert str(result["period_start"].dt.tz) == "UTC"


def test_a_kpi_asked_alone_equals_its_rows_in_the_whole_suite(con: Any) -> None:
    """compute() builds only the columns the asked KPIs read: asking for one KPI gives the
    numbers it has in the whole suite (calendar and business time)."""
    inputs = case(con, "waits")
    as_of = instant("2026-03-02T18:00:00Z")
    suite = compute(inputs, as_of=as_of)

    def rows(frame: Any, kpi: str) -> list[tuple[Any, ...]]:
        part = frame[frame["kpi"] == kpi]
        return sorted(
            (r["basis"], r["stat"], plain(r["value"]), plain(r["n"]))
            for r in part.to_dict(orient="records")
        )

    for kpi in ("first_response", "full_resolution", "requester_wait", "reopen_rate"):
        assert rows(compute(inputs, kpis=[kpi], as_of=as_of), kpi) == rows(suite, kpi), kpi
    alone = values(compute(inputs, kpis=["requester_wait"], as_of=as_of), "basis", "stat")
    # T1 waited 600 + 600 + 3600 + 3600 + 3600 s, T2 3600 s; calendar time only.
    assert alone == {
        ("calendar", "count"): 2,
        ("calendar", "mean"): 7800.0,
        ("calendar", "median"): 7800.0,
        ("calendar", "p90"): pytest.approx(11160.0),
    }
    resolution = values(compute(inputs, kpis=["full_resolution"], as_of=as_of), "basis", "stat")
    assert resolution[("calendar", "mean")] == 10800.0  # T1 5 h, T2 1 h


def test_utc_periods_match_pandas_at_their_edges(con: Any) -> None:
    """Hours, days, Monday weeks and months in UTC, on the instants where a truncation
    goes wrong if it is off by one: boundaries, a microsecond before them, a leap day,
    ends of months and years, and instants before 1970."""
    import pyarrow as pa

    from supportkpi.kpis._time import utc_period_key, utc_period_start
    from tests.backends import create

    text = [
        "2026-03-02T00:00:00", "2026-03-01T23:59:59.999999", "2026-03-08T23:59:59",
        "2024-02-29T12:30:00", "2024-03-01T00:00:00", "2025-12-31T23:59:59.999999",
        "2026-01-01T00:00:00", "2026-10-25T01:30:00", "1969-12-31T23:59:59.999999",
        "1969-12-29T00:00:00", "1900-03-01T10:00:00", "2026-03-29T02:15:00.5",
    ]  # fmt: skip
    stamps = pd.to_datetime(text, format="ISO8601").tz_localize("UTC")
    data = pa.table(
        {"i": list(range(len(text))), "at": pa.array(stamps, pa.timestamp("us", "UTC"))}
    )
    table = create(con, f"edges_{con.name}", data)
    units = {"h": "h", "D": "D", "W": "W", "M": "MS"}
    keys = {f"k_{unit}": utc_period_start(utc_period_key(table.at, unit)) for unit in units}
    got = table.select("i", **keys).to_pandas().sort_values("i").reset_index(drop=True)
    for unit, freq in units.items():
        if freq == "W":
            expected = stamps.floor("D") - pd.to_timedelta(stamps.dayofweek, unit="D")
        elif freq == "MS":
            expected = stamps.tz_localize(None).to_period("M").to_timestamp().tz_localize("UTC")
        else:
            expected = stamps.floor(freq)
        column = pd.to_datetime(got[f"k_{unit}"], utc=True)
        assert list(column) == list(expected), unit
    # By hand: Sunday 8 March 2026 is in the week of Monday 2 March; the last microsecond
    # of 1969 is in the week of Monday 29 December 1969 and in December 1969; the leap day
    # is in February 2024.
    assert pd.Timestamp(got["k_W"][2]) == pd.Timestamp("2026-03-02", tz="UTC")
    assert pd.Timestamp(got["k_W"][8]) == pd.Timestamp("1969-12-29", tz="UTC")
    assert pd.Timestamp(got["k_M"][8]) == pd.Timestamp("1969-12-01", tz="UTC")
    assert pd.Timestamp(got["k_M"][3]) == pd.Timestamp("2024-02-01", tz="UTC")
    assert pd.Timestamp(got["k_D"][1]) == pd.Timestamp("2026-03-01", tz="UTC")
