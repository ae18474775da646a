"""Business time for many (start, end) pairs: the numpy reference and the engine path.

The engine path is :class:`~supportkpi.calendar.BusinessClock` on DuckDB (two equality
joins against the minute grid). Both must agree exactly; the target is 10 s or less for
10M pairs. ``--quick`` uses 1M pairs.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

import ibis
import numpy as np
import pyarrow as pa

from supportkpi.calendar import BusinessClock, Schedule, business_seconds

_US = 1_000_000


def _pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Starts spread over two years, durations from minutes to three weeks."""
    rng = np.random.default_rng(2026)
    base = np.datetime64("2025-01-01T00:00", "us").astype(np.int64)
    starts = base + rng.integers(0, 2 * 365 * 86400 * _US, n)
    ends = starts + rng.integers(0, 21 * 86400 * _US, n)
    return starts.astype("datetime64[us]"), ends.astype("datetime64[us]")


def run(argv: list[str]) -> None:
    n = 1_000_000 if "--quick" in argv else 10_000_000
    berlin = Schedule(
        "default",
        "Europe/Berlin",
        {d: ((8 * 60, 12 * 60), (13 * 60, 17 * 60)) for d in range(5)},
        holiday_country="DE",
    )
    starts, ends = _pairs(n)
    print(f"pairs: {n:,}; schedule: Berlin, split shift, DE public holidays; span 2 years")
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f} (times grow with the load)")

    began = time.perf_counter()
    reference = business_seconds(berlin, starts, ends)
    numpy_s = time.perf_counter() - began
    print(f"numpy reference:   {numpy_s:7.2f} s  ({n / numpy_s / 1e6:5.1f} M pairs/s)")

    con = ibis.duckdb.connect()
    table = con.create_table(
        "pairs",
        pa.table(
            {
                "i": pa.array(np.arange(n)),
                "s": pa.array(starts, pa.timestamp("us", tz="UTC")),
                "e": pa.array(ends, pa.timestamp("us", tz="UTC")),
            }
        ),
    )
    began = time.perf_counter()
    clock = BusinessClock(
        {"default": berlin}, datetime(2025, 1, 1, tzinfo=UTC), datetime(2027, 1, 23, tzinfo=UTC)
    )
    grid_rows = clock.grid().num_rows
    grid_s = time.perf_counter() - began
    expr = clock.annotate(table, start="s", end="e", out="b").select("i", "b")
    began = time.perf_counter()
    got = expr.to_pyarrow()
    engine_s = time.perf_counter() - began
    print(f"engine grid:       {grid_s:7.2f} s  ({grid_rows:,} minutes)")
    print(f"Ibis on DuckDB:    {engine_s:7.2f} s  ({n / engine_s / 1e6:5.1f} M pairs/s)")
    order = np.argsort(got.column("i").to_numpy())
    values = got.column("b").to_numpy()[order]
    same = int(np.sum(values == reference))
    print(f"agreement:         {same:,} of {n:,} equal to the microsecond")
    for label, seconds in (("numpy", numpy_s), ("duckdb", engine_s)):
        verdict = "within" if seconds <= 10 else "OVER"
        print(f"target 10 s:       {label} {verdict}")
