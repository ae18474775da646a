"""The one entry point every face calls: KPIs as a tidy table, and the per-ticket export.

``compute`` resolves the requested KPIs, builds the metrics tables they read (tickets,
replies, contacts) once, aggregates them in the engine (one query per metrics table, time
column and channel set) and returns the small aggregated result in tidy form:

    period_start, <by dimensions>, kpi, basis, stat, value, n, note

``basis`` is ``calendar`` or ``business`` for durations and empty otherwise; ``n`` is the
population the value is computed over; ``note`` explains a missing value (``unavailable``:
the source cannot show it, e.g. no work logs for handling time).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, Literal

import ibis.expr.types as ir
import pandas as pd

from supportkpi.errors import UserError
from supportkpi.kpis._time import as_instant, as_of_literal, now_utc
from supportkpi.kpis.aggregate import (
    QUANTILES,
    Basis,
    Period,
    StatColumn,
    aggregate_wide,
    collect_wide,
    quantile_columns_per_query,
    stat_columns,
)
from supportkpi.kpis.backlog import backlog
from supportkpi.kpis.business import BUSINESS_COLUMNS, clock_for
from supportkpi.kpis.definition import KPI
from supportkpi.kpis.inputs import Inputs
from supportkpi.kpis.prepare import Prepared, conversation, prepare, with_tables
from supportkpi.kpis.registry import DIMENSIONS, REGISTRY
from supportkpi.kpis.replies import reply_metrics
from supportkpi.kpis.resources import (
    DEFAULT_MEMORY_LIMIT,
    Bound,
    bounded_memory,
    cache_table,
    joins_as_written,
)
from supportkpi.kpis.status import intervals_of
from supportkpi.kpis.ticket_kpis import BACKLOG_KPIS, HANDLING_KPIS
from supportkpi.kpis.tickets import TICKET_COLUMNS, Piece, ticket_metrics

# Besides compute() and ticket_table(), the pieces compute() is assembled from are public so
# that a caller holding already-built metrics tables (the dashboard's cache) aggregates them
# exactly as compute() does.
__all__ = [
    "RESULT_COLUMNS",
    "UNAVAILABLE_NO_WORK_LOGS",
    "backlog_frame",
    "check_dimensions",
    "clock_from",
    "compute",
    "finish_frames",
    "group_wide",
    "has_work_logs",
    "inputs_of",
    "period_bound",
    "period_bounds",
    "select_kpis",
    "ticket_table",
    "unavailable_frame",
    "with_tags",
]

RESULT_COLUMNS: tuple[str, ...] = ("kpi", "basis", "stat", "value", "n", "note")
UNAVAILABLE_NO_WORK_LOGS = "unavailable: the source logs no work time"
PERIODS: tuple[str, ...] = ("day", "week", "month")
BASES: tuple[str, ...] = ("calendar", "business", "both")


def inputs_of(source: Any) -> Inputs:
    """Inputs from a Store (anything with ``.con``), a backend, or Inputs themselves."""
    if isinstance(source, Inputs):
        return source
    con = getattr(source, "con", source)
    return Inputs.from_backend(con)


def period_bound(value: date | datetime | None, *, end: bool) -> datetime | None:
    """``since`` is inclusive; ``until`` is inclusive for a date (its whole day) and
    exclusive for an instant."""
    if value is None:
        return None
    instant = as_instant(value)
    if end and not isinstance(value, datetime):
        instant += timedelta(days=1)
    return instant


def period_bounds(
    since: date | datetime | None,
    until: date | datetime | None,
    *,
    names: tuple[str, str] = ("since", "until"),
) -> tuple[datetime | None, datetime | None]:
    """``since`` and ``until`` as the instants that bound a period (see
    :func:`period_bound`); a period that holds no instant is a user error, which calls
    them by ``names`` (the CLI's options are ``--since`` and ``--until``)."""
    lower, upper = period_bound(since, end=False), period_bound(until, end=True)
    if lower is not None and upper is not None and lower >= upper:
        first, second = names
        raise UserError(
            f"{first} {since} is not before {second} {until}",
            fix=f"swap them, or choose a later {second}",
        )
    return lower, upper


def check_dimensions(by: Sequence[str]) -> None:
    """An unknown dimension is a user error naming the valid ones."""
    known_dims = sorted({d for dims in DIMENSIONS.values() for d in dims})
    for dim in by:
        if dim not in known_dims:
            raise UserError(
                f"unknown dimension {dim!r}",
                fix=f"use one of: {', '.join(known_dims)}",
            )


def select_kpis(kpis: Sequence[str] | None, by: Sequence[str]) -> list[KPI]:
    """The registry entries asked for (all when ``None``), checked against ``by``; unknown
    names and dimensions are user errors naming the valid ones."""
    check_dimensions(by)
    if kpis is None:
        return [k for k in REGISTRY.values() if all(d in DIMENSIONS[k.source] for d in by)]
    chosen: list[KPI] = []
    for kpi_id in kpis:
        kpi = REGISTRY.get(kpi_id)
        if kpi is None:
            raise UserError(f"unknown KPI {kpi_id!r}", fix=f"use one of: {', '.join(REGISTRY)}")
        bad = [d for d in by if d not in DIMENSIONS[kpi.source]]
        if bad:
            raise UserError(
                f"KPI {kpi_id!r} cannot be broken down by {', '.join(bad)}",
                fix=f"its dimensions are: {', '.join(DIMENSIONS[kpi.source])}",
            )
        if kpi not in chosen:
            chosen.append(kpi)
    return chosen


def with_tags(table: ir.Table, by: Sequence[str]) -> ir.Table:
    """One row per tag when grouping by tag (a ticket counts under each of its tags)."""
    return table.mutate(tag=table.tags.unnest()) if "tag" in by else table


def group_wide(
    metrics: ir.Table,
    members: Sequence[KPI],
    *,
    time_column: str,
    channels: Sequence[str] | None,
    lower: datetime | None,
    upper: datetime | None,
    period: Period | None,
    by: Sequence[str],
    basis: Basis,
    quantiles_per_query: int | None = None,
) -> tuple[pd.DataFrame, list[StatColumn]]:
    """KPIs sharing a metrics table, time column and channels, aggregated per period and
    dimension over ``[lower, upper)``: the wide frame and the statistics it holds. A
    materialized table may be read by several queries, each taking the quantiles of at
    most ``quantiles_per_query`` columns (see :func:`aggregate_wide`); by default one
    query takes everything."""
    table = with_tags(metrics, by)
    if channels is not None:
        table = table.filter(table.channel.isin(channels))
    if lower is not None:
        table = table.filter(table[time_column] >= as_of_literal(lower))
    if upper is not None:
        table = table.filter(table[time_column] < as_of_literal(upper))
    queries = aggregate_wide(
        table, members, period=period, by=by, basis=basis, quantiles_per_query=quantiles_per_query
    )
    wide = collect_wide(queries, ["period_start", *by])
    return wide, stat_columns(members, basis, table.columns)


def _tidy(wide: pd.DataFrame, kpis: Sequence[KPI], by: Sequence[str], cols: Any) -> pd.DataFrame:
    frames = []
    for sc in cols:
        part = wide[["period_start", *by]].copy()
        part["kpi"] = sc.kpi
        part["basis"] = sc.basis
        part["stat"] = sc.stat
        part["value"] = pd.to_numeric(wide[sc.name], errors="coerce").astype("float64")
        part["n"] = pd.to_numeric(wide[f"{sc.kpi}__n"], errors="coerce").astype("Int64")
        part["note"] = ""
        frames.append(part)
    if not frames:
        return pd.DataFrame(columns=["period_start", *by, *RESULT_COLUMNS])
    return pd.concat(frames, ignore_index=True)


def unavailable_frame(kpi: KPI, basis: Basis, by: Sequence[str], note: str) -> pd.DataFrame:
    """Rows saying why ``kpi`` has no value (``note``), instead of a silent zero."""
    rows = [
        {
            "period_start": pd.NaT,
            **dict.fromkeys(by),
            "kpi": kpi.id,
            "basis": sc.basis,
            "stat": sc.stat,
            "value": float("nan"),
            "n": pd.NA,
            "note": note,
        }
        for sc in stat_columns([kpi], basis, [kpi.column, kpi.business_column or ""])
    ]
    return pd.DataFrame(rows)


def has_work_logs(inputs: Inputs, as_of: datetime) -> bool:
    """Whether any logged work exists by ``as_of`` (handling time needs it)."""
    e = inputs.events
    found = e.filter((e.kind == "work") & (e.at <= as_of_literal(as_of))).count()
    return bool(found.to_pyarrow().as_py())


def _cache(table: ir.Table, held: list[ir.Table]) -> ir.Table:
    """Materialize a table read by several queries, where the backend allows it; the
    caller releases everything in ``held`` when done. A backend that cannot cache the
    table (no cache at all; PySpark, whose cache cannot read the in-memory tables of
    the expression) makes the queries read it straight. Running out of memory is raised
    (the memory bound retries the step), never turned into a silent recomputation of the
    table by every query that reads it."""
    try:
        cached = cache_table(table)
    except Exception as exc:
        if type(exc).__name__ == "OutOfMemoryException":
            raise
        return table
    held.append(cached)
    return cached


def _shared(prep: Prepared, held: list[ir.Table], *, messages: bool = False) -> Prepared:
    """``prep`` with the pieces every metrics query reads materialized once: which ticket
    each event counts towards and the status intervals (one sort of every status change,
    instead of one per query). With ``messages``, also the customers' and agents' public
    messages, which the per-ticket table (first replies, reopens, dialogue) and next reply
    time each read several times.

    The surviving tickets are read straight from the store by each query: a filter and a
    join with the few merged ones, cheaper than holding every ticket's fourteen columns
    in memory, uncompressed, beside the rest (measured at 10M tickets: the shared step
    34 s -> 21 s, the whole suite 131 s -> 114 s, with the same figures)."""
    owners = _cache(prep.owners, held) if prep.owners is not None else None
    shared = with_tables(prep, tickets=prep.tickets, owners=owners)
    shared = replace(shared, intervals=_cache(intervals_of(shared), held))
    if messages:
        shared = replace(shared, messages=_cache(conversation(shared), held))
    return shared


def _release(held: list[ir.Table]) -> None:
    for table in reversed(held):
        release = getattr(table, "release", None)
        if callable(release):
            release()


def backlog_frame(
    inputs: Inputs,
    kpis: Sequence[KPI],
    *,
    period: Period | None,
    by: Sequence[str],
    as_of: datetime,
    since: datetime | None,
    prepared: Prepared | None = None,
) -> pd.DataFrame:
    """Backlog KPIs: a snapshot at ``as_of`` without a period, else one per period end.
    ``prepared``: the inputs already prepared for ``as_of``, when the caller has them."""
    snapshot = period is None
    table = backlog(
        inputs,
        period=period or "day",
        by=by,
        as_of=as_of,
        since=as_of if snapshot else since,
        prepared=prepared,
    )
    df = table.to_pandas()
    frames = []
    for kpi in kpis:
        if kpi.id == "backlog":
            stats = [("", "value", "open_tickets")]
        else:
            stats = [
                ("calendar", "count", "open_tickets"),
                ("calendar", "mean", "age_mean_s"),
                ("calendar", "median", "age_median_s"),
                ("calendar", "p90", "age_p90_s"),
            ]
        for basis, stat, column in stats:
            part = df[["period_start", *by]].copy()
            if snapshot:
                part["period_start"] = pd.NaT
            part["kpi"] = kpi.id
            part["basis"] = basis
            part["stat"] = stat
            part["value"] = pd.to_numeric(df[column], errors="coerce").astype("float64")
            part["n"] = pd.to_numeric(df["open_tickets"]).astype("Int64")
            part["note"] = ""
            frames.append(part)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def compute(
    source: Any,
    *,
    kpis: Sequence[str] | None = None,
    by: Sequence[str] = (),
    period: Literal["day", "week", "month"] | None = None,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    config: Any | None = None,
    basis: Literal["calendar", "business", "both"] = "both",
    as_of: datetime | None = None,
    clock: Any | None = None,
    memory_limit: str | None = DEFAULT_MEMORY_LIMIT,
) -> pd.DataFrame:
    """KPIs as a tidy pandas frame (see the module docstring for its columns).

    ``source`` is a Store (or any object with ``.con``), an Ibis backend or Inputs.
    ``since``/``until`` bound each KPI's time column (``until`` as a date includes that
    day). ``as_of`` (default now) is the instant the data is read at. Business-time rows
    need a business clock (``clock``, or one built from ``config``). On DuckDB the
    computation works within ``memory_limit`` (spilling to disk beyond it; ``None``: the
    database's own setting), see :mod:`supportkpi.kpis.resources`.
    """
    if period is not None and period not in PERIODS:
        raise UserError(f"unknown period {period!r}", fix=f"use one of: {', '.join(PERIODS)}")
    if basis not in BASES:
        raise UserError(f"unknown basis {basis!r}", fix=f"use one of: {', '.join(BASES)}")
    by = tuple(by)
    chosen = select_kpis(kpis, by)
    inputs = inputs_of(source)
    instant = as_instant(as_of) if as_of is not None else now_utc()
    lower, upper = period_bounds(since, until)
    if upper is not None and upper < instant:
        instant = upper
    if clock is None and basis != "calendar":
        clock = clock_from(config)

    frames: list[pd.DataFrame] = []
    work_logs: bool | None = None
    groups: dict[tuple[str, str, tuple[str, ...] | None], list[KPI]] = {}
    backlog_kpis: list[KPI] = []
    for kpi in chosen:
        if kpi.id in BACKLOG_KPIS:
            backlog_kpis.append(kpi)
            continue
        if kpi.id in HANDLING_KPIS:
            if work_logs is None:
                work_logs = has_work_logs(inputs, instant)
            if not work_logs:
                frames.append(unavailable_frame(kpi, basis, by, UNAVAILABLE_NO_WORK_LOGS))
                continue
        groups.setdefault((kpi.source, kpi.time_column, kpi.channels), []).append(kpi)

    plan = _Plan(inputs, config, instant, clock, groups, backlog_kpis, period, by, basis)
    with bounded_memory(inputs.tickets, memory_limit) as bound:
        frames.extend(plan.run(bound, lower, upper))
    return finish_frames(frames, by)


_SOURCE_ORDER: tuple[str, ...] = ("tickets", "replies", "contacts")
_READS_PREPARED = frozenset({"tickets", "replies"})
"""The metrics tables built from the prepared (shared) inputs."""


class _Plan:
    """The queries of one compute() call. The shared inputs are materialized once, the
    backlog and the metrics tables that read them are built, the inputs are released, and
    then each metrics table is aggregated and released as soon as its aggregations are
    done."""

    def __init__(
        self,
        inputs: Inputs,
        config: Any,
        instant: datetime,
        clock: Any,
        groups: dict[tuple[str, str, tuple[str, ...] | None], list[KPI]],
        backlog_kpis: list[KPI],
        period: Period | None,
        by: tuple[str, ...],
        basis: Basis,
    ) -> None:
        self.inputs, self.config, self.instant, self.clock = inputs, config, instant, clock
        self.groups, self.backlog_kpis = groups, backlog_kpis
        self.period, self.by, self.basis = period, by, basis
        self.memory: int | None = None  # the memory bound of the run, in bytes

    def run(
        self, bound: Bound, lower: datetime | None, upper: datetime | None
    ) -> list[pd.DataFrame]:
        """Every frame; each step (materializing the shared inputs, the backlog, building
        one metrics table, aggregating it) runs within ``bound``.

        The metrics tables that read the shared inputs are built while those are held;
        the shared inputs are released before any of them is aggregated, so the
        aggregations (whose exact quantiles keep values in memory) have the memory to
        themselves instead of evicting the inputs to disk block by block."""
        frames: list[pd.DataFrame] = []
        by = self.by
        self.memory = bound.limit
        sources = [s for s in _SOURCE_ORDER if any(g[0] == s for g in self.groups)]
        held: list[ir.Table] = []
        # (name, table to aggregate, cached tables to release, the metrics expression):
        # the expression is kept alive until its table is aggregated, as a lazy backend
        # (Spark) computes a cached table at its first use, from views of the
        # expression's in-memory tables that are dropped once the expression is gone.
        built: list[tuple[str, ir.Table, list[ir.Table], ir.Table]] = []
        try:
            prep: Prepared | None = None
            if {"tickets", "replies"} & set(sources) or self.backlog_kpis:
                prep = prepare(self.inputs, self.instant)
                readers = len({"tickets", "replies"} & set(sources)) + bool(self.backlog_kpis)
                if readers > 1:
                    # Several queries read the prepared inputs: materialize them once.
                    raw, talk = prep, "replies" in sources
                    prep = bound.run(lambda: _shared(raw, held, messages=talk), "the shared inputs")
            if self.backlog_kpis:
                backlog_prep = prep
                frames.append(
                    bound.run(
                        lambda: backlog_frame(
                            self.inputs,
                            self.backlog_kpis,
                            period=self.period,
                            by=by,
                            as_of=self.instant,
                            since=lower,
                            prepared=backlog_prep,
                        ),
                        "the backlog",
                    )
                )
            for name in sources:
                if name not in _READS_PREPARED:
                    continue
                own: list[ir.Table] = []
                if self._several(name):
                    build = partial(self._build, name, prep, own, held)
                    table, metrics = bound.run(build, f"the {name} metrics")
                else:
                    table = metrics = self._metrics(name, prep)
                if own:
                    built.append((name, table, own, metrics))
                else:  # read straight: aggregated now, while its inputs are held
                    with self._joins(name):
                        step = partial(self._source, name, metrics, lower, upper)
                        frames.extend(bound.run(step, f"the {name} aggregations"))
            _release(held)
            held.clear()
            for name in sources:
                if name in _READS_PREPARED:
                    continue
                metrics = self._metrics(name, prep)
                own = []
                table = metrics
                if self._several(name):
                    table = bound.run(partial(_cache, metrics, own), f"the {name} metrics")
                built.append((name, table, own, metrics))
            while built:
                name, table, own, _ = built.pop(0)
                try:
                    step = partial(self._source, name, table, lower, upper, bool(own))
                    frames.extend(bound.run(step, f"the {name} aggregations"))
                finally:
                    _release(own)
        finally:
            for _, _, own, _ in built:
                _release(own)
            _release(held)
        return frames

    def _keys(self, name: str) -> list[tuple[str, str, tuple[str, ...] | None]]:
        return [g for g in self.groups if g[0] == name]

    def _metrics(self, name: str, prep: Prepared | None, piece: Piece | None = None) -> ir.Table:
        members = [k for g in self._keys(name) for k in self.groups[g]]
        table_basis = self.basis if self.clock is not None else "calendar"
        needed = _needed_columns(members, self.by, table_basis)
        return _metrics_table(name, self.inputs, self.config, self.instant, self.clock, prep,
                              needed, piece)  # fmt: skip

    def _joins(self, name: str) -> AbstractContextManager[None]:
        """The per-ticket table's joins keep their written sides (see
        :func:`joins_as_written`): the narrow pieces build, the tickets probe."""
        return joins_as_written(self.inputs.tickets) if name == "tickets" else nullcontext()

    def _build(
        self, name: str, prep: Prepared | None, own: list[ir.Table], held: list[ir.Table]
    ) -> tuple[ir.Table, ir.Table]:
        """The metrics table ``name`` materialized into ``own``, and the expression it was
        built from.

        The per-ticket table's pieces are materialized first, each by a query of its own,
        and released once the table is. As one query, every piece was computed while the
        hash tables of the pieces before it were held for the final joins; at 10M tickets
        with 110M events that query spilled 7.7 GB and took 90-107 s, against 49-55 s for
        the pieces and 24-28 s for the joins (see docs/kpis.md). A table the backend cannot
        materialize is read straight, so its pieces are held with the shared inputs."""
        pieces: list[ir.Table] = []
        materialize = partial(_cache, held=pieces) if name == "tickets" else None
        try:
            with self._joins(name):
                metrics = self._metrics(name, prep, materialize)
                table = _cache(metrics, own)
        except BaseException:
            _release(pieces)
            raise
        if own:
            _release(pieces)
        else:
            held.extend(pieces)
        return table, metrics

    def _several(self, name: str) -> bool:
        """Whether several queries read the metrics table ``name`` (several time columns,
        or quantiles, which may take several queries): then it is built once."""
        keys = self._keys(name)
        quantiles = any(
            stat in QUANTILES for key in keys for kpi in self.groups[key] for stat in kpi.stats
        )
        return len(keys) > 1 or quantiles

    def _source(
        self,
        name: str,
        table: ir.Table,
        lower: datetime | None,
        upper: datetime | None,
        materialized: bool = False,
    ) -> list[pd.DataFrame]:
        """The aggregations of one metrics table (built or read straight). A built table
        is read by as many queries as its exact quantiles need to stay within the memory
        bound (:func:`quantile_columns_per_query`); one read straight, by one query, as
        each query would build it again."""
        per_query = None
        if materialized:
            # Grouping by tag counts a ticket once per tag: its values are the tags'.
            rows = with_tags(table, self.by).count().to_pyarrow().as_py()
            per_query = quantile_columns_per_query(int(rows or 0), self.memory)
        return [self._aggregate(table, key, lower, upper, per_query) for key in self._keys(name)]

    def _aggregate(
        self,
        metrics: ir.Table,
        key: tuple[str, str, tuple[str, ...] | None],
        lower: datetime | None,
        upper: datetime | None,
        per_query: int | None = None,
    ) -> pd.DataFrame:
        _, time_column, channels = key
        members = self.groups[key]
        wide, columns = group_wide(metrics, members, time_column=time_column, channels=channels,
                                   lower=lower, upper=upper, period=self.period, by=self.by,
                                   basis=self.basis, quantiles_per_query=per_query)  # fmt: skip
        return _tidy(wide, members, self.by, columns)


def _needed_columns(kpis: Sequence[KPI], by: Sequence[str], basis: Basis) -> list[str]:
    """The metrics-table columns that aggregating ``kpis`` reads: each KPI's column (and
    its business twin when business time is reported), its time column, the channel it
    filters on, and the dimensions."""
    needed: list[str] = []
    for kpi in kpis:
        if kpi.column != "*":
            needed.append(kpi.column)
        if basis != "calendar" and kpi.business_column is not None:
            needed.append(kpi.business_column)
        needed.append(kpi.time_column)
        if kpi.channels is not None:
            needed.append("channel")
    needed.extend("tags" if dim == "tag" else dim for dim in by)
    return list(dict.fromkeys(needed))


def _metrics_table(
    name: str,
    inputs: Inputs,
    config: Any,
    as_of: datetime,
    clock: Any,
    prep: Prepared | None,
    columns: Sequence[str],
    piece: Piece | None = None,
) -> ir.Table:
    """The metrics table ``name`` with only ``columns`` (the per-ticket table builds only
    what they read, each of its pieces passed through ``piece``)."""
    # A KPI may name a business twin that its table does not have (the status-based waits
    # are calendar-only): such columns are left out, and the KPI reports calendar time.
    if name == "tickets":
        known = [c for c in columns if c in TICKET_COLUMNS or c in BUSINESS_COLUMNS]
        cal = clock if any(c in BUSINESS_COLUMNS for c in known) else None
        return ticket_metrics(inputs, config, as_of=as_of, clock=cal, prepared=prep, columns=known,
                              piece=piece)  # fmt: skip
    if name == "replies":
        table = reply_metrics(inputs, config, as_of=as_of, clock=clock, prepared=prep)
    else:
        from supportkpi.kpis.contacts import contact_metrics

        table = contact_metrics(inputs, config)
    return table.select(*[c for c in columns if c in table.columns])


def clock_from(config: Any | None) -> Any:
    """The business clock of ``config``'s schedules (the defaults when no config)."""
    return clock_for(config)


def finish_frames(frames: list[pd.DataFrame], by: Sequence[str]) -> pd.DataFrame:
    """The tidy result from per-KPI frames: one column order, aware UTC period starts."""
    columns = ["period_start", *by, *RESULT_COLUMNS]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=columns)
    for frame in frames:
        # Backends return naive UTC or aware instants: one aware UTC column.
        frame["period_start"] = pd.to_datetime(frame["period_start"], utc=True)
    out = pd.concat(frames, ignore_index=True)[columns]
    order = {kpi_id: i for i, kpi_id in enumerate(REGISTRY)}
    out["_order"] = out["kpi"].map(order)
    out = out.sort_values(["_order", "period_start", *by], kind="stable", na_position="first")
    return out.drop(columns="_order").reset_index(drop=True)


def ticket_table(
    source: Any,
    *,
    config: Any | None = None,
    as_of: datetime | None = None,
    channels: Sequence[str] = (),
    status: Literal["open", "solved"] | None = None,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    limit: int | None = None,
    clock: Any | None = None,
) -> pd.DataFrame:
    """The per-ticket metrics table for export, filtered in the engine: by channel, by
    state at ``as_of`` (``open`` or ``solved``), by creation time, at most ``limit`` rows
    (newest first)."""
    inputs = inputs_of(source)
    instant = as_instant(as_of) if as_of is not None else now_utc()
    table = ticket_metrics(inputs, config, as_of=instant, clock=clock)
    if channels:
        table = table.filter(table.channel.isin(tuple(channels)))
    if status == "open":
        table = table.filter(table.is_open)
    elif status == "solved":
        table = table.filter(table.solved_at.notnull())
    elif status is not None:
        raise UserError(f"unknown status {status!r}", fix="use open or solved")
    lower, upper = period_bounds(since, until)
    if lower is not None:
        table = table.filter(table.created_at >= as_of_literal(lower))
    if upper is not None:
        table = table.filter(table.created_at < as_of_literal(upper))
    table = table.order_by([table.created_at.desc(), table.ticket_id])
    if limit is not None:
        table = table.limit(limit)
    with joins_as_written(table):
        frame: pd.DataFrame = table.to_pandas()
    return frame
