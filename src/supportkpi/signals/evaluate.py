"""Score the detectors against the simulator's ground truth (``truth.json``).

A scenario is *found* by a signal of a matching kind about its target (agent, product,
channel, team) raised no earlier than the scenario's start and no later than a day after
its end; *time to detection* is the first such signal's ``detected_at`` minus the start.
``detected_at`` is the end of the first hour (fast comebacks: day; ratchet: week) whose
data, as recorded by then, meets the detector's rule, so the figure never benefits from
later data. ``ttd_workday_hours`` measures from the next Monday 00:00 local when the
scenario starts on a weekend (the simulated desk works on weekdays); 0 when it was found
before that Monday. Every signal that
finds no scenario is a *false alarm* of its kind.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from supportkpi.signals.model import KINDS, Signal
from supportkpi.signals.settings import SignalSettings

__all__ = [
    "MATCHES",
    "Evaluation",
    "alarms_by_kind",
    "evaluate_run",
    "match_truth",
    "simulate_and_detect",
    "summarize",
]

MATCHES: dict[str, tuple[str, ...]] = {
    "defect": ("request_surge", "escalation_spike"),
    "outage": ("volume_drop",),
    "gaming": ("ticket_splitting", "fast_close_comebacks"),
    "sloppy": ("quality_concern", "fast_close_comebacks"),
    "parking": ("pending_parking",),
    "ratchet": ("target_ratchet",),
}
"""Scenario kind -> the signal kinds that can find it."""


@dataclass(frozen=True)
class Evaluation:
    found: pd.DataFrame
    """One row per scenario: kind, target, start, end, found, detected_at, ttd_hours."""
    false_alarms: pd.DataFrame
    """One row per signal that matches no scenario: kind, subject, detected_at."""
    days: int


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _about(signal: Signal, target: dict[str, str]) -> bool:
    value = next(iter(target.values()), None)
    if signal.subject == value:
        return True
    # an escalation spike names its products among the drivers
    return any(d.dimension == "product" and d.value == value for d in signal.drivers[:3])


def _first_workday(start: datetime, zone: str) -> datetime:
    """``start``, or the next Monday 00:00 local when it falls on a weekend: the desk
    escalates and its agents work on weekdays, so nothing can show before."""
    local = start.astimezone(ZoneInfo(zone))
    if local.weekday() < 5:
        return start
    monday = (local + timedelta(days=7 - local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return monday.replace(tzinfo=None).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def match_truth(signals: Sequence[Signal], truth: dict[str, Any]) -> Evaluation:
    zone = truth.get("operation", {}).get("time_zone", "UTC")
    rows = []
    used: set[int] = set()
    for scenario in truth["scenarios"]:
        start, end = _instant(scenario["start"]), _instant(scenario["end"])
        hits = [
            (i, s)
            for i, s in enumerate(signals)
            if s.kind in MATCHES[scenario["kind"]]
            and _about(s, scenario["target"])
            and start <= s.detected_at <= end + timedelta(days=1)
        ]
        used |= {i for i, _ in hits}
        first = min((s.detected_at for _, s in hits), default=None)
        rows.append(
            {
                "kind": scenario["kind"],
                "target": next(iter(scenario["target"].values()), ""),
                "start": start,
                "end": end,
                "found": first is not None,
                "detected_at": first,
                "ttd_hours": (first - start).total_seconds() / 3600 if first else None,
                # found before the desk's first working day: no working time passed
                "ttd_workday_hours": (
                    max(0.0, (first - _first_workday(start, zone)).total_seconds() / 3600)
                    if first
                    else None
                ),
            }
        )
    alarms = [
        {"kind": s.kind, "subject": s.subject, "detected_at": s.detected_at}
        for i, s in enumerate(signals)
        if i not in used
    ]
    return Evaluation(
        pd.DataFrame(
            rows,
            columns=[
                "kind",
                "target",
                "start",
                "end",
                "found",
                "detected_at",
                "ttd_hours",
                "ttd_workday_hours",
            ],
        ),
        pd.DataFrame(alarms, columns=["kind", "subject", "detected_at"]),
        int(truth["days"]),
    )


def simulate_and_detect(
    folder: str | Path,
    *,
    days: int,
    seed: int,
    scenarios: Sequence[str],
    tickets_per_day: float,
    start: date = date(2026, 1, 5),
) -> tuple[list[Signal], dict[str, Any]]:
    """Simulate into ``folder``, import into a DuckDB store there, detect with a config
    holding the simulated desk's time zone and holidays (its ``[signals]`` section sets
    the time zone; the thresholds are the defaults). Returns the signals and the truth."""
    from supportkpi.policy import Config, ScheduleConfig
    from supportkpi.signals.detect import detect
    from supportkpi.simulate import simulate
    from supportkpi.store import open_store

    out = Path(folder)
    result = simulate(
        out / "data",
        days=days,
        seed=seed,
        scenarios=tuple(scenarios),
        tickets_per_day=tickets_per_day,
        start=start,
    )
    truth = json.loads(Path(result.truth).read_text(encoding="utf-8"))
    operation = truth["operation"]
    zone = operation["time_zone"]
    config = Config(
        schedules={
            "default": ScheduleConfig(
                timezone=zone, holiday_country=operation["holidays"]["country"]
            )
        },
        signals=SignalSettings(timezone=zone),
    )
    store = open_store(out / "store.duckdb")
    try:
        store.import_files([out / "data"])
        signals = detect(store, config=config)
    finally:
        store.close()
    return signals, truth


def evaluate_run(
    *,
    days: int,
    seed: int,
    scenarios: Sequence[str],
    tickets_per_day: float,
) -> Evaluation:
    """One simulated run, scored (in a temporary folder)."""
    with tempfile.TemporaryDirectory(prefix="supportkpi-eval-") as tmp:
        signals, truth = simulate_and_detect(
            tmp, days=days, seed=seed, scenarios=scenarios, tickets_per_day=tickets_per_day
        )
    return match_truth(signals, truth)


def summarize(runs: Sequence[Evaluation]) -> pd.DataFrame:
    """Per scenario kind: its detectors, scenarios, found within a day / at all, median
    and worst time to detection (hours), and the false alarms of its detectors (in all
    runs and per 90 days)."""
    found = pd.concat([r.found for r in runs], ignore_index=True)
    alarms = pd.concat([r.false_alarms for r in runs], ignore_index=True)
    total_days = sum(r.days for r in runs)
    rows = []
    for kind, matching in MATCHES.items():
        mine = found[found["kind"] == kind]
        hit = mine[mine["found"]]
        fa = int(alarms["kind"].isin(matching).sum())
        rows.append(
            {
                "scenario": kind,
                "detector": " + ".join(matching),
                "injected": len(mine),
                "found": len(hit),
                "within_1_day": int((hit["ttd_hours"] <= 24).sum()),
                "within_1_workday": int((hit["ttd_workday_hours"] <= 24).sum()),
                "median_ttd_h": float(hit["ttd_hours"].median()) if len(hit) else None,
                "max_ttd_h": float(hit["ttd_hours"].max()) if len(hit) else None,
                "false_alarms": fa,
                "false_alarms_per_90d": fa * 90 / total_days if total_days else None,
            }
        )
    return pd.DataFrame(rows)


def alarms_by_kind(runs: Sequence[Evaluation]) -> pd.DataFrame:
    """Per signal kind: false alarms in all runs and per 90 simulated days."""
    alarms = pd.concat([r.false_alarms for r in runs], ignore_index=True)
    total_days = sum(r.days for r in runs)
    rows = [
        {
            "signal": kind,
            "false_alarms": int((alarms["kind"] == kind).sum()),
            "per_90_days": int((alarms["kind"] == kind).sum()) * 90 / max(total_days, 1),
        }
        for kind in KINDS
    ]
    return pd.DataFrame(rows)
