"""Aggregating a metrics table by a KPI definition, per period and per dimension.

All arithmetic runs in the engine: one aggregation query per time column, returning one
wide row per (period, dimensions) with a column per (KPI, basis, statistic). Only those
aggregated rows are brought back and reshaped into the tidy frame of :mod:`compute`.

Periods truncate the KPI's ``time_column`` in UTC (both backends run their sessions in
UTC); weeks start on Monday. Rows are grouped by the period's start as a key that DuckDB
computes without a time zone lookup (see :func:`~supportkpi.kpis._time.utc_period_key`);
the grouped keys are then made UTC instants. Medians and p90 are exact and interpolated
between the two nearest values (DuckDB ``percentile_cont``, Spark ``percentile``): the
same number on both; approximate percentiles are never used. The quantiles of one column
are taken by one aggregate that returns them all (``quantile_cont(x, [0.5, 0.9])``),
however many KPIs report them, on DuckDB; other backends take one aggregate per
quantile (Ibis 12 reads a PostgreSQL array one place off). Exact quantiles hold every
value of a group in memory and cannot spill, so a caller with a memory bound says how
many columns' values one query may hold (:func:`quantile_columns_per_query`); the others
are taken by further queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import ibis
import ibis.expr.types as ir
import pandas as pd

from supportkpi.kpis._time import on_duckdb, utc_period_key, utc_period_start
from supportkpi.kpis.definition import KPI

__all__ = [
    "PERIOD_UNITS",
    "Basis",
    "Period",
    "StatColumn",
    "aggregate_wide",
    "collect_wide",
    "quantile_columns_per_query",
    "stat_columns",
]

Period = Literal["day", "week", "month"]
Basis = Literal["calendar", "business", "both"]

PERIOD_UNITS: dict[str, str] = {"day": "D", "week": "W", "month": "M"}


@dataclass(frozen=True)
class StatColumn:
    """One output column of the wide aggregate: which KPI, basis and statistic it holds."""

    name: str
    kpi: str
    basis: str  # 'calendar' | 'business' | '' (not a duration)
    stat: str


def _bases(kpi: KPI, basis: Basis, columns: Sequence[str]) -> list[tuple[str, str]]:
    """(basis label, column) pairs a KPI is reported on."""
    if kpi.measure != "duration":
        return [("", kpi.column)]
    pairs: list[tuple[str, str]] = []
    if basis in ("calendar", "both"):
        pairs.append(("calendar", kpi.column))
    business = kpi.business_column
    if basis in ("business", "both") and business is not None and business in columns:
        pairs.append(("business", business))
    return pairs


def _stat(kpi: KPI, stat: str, col: ir.Column | None, table: ir.Table) -> ir.Scalar:
    m = kpi.measure
    if m == "count":
        if col is None:
            return table.count()
        return table.count(where=_flag(col))
    assert col is not None
    if m == "rate":
        flag = _flag(col)
        if stat == "count":
            return table.count(where=flag)
        # Ibis' own mean of a boolean: PostgreSQL casts a boolean to no float type.
        return flag.mean()
    if m == "sum":
        return col.sum() if col.type().is_boolean() else col.cast("float64").sum()
    value = col.cast("float64")
    if stat == "count":
        return value.count()
    if stat in ("mean", "value"):
        return value.mean()
    raise ValueError(f"KPI {kpi.id!r}: unknown statistic {stat!r}")


def _flag(col: ir.Column) -> ir.BooleanValue:
    """A column read as a flag: booleans as they are, numbers as "not zero" (PostgreSQL
    casts only its 4-byte integers to booleans)."""
    if col.type().is_boolean():
        return col
    return col != 0


QUANTILES: dict[str, float] = {"median": 0.5, "p90": 0.9}
"""The statistics taken as quantiles, and which."""


def stat_columns(kpis: Sequence[KPI], basis: Basis, columns: Sequence[str]) -> list[StatColumn]:
    out: list[StatColumn] = []
    for kpi in kpis:
        for label, _ in _bases(kpi, basis, columns):
            for stat in kpi.stats:
                out.append(StatColumn(f"{kpi.id}__{label}__{stat}", kpi.id, label, stat))
    return out


def aggregate_wide(
    table: ir.Table,
    kpis: Sequence[KPI],
    *,
    period: Period | None,
    by: Sequence[str],
    basis: Basis,
    quantiles_per_query: int | None = None,
) -> list[ir.Table]:
    """Aggregate ``table`` for ``kpis`` that share one ``time_column``.

    Returns the queries whose results, merged on period_start (null without a period)
    and the ``by`` columns (:func:`collect_wide`), hold one column per
    :class:`StatColumn` and ``<kpi>__n`` (the population: rows where the KPI's column is
    not null; all rows for a count). Rows whose time column is null are left out (the KPI
    has not happened for them yet).

    The first query holds the counts, sums, means and rates and the quantiles of the first
    ``quantiles_per_query`` columns; each further one the quantiles of as many more. Exact
    quantiles keep every value of a group in memory and cannot spill to disk, so a query
    never holds the values of more columns than that, however many KPIs the table has. All
    queries group the same rows by the same keys, so they return the same groups. With
    ``None`` (for a table that is not materialized, which each query would compute again)
    there is one query.
    """
    time_columns = {k.time_column for k in kpis}
    if len(time_columns) != 1:
        raise ValueError("aggregate_wide takes KPIs that share one time column")
    (time_column,) = time_columns
    t = table.filter(table[time_column].notnull())
    if period is None:
        start = ibis.null("timestamp")
    else:
        start = utc_period_key(t[time_column], PERIOD_UNITS[period])
    t = t.mutate(period_start=start)
    keys = ["period_start", *by]
    metrics: dict[str, ir.Scalar] = {}
    # column -> the quantiles asked of it, and which output column takes which
    wanted: dict[str, list[float]] = {}
    picks: dict[str, list[tuple[str, float]]] = {}
    for kpi in kpis:
        for label, column in _bases(kpi, basis, table.columns):
            col = None if column == "*" else t[column]
            for stat in kpi.stats:
                name = f"{kpi.id}__{label}__{stat}"
                if stat in QUANTILES and kpi.measure not in ("count", "rate", "sum"):
                    q = QUANTILES[stat]
                    wanted.setdefault(column, [])
                    if q not in wanted[column]:
                        wanted[column].append(q)
                    picks.setdefault(column, []).append((name, q))
                else:
                    metrics[name] = _stat(kpi, stat, col, t)
        if kpi.column == "*" or kpi.measure == "count":
            metrics[f"{kpi.id}__n"] = t.count()
        else:
            metrics[f"{kpi.id}__n"] = t[kpi.column].count()
    columns = list(wanted)
    size = max(1, len(columns) if quantiles_per_query is None else quantiles_per_query)
    chunks = [columns[k : k + size] for k in range(0, len(columns), size)] or [[]]
    queries = []
    together = on_duckdb(table)
    for number, chunk in enumerate(chunks):
        aggs = dict(metrics) if number == 0 else {}
        if not together:
            # One aggregate per quantile: Ibis 12 indexes a PostgreSQL array one place
            # too far (its first element comes back as the second).
            for column in chunk:
                for name, q in picks[column]:
                    aggs[name] = t[column].cast("float64").quantile(q)
            queries.append(_period_instants(t.group_by(keys).agg(**aggs)))
            continue
        arrays = {column: f"_q{k}" for k, column in enumerate(chunk)}
        for column, name in arrays.items():
            aggs[name] = t[column].cast("float64").quantile(wanted[column])
        grouped = _period_instants(t.group_by(keys).agg(**aggs))
        taken = {
            name: grouped[arrays[column]][wanted[column].index(q)]
            for column in chunk
            for name, q in picks[column]
        }
        queries.append(grouped.mutate(**taken).drop(*arrays.values()) if taken else grouped)
    return queries


def quantile_columns_per_query(rows: int, memory_limit: int | None) -> int | None:
    """How many columns' exact quantiles one aggregation query over ``rows`` rows may take
    within ``memory_limit`` bytes. Every value is held until its group is done (about 16
    bytes each, with the slack of the vectors that hold them); a quarter of the limit is
    theirs, the rest stays for the table being read. At least one; one as well when no
    limit is known (the safe side); ``None`` (all in one query) for an empty table."""
    if rows <= 0:
        return None
    if memory_limit is None:
        return 1
    return max(1, memory_limit // 4 // (rows * _QUANTILE_BYTES))


_QUANTILE_BYTES = 16
"""Memory an exact quantile holds per value (a double, and the slack of its vector)."""


def _period_instants(grouped: ir.Table) -> ir.Table:
    """The grouped period keys as UTC instants (after grouping: a few rows)."""
    return grouped.mutate(period_start=utc_period_start(grouped.period_start))


def collect_wide(queries: Sequence[ir.Table], keys: Sequence[str]) -> pd.DataFrame:
    """Run :func:`aggregate_wide`'s queries one after the other and merge their rows on
    ``keys`` (null keys match null keys): one wide row per group."""
    frame: pd.DataFrame = queries[0].to_pandas()
    for query in queries[1:]:
        frame = frame.merge(query.to_pandas(), on=list(keys), how="left")
    return frame
