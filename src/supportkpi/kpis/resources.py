"""How much memory the engine may hold while it computes KPIs.

Left alone, DuckDB lets a query grow to 80 % of the machine's memory before it writes
intermediate results to disk; on a shared machine, or with tens of millions of events,
that is the peak of the whole run. While :func:`bounded_memory` is active the DuckDB
database works within ``limit`` instead: joins, aggregations, sorts and materialized
tables beyond it spill to DuckDB's temporary directory (by default ``<database>.tmp`` next
to a database file, ``.tmp`` for an in-memory one). The answers are the same; only where
the intermediate data lives changes.

Other backends (PySpark, Postgres) manage memory themselves: nothing is changed there.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import ibis
import ibis.expr.types as ir

from supportkpi.backends import gather_statistics

__all__ = ["DEFAULT_MEMORY_LIMIT", "Bound", "bounded_memory", "joins_as_written", "parse_size"]

T = TypeVar("T")

_log = logging.getLogger(__name__)

DEFAULT_MEMORY_LIMIT = "3GiB"
"""The memory DuckDB may use while :func:`~supportkpi.kpis.compute.compute` runs. With the
Python side around it, a run stays under 4 GiB resident at 10 million tickets."""

_UNITS: dict[str, int] = {
    "b": 1,
    "bytes": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")


def parse_size(text: str) -> int:
    """Bytes in a size such as ``2.5GiB``, ``512 MB`` or ``18.6 GiB`` (DuckDB's spelling
    of its settings); a bare number is bytes. Raises ValueError for anything else."""
    found = _SIZE.match(text)
    unit = found.group(2).lower() if found else ""
    if found is None or (unit and unit not in _UNITS):
        raise ValueError(f"not a memory size: {text!r} (use e.g. 2GiB or 512MB)")
    return int(float(found.group(1)) * _UNITS[unit or "b"])


def _duckdb_of(source: ir.Table | Any) -> Any | None:
    """The DuckDB backend behind ``source`` (a table or a backend), else None."""
    backend = source
    if isinstance(source, ir.Table):
        try:
            backend = ibis.get_backend(source)
        except Exception:  # an unbound table: no engine to configure
            return None
    return backend if getattr(backend, "name", None) == "duckdb" else None


def cache_table(table: ir.Table) -> ir.Table:
    """``table.cache()``, with the statistics PostgreSQL's planner needs to read it well
    (:func:`supportkpi.backends.gather_statistics`). Raises what ``cache`` raises (a
    backend that cannot cache, running out of memory): the caller decides."""
    cached = table.cache()
    gather_statistics(cached)
    return cached


def _setting(con: Any, name: str) -> str:
    row = con.raw_sql(f"SELECT current_setting('{name}')").fetchone()
    return str(row[0])


class Bound:
    """The bound in force (see :func:`bounded_memory`); :meth:`run` does one step of work
    within it."""

    def __init__(self, con: Any | None = None, bounded: int | None = None, own: int = 0):
        self._con, self._bounded, self._own = con, bounded, own

    def _limit(self, size: int) -> None:
        # A number of bytes: nothing from outside is pasted into the statement.
        assert self._con is not None
        self._con.raw_sql(f"SET memory_limit = '{int(size)}B'")

    @property
    def limit(self) -> int | None:
        """The bound in bytes, or None when nothing is bounded."""
        return self._bounded

    def run(self, step: Callable[[], T], name: str = "step") -> T:
        """``step()`` within the bound. Not every DuckDB operator can spill (exact
        quantiles, some joins), and each thread reserves memory of its own: when a step
        needs more than the bound, it runs again within the bound on one thread, and only
        if that fails too within the database's own limit. The answer is the same either
        way; each retry is logged as a warning naming the step."""
        try:
            return step()
        except Exception as exc:
            if not self._out_of_memory(exc):
                raise
        assert self._con is not None and self._bounded is not None
        threads = int(_setting(self._con, "threads"))
        if threads > 1:
            _log.warning(
                "%s needed more than the memory bound (%d bytes) on %d threads; running it "
                "again on one thread",
                name,
                self._bounded,
                threads,
            )
            self._con.raw_sql("SET threads = 1")
            try:
                return step()
            except Exception as exc:
                if not self._out_of_memory(exc):
                    raise
            finally:
                self._con.raw_sql(f"SET threads = {threads}")
        _log.warning(
            "%s needed more than the memory bound (%d bytes); running it again within the "
            "database's own limit (%d bytes)",
            name,
            self._bounded,
            self._own,
        )
        self._limit(self._own)
        try:
            return step()
        finally:
            self._limit(self._bounded)

    def _out_of_memory(self, exc: Exception) -> bool:
        return self._bounded is not None and type(exc).__name__ == "OutOfMemoryException"


@contextmanager
def bounded_memory(
    source: ir.Table | Any, limit: str | None = DEFAULT_MEMORY_LIMIT
) -> Iterator[Bound]:
    """Within the block, a DuckDB backend behind ``source`` works within ``limit`` (never
    raised: a lower limit already set stays) and does not keep insertion order where no
    order was asked for (which lets it stream and spill more). The previous settings are
    restored afterwards. A ``None`` limit, or another backend, changes nothing."""
    con = _duckdb_of(source) if limit is not None else None
    if con is None or limit is None:
        yield Bound()
        return
    wanted = parse_size(limit)
    own = parse_size(_setting(con, "memory_limit"))
    before_order = _setting(con, "preserve_insertion_order")
    lower = wanted < own
    bound = Bound(con, wanted, own) if lower else Bound()
    if lower:
        bound._limit(wanted)
    # A fixed word: nothing from outside is pasted into the statement.
    con.raw_sql("SET preserve_insertion_order = false")
    try:
        yield bound
    finally:
        if lower:
            bound._limit(own)
        restore = "true" if before_order.lower() == "true" else "false"
        con.raw_sql(f"SET preserve_insertion_order = {restore}")


_AS_WRITTEN = "build_side_probe_side"
"""DuckDB's optimizer that picks each join's build side by its cardinality estimates."""
_OPTIMIZER_NAME = re.compile(r"^[a-z_]+$")


@contextmanager
def joins_as_written(source: ir.Table | Any) -> Iterator[None]:
    """Within the block, DuckDB builds each join's hash table on the side the query
    names (the right side of a left join) instead of the side it estimates smaller.

    The per-ticket table left-joins about ten narrow per-ticket results to the tickets.
    DuckDB estimates the tickets that survive merges at a fifth of the table (its default
    for a filter), turns the left joins around and builds its hash tables on the wide
    ticket rows; with many events per ticket that outgrew the memory bound (see
    docs/kpis.md). The answer is the same either way. Other backends: nothing changes."""
    con = _duckdb_of(source)
    if con is None:
        yield
        return
    before = _setting(con, "disabled_optimizers")
    names = [n.strip() for n in before.split(",") if n.strip()]
    # Names read back from DuckDB and one fixed name: checked, never user text.
    if _AS_WRITTEN in names or not all(_OPTIMIZER_NAME.match(n) for n in names):
        yield
        return
    con.raw_sql(f"SET disabled_optimizers = '{','.join([*names, _AS_WRITTEN])}'")
    try:
        yield
    finally:
        con.raw_sql(f"SET disabled_optimizers = '{','.join(names)}'")
