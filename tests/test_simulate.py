"""The simulator: canonical output, determinism, behaviour and each scenario's effect.

Runs are small (14-28 days at 100-150 tickets a day) and shared per session. Every
tolerance is stated next to its assertion.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from supportkpi.errors import UserError
from supportkpi.model.schema import TABLES
from supportkpi.simulate import SCENARIOS, simulate
from supportkpi.store import open_store

ALL = list(SCENARIOS)


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("sim")
    out = {
        "all": base / "all",
        "full": base / "full",
        "thin": base / "thin",
    }
    simulate(out["all"], days=28, tickets_per_day=150, seed=3, scenarios=ALL)
    simulate(out["full"], days=21, tickets_per_day=150, seed=1, staffing=1.0)
    simulate(out["thin"], days=21, tickets_per_day=150, seed=1, staffing=0.6)
    return out


def _read(folder: Path, table: str) -> pd.DataFrame:
    path = folder / ("agents.parquet" if table == "agents" else table)
    return pq.read_table(path).to_pandas()


@pytest.fixture(scope="session")
def data(runs: dict[str, Path]) -> dict[str, pd.DataFrame]:
    return {name: _read(runs["all"], name) for name in TABLES}


@pytest.fixture(scope="session")
def truth(runs: dict[str, Path]) -> dict[str, Any]:
    return dict(json.loads((runs["all"] / "truth.json").read_text()))


def _scenario(truth: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(s for s in truth["scenarios"] if s["kind"] == kind)


def test_same_seed_same_bytes_and_other_seed_differs(tmp_path: Path) -> None:
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        simulate(tmp_path / name, days=14, tickets_per_day=100, seed=seed, scenarios=["outage"])
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.*"))
    assert len(files) == 14 * 3 + 2  # a part per day and table, agents, truth
    for rel in files:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    first = Path("tickets/part-00000.parquet")
    assert (tmp_path / "a" / first).read_bytes() != (tmp_path / "c" / first).read_bytes()


def test_schema_and_allowed_values(runs: dict[str, Path]) -> None:
    for name, table in TABLES.items():
        path = runs["all"] / ("agents.parquet" if name == "agents" else name)
        read = pq.read_table(path)
        assert read.schema.equals(table.arrow_schema()), name
        assert read.num_rows > 0
        frame = read.to_pandas()
        for column in table.columns:
            if column.allowed is not None:
                values = set(frame[column.name].dropna())
                assert values <= set(column.allowed), (name, column.name, values)
            if column.required:
                assert frame[column.name].notna().all(), (name, column.name)


def test_imports_with_zero_rejects(runs: dict[str, Path], tmp_path: Path) -> None:
    with open_store(tmp_path / "s.duckdb") as store:
        summary = store.import_files([runs["all"]])
    assert summary.rejects_by_reason == {}
    assert all(counts.rejected == 0 for counts in summary.tables.values())
    assert summary.tables["tickets"].imported == len(_read(runs["all"], "tickets"))
    assert summary.tables["events"].imported == len(_read(runs["all"], "events"))


def test_referential_integrity_and_part_order(runs: dict[str, Path]) -> None:
    folder = runs["all"]
    seen: set[str] = set()
    for day in range(28):
        part = f"part-{day:05d}.parquet"
        tickets = pq.read_table(folder / "tickets" / part).to_pandas()
        seen |= set(tickets.ticket_id)
        events = pq.read_table(folder / "events" / part).to_pandas()
        assert set(events.ticket_id) <= seen  # tickets first, same or earlier parts
        contacts = pq.read_table(folder / "contacts" / part).to_pandas()
        assert set(contacts.ticket_id.dropna()) <= seen
        merged = set(tickets.merged_into.dropna())
        assert merged <= seen
    agents = set(_read(folder, "agents").agent_id)
    assert set(_read(folder, "tickets").agent_id.dropna()) <= agents
    assert set(_read(folder, "contacts").agent_id.dropna()) <= agents


def test_contact_ordering_and_outcomes(data: dict[str, pd.DataFrame]) -> None:
    c = data["contacts"]
    assert (c.queued_at.isna() | (c.arrived_at <= c.queued_at)).all()
    for stamp in ("answered_at", "abandoned_at"):
        later = c[stamp].isna() | (c[stamp] >= c.queued_at.fillna(c.arrived_at))
        assert later.all(), stamp
        assert (c[stamp].isna() | (c[stamp] <= c.ended_at)).all(), stamp
    answered = c[c.outcome == "answered"]
    assert answered.answered_at.notna().all() and answered.abandoned_at.isna().all()
    abandoned = c[c.outcome == "abandoned"]
    assert abandoned.abandoned_at.notna().all() and abandoned.answered_at.isna().all()
    assert c[c.outcome == "deflected"].queued_at.isna().all()
    callback = c[c.outcome == "callback"]
    assert callback.answered_at.isna().all() and callback.ticket_id.notna().all()
    # some short abandons (< 5 s in the queue) and some IVR abandons (never queued)
    wait = (abandoned.abandoned_at - abandoned.queued_at).dt.total_seconds()
    assert (wait < 5).sum() > 0
    assert abandoned.queued_at.isna().sum() > 0
    assert set(c.outcome) == {"answered", "abandoned", "callback", "deflected"}


def test_events_follow_ticket_creation(data: dict[str, pd.DataFrame]) -> None:
    e = data["events"].merge(data["tickets"][["ticket_id", "created_at"]], on="ticket_id")
    assert (e["at"] >= e.created_at).all()
    bot = e[e.actor_role == "bot"]
    assert (bot.kind == "message").all() and bot.public.all()
    assert set(e.kind) == set(TABLES["events"]["kind"].allowed or ())


def test_abandonment_rises_when_staffing_is_cut(runs: dict[str, Path]) -> None:
    def rate(name: str) -> float:
        c = _read(runs[name], "contacts")
        return float((c.outcome == "abandoned").mean())

    full, thin = rate("full"), rate("thin")
    assert 0.02 < full < 0.25  # a plausible desk at full staffing
    assert thin > full * 1.5  # tolerance: at least 50 % more abandonment at 60 % staffing


def test_intraday_and_weekly_seasonality(data: dict[str, pd.DataFrame]) -> None:
    local = data["tickets"].created_at.dt.tz_convert("Europe/Berlin")
    by_hour = local.dt.hour.value_counts().reindex(range(24), fill_value=0).to_numpy()
    assert by_hour[10:15].mean() > 4 * by_hour[0:6].mean()  # late-morning peak, 4x the night
    by_day = local.dt.day_of_week.value_counts().reindex(range(7), fill_value=0).to_numpy()
    assert by_day[6] < 0.3 * by_day[0:5].mean()  # quiet Sunday: under 30 % of a weekday


def _reopen_share(data: dict[str, pd.DataFrame]) -> pd.Series:
    e = data["events"]
    solved = e[(e.kind == "status") & (e.status == "solved")].groupby("ticket_id")["at"].min()
    msgs = e[(e.kind == "message") & (e.actor_role == "customer")]
    msgs = msgs.merge(solved.rename("solved"), left_on="ticket_id", right_index=True)
    reopened = set(msgs[msgs["at"] > msgs.solved].ticket_id)
    t = data["tickets"][data["tickets"].ticket_id.isin(solved.index)]
    return t.assign(re=t.ticket_id.isin(reopened)).groupby("agent_id").re.mean()


def test_sloppy_and_gaming_agents_reopen_more(
    data: dict[str, pd.DataFrame], truth: dict[str, Any]
) -> None:
    share = _reopen_share(data)
    tier1 = share[share.index <= "A-24"]
    for kind in ("sloppy", "gaming"):
        agent = _scenario(truth, kind)["target"]["agent_id"]
        assert share[agent] > 1.5 * tier1.median(), (kind, share[agent], tier1.median())


def test_defect_scenario_escalations(data: dict[str, pd.DataFrame], truth: dict[str, Any]) -> None:
    s = _scenario(truth, "defect")
    start, end = pd.Timestamp(s["start"]), pd.Timestamp(s["end"])
    e = data["events"]
    esc = e[e.kind == "escalation"].merge(data["tickets"][["ticket_id", "type"]], on="ticket_id")
    at = esc[esc.type == "defect"]["at"]
    inside = ((at >= start) & (at < end)).sum() / ((end - start).days)
    days = 28 - (end - start).days
    outside = ((at < start) | (at >= end)).sum() / days
    assert inside >= 3 * outside, (inside, outside)  # tolerance: at least 3x the baseline
    t = data["tickets"]
    surge = t[(t["type"] == "defect") & (t["product"] == s["target"]["product"])]
    per_day = surge.created_at.between(start, end, inclusive="left").sum() / (end - start).days
    assert per_day > 2 * (len(surge) - per_day * (end - start).days) / days


def test_outage_scenario_collapses_volume(runs: dict[str, Path], truth: dict[str, Any]) -> None:
    s = _scenario(truth, "outage")
    channel = s["target"]["channel"]
    start, end = pd.Timestamp(s["start"]), pd.Timestamp(s["end"])
    assert start.weekday() < 5 and (end - start) <= pd.Timedelta(hours=6)
    c = _read(runs["all"], "contacts")
    t = _read(runs["all"], "tickets")
    if channel in ("phone", "chat"):
        stamps = c[c.channel == channel].arrived_at
    else:
        stamps = t[(t.channel == channel) & (t.created_by == "customer")].created_at
    week = pd.Timedelta(days=7)
    now = stamps.between(start, end, inclusive="left").sum()
    before = stamps.between(start - week, end - week, inclusive="left").sum()
    assert before >= 5
    assert now <= 0.2 * before, (now, before)  # tolerance: at most 20 % of a week earlier


def test_parking_pattern_present(data: dict[str, pd.DataFrame], truth: dict[str, Any]) -> None:
    s = _scenario(truth, "parking")
    agent = s["target"]["agent_id"]
    e = data["events"]
    e = e[e.kind.isin(["message", "status"])].sort_values(["ticket_id", "at", "event_id"])
    prev_role = e.groupby("ticket_id").actor_role.shift()
    prev_kind = e.groupby("ticket_id").kind.shift()
    parked = e[
        (e.kind == "status")
        & (e.status == "pending")
        & (e.actor_id == agent)
        & (prev_kind == "message")
        & (prev_role == "customer")
    ]
    assert set(parked.ticket_id) == set(s["ticket_ids"])
    assert len(parked.ticket_id.unique()) >= 10
    others = e[(e.kind == "status") & (e.status == "pending") & (prev_role == "customer")]
    assert set(others.actor_id) == {agent}  # nobody else parks


def test_truth_ids_exist_and_windows(data: dict[str, pd.DataFrame], truth: dict[str, Any]) -> None:
    assert truth["seed"] == 3 and truth["days"] == 28 and truth["start"] == "2026-01-05"
    assert truth["operation"]["time_zone"] == "Europe/Berlin"
    assert truth["operation"]["business_hours"]["phone"]["close"] == "20:00"
    assert {s["kind"] for s in truth["scenarios"]} == set(SCENARIOS)
    tickets = set(data["tickets"].ticket_id)
    contacts = set(data["contacts"].contact_id)
    first = dt.datetime(2026, 1, 4, 23, tzinfo=dt.UTC)
    last = dt.datetime(2026, 2, 1, 23, tzinfo=dt.UTC)
    for s in truth["scenarios"]:
        start = dt.datetime.fromisoformat(s["start"])
        end = dt.datetime.fromisoformat(s["end"])
        assert first <= start < end <= last, s["kind"]
        assert set(s["ticket_ids"]) <= tickets, s["kind"]
        assert set(s["contact_ids"]) <= contacts, s["kind"]
        if s["kind"] != "outage":
            assert s["ticket_ids"], s["kind"]
    gaming = _scenario(truth, "gaming")
    t = data["tickets"].set_index("ticket_id").loc[gaming["ticket_ids"]]
    assert (t.created_by == "agent").sum() >= 10  # split-off tickets


def test_unknown_scenario_and_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="defect, outage, gaming, sloppy, ratchet, parking"):
        simulate(tmp_path, days=1, scenarios=["nope"])
    with pytest.raises(UserError) as caught:
        simulate(tmp_path, days=1, scenarios=["defekt"])
    assert caught.value.one_line().startswith(
        "unknown scenario 'defekt' (fix: did you mean 'defect'? use one of defect, outage"
    )
    with pytest.raises(UserError, match="staffing must be positive"):
        simulate(tmp_path, days=1, staffing=0)
