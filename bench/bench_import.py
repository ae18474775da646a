"""Import speed and memory against DuckDB's own read of the same files.

Generates (once, cached in ``BENCH_DIR``) tickets and 10M events (1M with ``--quick``) as
Parquet and as CSV, then, each in a fresh child process on a fresh database file, times

* DuckDB alone: ``CREATE TABLE ... AS SELECT * FROM read_parquet/read_csv`` for both files;
* ``Store.import_files`` of the same two files (validation, ids, idempotency, rejects).

Both sides are timed over the same span, from opening the database file to closing it;
loading Python modules (``duckdb`` on one side; ``supportkpi`` and the Ibis DuckDB backend,
which Ibis loads at the first connection, on the other) happens before the clock starts.
Peak memory is the child's resident set, sampled every 20 ms. Targets: import within 1.5x
of DuckDB's own read, peak memory under 2 GiB.

``--repeat N`` measures each side N times, alternating, and reports the fastest of each
(and the CPU seconds each child used): on a machine shared with other work, the fastest
run is the one least disturbed, and alternating exposes both sides to the same load.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from bench._child import run_child

GIB = 1024**3
_KINDS = np.array(["message", "note", "status", "assignment", "work", "rating"])
_ROLES = np.array(["customer", "agent", "bot", "system"])
_STATUS = np.array(["open", "pending", "solved"])
_CHANNELS = np.array(["email", "chat", "phone", "social", "web"])


def _generate(folder: Path, events: int) -> dict[str, Path]:
    """Write tickets and events (Parquet and CSV); events point at existing tickets."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "parquet_tickets": folder / "tickets.parquet",
        "parquet_events": folder / "events.parquet",
        "csv_tickets": folder / "csv" / "tickets.csv",
        "csv_events": folder / "csv" / "events.csv",
    }
    if all(p.exists() for p in files.values()):
        return files
    files["csv_tickets"].parent.mkdir(exist_ok=True)
    rng = np.random.default_rng(7)
    n_tickets = max(events // 10, 1)
    start = np.datetime64("2026-01-01T00:00:00", "us")
    created = start + rng.integers(0, 90 * 86400, n_tickets).astype("timedelta64[s]")
    ticket_ids = np.char.add("T-", np.arange(n_tickets).astype(str))
    customers = rng.integers(0, n_tickets // 3 + 1, n_tickets).astype(str)
    priorities = np.array(["low", "normal", "high", "urgent"])
    tickets = pa.table(
        {
            "ticket_id": ticket_ids,
            "created_at": pa.array(created, pa.timestamp("us", tz="UTC")),
            "channel": _CHANNELS[rng.integers(0, len(_CHANNELS), n_tickets)],
            "customer_id": np.char.add("C-", customers),
            "priority": priorities[rng.integers(0, 4, n_tickets)],
        }
    )
    pq.write_table(tickets, files["parquet_tickets"])
    pacsv.write_csv(tickets, files["csv_tickets"])
    writer_pq: pq.ParquetWriter | None = None
    writer_csv: pacsv.CSVWriter | None = None
    chunk = 1_000_000
    for offset in range(0, events, chunk):
        n = min(chunk, events - offset)
        owner = rng.integers(0, n_tickets, n)
        kinds = _KINDS[rng.integers(0, len(_KINDS), n)]
        statuses = _STATUS[rng.integers(0, 3, n)]
        work = rng.integers(30, 3600, n)
        at = created[owner] + rng.integers(60, 14 * 86400, n).astype("timedelta64[s]")
        batch = pa.table(
            {
                "event_id": np.char.add("E-", np.arange(offset, offset + n).astype(str)),
                "ticket_id": ticket_ids[owner],
                "at": pa.array(at, pa.timestamp("us", tz="UTC")),
                "kind": kinds,
                "actor_role": _ROLES[rng.integers(0, len(_ROLES), n)],
                "actor_id": np.char.add("A-", rng.integers(0, 300, n).astype(str)),
                "public": rng.random(n) < 0.8,
                "status": pa.array(np.where(kinds == "status", statuses, None)),
                "work_seconds": pa.array(np.where(kinds == "work", work, np.nan)),
            }
        )
        if writer_pq is None:
            writer_pq = pq.ParquetWriter(files["parquet_events"], batch.schema)
            writer_csv = pacsv.CSVWriter(files["csv_events"], batch.schema)
        assert writer_csv is not None
        writer_pq.write_table(batch)
        writer_csv.write_table(batch)
    assert writer_pq is not None and writer_csv is not None
    writer_pq.close()
    writer_csv.close()
    return files


_DUCKDB_CHILD = """
import sys, time, duckdb
db, fn, tickets, events = sys.argv[1:5]
import resource
before = resource.getrusage(resource.RUSAGE_SELF)
t0 = time.perf_counter()
con = duckdb.connect(db)
con.execute(f"CREATE TABLE tickets AS SELECT * FROM {fn}(?)", [tickets])
con.execute(f"CREATE TABLE events AS SELECT * FROM {fn}(?)", [events])
con.close()
wall = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_SELF)
print(wall, usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime)
"""

_IMPORT_CHILD = """
import resource, sys, time
import ibis
from supportkpi.store import open_store
ibis.duckdb  # loads the backend's modules, as the other side imports duckdb first
db, tickets, events = sys.argv[1:4]
before = resource.getrusage(resource.RUSAGE_SELF)
t0 = time.perf_counter()
with open_store(db) as store:
    summary = store.import_files([tickets, events])
wall = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_SELF)
cpu = usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime
print(wall, cpu)
print(summary.rows_read, summary.rows_rejected, file=sys.stderr)
"""


def _measure(args: list[str]) -> tuple[float, float, int]:
    """Run a child; return (seconds, CPU seconds it reports, peak RSS in bytes)."""
    out, peak = run_child(args)
    wall, cpu = out.strip().splitlines()[-1].split()
    return float(wall), float(cpu), peak


def _repeat(argv: list[str]) -> int:
    if "--repeat" in argv:
        return max(1, int(argv[argv.index("--repeat") + 1]))
    return 1


def run(argv: list[str]) -> None:
    quick = "--quick" in argv
    events = 1_000_000 if quick else 10_000_000
    base = Path(os.environ.get("BENCH_DIR", "bench-data")) / f"import-{events}"
    t0 = time.perf_counter()
    files = _generate(base, events)
    print(f"data: {events:,} events in {base} (ready in {time.perf_counter() - t0:.1f} s)")
    repeat = _repeat(argv)
    for fmt, reader in (("parquet", "read_parquet"), ("csv", "read_csv")):
        tickets, events_file = str(files[f"{fmt}_tickets"]), str(files[f"{fmt}_events"])
        duck: list[tuple[float, float, int]] = []
        ours: list[tuple[float, float, int]] = []
        for _ in range(repeat):
            with tempfile.TemporaryDirectory(dir=base) as scratch:
                duck.append(
                    _measure(
                        ["-c", _DUCKDB_CHILD, f"{scratch}/duck.duckdb", reader, tickets,
                         events_file]
                    )
                )  # fmt: skip
                ours.append(
                    _measure(["-c", _IMPORT_CHILD, f"{scratch}/store.duckdb", tickets, events_file])
                )
        d_time, d_cpu = min(m[0] for m in duck), min(m[1] for m in duck)
        i_time, i_cpu = min(m[0] for m in ours), min(m[1] for m in ours)
        d_mem, i_mem = max(m[2] for m in duck), max(m[2] for m in ours)
        runs = f" (fastest of {repeat})" if repeat > 1 else ""
        print(
            f"{fmt:8s} duckdb CTAS {d_time:6.2f} s, {d_cpu:5.1f} CPU s ({d_mem / GIB:.2f} GiB) | "
            f"supportkpi import {i_time:6.2f} s, {i_cpu:5.1f} CPU s ({i_mem / GIB:.2f} GiB){runs}"
            f" | ratio {i_time / d_time:.2f}x, CPU {i_cpu / d_cpu:.2f}x (target <= 1.5x), "
            f"peak {'ok' if i_mem < 2 * GIB else 'OVER'} (target < 2 GiB)",
            flush=True,
        )
