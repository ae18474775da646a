"""What every detector shares: the inputs, the analysis window, local time, the settings.

Heavy work stays in the engine: detectors aggregate in Ibis to counts per UTC hour (and
per agent, channel, ...), fetch those small tables, and only then map hours to local days
and weekday-hours in pandas. Grouping by UTC hour is portable across backends; the local
mapping is exact for time zones whose offset is a whole number of hours (all of Europe
and the Americas; not India or Nepal, where a bucket straddles two local hours).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import ibis.expr.types as ir
import pandas as pd

from supportkpi.kpis._time import utc_period_key
from supportkpi.kpis.compute import inputs_of
from supportkpi.kpis.inputs import Inputs
from supportkpi.kpis.resources import cache_table, joins_as_written
from supportkpi.kpis.tickets import ticket_metrics
from supportkpi.signals.settings import SignalSettings

__all__ = ["Context", "binom_sf", "desk_zone", "hourly", "make_context", "poisson_cdf"]


@dataclass
class Context:
    inputs: Inputs
    config: Any | None
    settings: SignalSettings
    tz: ZoneInfo
    since: datetime | None
    until: datetime
    """Analysis end (exclusive): buckets ending later are incomplete and not judged."""
    _metrics: ir.Table | None = field(default=None, repr=False)
    _held: list[ir.Table] = field(default_factory=list, repr=False)

    def metrics(self) -> ir.Table:
        """The per-ticket metrics as of ``until``, computed once per detection run and
        materialized in the backend where it can (several detectors read it)."""
        if self._metrics is None:
            metrics = ticket_metrics(self.inputs, self.config, as_of=self.until)
            with joins_as_written(metrics):
                self._metrics = self.cache(metrics)
        return self._metrics

    def cache(self, table: ir.Table) -> ir.Table:
        """Materialize ``table`` where the backend allows it; :meth:`release` frees it."""
        try:
            cached = cache_table(table)
        except Exception:  # a backend without caching: recompute instead
            return table
        self._held.append(cached)
        return cached

    def release(self) -> None:
        for table in reversed(self._held):
            release = getattr(table, "release", None)
            if callable(release):
                release()
        self._held.clear()
        self._metrics = None

    def reportable(self, detected_at: datetime) -> bool:
        """Signals are reported when they could first be raised inside [since, until]."""
        if detected_at > self.until:
            return False
        return self.since is None or detected_at > self.since

    def local_day(self, instant: pd.Series) -> pd.Series:
        out: pd.Series = instant.dt.tz_convert(self.tz).dt.normalize()
        return out

    def day_end(self, local_midnight: pd.Timestamp) -> datetime:
        """The UTC instant at which the local day starting at ``local_midnight`` ends."""
        nxt = (local_midnight.tz_localize(None) + pd.Timedelta(days=1)).tz_localize(self.tz)
        return _utc(nxt)

    def aht_concern_ratio(self) -> float:
        own = self.settings.quality.aht_concern_ratio
        if own is not None:
            return own
        kpi = getattr(self.config, "kpi", None)
        value = getattr(kpi, "aht_concern_ratio", None)
        return float(value) if value is not None else 0.5

    def holidays(self, start: date, end: date, schedule_name: str = "default") -> set[date]:
        """Public holidays and closed dates of a schedule of the config (explicit dates and
        the ``holidays`` package's calendar of its country), between ``start`` and ``end``."""
        schedules = getattr(self.config, "schedules", None) or {}
        schedule = schedules.get(schedule_name) if isinstance(schedules, dict) else None
        if schedule is None:
            return set()
        days: set[date] = {d for d in schedule.holidays if start <= d <= end}
        if schedule.holiday_country:
            import holidays

            years = list(range(start.year, end.year + 1))
            table = holidays.country_holidays(
                schedule.holiday_country, subdiv=schedule.holiday_subdivision, years=years
            )
            days |= {d for d in table if start <= d <= end}
        return days

    def channel_schedule(self, channel: str) -> str:
        """The schedule a channel follows (``[schedule_for.channel]``, else default)."""
        chosen = getattr(getattr(self.config, "schedule_for", None), "channel", None) or {}
        return str(chosen.get(channel, "default"))


def desk_zone(config: Any | None) -> str:
    """The desk's local time zone: the default schedule's, or the source's when the
    schedule is left at UTC (UTC without a config)."""
    schedules = getattr(config, "schedules", None) or {}
    schedule = schedules.get("default") if isinstance(schedules, dict) else None
    zone = getattr(schedule, "timezone", None)
    if zone and zone != "UTC":
        return str(zone)
    return str(getattr(getattr(config, "source", None), "timezone", None) or "UTC")


def _utc(ts: pd.Timestamp | datetime) -> datetime:
    out = pd.Timestamp(ts).tz_convert(UTC).to_pydatetime()
    assert isinstance(out, datetime)
    return out


def _as_instant(value: date | datetime | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def _data_end(inputs: Inputs) -> datetime | None:
    """The last recorded instant (ticket created, event, contact arrived)."""
    candidates = [
        inputs.tickets.created_at.max(),
        inputs.events.at.max(),
        inputs.contacts.arrived_at.max(),
    ]
    latest: datetime | None = None
    for expr in candidates:
        value = expr.execute()
        if value is None or pd.isna(value):
            continue
        stamp = pd.Timestamp(value)
        instant = _utc(stamp.tz_localize(UTC) if stamp.tzinfo is None else stamp)
        latest = instant if latest is None else max(latest, instant)
    return latest


def make_context(
    source: Any,
    *,
    since: date | datetime | None,
    until: date | datetime | None,
    config: Any | None,
    settings: SignalSettings | None,
) -> Context:
    """Resolve the source, the settings (``settings``, else the config's ``signals``
    section, else the defaults), the time zone and the window. Without ``until``, the
    analysis ends at the first full hour after the last recorded instant."""
    inputs = inputs_of(source)
    chosen = settings or getattr(config, "signals", None) or SignalSettings()
    zone = chosen.timezone or desk_zone(config)
    end = _as_instant(until)
    if until is not None and not isinstance(until, datetime):
        end = _as_instant(until + timedelta(days=1))
    if end is None:
        last = _data_end(inputs)
        if last is None:
            last = datetime.now(UTC)
        end = last.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return Context(inputs, config, chosen, ZoneInfo(zone), _as_instant(since), end)


def hourly(table: ir.Table, at: str, *keys: str, **measures: ir.Value) -> pd.DataFrame:
    """Group ``table`` by the UTC hour of ``at`` (column ``hour``, tz-aware) and ``keys``,
    aggregate ``measures`` in the engine and fetch the small result."""
    grouped = table.group_by(hour=utc_period_key(table[at], "h"), **{k: table[k] for k in keys})
    expr = grouped.agg(**measures) if measures else grouped.agg(n=table.count())
    frame: pd.DataFrame = expr.to_pandas()
    frame = frame[frame["hour"].notna()].reset_index(drop=True)
    hours = pd.to_datetime(frame["hour"])
    frame["hour"] = hours.dt.tz_localize(UTC) if hours.dt.tz is None else hours.dt.tz_convert(UTC)
    return frame


def poisson_cdf(k: float, lam: float) -> float:
    """P(X <= k) for X ~ Poisson(lam)."""
    if lam <= 0:
        return 1.0
    k = math.floor(k)
    if k < 0:
        return 0.0
    term = math.exp(-lam)
    total = term
    for i in range(1, int(k) + 1):
        term *= lam / i
        total += term
    return min(1.0, total)


def binom_sf(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), summed in log space."""
    if k <= 0:
        return 1.0
    if k > n or p <= 0:
        return 0.0
    if p >= 1:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    odds = p / (1 - p)
    total = 0.0
    for i in range(k, n + 1):
        log_term = (
            math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
            + i * log_p + (n - i) * log_q
        )  # fmt: skip
        term = math.exp(log_term)
        total += term
        # past the mode each term shrinks by at least the ratio r of the next one to this
        # one, so the rest of the tail is below term * r / (1 - r): stop when negligible
        r = (n - i) / (i + 1) * odds
        if r < 1 and term * r / (1 - r) <= 1e-12 * total:
            break
    return min(1.0, total)
