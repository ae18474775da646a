"""Phone and chat: IVR, a queue per 15-minute slot, patience, and who answers.

Per slot the offered load is compared with the agents on shift (``staffing`` x the tier-1
schedule). The chance of waiting and the mean wait of those who wait follow the
Sakasegawa approximation of the M/M/c queue; when a slot is overloaded the unserved
contacts carry over as backlog and add to the next slot's wait. Each contact draws a
patience (exponential, plus a few very impatient callers) and abandons when it is shorter
than its wait. So abandonment comes out of load and staffing, never from a fixed rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["QUEUE_PARAMS", "QueueParams", "Served", "serve"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class QueueParams:
    ivr_min: float
    ivr_max: float
    deflect: float  # share resolved by the IVR / bot
    ivr_abandon: float  # share hanging up in the IVR
    handle: float  # mean seconds an agent is busy per contact (concurrency included)
    talk: float  # mean talk seconds
    patience: float  # mean patience in the queue, seconds
    agents_per_load: float  # agents per expected peak erlang at staffing 1


QUEUE_PARAMS: dict[str, QueueParams] = {
    "phone": QueueParams(20, 60, 0.04, 0.03, 460, 330, 420, 1.6),
    "chat": QueueParams(3, 7, 0.08, 0.0, 420, 600, 300, 1.6),
}

OUT_IVR_ABANDON, OUT_DEFLECTED, OUT_ABANDONED, OUT_CALLBACK, OUT_ANSWERED = range(5)


@dataclass
class Served:
    """Per contact: outcome and timestamps (epoch seconds, float; NaN = none)."""

    outcome: I64
    queued: F64
    answered: F64
    abandoned: F64
    ended: F64
    talk: F64
    hold: F64
    wrap: F64
    agent: I64  # -1 = none
    slot_wait: F64  # mean wait of those who waited in the contact's slot


def serve(
    rng: np.random.Generator,
    params: QueueParams,
    arrived: I64,
    midnight: int,
    agents_per_slot: F64,
    pick_agent: I64,
    on_shift_count: I64,
    talk_factor: F64,
) -> Served:
    """Queue one channel's contacts of one local day.

    ``pick_agent[slot, k]`` lists the agents on shift in each slot (first
    ``on_shift_count[slot]`` entries); ``talk_factor`` scales talk per contact.
    """
    n = len(arrived)
    a = arrived.astype(np.float64)
    ivr = rng.uniform(params.ivr_min, params.ivr_max, n)
    u = rng.random(n)
    deflected = u < params.deflect
    ivr_gone = ~deflected & (u < params.deflect + params.ivr_abandon)
    in_queue = ~deflected & ~ivr_gone
    queued = a + ivr
    slot = np.clip(((queued - midnight) // 900).astype(np.int64), 0, 95)
    lam = np.bincount(slot[in_queue], minlength=96).astype(np.float64)
    p_wait = np.zeros(96)
    mean_wait = np.zeros(96)
    backlog = 0.0
    h = params.handle
    for s in range(96):
        agents = max(float(agents_per_slot[s]), 0.05)
        if lam[s] == 0 and backlog == 0:
            continue
        load = (lam[s] + backlog) * h / 900.0 / agents
        r = min(load, 0.95)
        p_wait[s] = 1.0 if load >= 1 else r ** (np.sqrt(2 * (agents + 1)) - 1)
        mean_wait[s] = h / (agents * (1 - r)) + backlog * h / agents
        gone = p_wait[s] * mean_wait[s] / (mean_wait[s] + params.patience)
        backlog = max(0.0, backlog + lam[s] * (1 - gone) - agents * 900.0 / h)
    waits = rng.random(n) < p_wait[slot]
    wait = np.where(waits, rng.exponential(1.0, n) * mean_wait[slot], rng.uniform(0, 4, n))
    impatient = rng.random(n) < 0.08
    patience = np.where(
        impatient, rng.uniform(0.5, 5.0, n), rng.exponential(params.patience, n) + 5.0
    )
    expected = p_wait * mean_wait
    callback = in_queue & (expected[slot] > 90) & (wait > 60) & (patience > 30)
    callback &= rng.random(n) < 0.35
    abandoned = in_queue & ~callback & (patience < wait)
    answered = in_queue & ~callback & ~abandoned

    outcome = np.full(n, OUT_ANSWERED, dtype=np.int64)
    outcome[ivr_gone] = OUT_IVR_ABANDON
    outcome[deflected] = OUT_DEFLECTED
    outcome[abandoned] = OUT_ABANDONED
    outcome[callback] = OUT_CALLBACK
    nan = np.full(n, np.nan)
    q = np.where(in_queue, queued, np.nan)
    ans = np.where(answered, queued + wait, np.nan)
    ab_at = np.where(abandoned, queued + patience, nan)
    ab_at = np.where(ivr_gone, a + ivr * rng.uniform(0.2, 0.9, n), ab_at)
    talk = np.where(answered, rng.lognormal(np.log(params.talk), 0.5, n) * talk_factor, nan)
    hold = np.where(answered, np.where(rng.random(n) < 0.3, rng.uniform(10, 120, n), 0.0), nan)
    wrap = np.where(answered, rng.lognormal(np.log(45.0), 0.4, n) * talk_factor, nan)
    cb_at = queued + rng.uniform(20, 40, n)
    ended = np.select(
        [answered, abandoned | ivr_gone, callback, deflected],
        [ans + talk + hold, ab_at, cb_at, a + ivr],
    )
    counts = on_shift_count[slot]
    k = np.floor(rng.random(n) * np.maximum(counts, 1)).astype(np.int64)
    agent = np.where(answered & (counts > 0), pick_agent[slot, k], -1)
    agent = np.where(answered & (counts == 0), pick_agent[0, 0], agent)
    return Served(outcome, q, ans, ab_at, ended, talk, hold, wrap, agent, expected[slot])
