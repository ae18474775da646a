"""The detectors against the simulator's ground truth (truth.json): each injected
scenario is found, about the right subject, soon after it starts; clean runs stay quiet."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from supportkpi.signals import Signal
from supportkpi.signals.evaluate import Evaluation, match_truth, simulate_and_detect

ALL = ("defect", "outage", "gaming", "sloppy", "ratchet", "parking")
Run = tuple[list[Signal], dict[str, Any], Evaluation]


def _run(folder: Path, **kwargs: Any) -> Run:
    signals, truth = simulate_and_detect(folder, **kwargs)
    return signals, truth | {"store": str(folder / "store.duckdb")}, match_truth(signals, truth)


@pytest.fixture(scope="session")
def incidents(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """35 days at 400 requests a day with every scenario at once."""
    return _run(tmp_path_factory.mktemp("all"), days=35, seed=1, scenarios=ALL, tickets_per_day=400)


@pytest.fixture(scope="session")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return _run(
        tmp_path_factory.mktemp("clean"), days=35, seed=7, scenarios=(), tickets_per_day=400
    )


def _row(ev: Evaluation, kind: str) -> dict[str, Any]:
    rows = ev.found[ev.found["kind"] == kind].to_dict("records")
    assert len(rows) == 1
    return {str(k): v for k, v in rows[0].items()}


def _scenario(truth: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(s for s in truth["scenarios"] if s["kind"] == kind)


def test_defect_found_on_its_first_working_day_with_its_product(incidents: Run) -> None:
    signals, truth, ev = incidents
    row = _row(ev, "defect")
    # it starts on a Sunday: the desk escalates on working days, so Monday is the first
    # day anyone could see it; judged every hour, it is raised at Monday noon (local),
    # when 23 of the 227 tickets created in the last 24 hours were escalated (baseline
    # 2.6 %), not at the end of the day
    assert row["found"] and row["ttd_workday_hours"] == 12
    spike = next(s for s in signals if s.kind == "escalation_spike")
    first = spike.details["first"]
    assert (first["tickets"], first["escalations"]) == (227, 23)
    assert spike.observed == 23 / 227 and first["p"] <= 1e-6 and first["z"] >= 3
    product = _scenario(truth, "defect")["target"]["product"]
    assert spike.subject == product
    top = next(d for d in spike.drivers if d.dimension == "product")
    assert top.value == product and top.share > top.baseline_share + 0.15
    assert {d.value for d in spike.drivers if d.dimension == "type"} >= {"defect"}
    truth_ids = set(_scenario(truth, "defect")["ticket_ids"])
    assert spike.evidence_count >= 50
    assert len(truth_ids & set(spike.evidence_ids)) >= len(spike.evidence_ids) // 2


def test_gaming_agent_named_within_a_working_day(incidents: Run) -> None:
    signals, truth, ev = incidents
    row = _row(ev, "gaming")
    # a Sunday start; the agent splits from Monday 08:00 and is named at 11:00 (local)
    assert row["found"] and row["ttd_workday_hours"] == 11
    agent = _scenario(truth, "gaming")["target"]["agent_id"]
    split = [s for s in signals if s.kind == "ticket_splitting"]
    assert [s.subject for s in split] == [agent]
    truth_ids = set(_scenario(truth, "gaming")["ticket_ids"])
    assert set(split[0].evidence_ids) <= truth_ids


def test_parking_agent_named_with_truth_ids(incidents: Run) -> None:
    signals, truth, ev = incidents
    row = _row(ev, "parking")
    # a whole-period scenario: it starts with the data, and the agent needs two parkings
    # (customers reply first); the second falls in the last hour of the first day
    assert row["found"] and row["ttd_hours"] == 24
    agent = _scenario(truth, "parking")["target"]["agent_id"]
    parked = [s for s in signals if s.kind == "pending_parking"]
    assert {s.subject for s in parked} == {agent}
    truth_ids = set(_scenario(truth, "parking")["ticket_ids"])
    assert set(parked[0].evidence_ids) <= truth_ids


def test_sloppy_agent_is_a_quality_concern(incidents: Run) -> None:
    signals, truth, ev = incidents
    row = _row(ev, "sloppy")
    # known shortfall: FCR counts a miss only from when it shows (most of this agent's
    # misses are reopens and repeat contacts days after the solve), so the first days
    # look good; found on day 6 (fast comebacks at the end of Friday, the quality
    # concern on Saturday)
    assert row["found"] and row["ttd_hours"] <= 5 * 24
    agent = _scenario(truth, "sloppy")["target"]["agent_id"]
    concerns = [s for s in signals if s.kind == "quality_concern"]
    assert concerns and {s.subject for s in concerns} == {agent}
    first = concerns[0]
    assert first.observed <= 0.5 * first.baseline
    assert first.details["fcr"] < first.details["team_fcr"]


def test_no_false_alarms_with_every_scenario_injected(incidents: Run) -> None:
    _, _, ev = incidents
    assert ev.false_alarms.to_dict("records") == []


def test_clean_run_stays_quiet(clean: Run) -> None:
    signals, _, ev = clean
    assert ev.found.empty
    assert [(s.kind, s.subject) for s in signals] == []


def test_ratchet_without_improvement_needs_min_improvement_zero(clean: Run) -> None:
    """The simulated tier-1 teams resolve 80 % of tickets in about two days, so the default
    3-day target is beaten from the start, but their weekly values do not shrink: no
    proposal by default. With ``min_improvement = 0`` every streak counts, and a 2.5-day
    target is proposed once a month of judged weeks is in, with the four weekly values."""
    from supportkpi.signals import SignalSettings, detect
    from supportkpi.store import open_store

    _, truth, _ = clean
    settings = SignalSettings.model_validate(
        {"timezone": truth["operation"]["time_zone"], "ratchet": {"min_improvement": 0}}
    )
    with open_store(truth["store"], read_only=True) as store:
        ratchets = detect(store, settings=settings, kinds=["target_ratchet"])
    assert sorted(s.subject for s in ratchets) == ["tier1-a", "tier1-b"]
    for s in ratchets:
        assert s.details["proposed_target_s"] == 2.5 * 86400
        assert s.baseline == 3 * 86400
        weeks = s.details["weeks"]
        assert len(weeks) == 4 and max(w["value_s"] for w in weeks) == s.observed
        assert 2 * 86400 < s.observed <= 2.5 * 86400


def test_outage_found_within_hours(tmp_path: Path) -> None:
    """A 2-5 h outage needs enough traffic to be told from chance: 1,500 requests a day."""
    signals, truth = simulate_and_detect(
        tmp_path, days=21, seed=3, scenarios=("outage",), tickets_per_day=1500
    )
    ev = match_truth(signals, truth)
    outage = _scenario(truth, "outage")
    row = _row(ev, "outage")
    assert row["found"] and row["ttd_hours"] <= 3
    drops = [s for s in signals if s.kind == "volume_drop"]
    assert [s.subject for s in drops] == [outage["target"]["channel"]]
    assert drops[0].window_end <= row["end"] + timedelta(hours=2)
    assert ev.false_alarms.empty


def test_cli_lists_the_same_signals(incidents: Run) -> None:
    from typer.testing import CliRunner

    from supportkpi.cli import app

    _, truth, _ = incidents
    product = _scenario(truth, "defect")["target"]["product"]
    args = ["signals", "--store", truth["store"], "--kind", "escalation_spike"]
    # without a config the buckets are UTC days: same spike, same product
    result = CliRunner().invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["kind"], r["subject"]) for r in rows] == [("escalation_spike", product)]
    assert len(rows[0]["evidence_ids"]) == min(20, rows[0]["evidence_count"])
    table = CliRunner().invoke(app, [*args, "--lang", "ru"], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "Всплеск эскалаций" in table.output
    bad = CliRunner().invoke(app, ["signals", "--store", truth["store"], "--kind", "nope"])
    assert bad.exit_code != 0


def test_russian_summaries_write_numbers_the_russian_way(incidents: Run) -> None:
    signals, _, _ = incidents
    kinds = {s.kind for s in signals}
    assert {"escalation_spike", "ticket_splitting", "pending_parking", "quality_concern"} <= kinds
    for s in signals:
        assert not re.search(r"\d\.\d", s.summary_ru), s.summary_ru  # a decimal comma
        assert not re.search(r"\d%", s.summary_ru), s.summary_ru  # a space before %
        assert re.search(r"\d\u00a0%", s.summary_ru) or s.kind in ("volume_drop", "target_ratchet")
        if re.search(r"\d,\d", s.summary_ru):
            assert re.search(r"\d\.\d", s.summary_en), s.summary_en  # the same figure in English
