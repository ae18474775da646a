"""The KPI engine's aggregation over metrics tables built once and reused.

:func:`supportkpi.kpis.compute.compute` builds the per-ticket, per-reply and per-contact
metrics tables on every call; a report asks for seven breakdowns, and the dashboard asks
again on every filter change. Building those tables is almost all of the time (on a
90-day store, seconds per call), and they do not depend on the filters: only on the
store, the config and the instant the data is read at. :class:`MetricsCache` builds them
once per instant, materializes them in the backend (``Table.cache``), and aggregates them
exactly as ``compute`` does (the same ``aggregate_wide`` per time column, the same tidy
frame), so every figure equals ``compute``'s; the report tests check that equality.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Literal

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from supportkpi.kpis._time import as_instant
from supportkpi.kpis.compute import (
    UNAVAILABLE_NO_WORK_LOGS,
    backlog_frame,
    clock_from,
    finish_frames,
    group_wide,
    has_work_logs,
    inputs_of,
    period_bounds,
    select_kpis,
    unavailable_frame,
)
from supportkpi.kpis.contacts import contact_metrics
from supportkpi.kpis.definition import KPI
from supportkpi.kpis.inputs import Inputs
from supportkpi.kpis.prepare import Prepared, prepare
from supportkpi.kpis.registry import REGISTRY
from supportkpi.kpis.replies import reply_metrics
from supportkpi.kpis.resources import cache_table
from supportkpi.kpis.ticket_kpis import BACKLOG_KPIS, HANDLING_KPIS
from supportkpi.kpis.tickets import ticket_metrics

__all__ = ["MetricsCache"]

Basis = Literal["calendar", "business", "both"]


def _tidy_wide(wide: pd.DataFrame, by: Sequence[str], cols: Sequence[Any]) -> pd.DataFrame:
    """The wide aggregate in the engine's tidy form, the rows in the same order as
    ``compute`` gives them (statistic by statistic, each over every group), built with a
    few whole-column operations instead of a frame per statistic (the dashboard builds
    hundreds of statistics per filter change)."""
    columns = ["period_start", *by, "kpi", "basis", "stat", "value", "n", "note"]
    if not cols:
        return pd.DataFrame(columns=columns)
    rows = len(wide)
    out = wide[["period_start", *by]].iloc[np.tile(np.arange(rows), len(cols))]
    out = out.reset_index(drop=True)
    out["kpi"] = np.repeat([sc.kpi for sc in cols], rows)
    out["basis"] = np.repeat([sc.basis for sc in cols], rows)
    out["stat"] = np.repeat([sc.stat for sc in cols], rows)
    values = [pd.to_numeric(wide[sc.name], errors="coerce").astype("float64") for sc in cols]
    out["value"] = np.concatenate([v.to_numpy() for v in values]) if rows else []
    counts = [pd.to_numeric(wide[f"{sc.kpi}__n"], errors="coerce").astype("Int64") for sc in cols]
    out["n"] = pd.concat(counts, ignore_index=True).astype("Int64")
    out["note"] = ""
    return pd.DataFrame(out[columns])


_FINE: tuple[str, ...] = ("channel", "type", "priority", "team", "agent_id")
"""The ticket dimensions the report filters and breaks down by."""


def _summable(kpis: Sequence[KPI], by: Sequence[str]) -> bool:
    """Whether the backlog snapshot can be summed from the fine groups: the open-ticket
    count only (ages have medians, which do not add up), by report dimensions only."""
    return [k.id for k in kpis] == ["backlog"] and all(d in _FINE for d in by)


class _Built:
    """The metrics tables of one instant, materialized; ``release`` frees them."""

    def __init__(self, inputs: Inputs, config: Any, instant: datetime, clock: Any) -> None:
        self.inputs = inputs
        self.config = config
        self.instant = instant
        self.clock = clock
        self.tables: dict[str, ir.Table] = {}
        self.held: list[ir.Table] = []
        self.prep: Prepared | None = None
        self.work_logs: bool | None = None
        self.fine_backlog: pd.DataFrame | None = None

    def _cache(self, table: ir.Table) -> ir.Table:
        try:
            cached = cache_table(table)
        except Exception:  # a backend without caching: recompute instead
            return table
        self.held.append(cached)
        return cached

    def table(self, name: str) -> ir.Table:
        found = self.tables.get(name)
        if found is not None:
            return found
        if name in ("tickets", "replies") and self.prep is None:
            raw = prepare(self.inputs, self.instant)
            self.prep = Prepared(
                tickets=self._cache(raw.tickets),
                events=self._cache(raw.events),
                as_of=raw.as_of,
            )
        metrics: ir.Table
        if name == "tickets":
            metrics = ticket_metrics(
                self.inputs, self.config, as_of=self.instant, clock=self.clock, prepared=self.prep
            )
        elif name == "replies":
            metrics = reply_metrics(
                self.inputs, self.config, as_of=self.instant, clock=self.clock, prepared=self.prep
            )
        else:
            metrics = contact_metrics(self.inputs, self.config)
        self.tables[name] = self._cache(metrics)
        return self.tables[name]

    def has_work_logs(self) -> bool:
        if self.work_logs is None:
            self.work_logs = has_work_logs(self.inputs, self.instant)
        return self.work_logs

    def open_tickets(self, by: Sequence[str]) -> pd.DataFrame:
        """The ``backlog`` snapshot per ``by``, summed from one snapshot per
        :data:`_FINE` group: a count adds up exactly, so a new filter costs no query."""
        if self.fine_backlog is None:
            kpi = REGISTRY["backlog"]
            self.fine_backlog = backlog_frame(
                self.inputs, [kpi], period=None, by=_FINE, as_of=self.instant, since=None
            )
        fine = self.fine_backlog
        if by:
            summed = fine.groupby(list(by), dropna=False, sort=True)[["value", "n"]].sum()
            out = summed.reset_index()
        else:
            out = pd.DataFrame({"value": [float(fine["value"].sum())], "n": [int(fine["n"].sum())]})
        out["period_start"] = pd.NaT
        out["kpi"] = "backlog"
        out["basis"] = ""
        out["stat"] = "value"
        out["value"] = out["value"].astype("float64")
        out["n"] = out["n"].astype("Int64")
        out["note"] = ""
        columns = ["period_start", *by, "kpi", "basis", "stat", "value", "n", "note"]
        return pd.DataFrame(out[columns])

    def release(self) -> None:
        for table in reversed(self.held):
            release = getattr(table, "release", None)
            if callable(release):
                release()
        self.held.clear()
        self.tables.clear()
        self.prep = None


class MetricsCache:
    """Metrics tables of ``source`` under ``config``, kept for the last few instants.

    ``frame`` answers like ``compute`` (same arguments, same tidy columns). Thread-safe:
    one lock serializes the backend work (a DuckDB connection runs one query at a time).
    """

    def __init__(
        self, source: Any, config: Any | None = None, *, keep: int = 2, basis: Basis = "calendar"
    ) -> None:
        self.source = source
        self.inputs = inputs_of(source)
        self.config = config
        self.keep = keep
        self.clock = clock_from(config) if basis != "calendar" else None
        self.lock = threading.RLock()
        self._built: OrderedDict[datetime, _Built] = OrderedDict()

    def _for(self, instant: datetime) -> _Built:
        found = self._built.get(instant)
        if found is not None:
            self._built.move_to_end(instant)
            return found
        built = _Built(self.inputs, self.config, instant, self.clock)
        self._built[instant] = built
        while len(self._built) > self.keep:
            _, old = self._built.popitem(last=False)
            old.release()
        return built

    def frame(
        self,
        *,
        kpis: Sequence[str],
        by: Sequence[str] = (),
        period: Literal["day", "week", "month"] | None = None,
        since: date | datetime | None = None,
        until: date | datetime | None = None,
        basis: Basis = "calendar",
        as_of: datetime,
    ) -> pd.DataFrame:
        """What ``compute(source, kpis=..., by=..., ...)`` returns, from the cached tables."""
        if basis != "calendar" and self.clock is None:
            self.clock = clock_from(self.config)
        by = tuple(by)
        chosen = select_kpis(kpis, by)
        instant = as_instant(as_of)
        lower, upper = period_bounds(since, until)
        if upper is not None and upper < instant:
            instant = upper
        with self.lock:
            built = self._for(instant)
            frames: list[pd.DataFrame] = []
            groups: dict[tuple[str, str, tuple[str, ...] | None], list[KPI]] = {}
            backlog_kpis: list[KPI] = []
            for kpi in chosen:
                if kpi.id in BACKLOG_KPIS:
                    backlog_kpis.append(kpi)
                    continue
                if kpi.id in HANDLING_KPIS and not built.has_work_logs():
                    frames.append(unavailable_frame(kpi, basis, by, UNAVAILABLE_NO_WORK_LOGS))
                    continue
                groups.setdefault((kpi.source, kpi.time_column, kpi.channels), []).append(kpi)
            for (name, time_column, channels), members in groups.items():
                wide, columns = group_wide(built.table(name), members, time_column=time_column,
                                           channels=channels, lower=lower, upper=upper,
                                           period=period, by=by, basis=basis)  # fmt: skip
                frames.append(_tidy_wide(wide, by, columns))
            if backlog_kpis and period is None and _summable(backlog_kpis, by):
                frames.append(built.open_tickets(by))
            elif backlog_kpis:
                frames.append(
                    backlog_frame(
                        self.inputs,
                        backlog_kpis,
                        period=period,
                        by=by,
                        as_of=instant,
                        since=lower,
                    )
                )
        return finish_frames(frames, by)

    def release(self) -> None:
        """Free every materialized table."""
        with self.lock:
            for built in self._built.values():
                built.release()
            self._built.clear()
