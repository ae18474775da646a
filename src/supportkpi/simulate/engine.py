"""``simulate()``: run the desk day by day and stream canonical Parquet with ground truth.

Each local day is drawn from its own random stream (``seed``, day), so a run is
reproducible and memory stays bounded: arrivals, the phone/chat queues and every ticket's
life are computed for one day at a time and written as one part per table. Events that
would happen after the simulated period are not written (the export is taken at its end).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from supportkpi.errors import UserError
from supportkpi.simulate import operation as op
from supportkpi.simulate.clock import Clock
from supportkpi.simulate.events import EventBuffer
from supportkpi.simulate.lifecycle import Batch, Knobs, live
from supportkpi.simulate.queue import (
    OUT_ABANDONED,
    OUT_ANSWERED,
    OUT_CALLBACK,
    OUT_DEFLECTED,
    OUT_IVR_ABANDON,
    QUEUE_PARAMS,
    serve,
)
from supportkpi.simulate.scenarios import Scenario, check_scenarios, plan_scenarios
from supportkpi.simulate.tables import PARQUET, contacts_table, events_table, tickets_table
from supportkpi.simulate.tables import ids as make_ids

__all__ = ["SimulationResult", "simulate"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
DAY = 86400
REPEAT_SHARE = 0.12
OUTBOUND_SHARE = 0.03
DUPLICATE_SHARE = 0.02
_ASYNC_SHARE = float(op.CHANNEL_SHARE[[0, 3, 4]].sum() / op.CHANNEL_SHARE.sum())
_MEAN_WEEKDAY = float(op.WEEKDAY_FACTOR.mean())
assert (OUT_IVR_ABANDON, OUT_DEFLECTED, OUT_ABANDONED, OUT_CALLBACK, OUT_ANSWERED) == (
    0, 1, 2, 3, 4
)  # fmt: skip


@dataclass(frozen=True)
class SimulationResult:
    """What a run wrote: row counts, the scenarios injected and where the truth is."""

    out_dir: Path
    tickets: int
    events: int
    contacts: int
    scenarios: list[str]
    truth: Path


@dataclass
class _Pool:
    """Recent tickets customers may come back about (repeat contacts, disguised reopens)."""

    customer: I64 = field(default_factory=lambda: np.empty(0, np.int64))
    type: I64 = field(default_factory=lambda: np.empty(0, np.int64))
    product: I64 = field(default_factory=lambda: np.empty(0, np.int64))
    gold: npt.NDArray[np.bool_] = field(default_factory=lambda: np.empty(0, bool))
    weight: F64 = field(default_factory=lambda: np.empty(0, np.float64))
    day: I64 = field(default_factory=lambda: np.empty(0, np.int64))


def _check(days: int, tickets_per_day: float, staffing: float) -> None:
    for name, value, ok in (
        ("days", days, days >= 1),
        ("tickets_per_day", tickets_per_day, tickets_per_day > 0),
        ("staffing", staffing, staffing > 0),
    ):
        if not ok:
            raise UserError(
                f"{name} must be positive, got {value}",
                fix=f"pass a positive --{name.replace('_', '-')}",
            )


def _arrival_seconds(rng: np.random.Generator, hourly: F64, n: int) -> I64:
    hours = rng.choice(24, size=n, p=hourly / hourly.sum())
    return np.sort(hours * 3600 + rng.integers(0, 3600, n)).astype(np.int64)


class _Run:
    """State carried from day to day: counters, the repeat pool, async backlog, truth."""

    def __init__(
        self,
        out: Path,
        days: int,
        start: dt.date,
        seed: int,
        names: list[str],
        tickets_per_day: float,
        staffing: float,
    ) -> None:
        self.out = out
        self.days = days
        self.seed = seed
        self.rate = tickets_per_day
        self.staffing = staffing
        self.clock = Clock(start, days + 150, op.TIME_ZONE, "DE")
        self.async_hours = self.clock.schedule(*op.ASYNC_HOURS)
        self.end = int(self.clock.midnight[days])
        self.scenarios = plan_scenarios(names, self.clock, days, seed)
        self.by_kind: dict[str, Scenario] = {s.kind: s for s in self.scenarios}
        self.pool = _Pool()
        self.backlog = 0.0
        self.next_ticket = 1
        self.next_event = 1
        self.next_contact = 1
        self.next_customer = 1
        self.counts = {"tickets": 0, "events": 0, "contacts": 0}
        # two writers: the events part of one day is built and written while the other
        # parts (and the next day's) go on beside it; the OS spreads the three threads
        self.writer = ThreadPoolExecutor(max_workers=2)
        self.pending: list[Future[None]] = []
        self.knobs = self._knobs()
        self.tier1 = op.OPERATION.tier1
        self.open_mean = float(op.OPERATION.on_shift(0).sum(axis=1)[32:80].mean())

    def _agent(self, kind: str) -> int:
        s = self.by_kind.get(kind)
        if s is None:
            return -1
        ids = [a.agent_id for a in op.OPERATION.agents]
        return ids.index(s.target["agent_id"])

    def _knobs(self) -> Knobs:
        k = Knobs(mean_first=0.0, mean_next=0.0, until=self.end)
        k.sloppy = self._agent("sloppy")
        if "sloppy" in self.by_kind:
            p = self.by_kind["sloppy"].params
            k.sloppy_params = (p["handling_factor"], p["fcr_factor"], p["reopen_factor"])
        k.gaming = self._agent("gaming")
        if "gaming" in self.by_kind:
            g = self.by_kind["gaming"]
            k.gaming_window = (g.start, g.end)
        k.parking = self._agent("parking")
        if "parking" in self.by_kind:
            k.parking_p = float(self.by_kind["parking"].params["parking_probability"])
        if "ratchet" in self.by_kind:
            r = self.by_kind["ratchet"]
            k.ratchet_team = op.TEAMS.index(r.target["team"])
            k.ratchet_start = r.start
            k.ratchet_factor = float(r.params["weekly_factor"])
        if "defect" in self.by_kind:
            d = self.by_kind["defect"]
            k.defect_product = op.PRODUCTS.index(d.target["product"])
            k.defect_window = (d.start, d.end)
            k.defect_escalation = float(d.params["escalation_probability"])
        return k

    # -- arrivals ---------------------------------------------------------------------

    def _attributes(
        self, rng: np.random.Generator, n: int, day: int
    ) -> tuple[I64, I64, npt.NDArray[np.bool_], I64]:
        """type, product, gold, customer for ``n`` customer arrivals (some repeats)."""
        kind = rng.choice(len(op.TYPES), n, p=op.TYPE_SHARE / op.TYPE_SHARE.sum())
        product = rng.choice(len(op.PRODUCTS), n, p=op.PRODUCT_SHARE / op.PRODUCT_SHARE.sum())
        gold = rng.random(n) < op.GOLD_SHARE
        customer = np.arange(self.next_customer, self.next_customer + n, dtype=np.int64)
        self.next_customer += n
        pool = self.pool
        repeat = rng.random(n) < REPEAT_SHARE
        if len(pool.customer) and repeat.any():
            w = pool.weight * np.exp(-(day - pool.day) / 3.0)
            pick = rng.choice(len(w), int(repeat.sum()), p=w / w.sum())
            kind[repeat] = pool.type[pick]
            product[repeat] = pool.product[pick]
            gold[repeat] = pool.gold[pick]
            customer[repeat] = pool.customer[pick]
        return kind.astype(np.int64), product.astype(np.int64), gold, customer

    def _arrivals(self, rng: np.random.Generator, day: int) -> dict[str, Any]:
        clock = self.clock
        midnight = int(clock.midnight[day])
        wd = int(clock.weekday[day])
        holiday = bool(clock.holiday[day])
        factor = op.WEEKDAY_FACTOR[wd] / _MEAN_WEEKDAY * (1 + op.TREND_PER_DAY * day)
        factor *= op.HOLIDAY_FACTOR if holiday else 1.0
        expected = self.rate * factor
        share = op.CHANNEL_SHARE / op.CHANNEL_SHARE.sum()
        created: list[I64] = []
        channel: list[I64] = []
        surge: list[npt.NDArray[np.bool_]] = []
        rt_open = wd != 6 and not holiday
        d = self.by_kind.get("defect")
        for c, name in enumerate(op.CHANNELS):
            realtime = name in op.REALTIME_CHANNELS
            if realtime and not rt_open:
                continue
            hourly = op.REALTIME_HOURLY if realtime else op.ASYNC_HOURLY
            n = int(rng.poisson(expected * share[c]))
            sec = midnight + _arrival_seconds(rng, hourly, n)
            extra = np.empty(0, np.int64)
            if d is not None and d.start <= midnight < d.end:
                mult = float(d.params["volume_factor"]) - 1.0
                p = op.PRODUCTS.index(d.target["product"])
                lam = expected * share[c] * op.TYPE_SHARE[1] / op.TYPE_SHARE.sum()
                lam *= op.PRODUCT_SHARE[p] / op.PRODUCT_SHARE.sum() * mult
                extra = midnight + _arrival_seconds(rng, hourly, int(rng.poisson(lam)))
            sec = np.concatenate([sec, extra])
            flag = np.concatenate([np.zeros(n, bool), np.ones(len(extra), bool)])
            o = self.by_kind.get("outage")
            if o is not None and o.target["channel"] == name:
                inside = (sec >= o.start) & (sec < o.end)
                keep = ~inside | (rng.random(len(sec)) < float(o.params["remaining_share"]))
                sec, flag = sec[keep], flag[keep]
            order = np.argsort(sec, kind="stable")
            created.append(sec[order])
            channel.append(np.full(len(sec), c, np.int64))
            surge.append(flag[order])
        all_created = np.concatenate(created) if created else np.empty(0, np.int64)
        all_channel = np.concatenate(channel) if channel else np.empty(0, np.int64)
        all_surge = np.concatenate(surge) if surge else np.empty(0, bool)
        n = len(all_created)
        kind, product, gold, customer = self._attributes(rng, n, day)
        if d is not None:
            p = op.PRODUCTS.index(d.target["product"])
            kind[all_surge] = op.TYPES.index("defect")
            product[all_surge] = p
        priority = rng.choice(4, n, p=op.PRIORITY_SHARE).astype(np.int64)
        priority = np.where((kind == 1) & (rng.random(n) < 0.3), 2, priority)
        return {
            "created": all_created,
            "channel": all_channel,
            "type": kind,
            "product": product,
            "gold": gold,
            "customer": customer,
            "priority": priority,
        }

    # -- one day --------------------------------------------------------------------------

    def day(self, d: int) -> None:
        rng = np.random.default_rng([self.seed, d])
        clock = self.clock
        midnight = int(clock.midnight[d])
        wd = int(clock.weekday[d])
        arr = self._arrivals(rng, d)
        n_arr = len(arr["created"])
        is_rt = np.isin(arr["channel"], [op.CHANNELS.index(c) for c in op.REALTIME_CHANNELS])

        # phone and chat through the queue
        shift = op.OPERATION.on_shift(wd)
        counts = shift.sum(axis=1).astype(np.int64)
        pick = np.full((96, len(op.OPERATION.agents)), int(self.tier1[0]), np.int64)
        for s in range(96):
            members = np.flatnonzero(shift[s])
            pick[s, : len(members)] = members
        talk_f = np.array([a.talk_factor for a in op.OPERATION.agents])
        c_parts: list[dict[str, Any]] = []
        rt_ticket_src: list[tuple[I64, F64, I64, F64, F64, F64]] = []
        contact_arrival_idx: list[I64] = []
        for name in op.REALTIME_CHANNELS:
            c = op.CHANNELS.index(name)
            sel = np.flatnonzero(arr["channel"] == c)
            if len(sel) == 0:
                continue
            params = QUEUE_PARAMS[name]
            daily = self.rate * op.CHANNEL_SHARE[c] / op.CHANNEL_SHARE.sum()
            peak = daily * float(op.REALTIME_HOURLY.max() / op.REALTIME_HOURLY.sum()) / 4
            erlang = peak * params.handle / 900.0
            desk = params.agents_per_load * erlang + 2.5
            agents = self.staffing * desk * counts / self.open_mean
            served = serve(
                rng, params, arr["created"][sel], midnight, agents.astype(np.float64), pick,
                counts, np.ones(len(sel)),
            )  # fmt: skip
            # the agent who answered shapes the talk time
            ans = served.agent >= 0
            factor = np.where(ans, talk_f[np.maximum(served.agent, 0)], 1.0)
            sloppy = served.agent == self.knobs.sloppy
            factor = factor * np.where(sloppy, self.knobs.sloppy_params[0], 1.0)
            served.ended = np.where(ans, served.answered + (served.talk * factor) + served.hold,
                                    served.ended)  # fmt: skip
            served.talk = served.talk * factor
            served.wrap = served.wrap * factor
            cb = served.outcome == OUT_CALLBACK
            cb_agent = self.tier1[rng.integers(0, len(self.tier1), len(sel))]
            cb_created = served.ended + rng.uniform(600, 3600, len(sel))
            cb_talk = rng.lognormal(np.log(params.talk), 0.5, len(sel))
            makes = ans | cb
            t_created = np.where(cb, cb_created, served.answered)
            t_agent = np.where(cb, cb_agent, served.agent)
            t_talk = np.where(cb, cb_talk, served.talk)
            t_hold = np.where(cb, 0.0, served.hold)
            t_wrap = np.where(cb, 45.0, served.wrap)
            agent_out = np.where(cb, cb_agent, served.agent)
            c_parts.append(
                {
                    "sel": sel,
                    "channel": c,
                    "served": served,
                    "agent": agent_out,
                    "makes": makes,
                }
            )
            rt_ticket_src.append(
                (sel[makes], t_created[makes], t_agent[makes], t_talk[makes], t_hold[makes],
                 t_wrap[makes])
            )  # fmt: skip
            contact_arrival_idx.append(sel)

        # tickets: async arrivals, answered contacts, outbound
        a_sel = np.flatnonzero(~is_rt)
        n_async = len(a_sel)
        a_owner = self.tier1[rng.integers(0, len(self.tier1), n_async)]
        rt_src = (
            np.concatenate([x[0] for x in rt_ticket_src])
            if rt_ticket_src
            else np.empty(0, np.int64)
        )
        rt_created = np.concatenate([x[1] for x in rt_ticket_src]) if rt_ticket_src else np.empty(0)
        rt_owner = (
            np.concatenate([x[2] for x in rt_ticket_src])
            if rt_ticket_src
            else np.empty(0, np.int64)
        )
        rt_talk = np.concatenate([x[3] for x in rt_ticket_src]) if rt_ticket_src else np.empty(0)
        rt_hold = np.concatenate([x[4] for x in rt_ticket_src]) if rt_ticket_src else np.empty(0)
        rt_wrap = np.concatenate([x[5] for x in rt_ticket_src]) if rt_ticket_src else np.empty(0)
        business_day = wd < 5 and not clock.holiday[d]
        n_out = int(rng.poisson(OUTBOUND_SHARE * n_arr)) if business_day and n_arr else 0
        out_from = rng.integers(0, max(n_arr, 1), n_out)
        src = np.concatenate([a_sel, rt_src, out_from]).astype(np.int64)
        n_main = len(src)
        nan_a = np.full(n_async, np.nan)
        nan_o = np.full(n_out, np.nan)
        created = np.concatenate(
            [
                arr["created"][a_sel],
                np.round(rt_created).astype(np.int64),
                midnight + rng.integers(9 * 3600, 17 * 3600, n_out),
            ]
        ).astype(np.int64)
        channel = np.concatenate(
            [arr["channel"][a_sel], arr["channel"][rt_src], np.zeros(n_out, np.int64)]
        )
        by_agent = np.concatenate([np.zeros(n_async + len(rt_src), bool), np.ones(n_out, bool)])
        owner = np.concatenate(
            [
                a_owner,
                rt_owner.astype(np.int64),
                self.tier1[rng.integers(0, len(self.tier1), n_out)],
            ]
        )
        realtime = np.concatenate([np.zeros(n_async, bool), np.ones(len(rt_src), bool),
                                   np.zeros(n_out, bool)])  # fmt: skip
        main = Batch(
            created=created,
            channel=channel,
            type=arr["type"][src],
            product=arr["product"][src],
            priority=arr["priority"][src],
            gold=arr["gold"][src],
            customer=arr["customer"][src],
            by_agent=by_agent,
            owner=owner,
            realtime=realtime,
            talk=np.concatenate([nan_a, rt_talk, nan_o]),
            hold=np.concatenate([nan_a, rt_hold, nan_o]),
            wrap=np.concatenate([nan_a, rt_wrap, nan_o]),
            split=np.zeros(n_main, bool),
        )

        # the async backlog sets how fast first replies come
        capacity = self.staffing * 1.25 * self.rate * _ASYNC_SHARE / _MEAN_WEEKDAY
        load = (self.backlog + n_async / 2) / capacity
        self.knobs.mean_first = 1200.0 + 4 * 3600.0 * load
        self.knobs.mean_next = 1800.0 + 0.8 * self.knobs.mean_first
        self.backlog = max(0.0, self.backlog + n_async - (capacity if business_day else 0.0))

        ev = EventBuffer()
        res = live(rng, main, self.knobs, self.async_hours, ev)

        # gaming: split problems into agent-created tickets right after the first touch
        end_of_day = int(clock.midnight[d + 1])
        g = self.by_kind.get("gaming")
        split_parent = np.empty(0, np.int64)
        if g is not None:
            cand = np.flatnonzero(res.gamed & (res.first_touch < end_of_day) & ~main.by_agent)
            cand = cand[rng.random(len(cand)) < float(g.params["split_probability"])]
            lo, hi = g.params["splits"]
            reps = rng.integers(lo, hi + 1, len(cand))
            split_parent = np.repeat(cand, reps)
        n_split = len(split_parent)
        split = Batch(
            created=res.first_touch[split_parent] + rng.integers(60, 1800, n_split),
            channel=np.where(realtime[split_parent], 0, channel[split_parent]),
            type=main.type[split_parent],
            product=main.product[split_parent],
            priority=main.priority[split_parent],
            gold=main.gold[split_parent],
            customer=main.customer[split_parent],
            by_agent=np.ones(n_split, bool),
            owner=np.full(n_split, max(self.knobs.gaming, 0), np.int64),
            realtime=np.zeros(n_split, bool),
            talk=np.full(n_split, np.nan),
            hold=np.full(n_split, np.nan),
            wrap=np.full(n_split, np.nan),
            split=np.ones(n_split, bool),
        )
        res_split = live(rng, split, self.knobs, self.async_hours, ev, offset=n_main)

        # merged duplicates: the customer writes again before the first reply
        dup_cand = np.flatnonzero(~main.realtime & ~main.by_agent)
        dup_parent = dup_cand[rng.random(len(dup_cand)) < DUPLICATE_SHARE]
        n_dup = len(dup_parent)
        dup_created = main.created[dup_parent] + rng.integers(120, 3600, n_dup)
        dup_idx = np.arange(n_main + n_split, n_main + n_split + n_dup, dtype=np.int64)
        ev.add(dup_idx, dup_created, "message", "customer", actor=main.customer[dup_parent],
               public=1)  # fmt: skip
        closer = res.final_owner[dup_parent]
        close_at = np.maximum(dup_created, res.first_touch[dup_parent]) + 30
        ev.add(dup_idx, close_at, "status", "agent", actor=closer, status=5)

        # all of the day's tickets, in creation order
        t_created = np.concatenate([main.created, split.created, dup_created]).astype(np.int64)
        n_all = len(t_created)
        order = np.lexsort((np.arange(n_all), t_created))
        rank = np.empty(n_all, np.int64)
        rank[order] = np.arange(n_all)
        numbers = self.next_ticket + rank
        self.next_ticket += n_all

        def cat(a: str) -> npt.NDArray[Any]:
            return np.concatenate(
                [getattr(main, a), getattr(split, a), getattr(main, a)[dup_parent]]
            )

        t_type = cat("type")
        t_final_owner = np.concatenate([res.final_owner, res_split.final_owner, closer])
        merged = np.concatenate([np.full(n_main + n_split, -1, np.int64), numbers[dup_parent]])
        created_by = np.concatenate([main.by_agent, split.by_agent, np.zeros(n_dup, bool)])
        t_channel = cat("channel")
        sub = rng.random(n_all) < 0.6
        tickets_cols = {
            "n": numbers,
            "created": t_created,
            "channel": t_channel,
            "customer": cat("customer"),
            "created_by": created_by.astype(np.int64),
            "type": t_type,
            "priority": cat("priority"),
            "gold": cat("gold"),
            "owner": t_final_owner,
            "product": cat("product"),
            "merged": merged,
            "sub": sub,
            "subpick": rng.integers(0, 3, n_all),
        }
        self._write_tickets(d, tickets_cols, order)
        cols = ev.columns(self.end, rank)
        self._write_events(d, cols, numbers)
        self._write_contacts(d, arr, c_parts, numbers, n_async)
        self._truth(
            arr, res, split, numbers, n_main, c_parts, t_created, t_channel, t_type,
            cat("product"), cat("owner"), res_split,
        )  # fmt: skip
        self._update_pool(d, main, res, split)

    # -- writing ----------------------------------------------------------------------------

    def _write(self, table: str, d: int, rows: int, build: Callable[[], pa.Table]) -> None:
        """Build and write a part on the writer thread, at most about a day behind.

        Arrow and numpy release the GIL in their kernels, so the strings of one day are laid
        out and written while the next day is simulated. ``build`` only reads arrays that
        the simulation no longer changes.
        """
        path = self.out / table / f"part-{d:05d}.parquet"
        while len(self.pending) > 3:
            self.pending.pop(0).result()
        self.pending.append(self.writer.submit(_build_and_write, build, path, PARQUET[table]))
        self.counts[table] += rows

    def finish(self) -> None:
        for future in self.pending:
            future.result()
        self.writer.shutdown()

    def _write_tickets(self, d: int, c: dict[str, Any], order: I64) -> None:
        c = {k: np.asarray(v)[order] for k, v in c.items()}
        self._write("tickets", d, len(order), partial(tickets_table, c))

    def _write_events(self, d: int, cols: dict[str, Any], numbers: I64) -> None:
        ticket = numbers[cols["ticket"]]  # already sorted by ticket number, time, insertion
        first, n = self.next_event, len(ticket)
        self.next_event += n
        self._write("events", d, n, partial(events_table, cols, ticket, first))

    def _write_contacts(
        self, d: int, arr: dict[str, Any], parts: list[dict[str, Any]], numbers: I64, n_async: int
    ) -> None:
        made = n_async
        blocks: list[dict[str, Any]] = []
        for part in parts:
            sel = part["sel"]
            n = len(sel)
            ticket = np.full(n, -1, np.int64)
            k = int(part["makes"].sum())
            ticket[part["makes"]] = numbers[made : made + k]
            made += k
            part["ticket_numbers"] = ticket
            part["contact_numbers"] = np.arange(self.next_contact, self.next_contact + n)
            self.next_contact += n
            blocks.append(
                {
                    **part,
                    "arrived": arr["created"][sel],
                    "type": arr["type"][sel],
                    "customer": arr["customer"][sel],
                }
            )
        rows = sum(len(b["sel"]) for b in blocks)
        self._write("contacts", d, rows, partial(contacts_table, blocks))

    # -- truth and follow-ups -----------------------------------------------------------------

    def _truth(
        self,
        arr: dict[str, Any],
        res: Any,
        split: Batch,
        numbers: I64,
        n_main: int,
        parts: list[dict[str, Any]],
        created: I64,
        channel: I64,
        kind: I64,
        product: I64,
        first_owner: I64,
        res_split: Any,
    ) -> None:
        def ids(prefix: str, nums: npt.NDArray[Any]) -> list[str]:
            return [str(x) for x in make_ids(prefix, np.asarray(nums, np.int64)).to_pylist()]

        n_split = len(split)
        for s in self.scenarios:
            inside = (created >= s.start) & (created < s.end)
            if s.kind == "defect":
                p = op.PRODUCTS.index(s.target["product"])
                hit = inside & (kind == op.TYPES.index("defect")) & (product == p)
                s.ticket_ids += ids("T-", numbers[hit])
            elif s.kind == "outage":
                c = op.CHANNELS.index(s.target["channel"])
                s.ticket_ids += ids("T-", numbers[inside & (channel == c)])
                for part in parts:
                    if part["channel"] != c:
                        continue
                    at = arr["created"][part["sel"]]
                    win = (at >= s.start) & (at < s.end)
                    s.contact_ids += ids("K-", part["contact_numbers"][win])
            elif s.kind == "gaming":
                hit = np.zeros(len(created), bool)
                hit[:n_main] = res.gamed
                hit[n_main : n_main + n_split] = True
                s.ticket_ids += ids("T-", numbers[hit])
            elif s.kind in ("sloppy", "parking"):
                agent = self._agent(s.kind)
                if s.kind == "sloppy":
                    hit = first_owner == agent
                else:
                    hit = np.zeros(len(created), bool)
                    hit[:n_main] = res.parked
                    hit[n_main : n_main + n_split] = res_split.parked
                s.ticket_ids += ids("T-", numbers[hit])
                if s.kind == "sloppy":
                    for part in parts:
                        mine = part["agent"] == agent
                        s.contact_ids += ids("K-", part["contact_numbers"][mine])
            elif s.kind == "ratchet":
                team = op.TEAMS.index(s.target["team"])
                team_of = np.array([op.TEAMS.index(a.team) for a in op.OPERATION.agents])
                s.ticket_ids += ids("T-", numbers[team_of[first_owner] == team])

    def _update_pool(self, d: int, main: Batch, res: Any, split: Batch) -> None:
        cust = ~main.by_agent
        w = 1.0 + 3.0 * res.reopened + 3.0 * (main.owner == self.knobs.sloppy) + 6.0 * res.gamed
        pool = self.pool
        keep = pool.day > d - 10
        pool.customer = np.concatenate([pool.customer[keep], main.customer[cust], split.customer])
        pool.type = np.concatenate([pool.type[keep], main.type[cust], split.type])
        pool.product = np.concatenate([pool.product[keep], main.product[cust], split.product])
        pool.gold = np.concatenate([pool.gold[keep], main.gold[cust], split.gold])
        pool.weight = np.concatenate([pool.weight[keep], w[cust], np.full(len(split), 6.0)])
        pool.day = np.concatenate(
            [pool.day[keep], np.full(int(cust.sum()) + len(split), d, np.int64)]
        )

    def truth(self) -> dict[str, Any]:
        agents = op.OPERATION.agents
        return {
            "seed": self.seed,
            "start": self.clock.dates[0].isoformat(),
            "days": self.days,
            "operation": {
                "time_zone": op.TIME_ZONE,
                "business_hours": {
                    "email": _hours(op.ASYNC_HOURS),
                    "social": _hours(op.ASYNC_HOURS),
                    "web": _hours(op.ASYNC_HOURS),
                    "phone": _hours(op.REALTIME_HOURS),
                    "chat": _hours(op.REALTIME_HOURS),
                },
                "holidays": {"country": "DE"},
                "teams": list(op.TEAMS),
                "agents": [
                    {
                        "agent_id": a.agent_id,
                        "team": a.team,
                        "tier": a.tier,
                        "role": a.role,
                        "shift": [_clock(a.shift_start), _clock(a.shift_end)],
                        "saturday": a.saturday,
                    }
                    for a in agents
                ],
                "tickets_per_day": self.rate,
                "staffing": self.staffing,
            },
            "scenarios": [s.to_dict() for s in self.scenarios],
        }


def _build_and_write(build: Callable[[], pa.Table], path: Path, options: dict[str, Any]) -> None:
    pq.write_table(build(), path, **options)


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _hours(spec: tuple[int, int, tuple[int, ...]]) -> dict[str, Any]:
    return {"days": [_DAYS[i] for i in spec[2]], "open": _clock(spec[0]), "close": _clock(spec[1])}


def simulate(
    out_dir: str | Path,
    *,
    days: int = 90,
    start: dt.date = dt.date(2026, 1, 5),
    seed: int = 0,
    scenarios: Sequence[str] = (),
    tickets_per_day: float = 400.0,
    staffing: float = 1.0,
    progress: Callable[[int, int], None] | None = None,
) -> SimulationResult:
    """Simulate ``days`` days of the desk into ``out_dir`` (canonical Parquet + truth.json).

    Same arguments, same bytes. ``progress(done_days, days)`` is called after each day.
    """
    _check(days, tickets_per_day, staffing)
    names = check_scenarios(scenarios)
    out = Path(out_dir)
    for table in ("tickets", "events", "contacts"):
        folder = out / table
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("part-*.parquet"):
            old.unlink()
    run = _Run(out, days, start, seed, names, tickets_per_day, staffing)
    pq.write_table(op.OPERATION.table(), out / "agents.parquet", compression="zstd")
    try:
        for d in range(days):
            run.day(d)
            if progress is not None:
                progress(d + 1, days)
    finally:
        run.finish()
    truth = out / "truth.json"
    truth.write_text(json.dumps(run.truth(), indent=1) + "\n", encoding="utf-8")
    return SimulationResult(
        out_dir=out,
        tickets=run.counts["tickets"],
        events=run.counts["events"],
        contacts=run.counts["contacts"],
        scenarios=names,
        truth=truth,
    )
