"""KPI engine speed and memory against hand-written DuckDB SQL for the same core KPIs.

Data: the simulator's cached datasets (``BENCH_DIR/sim-1m``, ``sim-10m``) when present,
else ``supportkpi.simulate.simulate`` when it exists, else a plain synthetic dataset in the
canonical layout written here (``BENCH_DIR/kpis-synthetic-1m``...). The data is imported
once into a DuckDB store file next to it, which later runs reuse.

Each side runs in a fresh child process on that store (read-only); peak memory is the
child's resident set sampled every 20 ms:

(a) the product: ``supportkpi.kpis.compute.compute(store, by=["channel"], period="week")``
    when it exists; otherwise the per-ticket and per-contact metric tables aggregated per
    channel x week (what exists of the engine; the missing piece is printed);
(b) one hand-written DuckDB SQL query for the core KPIs per channel x week: first response
    (mean, median), full resolution (mean, median), abandonment rate (short abandons
    excluded), mean wait including the IVR, mean AHT.

Then both answers are compared cell by cell and each core KPI is reported as ``agree`` or
``DIFFER``. Targets: the product within 1.5x of the SQL; 10M tickets in 60 s and 4 GiB.
``--quick``: 1M tickets only. ``--synthetic``: the plain synthetic dataset even where the
simulator's data exists (fewer events per ticket; the figures of docs/performance.md were
taken on it at 10M). ``--suite``: the full suite alone, without the comparisons.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from bench._child import run_child

GIB = 1024**3
SHORT_ABANDON_S = 5.0
CORE: tuple[tuple[str, str], ...] = (
    ("first_response", "mean"),
    ("first_response", "median"),
    ("full_resolution", "mean"),
    ("full_resolution", "median"),
    ("abandonment_rate", "value"),
    ("wait_time", "mean"),
    ("aht", "mean"),
)
"""(core KPI, statistic) pairs both sides compute per channel x week."""

_CORE_COLUMNS = {
    "first_response": "first_response_s",
    "full_resolution": "full_resolution_s",
    "abandonment_rate": "abandoned_headline",
    "wait_time": "wait_s",
    "aht": "handle_s",
}
"""The metric column behind each core KPI (to find the product's KPI ids)."""


# --- data -----------------------------------------------------------------------------------


def _have(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _complete(folder: Path) -> bool:
    return all(any((folder / t).glob("*.parquet")) for t in ("tickets", "events", "contacts"))


def _dataset(base: Path, tickets: int, synthetic: bool = False) -> tuple[Path, str]:
    """The folder with canonical Parquet data for ``tickets`` tickets, and its origin."""
    label = f"{tickets // 1_000_000}m"
    sim = base / f"sim-{label}"
    if synthetic:
        folder = base / f"kpis-synthetic-{label}"
        if not _complete(folder):
            _synthesize(folder, tickets)
        return folder, "synthetic (asked for)"
    if _complete(sim):
        return sim, "simulator (cached)"
    if _have("supportkpi.simulate") and hasattr(
        importlib.import_module("supportkpi.simulate"), "simulate"
    ):
        from supportkpi.simulate import simulate  # type: ignore[attr-defined]

        days = 91
        simulate(sim, days=days, tickets_per_day=math.ceil(tickets / days), seed=7)
        return sim, "simulator (generated now)"
    synthetic = base / f"kpis-synthetic-{label}"
    if not _complete(synthetic):
        _synthesize(synthetic, tickets)
    return synthetic, "synthetic (supportkpi.simulate.simulate is missing)"


_CHANNELS = np.array(["email", "chat", "phone", "social", "web"])
_OUTCOMES = np.array(["answered", "abandoned", "callback", "deflected"])


def _ts(values: np.ndarray) -> pa.Array:
    return pa.array(values.astype("datetime64[us]"), pa.timestamp("us", tz="UTC"))


def _synthesize(folder: Path, n_tickets: int) -> None:
    """A plain support operation in the canonical layout, written in chunks of tickets.

    Per ticket: the customer's message, sometimes a bot reply and an internal note, usually
    an agent's public reply, usually a solve, sometimes a reopen and a second solve. Phone
    and chat tickets get one or two contacts with every outcome.
    """
    for sub in ("tickets", "events", "contacts"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(11)
    start = np.datetime64("2026-01-05T00:00:00", "s")
    chunk = 1_000_000
    for part, first in enumerate(range(0, n_tickets, chunk)):
        n = min(chunk, n_tickets - first)
        ids = np.char.add("T-", np.arange(first, first + n).astype(str))
        created = start + rng.integers(0, 91 * 86400, n).astype("timedelta64[s]")
        channel = _CHANNELS[rng.integers(0, len(_CHANNELS), n)]
        outbound = rng.random(n) < 0.03
        merged = rng.random(n) < 0.01
        merged_into = np.where(merged & (np.arange(n) > 0), np.roll(ids, 1), None)
        tickets = pa.table(
            {
                "ticket_id": ids,
                "created_at": _ts(created),
                "channel": channel,
                "customer_id": np.char.add("C-", rng.integers(0, n // 3 + 1, n).astype(str)),
                "created_by": np.where(outbound, "agent", "customer"),
                "priority": np.array(["low", "normal", "high", "urgent"])[rng.integers(0, 4, n)],
                "merged_into": pa.array(merged_into, pa.string()),
            }
        )
        pq.write_table(tickets, folder / "tickets" / f"part-{part:04d}.parquet")

        sec = np.timedelta64(1, "s")
        first_reply = created + (rng.exponential(4 * 3600, n) + 30).astype("int64") * sec
        solve = first_reply + (rng.exponential(20 * 3600, n) + 60).astype("int64") * sec
        reopen = solve + (rng.exponential(24 * 3600, n) + 60).astype("int64") * sec
        solve2 = reopen + (rng.exponential(8 * 3600, n) + 60).astype("int64") * sec
        has_reply = rng.random(n) < 0.92
        has_solve = has_reply & (rng.random(n) < 0.85)
        has_reopen = has_solve & (rng.random(n) < 0.1)
        has_bot = rng.random(n) < 0.5
        has_note = rng.random(n) < 0.3
        agent = np.char.add("A-", rng.integers(0, 400, n).astype(str))
        pieces = [
            # (mask, at, kind, role, public, status)
            (np.ones(n, bool), created + 5 * sec, "message", "customer", True, None),
            (has_bot, created + 20 * sec, "message", "bot", True, None),
            (has_note, created + 600 * sec, "note", "agent", False, None),
            (has_reply, first_reply, "message", "agent", True, None),
            (has_solve, solve, "status", "agent", None, "solved"),
            (has_reopen, reopen, "message", "customer", True, None),
            (has_reopen, reopen + sec, "status", "system", None, "open"),
            (has_reopen, solve2, "status", "agent", None, "solved"),
        ]
        batches = []
        for k, (mask, at, kind, role, public, status) in enumerate(pieces):
            m = int(mask.sum())
            batches.append(
                pa.table(
                    {
                        "event_id": np.char.add(ids[mask], f"-{k}"),
                        "ticket_id": ids[mask],
                        "at": _ts(at[mask]),
                        "kind": pa.array([kind] * m, pa.string()),
                        "actor_role": pa.array([role] * m, pa.string()),
                        "actor_id": agent[mask] if role == "agent" else pa.nulls(m, pa.string()),
                        "public": pa.array([public] * m, pa.bool_()),
                        "status": pa.array([status] * m, pa.string()),
                    }
                )
            )
        pq.write_table(pa.concat_tables(batches), folder / "events" / f"part-{part:04d}.parquet")

        realtime = np.isin(channel, ["phone", "chat"])
        owners = np.repeat(np.flatnonzero(realtime), 1 + (rng.random(realtime.sum()) < 0.3))
        m = len(owners)
        outcome = _OUTCOMES[rng.choice(4, m, p=[0.8, 0.12, 0.03, 0.05])]
        arrived = created[owners] + rng.integers(-600, 0, m) * sec
        ivr = rng.integers(0, 60_000, m).astype("timedelta64[ms]")
        queue_wait = rng.exponential(40_000, m).astype("int64").astype("timedelta64[ms]")
        queued = arrived + ivr
        answered = outcome == "answered"
        abandoned = outcome == "abandoned"
        in_ivr = abandoned & (rng.random(m) < 0.3)
        left_at = np.where(
            in_ivr,
            arrived + rng.integers(1_000, 30_000, m).astype("timedelta64[ms]"),
            queued + rng.integers(500, 120_000, m).astype("timedelta64[ms]"),
        )
        talk = pa.array(
            np.where(answered, rng.exponential(300, m).round(), np.nan), from_pandas=True
        )
        hold = pa.array(
            np.where(answered & (rng.random(m) < 0.6), rng.exponential(40, m).round(), np.nan),
            from_pandas=True,
        )
        wrap = pa.array(
            np.where(answered & (rng.random(m) < 0.9), rng.exponential(60, m).round(), np.nan),
            from_pandas=True,
        )

        def maybe(mask: np.ndarray, values: np.ndarray) -> pa.Array:
            return pa.array(values.astype("datetime64[us]"), pa.timestamp("us", tz="UTC"), ~mask)

        contacts = pa.table(
            {
                "contact_id": np.char.add("K-", np.arange(first * 2, first * 2 + m).astype(str)),
                "channel": channel[owners],
                "arrived_at": _ts(arrived),
                "queued_at": maybe(~in_ivr & (outcome != "deflected"), queued),
                "answered_at": maybe(answered, queued + queue_wait),
                "abandoned_at": maybe(abandoned, left_at),
                "ended_at": _ts(np.where(answered, queued + queue_wait, left_at)),
                "outcome": outcome,
                "talk_seconds": talk,
                "hold_seconds": hold,
                "wrap_seconds": wrap,
                "queue": np.where(channel[owners] == "phone", "voice-en", "chat-en"),
                "agent_id": pa.array(np.where(answered, agent[owners], None), pa.string()),
                "customer_id": tickets.column("customer_id").to_numpy()[owners],
                "ticket_id": ids[owners],
            }
        )
        pq.write_table(contacts, folder / "contacts" / f"part-{part:04d}.parquet")
    agents = pa.table(
        {
            "agent_id": np.char.add("A-", np.arange(400).astype(str)),
            "team": np.char.add("team-", (np.arange(400) % 8).astype(str)),
        }
    )
    pq.write_table(agents, folder / "agents.parquet")


def _store(data: Path) -> tuple[Path, float | None]:
    """A DuckDB store with ``data`` imported (cached next to it); seconds spent importing."""
    path = data.parent / f"{data.name}-store.duckdb"
    done = path.with_suffix(".done")
    if path.exists() and done.exists():
        return path, None
    path.unlink(missing_ok=True)
    t0 = time.perf_counter()
    if _have("supportkpi.store"):
        from supportkpi.store import open_store

        with open_store(path) as store:
            store.import_files([data])
    else:
        import duckdb

        con = duckdb.connect(str(path))
        for name in ("tickets", "events", "contacts"):
            con.execute(
                f"CREATE TABLE {name} AS SELECT * FROM read_parquet(?)",  # noqa: S608
                [str(data / name / "*.parquet")],
            )
        con.execute(
            "CREATE TABLE agents AS SELECT * FROM read_parquet(?)", [str(data / "agents.parquet")]
        )
        con.close()
    done.write_text(str(data))
    return path, time.perf_counter() - t0


# --- the two sides (run in child processes) ------------------------------------------------

_CONTACT_CTES = """
per_contact AS (
    SELECT channel, date_trunc('week', arrived_at) AS week, outcome,
           CASE WHEN outcome = 'abandoned' THEN date_diff(
               'millisecond', arrived_at, coalesce(abandoned_at, ended_at)) / 1000.0
           END AS tta_s,
           CASE WHEN outcome = 'answered'
                THEN date_diff('millisecond', arrived_at, answered_at) / 1000.0 END AS wait_s,
           CASE WHEN outcome IN ('answered', 'callback') AND NOT (
                    talk_seconds IS NULL AND hold_seconds IS NULL AND wrap_seconds IS NULL)
                THEN coalesce(talk_seconds, 0) + coalesce(hold_seconds, 0)
                     + coalesce(wrap_seconds, 0) END AS handle_s
    FROM contacts
),
contact_kpis AS (
    SELECT channel, week,
           count(*) FILTER (WHERE outcome = 'abandoned' AND NOT coalesce(tta_s <= $short, FALSE))
             / nullif(count(*) FILTER (
                 WHERE outcome IS DISTINCT FROM 'deflected'
                   AND NOT (outcome = 'abandoned' AND coalesce(tta_s <= $short, FALSE))), 0)
             AS abandonment_rate__value,
           avg(wait_s) AS wait_time__mean,
           avg(handle_s) AS aht__mean
    FROM per_contact GROUP BY channel, week
)
"""

_TICKET_CTES = """
alive AS (
    SELECT ticket_id, created_at, channel, coalesce(created_by, 'customer') AS created_by
    FROM tickets WHERE merged_into IS NULL
),
owner AS (
    SELECT ticket_id AS src_id, coalesce(merged_into, ticket_id) AS owner_id,
           merged_into IS NOT NULL AS is_dup
    FROM tickets
),
ev AS (
    SELECT o.owner_id AS ticket_id, e."at" AS ev_at, e.kind, e.actor_role, e.status, e.event_id,
           NOT o.is_dup AS own,
           e.kind = 'message' AND coalesce(e.public, TRUE) AS is_public
    FROM events e JOIN owner o ON e.ticket_id = o.src_id
    WHERE NOT o.is_dup OR e.kind IN ('message', 'note', 'work')
),
first_customer AS (
    SELECT ticket_id, min(ev_at) AS first_msg_at FROM ev
    WHERE is_public AND actor_role = 'customer' GROUP BY ticket_id
),
clock AS (
    SELECT a.ticket_id, a.created_at, a.channel,
           CASE WHEN a.created_by = 'agent' THEN f.first_msg_at ELSE a.created_at END
               AS clock_at
    FROM alive a LEFT JOIN first_customer f USING (ticket_id)
),
first_reply AS (
    SELECT c.ticket_id, min(ev.ev_at) AS reply_at
    FROM clock c JOIN ev ON ev.ticket_id = c.ticket_id
    WHERE ev.is_public AND ev.actor_role = 'agent' AND ev.ev_at >= c.clock_at
    GROUP BY c.ticket_id
),
statuses AS (
    SELECT ticket_id, ev_at, status IN ('solved', 'closed') AS solved,
           lag(status IN ('solved', 'closed'), 1, FALSE)
               OVER (PARTITION BY ticket_id ORDER BY ev_at, event_id) AS prev_solved,
           row_number() OVER (PARTITION BY ticket_id ORDER BY ev_at DESC, event_id DESC) AS back
    FROM ev WHERE kind = 'status' AND status IS NOT NULL AND own
),
resolved AS (
    SELECT ticket_id,
           max(ev_at) FILTER (WHERE solved AND NOT prev_solved) AS last_solve_at,
           bool_or(solved) FILTER (WHERE back = 1) AS currently_solved
    FROM statuses GROUP BY ticket_id
),
fr_kpis AS (
    -- First response applies to the asynchronous channels only (KPIS.md section 3: email,
    -- social, web, messaging), in the week of the first reply.
    SELECT c.channel, date_trunc('week', f.reply_at) AS week,
           avg(date_diff('millisecond', c.clock_at, f.reply_at) / 1000.0)
               AS first_response__mean,
           median(date_diff('millisecond', c.clock_at, f.reply_at) / 1000.0)
               AS first_response__median
    FROM clock c JOIN first_reply f USING (ticket_id)
    WHERE c.channel IN ('email', 'social', 'web', 'messaging')
    GROUP BY 1, 2
),
res_kpis AS (
    -- Full resolution: tickets solved at the evaluation instant, in the week of the last
    -- solve (the period in which the ticket got resolved).
    SELECT c.channel, date_trunc('week', r.last_solve_at) AS week,
           avg(date_diff('millisecond', c.created_at, r.last_solve_at) / 1000.0)
               AS full_resolution__mean,
           median(date_diff('millisecond', c.created_at, r.last_solve_at) / 1000.0)
               AS full_resolution__median
    FROM clock c JOIN resolved r USING (ticket_id)
    WHERE r.currently_solved
    GROUP BY 1, 2
),
"""

_FINAL = """
SELECT coalesce(f.channel, r.channel, c.channel) AS channel,
       CAST(CAST(coalesce(f.week, r.week, c.week) AS DATE) AS VARCHAR) AS week,
       f.first_response__mean, f.first_response__median,
       r.full_resolution__mean, r.full_resolution__median,
       c.abandonment_rate__value, c.wait_time__mean, c.aht__mean
FROM fr_kpis f
FULL JOIN res_kpis r ON f.channel = r.channel AND f.week = r.week
FULL JOIN contact_kpis c
  ON coalesce(f.channel, r.channel) = c.channel AND coalesce(f.week, r.week) = c.week
"""

HAND_SQL = "\n".join(("WITH", _TICKET_CTES, _CONTACT_CTES, _FINAL))
"""The core KPIs in plain DuckDB SQL, written from the specification (merged duplicates
folded into their target, the clock of agent-created tickets starting at the customer's
first message, first response for the asynchronous channels in the week of the reply,
resolution at the last solve of a ticket still solved, in the week of that solve)."""

_CONTACT_FINAL = """
SELECT channel, CAST(CAST(week AS DATE) AS VARCHAR) AS week,
       abandonment_rate__value, wait_time__mean, aht__mean
FROM contact_kpis
"""
CONTACT_SQL = "\n".join(("WITH", _CONTACT_CTES, _CONTACT_FINAL))
"""The phone/chat part alone, to time the contact metrics against their own SQL."""


def _long(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Wide rows (``<kpi>__<stat>`` columns) to (channel, week, kpi, stat, value) records."""
    out = []
    for row in rows:
        week = row["week"]
        week_text = week.date().isoformat() if hasattr(week, "date") else str(week)[:10]
        for kpi, stat in CORE:
            value = row.get(f"{kpi}__{stat}")
            if value is not None:
                value = float(value)
            if value is not None and math.isnan(value):
                value = None
            out.append(
                {"channel": row["channel"], "week": week_text, "kpi": kpi, "stat": stat,
                 "value": value}
            )  # fmt: skip
    return out


def _cpu() -> float:
    """CPU seconds (user and system, every thread) this process has used so far: on a
    shared machine, a steadier figure than the wall time."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child_sql(store: str, out: str, part: str) -> None:
    import duckdb

    con = duckdb.connect(store, read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    t0, c0 = time.perf_counter(), _cpu()
    query = HAND_SQL if part == "all" else CONTACT_SQL
    rows = con.sql(query, params={"short": SHORT_ABANDON_S}).to_arrow_table().to_pylist()
    elapsed, cpu = time.perf_counter() - t0, _cpu() - c0
    Path(out).write_text(json.dumps({"mode": "hand-written SQL", "rows": _long(rows)}))
    print(elapsed, cpu)


def _contact_aggregate(store: Any) -> Any:
    """contact_metrics aggregated per channel x week with the definitions' rules (share
    true of a rate over its non-null population, mean of a duration)."""
    from supportkpi.kpis._time import utc_period_key
    from supportkpi.kpis.contacts import contact_metrics
    from supportkpi.kpis.inputs import Inputs

    cm = contact_metrics(Inputs.from_backend(store.con), short_abandon=SHORT_ABANDON_S)
    ab = cm.abandoned_headline
    week = utc_period_key(cm.arrived_at, "W")
    return cm.group_by(channel=cm.channel, week=week).agg(
        abandonment_rate__value=ab.cast("float64").mean(where=ab.notnull()),
        wait_time__mean=cm.wait_s.mean(),
        aht__mean=cm.handle_s.mean(),
    )


def _product_contacts(store: Any) -> tuple[list[dict[str, Any]], str]:
    rows = _contact_aggregate(store).to_pyarrow().to_pylist()
    return _long(rows), "contact_metrics aggregated per channel x week"


def _product_partial(store: Any) -> tuple[list[dict[str, Any]], str]:
    """The engine pieces that exist, aggregated per channel x week (compute() missing)."""
    import ibis

    from supportkpi.kpis.inputs import Inputs
    from supportkpi.kpis.tickets import ticket_metrics

    inputs = Inputs.from_backend(store.con)
    tm = ticket_metrics(inputs, as_of=datetime(2100, 1, 1, tzinfo=UTC))
    t = tm.group_by(channel=tm.channel, week=tm.created_at.truncate("W")).agg(
        first_response__mean=tm.first_response_s.mean(),
        first_response__median=tm.first_response_s.median(),
        full_resolution__mean=tm.full_resolution_s.mean(),
        full_resolution__median=tm.full_resolution_s.median(),
    )
    c = _contact_aggregate(store)
    j = t.outer_join(c, (t.channel == c.channel) & (t.week == c.week))
    j = j.select(
        channel=ibis.coalesce(j.channel, j.channel_right),
        week=ibis.coalesce(j.week, j.week_right),
        **{f"{k}__{s}": j[f"{k}__{s}"] for k, s in CORE},
    )
    rows = j.to_pyarrow().to_pylist()
    return _long(rows), "partial: ticket_metrics + contact_metrics (compute() is missing)"


def _core_ids() -> dict[str, str]:
    """Product KPI id -> core KPI name, found by the metric column behind each KPI."""
    from supportkpi.kpis.registry import REGISTRY

    ids: dict[str, str] = {}
    for kpi in REGISTRY.values():
        for core, column in _CORE_COLUMNS.items():
            if kpi.column == column and kpi.measure in ("duration", "rate"):
                ids.setdefault(kpi.id, core)
    return ids


def _product_compute(store: Any, full: bool) -> tuple[list[dict[str, Any]], str]:
    """The core KPIs per channel x week through compute(); with ``full``, every KPI in
    calendar and business time (the whole suite), of which the core ones are compared."""
    from supportkpi.kpis.compute import compute

    ids = _core_ids()
    if full:
        frame = compute(store, by=["channel"], period="week")
        return _core_from_compute(frame, ids), "compute(): every KPI, calendar and business"
    frame = compute(store, kpis=list(ids), by=["channel"], period="week", basis="calendar")
    return _core_from_compute(frame, ids), "compute(): the core KPIs, calendar time"


def _core_from_compute(frame: Any, ids: dict[str, str]) -> list[dict[str, Any]]:
    """Pick the core KPIs out of compute()'s tidy table (one row per KPI, stat, group)."""
    wanted = set(CORE)
    out = []
    for row in frame.to_dict(orient="records"):
        core = ids.get(row["kpi"])
        if (
            core is None
            or row["basis"] not in ("calendar", "")
            or (core, row["stat"]) not in wanted
        ):
            continue
        value = row["value"]
        value = None if value is None or value != value else float(value)
        week = row["period_start"]
        week_text = week.date().isoformat() if hasattr(week, "date") else str(week)[:10]
        out.append(
            {"channel": row["channel"], "week": week_text, "kpi": core, "stat": row["stat"],
             "value": value}
        )  # fmt: skip
    return out


def _child_product(store_path: str, out: str, part: str) -> None:
    import supportkpi.kpis.contacts
    import supportkpi.kpis.tickets  # noqa: F401 (imported before the clock starts)
    from supportkpi.store import open_store

    store = open_store(store_path, read_only=True)
    t0, c0 = time.perf_counter(), _cpu()
    if part == "contacts":
        rows, mode = _product_contacts(store)
    else:
        rows, mode = _product_compute(store, full=part == "full")
    elapsed, cpu = time.perf_counter() - t0, _cpu() - c0
    Path(out).write_text(json.dumps({"mode": mode, "rows": rows}))
    print(elapsed, cpu)


# --- measuring and comparing ---------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    seconds: float
    cpu: float
    peak: int
    mode: str
    rows: list[dict[str, Any]]


def _measure(side: str, store: Path, scratch: Path, part: str = "all") -> Measured:
    """Run one side in a child process; its own timing, peak RSS, and its answer."""
    out = scratch / f"{side}-{part}.json"
    root = Path(__file__).resolve().parent.parent
    args = ["-m", "bench.bench_kpis", f"child-{side}", str(store), str(out), part]
    stdout, peak = run_child(args, cwd=root, what=f"{side} child")
    answer = json.loads(out.read_text())
    seconds, cpu = (float(v) for v in stdout.strip().splitlines()[-1].split())
    return Measured(seconds, cpu, peak, answer["mode"], answer["rows"])


def _agree(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)


def _compare(product: list[dict[str, Any]], sql: list[dict[str, Any]]) -> None:
    """Per core KPI: the largest absolute difference over the channel x week cells both
    sides report, the cells only one side reports, and the verdict."""

    def index(rows: list[dict[str, Any]]) -> dict[tuple[str, str, str, str], float | None]:
        return {(r["channel"], r["week"], r["kpi"], r["stat"]): r["value"] for r in rows}

    p, s = index(product), index(sql)
    for kpi, stat in CORE:
        keys = {k for k in s if k[2:] == (kpi, stat) and s[k] is not None}
        keys |= {k for k in p if k[2:] == (kpi, stat) and p[k] is not None}
        if not keys:
            print(f"    {kpi:17s} {stat:6s} no values on either side")
            continue
        both = [k for k in keys if p.get(k) is not None and s.get(k) is not None]
        one_side = len(keys) - len(both)
        diffs = [abs(float(p[k]) - float(s[k])) for k in both]  # type: ignore[arg-type]
        worst = max(diffs, default=0.0)
        bad = [k for k in keys if not _agree(p.get(k), s.get(k))]
        verdict = "agree" if not bad else "DIFFER"
        line = (
            f"    {kpi:17s} {stat:6s} {verdict:6s} max |product - sql| = {worst:.3g} "
            f"over {len(both)} channel x week cells"
        )
        if one_side:
            line += f"; {one_side} cells on one side only"
        if bad:
            k = max(bad, key=lambda k: abs((p.get(k) or 0.0) - (s.get(k) or 0.0)))
            line += f"; {len(bad)} differ, worst {k[0]} {k[1]}: product {p.get(k)} sql {s.get(k)}"
        print(line)


def run(argv: list[str]) -> None:
    quick = "--quick" in argv
    suite_only = "--suite" in argv
    base = Path(os.environ.get("BENCH_DIR", "bench-data"))
    base.mkdir(parents=True, exist_ok=True)
    missing = [m for m in ("supportkpi.simulate", "supportkpi.kpis.compute") if not _have(m)]
    if _have("supportkpi.simulate") and not hasattr(
        importlib.import_module("supportkpi.simulate"), "simulate"
    ):
        missing.append("supportkpi.simulate.simulate")
    if missing:
        print("missing (measured what exists instead): " + ", ".join(missing))
    for tickets in (1_000_000,) if quick else (1_000_000, 10_000_000):
        t0 = time.perf_counter()
        data, origin = _dataset(base, tickets, synthetic="--synthetic" in argv)
        store, imported = _store(data)
        note = f", imported in {imported:.1f} s" if imported is not None else ""
        print(
            f"data: {tickets:,} tickets, {origin}, {data} "
            f"(ready in {time.perf_counter() - t0:.1f} s{note})",
            flush=True,
        )
        with tempfile.TemporaryDirectory(dir=base) as tmp:
            if not suite_only:
                sql = _measure("sql", store, Path(tmp))
                product = _measure("product", store, Path(tmp))
                c_sql = _measure("sql", store, Path(tmp), "contacts")
                c_product = _measure("product", store, Path(tmp), "contacts")
            suite = _measure("product", store, Path(tmp), "full")
        if not suite_only:
            print("  core KPIs per channel x week (same KPIs on both sides):")
            _report(sql, product)
            print("  phone/chat part alone:")
            _report(c_sql, c_product)
        print(
            f"  full suite (every KPI, calendar and business time): {suite.seconds:.2f} s, "
            f"{suite.cpu:.1f} CPU s, peak {suite.peak / GIB:.2f} GiB",
            flush=True,
        )
        if tickets >= 10_000_000:
            fast = suite.seconds <= 60
            small = suite.peak <= 4 * GIB
            print(
                f"  10M targets: {'ok' if fast else 'OVER'} <= 60 s, "
                f"{'ok' if small else 'OVER'} <= 4 GiB peak"
            )
        if not suite_only:
            print("  agreement, core KPIs via compute() vs SQL:")
            _compare(product.rows, sql.rows)
            print("  agreement, full suite vs SQL:")
            _compare(suite.rows, sql.rows)


def _report(sql: Measured, product: Measured) -> None:
    ratio = product.seconds / sql.seconds
    print(
        f"    hand-written SQL {sql.seconds:7.2f} s  {sql.cpu:7.1f} CPU s  "
        f"peak {sql.peak / GIB:.2f} GiB\n"
        f"    product          {product.seconds:7.2f} s  {product.cpu:7.1f} CPU s  "
        f"peak {product.peak / GIB:.2f} GiB"
        f"  [{product.mode}]\n"
        f"    ratio {ratio:.2f}x (target <= 1.5x: {'ok' if ratio <= 1.5 else 'OVER'})",
        flush=True,
    )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "child-sql":
        _child_sql(*sys.argv[2:5])
    elif len(sys.argv) == 5 and sys.argv[1] == "child-product":
        _child_product(*sys.argv[2:5])
    else:
        run(sys.argv[1:])
