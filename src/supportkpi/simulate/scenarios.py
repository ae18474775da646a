"""Injected scenarios: what each one changes, where and when, drawn from the seed.

A scenario is planned before the run (kind, window, target, parameters) and the engine
asks it about each day's arrivals and tickets. The tickets and contacts it touched are
collected as the run goes and written to ``truth.json`` as ground truth for detectors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from supportkpi.errors import UserError, did_you_mean
from supportkpi.simulate.clock import Clock
from supportkpi.simulate.operation import CHANNELS, OPERATION, PRODUCTS

__all__ = ["SCENARIOS", "Scenario", "check_scenarios", "plan_scenarios"]

SCENARIOS: dict[str, str] = {
    "defect": "one product's defect requests surge 3-4x and escalations spike for 3-5 days",
    "outage": "one channel's volume collapses to about 5 % for a few weekday business hours",
    "gaming": "an agent splits problems into many agent-created tickets and closes them fast",
    "sloppy": "an agent with short handling time, low first contact resolution, more reopens",
    "ratchet": "one team's resolution time improves week over week",
    "parking": "an agent sets tickets to pending right after the customer replied",
}
"""Scenario kinds and what each injects."""


@dataclass
class Scenario:
    """One planned scenario; ``start``/``end`` are UTC epoch seconds, end exclusive."""

    kind: str
    start: int
    end: int
    target: dict[str, str]
    params: dict[str, Any]
    ticket_ids: list[str] = field(default_factory=list)
    contact_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        def iso(t: int) -> str:
            return dt.datetime.fromtimestamp(t, dt.UTC).isoformat().replace("+00:00", "Z")

        return {
            "kind": self.kind,
            "start": iso(self.start),
            "end": iso(self.end),
            "target": self.target,
            "params": self.params,
            "ticket_ids": self.ticket_ids,
            "contact_ids": self.contact_ids,
        }


def check_scenarios(names: Sequence[str]) -> list[str]:
    """Validate scenario names; duplicates collapse, order is kept."""
    out: list[str] = []
    for name in names:
        if name not in SCENARIOS:
            raise UserError(
                f"unknown scenario {name!r}",
                fix=f"{did_you_mean(name, SCENARIOS)}use one of {', '.join(SCENARIOS)}",
            )
        if name not in out:
            out.append(name)
    return out


def _agent_pool() -> list[int]:
    return [i for i, a in enumerate(OPERATION.agents) if a.tier == 1 and a.role == "agent"]


def plan_scenarios(names: Sequence[str], clock: Clock, days: int, seed: int) -> list[Scenario]:
    """Place each scenario: windows after the first week when the run allows a baseline."""
    rng = np.random.default_rng([seed, 4242])
    pool = _agent_pool()
    agents = [pool[i] for i in rng.permutation(len(pool))[:3]]
    mid = clock.midnight
    lo = min(7, max(days // 3, 0))
    whole = (int(mid[0]), int(mid[days]))
    planned: list[Scenario] = []
    for name in check_scenarios(names):
        if name == "defect":
            length = int(rng.integers(3, 6))
            first = int(rng.integers(lo, max(lo + 1, days - length + 1)))
            last = min(days, first + length)
            planned.append(
                Scenario(
                    name,
                    int(mid[first]),
                    int(mid[last]),
                    {"product": PRODUCTS[int(rng.integers(len(PRODUCTS)))]},
                    {
                        "volume_factor": round(float(rng.uniform(3.0, 4.0)), 2),
                        "escalation_probability": 0.8,
                    },
                )
            )
        elif name == "outage":
            candidates = (
                [d for d in range(lo, days) if clock.weekday[d] < 5 and not clock.holiday[d]]
                or [d for d in range(days) if clock.weekday[d] < 5]
                or [0]
            )
            day = candidates[int(rng.integers(len(candidates)))]
            hour = int(rng.integers(9, 14))
            hours = int(rng.integers(2, 6))
            channel = CHANNELS[int(rng.integers(len(CHANNELS)))]
            planned.append(
                Scenario(
                    name,
                    int(mid[day]) + hour * 3600,
                    int(mid[day]) + (hour + hours) * 3600,
                    {"channel": channel},
                    {"remaining_share": 0.05},
                )
            )
        elif name == "gaming":
            length = int(rng.integers(5, 11))
            first = int(rng.integers(lo, max(lo + 1, days - length + 1)))
            last = min(days, first + length)
            planned.append(
                Scenario(
                    name,
                    int(mid[first]),
                    int(mid[last]),
                    {"agent_id": OPERATION.agents[agents[0]].agent_id},
                    {"split_probability": 0.7, "splits": [2, 4], "reopen_probability": 0.35},
                )
            )
        elif name == "sloppy":
            planned.append(
                Scenario(
                    name,
                    *whole,
                    {"agent_id": OPERATION.agents[agents[1]].agent_id},
                    {"handling_factor": 0.45, "fcr_factor": 0.5, "reopen_factor": 3.5},
                )
            )
        elif name == "ratchet":
            team = ("tier1-a", "tier1-b")[int(rng.integers(2))]
            planned.append(Scenario(name, *whole, {"team": team}, {"weekly_factor": 0.88}))
        elif name == "parking":
            planned.append(
                Scenario(
                    name,
                    *whole,
                    {"agent_id": OPERATION.agents[agents[2]].agent_id},
                    {"parking_probability": 0.8},
                )
            )
    return planned
