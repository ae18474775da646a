"""The life of each ticket, vectorized: replies, waits, escalations, solves, reopens.

Every ticket of a day goes through the same steps at once, with masks choosing who takes
which branch:

1. the customer's request (or, for agent-created tickets, the agent's first message), a
   bot acknowledgement on asynchronous channels, routing and triage;
2. the first agent touch: a call or chat answered, or a first reply in business hours
   after a delay that grows with the backlog;
3. zero to two more rounds (asking for information -> pending -> the customer answers;
   waiting on a third party -> on_hold; or more work), with escalations, reassignments,
   promises and internal notes along the way;
4. the solve, then perhaps a confirmation, a reopen (more likely after a rushed solve or
   for a sloppy agent), a rating (worse after slow or reopened tickets) and the close.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from supportkpi.simulate.clock import Schedule
from supportkpi.simulate.events import STATUS, EventBuffer
from supportkpi.simulate.operation import (
    OPERATION,
    PRIORITY_SPEED,
    TYPE_ESCALATION,
    TYPE_FCR,
    TYPES,
)

__all__ = ["Batch", "Knobs", "Outcome", "live"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]
HOUR = 3600.0
DAY = 86400.0

_TEAM_OF = np.array([("tier1-a", "tier1-b", "tier2").index(a.team) for a in OPERATION.agents])
_TALK = np.array([a.talk_factor for a in OPERATION.agents])
_FCR = np.array([a.fcr_factor for a in OPERATION.agents])
_TIER2 = OPERATION.team_members("tier2")
_DEFECT = TYPES.index("defect")


@dataclass
class Batch:
    """Tickets to live through; per-ticket arrays of equal length."""

    created: I64
    channel: I64
    type: I64
    product: I64
    priority: I64
    gold: B
    customer: I64
    by_agent: B
    owner: I64
    realtime: B
    talk: F64  # phone/chat: talk, hold and wrap seconds of the answered contact
    hold: F64
    wrap: F64
    split: B  # a split-off ticket of the gaming scenario: closed within minutes

    def __len__(self) -> int:
        return len(self.created)


@dataclass
class Knobs:
    """Scenario and load settings the lifecycle reads; agent indices are -1 when unused."""

    mean_first: float  # mean business seconds to the first reply
    mean_next: float  # mean business seconds to a later reply
    sloppy: int = -1
    sloppy_params: tuple[float, float, float] = (0.45, 0.5, 3.5)
    gaming: int = -1
    gaming_window: tuple[int, int] = (0, 0)
    parking: int = -1
    parking_p: float = 0.0
    ratchet_team: int = -1
    ratchet_start: int = 0
    ratchet_factor: float = 1.0
    defect_product: int = -1
    defect_window: tuple[int, int] = (0, 0)
    defect_escalation: float = 0.0
    until: int = 2**62  # end of the simulated period (epoch seconds)


@dataclass
class Outcome:
    """What the day's tickets came to, for follow-ups and ground truth."""

    first_touch: I64
    reopened: B
    escalated: B
    parked: B
    final_owner: I64
    gamed: B  # handled by the gaming agent inside the window (closed fast)


def live(
    rng: np.random.Generator,
    b: Batch,
    k: Knobs,
    sched: Schedule,
    ev: EventBuffer,
    offset: int = 0,
) -> Outcome:
    """Add the events of batch ``b`` (ticket numbers from ``offset``) to ``ev``."""
    n = len(b)
    idx = np.arange(offset, offset + n, dtype=np.int64)
    created = b.created
    owner = b.owner.copy()
    cust = ~b.by_agent
    asyn = ~b.realtime
    sloppy = owner == k.sloppy
    gamed = (owner == k.gaming) & (created >= k.gaming_window[0]) & (created < k.gaming_window[1])
    fast = b.split | gamed
    handling = _TALK[owner] * np.where(sloppy, k.sloppy_params[0], 1.0)
    week = np.maximum(created - k.ratchet_start, 0) // int(7 * DAY)
    pace = np.where(_TEAM_OF[owner] == k.ratchet_team, k.ratchet_factor**week, 1.0)

    # 1. request, acknowledgement, routing, triage
    ev.add(idx[cust], created[cust], "message", "customer", actor=b.customer[cust], public=1)
    ack = asyn & cust
    ev.add(idx[ack], created[ack] + rng.integers(2, 10, ack.sum()), "message", "bot", public=1)
    ev.add(idx, created + np.where(asyn, 15, 1), "assignment", "system",
           assignee=owner, team=_TEAM_OF[owner])  # fmt: skip
    tri = rng.random(n) < 0.55
    bump = np.minimum(b.priority + (rng.random(n) < 0.2), 3)
    ev.add(idx[tri], created[tri] + rng.integers(60, 1800, tri.sum()), "priority", "agent",
           actor=owner[tri], priority=bump[tri])  # fmt: skip

    # 2. first touch
    delay = rng.exponential(k.mean_first, n) * PRIORITY_SPEED[b.priority] * pace
    delay *= np.where(b.gold, 0.7, 1.0) * np.where(b.channel == 3, 0.4, 1.0)
    t1_async = sched.add(created + 30, delay)
    t1 = np.where(b.by_agent, created, np.where(b.realtime, created + b.talk * 0.5, t1_async))
    t1 = t1.astype(np.int64)
    first_reply = ~b.by_agent
    ev.add(idx[first_reply], t1[first_reply], "message", "agent", actor=owner[first_reply],
           public=1)  # fmt: skip
    ev.add(idx[b.by_agent], created[b.by_agent], "message", "agent", actor=owner[b.by_agent],
           public=1)  # fmt: skip
    ev.add(idx[asyn], t1[asyn] + 1, "status", "agent", actor=owner[asyn], status=STATUS["open"])
    work1 = np.where(
        b.realtime,
        b.talk + b.hold + b.wrap,
        rng.lognormal(np.log(420.0), 0.5, n) * handling,
    )
    work1 = np.where(fast, rng.uniform(40, 150, n), work1)
    ev.add(idx, t1 + np.where(b.realtime, b.talk + b.hold + b.wrap, 2), "work", "agent",
           actor=owner, work_seconds=np.round(work1, 1))  # fmt: skip

    # rounds after the first touch
    p_fcr = TYPE_FCR[b.type] * _FCR[owner]
    p_fcr = np.where(sloppy, np.minimum(p_fcr * 1.4, 0.9), p_fcr)
    u = rng.random(n)
    rounds = np.where(u < p_fcr, 0, 1 + (rng.random(n) < 0.35)).astype(np.int64)
    p_esc = TYPE_ESCALATION[b.type]
    surge = (
        (b.product == k.defect_product)
        & (b.type == _DEFECT)
        & (created >= k.defect_window[0])
        & (created < k.defect_window[1])
    )
    p_esc = np.where(surge, k.defect_escalation, p_esc)
    escalated = (rng.random(n) < p_esc) & ~fast
    rounds = np.where(escalated | b.by_agent, np.maximum(rounds, 1), rounds)
    rounds = np.where(fast, 0, rounds)

    t = np.where(b.realtime, created + np.nan_to_num(b.talk + b.hold) + 2, t1 + 3).astype(np.int64)
    esc_at = t1 + rng.integers(300, 3600, n)
    to_manager = rng.random(n) < 0.2
    new_owner = np.where(to_manager, OPERATION.manager, _TIER2[rng.integers(0, len(_TIER2), n)])
    e = escalated
    ev.add(idx[e], esc_at[e], "escalation", "agent", actor=owner[e],
           escalated_to=to_manager[e].astype(np.int8))  # fmt: skip
    ev.add(idx[e], esc_at[e] + 1, "note", "agent", actor=owner[e], public=0)
    ev.add(idx[e], esc_at[e] + 2, "assignment", "agent", actor=owner[e], assignee=new_owner[e],
           team=_TEAM_OF[new_owner[e]])  # fmt: skip
    t = np.where(e, esc_at + 3, t)
    owner = np.where(e, new_owner, owner)
    reassign = ~e & (rounds > 0) & (rng.random(n) < 0.05)
    other = np.where(_TEAM_OF[owner] == 0, 12, 0) + rng.integers(0, 12, n)
    ra_at = t + rng.integers(600, 7200, n)
    ev.add(idx[reassign], ra_at[reassign], "assignment", "agent", actor=owner[reassign],
           assignee=other[reassign], team=_TEAM_OF[other[reassign]])  # fmt: skip
    owner = np.where(reassign, other, owner)
    t = np.where(reassign, ra_at + 1, t)
    promise = (rounds > 0) & (rng.random(n) < 0.3)
    promised = sched.add(t1, rng.uniform(4 * HOUR, 16 * HOUR, n))
    ev.add(idx[promise], t1[promise] + 3, "promise", "agent", actor=b.owner[promise],
           promised_at=promised[promise])  # fmt: skip
    note = rng.random(n) < 0.1
    ev.add(idx[note], t1[note] + 4, "note", "agent", actor=b.owner[note], public=0)

    parked = np.zeros(n, dtype=bool)
    for r in range(2):
        act = rounds > r
        kind_u = rng.random(n)
        info = act & ((kind_u < 0.45) | (b.by_agent & (r == 0)))
        hold = act & ~info & (kind_u < 0.55)
        ev.add(idx[info], t[info], "status", "agent", actor=owner[info], status=STATUS["pending"])
        c_at = t + rng.exponential(16 * HOUR, n).astype(np.int64) + 60
        ev.add(idx[info], c_at[info], "message", "customer", actor=b.customer[info], public=1)
        parks = info & (owner == k.parking) & (rng.random(n) < k.parking_p)
        plain = info & ~parks
        ev.add(idx[plain], c_at[plain] + 1, "status", "system", status=STATUS["open"])
        p_at = c_at + rng.integers(120, 1800, n)
        ev.add(idx[parks], p_at[parks], "status", "agent", actor=owner[parks],
               status=STATUS["pending"])  # fmt: skip
        parked |= parks & (p_at < k.until)  # as written: events end with the period
        ev.add(idx[hold], t[hold], "status", "agent", actor=owner[hold], status=STATUS["on_hold"])
        h_at = t + rng.exponential(30 * HOUR, n).astype(np.int64) + 600
        ev.add(idx[hold], h_at[hold], "status", "system", status=STATUS["open"])
        base = np.select([info, hold], [c_at + 60, h_at + 60], t + 60)
        base = np.where(parks, p_at + int(DAY), base)
        wait = rng.exponential(k.mean_next, n) * pace * np.where(e, 2.5, 1.0)
        nxt = sched.add(base, wait)
        ev.add(idx[act], nxt[act], "message", "agent", actor=owner[act], public=1)
        w = rng.lognormal(np.log(480.0), 0.6, n) * _TALK[owner] * np.where(sloppy, 0.45, 1.0)
        ev.add(idx[act], nxt[act] + 1, "work", "agent", actor=owner[act],
               work_seconds=np.round(w[act], 1))  # fmt: skip
        t = np.where(act, nxt + 2, t)

    # 4. solve, confirmation, reopen, rating, close
    solve_rt = b.realtime & (rounds == 0)
    solved = np.where(solve_rt, created + b.talk + b.hold + 1, t + 5).astype(np.int64)
    solved = np.where(fast, t1 + rng.integers(120, 900, n), solved)
    ev.add(idx, solved, "status", "agent", actor=owner, status=STATUS["solved"])
    rushed = work1 < 150
    p_re = (0.05 + 0.08 * rushed) * np.where(sloppy, k.sloppy_params[2], 1.0)
    p_re = np.where(fast, 0.35, p_re)
    reopened = rng.random(n) < p_re
    confirm = ~reopened & (rng.random(n) < 0.35)
    cf_at = solved + rng.exponential(5 * HOUR, n).astype(np.int64) + 60
    ev.add(idx[confirm], cf_at[confirm], "confirmation", "customer", actor=b.customer[confirm])
    re_at = solved + np.minimum(rng.exponential(1.5 * DAY, n), 12 * DAY).astype(np.int64) + 600
    ro = reopened
    ev.add(idx[ro], re_at[ro], "message", "customer", actor=b.customer[ro], public=1)
    ev.add(idx[ro], re_at[ro] + 1, "status", "system", status=STATUS["open"])
    again = sched.add(re_at + 60, rng.exponential(k.mean_next, n) * pace)
    ev.add(idx[ro], again[ro], "message", "agent", actor=owner[ro], public=1)
    w2 = rng.lognormal(np.log(360.0), 0.5, n) * _TALK[owner]
    ev.add(idx[ro], again[ro] + 1, "work", "agent", actor=owner[ro],
           work_seconds=np.round(w2[ro], 1))  # fmt: skip
    ev.add(idx[ro], again[ro] + 5, "status", "agent", actor=owner[ro], status=STATUS["solved"])
    final = np.where(ro, again + 5, solved)
    rate = rng.random(n) < 0.3
    slow = (final - created) > 3 * DAY
    p_bad = 0.08 + 0.3 * ro + 0.15 * slow + 0.1 * e
    bad = rng.random(n) < p_bad
    r_at = final + rng.exponential(8 * HOUR, n).astype(np.int64) + 60
    ev.add(idx[rate], r_at[rate], "rating", "customer", actor=b.customer[rate],
           rating=bad[rate].astype(np.int8))  # fmt: skip
    close_at = np.maximum(final, np.where(rate, r_at, 0)) + int(4 * DAY)
    ev.add(idx, close_at, "status", "system", status=STATUS["closed"])
    return Outcome(t1, reopened, escalated, parked, owner, gamed)
