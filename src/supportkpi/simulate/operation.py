"""The simulated support operation: vocabularies, mixes, teams, agents and their shifts.

Everything here is fixed data, so that a run is explained by its seed and arguments alone.
Shares are relative weights; the engine normalises them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from supportkpi.model.schema import AGENTS

__all__ = [
    "ASYNC_CHANNELS",
    "CHANNELS",
    "OPERATION",
    "PRODUCTS",
    "REALTIME_CHANNELS",
    "TYPES",
    "Agent",
    "Operation",
]

TIME_ZONE = "Europe/Berlin"
CHANNELS: tuple[str, ...] = ("email", "chat", "phone", "social", "web")
CHANNEL_SHARE = np.array([0.30, 0.20, 0.25, 0.10, 0.15])
REALTIME_CHANNELS: tuple[str, ...] = ("phone", "chat")
ASYNC_CHANNELS: tuple[str, ...] = ("email", "social", "web")

TYPES: tuple[str, ...] = ("delivery", "defect", "warranty", "billing", "how_to", "account")
TYPE_SHARE = np.array([0.28, 0.15, 0.08, 0.17, 0.20, 0.12])
# Chance that the first agent touch solves the request, by type.
TYPE_FCR = np.array([0.55, 0.25, 0.30, 0.50, 0.70, 0.60])
# Chance of an escalation to tier 2 or a manager, by type.
TYPE_ESCALATION = np.array([0.02, 0.08, 0.06, 0.03, 0.01, 0.03])
# Talk time factor by type (phone and chat).
TYPE_TALK = np.array([0.8, 1.3, 1.1, 1.0, 0.9, 0.9])
TYPE_TAGS: dict[str, tuple[str, ...]] = {
    "delivery": ("delivery", "late", "courier", "lost_parcel"),
    "defect": ("defective", "no_power", "broken_on_arrival", "firmware"),
    "warranty": ("warranty", "replacement", "repair"),
    "billing": ("billing", "refund", "double_charge", "invoice"),
    "how_to": ("how_to", "setup", "wifi", "app"),
    "account": ("account", "password", "login", "gdpr"),
}
TYPE_SUBJECTS: tuple[str, ...] = (
    "Where is my order?",
    "Device stopped working",
    "Warranty claim",
    "Question about my invoice",
    "How do I set this up?",
    "Cannot log in to my account",
)

PRODUCTS: tuple[str, ...] = ("router-x2", "mesh-m1", "modem-c3", "camera-s1", "plug-p2")
PRODUCT_SHARE = np.array([0.30, 0.25, 0.20, 0.15, 0.10])

PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "urgent")
PRIORITY_SHARE = np.array([0.15, 0.60, 0.20, 0.05])
# First reply delay factor by priority.
PRIORITY_SPEED = np.array([1.3, 1.0, 0.6, 0.3])

TIERS: tuple[str, ...] = ("standard", "gold")
GOLD_SHARE = 0.15

WEEKDAY_FACTOR = np.array([1.15, 1.05, 1.0, 1.0, 0.95, 0.55, 0.30])  # Monday first
TREND_PER_DAY = 0.001  # mild growth: +0.1 % a day
HOLIDAY_FACTOR = 0.35

# Hourly arrival weights (local time). Asynchronous channels arrive around the clock,
# phone and chat only while open; both peak late morning and early afternoon.
ASYNC_HOURLY = np.array(
    [0.4, 0.25, 0.2, 0.2, 0.25, 0.4, 0.8, 1.5, 2.6, 3.6, 4.2, 4.4,
     3.9, 4.0, 4.1, 3.7, 3.2, 2.7, 2.2, 1.9, 1.7, 1.4, 1.0, 0.7]
)  # fmt: skip
REALTIME_HOURLY = np.array(
    [0, 0, 0, 0, 0, 0, 0, 0, 2.6, 3.8, 4.5, 4.7,
     4.0, 4.2, 4.4, 3.9, 3.3, 2.8, 2.2, 1.6, 0, 0, 0, 0]
)  # fmt: skip

# Business hours (local): (open second, close second, weekdays 0=Monday).
ASYNC_HOURS = (8 * 3600, 18 * 3600, (0, 1, 2, 3, 4))
REALTIME_HOURS = (8 * 3600, 20 * 3600, (0, 1, 2, 3, 4, 5))

TEAMS: tuple[str, ...] = ("tier1-a", "tier1-b", "tier2")
ESCALATION_TARGETS: tuple[str, ...] = ("tier2", "manager")
BOT_ID = "BOT-ACK"

_FIRST = (
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Emma",
    "Felix",
    "Greta",
    "Hannah",
    "Ivan",
    "Jonas",
    "Katrin",
    "Lukas",
    "Mia",
    "Noah",
    "Olga",
    "Paul",
    "Quentin",
    "Rita",
    "Sven",
    "Tanja",
    "Uwe",
    "Vera",
    "Willi",
    "Xenia",
    "Yusuf",
    "Zoe",
    "Arne",
    "Birgit",
    "Carl",
    "Dana",
)
_LAST = ("Schmidt", "Meyer", "Weber", "Wagner", "Becker", "Hoffmann", "Koch", "Richter",
         "Klein", "Wolf", "Neumann", "Schwarz", "Braun", "Zimmermann", "Kraus")  # fmt: skip


@dataclass(frozen=True)
class Agent:
    """One person on the desk: team, tier, role, shift (local seconds) and skill."""

    agent_id: str
    name: str
    team: str
    tier: int
    role: str
    schedule: str
    shift_start: int
    shift_end: int
    saturday: bool
    talk_factor: float  # multiplies talk, hold and work time
    fcr_factor: float  # multiplies the chance of solving at the first touch


@dataclass(frozen=True)
class Operation:
    """The desk: its agents and derived lookup arrays."""

    agents: tuple[Agent, ...]

    @property
    def tier1(self) -> npt.NDArray[np.int64]:
        return np.array([i for i, a in enumerate(self.agents) if a.tier == 1], dtype=np.int64)

    def team_members(self, team: str) -> npt.NDArray[np.int64]:
        return np.array(
            [i for i, a in enumerate(self.agents) if a.team == team and a.role != "manager"],
            dtype=np.int64,
        )

    @property
    def manager(self) -> int:
        return next(i for i, a in enumerate(self.agents) if a.role == "manager")

    @property
    def ids(self) -> pa.Array:
        return pa.array([a.agent_id for a in self.agents], pa.string())

    def on_shift(self, weekday: int) -> npt.NDArray[np.bool_]:
        """(96 quarter hours, agents): who of tier 1 works each slot of a local day."""
        slots = np.arange(96) * 900
        out = np.zeros((96, len(self.agents)), dtype=bool)
        for i, a in enumerate(self.agents):
            if a.tier != 1 or weekday == 6 or (weekday == 5 and not a.saturday):
                continue
            out[:, i] = (slots >= a.shift_start) & (slots < a.shift_end)
        return out

    def table(self) -> pa.Table:
        schema = AGENTS.arrow_schema()
        rows = list(self.agents)
        data = {
            "agent_id": [a.agent_id for a in rows] + [BOT_ID],
            "name": [a.name for a in rows] + ["Auto-acknowledgement"],
            "team": [a.team for a in rows] + [None],
            "tier": [a.tier for a in rows] + [None],
            "role": [a.role for a in rows] + ["bot"],
            "schedule": [a.schedule for a in rows] + [None],
        }
        return pa.table(data, schema=schema)


def _build() -> Operation:
    rng = np.random.default_rng(20260105)
    agents: list[Agent] = []
    for i in range(30):
        number = i + 1
        if i < 12:
            team, tier, start, end = "tier1-a", 1, 8 * 3600, 16 * 3600
        elif i < 24:
            team, tier, start, end = "tier1-b", 1, 12 * 3600, 20 * 3600
        else:
            team, tier, start, end = "tier2", 2, 9 * 3600, 18 * 3600
        role = "lead" if i in (0, 12, 24) else "agent"
        if i == 29:
            role = "manager"
        agents.append(
            Agent(
                agent_id=f"A-{number:02d}",
                name=f"{_FIRST[i]} {_LAST[i % len(_LAST)]}",
                team=team,
                tier=tier,
                role=role,
                schedule="phone-chat" if tier == 1 else "office",
                shift_start=start,
                shift_end=end,
                saturday=tier == 1 and i % 2 == 0,
                talk_factor=float(np.exp(rng.normal(0.0, 0.15))),
                fcr_factor=float(np.clip(rng.normal(1.0, 0.1), 0.75, 1.25)),
            )
        )
    return Operation(tuple(agents))


OPERATION = _build()
