"""What a KPI is, as data.

Every KPI is declared once as a :class:`KPI`: where its values come from (a column of the
per-ticket or per-contact metrics table), how they are aggregated, and the metadata every
face needs (names and descriptions in each report language, unit, direction, the channels
it applies to, and its quality counterpart). The CLI, the report, the dashboard and the HTTP
API all read the same definitions.

Aggregation rules, by ``measure``:

* ``count``: the number of rows where ``column`` is true (``column="*"`` counts all rows).
* ``rate``: ``column`` is boolean; the population is the rows where it is not null (null
  means "not applicable", e.g. *reopened* for a ticket never solved). Value = share true.
* ``duration``: ``column`` holds seconds (null = not applicable or not yet known); reported
  with count, mean, median and p90. ``business_column`` holds the same in business time.
* ``sum``: the sum of ``column`` (e.g. logged work seconds).
* ``mean``: the mean of ``column`` over the rows where it is not null (e.g. reopens per
  solved ticket), with that population as ``count``.

``source`` names the metrics table: ``tickets`` (one row per ticket), ``replies`` (one row
per customer message awaiting a next reply) or ``contacts`` (one row per call or chat).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["KPI", "LANGUAGES", "Direction", "Measure", "Source", "Unit"]

LANGUAGES: tuple[str, ...] = ("en", "ru")

Source = Literal["tickets", "replies", "contacts"]
Measure = Literal["count", "rate", "duration", "sum", "mean"]
Unit = Literal["count", "ratio", "seconds"]
Direction = Literal["lower_is_better", "higher_is_better", "neutral"]


@dataclass(frozen=True)
class KPI:
    id: str
    family: str
    source: Source
    measure: Measure
    column: str
    time_column: str
    unit: Unit
    direction: Direction
    name: dict[str, str]
    description: dict[str, str]
    business_column: str | None = None
    channels: tuple[str, ...] | None = None
    counter_metric: str | None = None
    headline: bool = False
    stats: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        for lang in LANGUAGES:
            if not self.name.get(lang) or not self.description.get(lang):
                raise ValueError(f"KPI {self.id!r} lacks a name or description in {lang!r}")
        if self.measure == "duration" and self.unit != "seconds":
            raise ValueError(f"KPI {self.id!r}: a duration is measured in seconds")
        if self.measure == "rate" and self.unit != "ratio":
            raise ValueError(f"KPI {self.id!r}: a rate is a ratio")
        if not self.stats:
            default = {
                "count": ("value",),
                "rate": ("value", "count"),
                "duration": ("count", "mean", "median", "p90"),
                "sum": ("value",),
                "mean": ("value", "count"),
            }[self.measure]
            object.__setattr__(self, "stats", default)
