"""What the engine does differently on PostgreSQL: bulk writes and planner statistics.

The KPI expressions are the same on every backend. Two things are not:

* **Writing rows.** Ibis writes an in-memory table (a ``memtable``) to PostgreSQL with one
  ``INSERT`` per row; the business-time grid alone is 132,000 rows per schedule for 90
  days, which took minutes. :func:`upload` sends such a table through ``COPY ... FROM
  STDIN`` instead (CSV written by Arrow, no Python loop over rows); other backends get the
  plain ``memtable``.
* **Statistics.** PostgreSQL's planner knows nothing of a new table's rows until
  autovacuum comes by, and never for temporary tables; without statistics it chose nested
  loops that ran over ten minutes where the query takes seconds. :func:`gather_statistics`
  runs ``ANALYZE`` on a table just written.
* **Nested loops.** Its estimate of the rows a filter on a window function keeps is often
  one; the planner then joined that result to every ticket in a nested loop that rescanned
  a subquery per row (the next reply step: over a minute on 35,627 tickets instead of one
  second). :func:`prepare_session` turns nested loops off for the store's session, where
  the planner has a choice (a range join still gets one).
"""

from __future__ import annotations

import io
import uuid
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

__all__ = [
    "array_literals",
    "copy_into_postgres",
    "gather_statistics",
    "is_postgres",
    "prepare_session",
    "upload",
]

UPLOAD_BATCH_ROWS = 100_000


def is_postgres(backend: Any) -> bool:
    return getattr(backend, "name", None) == "postgres"


def prepare_session(backend: Any) -> None:
    """Settings of a store's session: on PostgreSQL, no nested loop where another join
    method exists (``enable_nestloop = off``); elsewhere nothing."""
    if not is_postgres(backend):
        return
    with backend.begin() as cursor:
        cursor.execute("SET enable_nestloop = off")


def gather_statistics(table: ir.Table) -> None:
    """On PostgreSQL, ``ANALYZE`` a table just written; elsewhere nothing to do."""
    try:
        backend = ibis.get_backend(table)
    except Exception:  # an unbound table: nothing to analyze
        return
    if not is_postgres(backend):
        return
    from psycopg import sql

    with backend.begin() as cursor:
        cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table.get_name())))


def upload(backend: Any, data: pa.Table, prefix: str) -> ir.Table:
    """``data`` as a table the backend's queries can join: on PostgreSQL a temporary table
    filled through ``COPY`` and analyzed (named ``<prefix>_<random>``); elsewhere an Ibis
    ``memtable``, which the backend registers itself."""
    if not is_postgres(backend):
        return ibis.memtable(data)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    backend.create_table(name, schema=ibis.Schema.from_pyarrow(data.schema), temp=True)
    for batch in data.to_batches(max_chunksize=UPLOAD_BATCH_ROWS):
        copy_into_postgres(backend, name, batch)
    table = backend.table(name)
    gather_statistics(table)
    return table


def copy_into_postgres(backend: Any, name: str, batch: pa.RecordBatch) -> None:
    """One batch into a PostgreSQL table through ``COPY FROM STDIN`` as CSV.

    Arrow writes the CSV: an empty unquoted field is NULL, a quoted one an empty string;
    lists become PostgreSQL array literals first (:func:`array_literals`)."""
    from psycopg import sql

    columns = [
        array_literals(column) if pa.types.is_list(column.type) else column
        for column in batch.columns
    ]
    table = pa.Table.from_arrays(columns, names=batch.schema.names)
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer, pacsv.WriteOptions(include_header=False))
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
        sql.Identifier(name), sql.SQL(", ").join(map(sql.Identifier, batch.schema.names))
    )
    with backend.begin() as cursor, cursor.copy(statement) as copy:
        copy.write(buffer.getvalue())


def array_literals(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A list of strings as PostgreSQL array literals: ``{"a","b \\"c\\""}``, NULL for a
    null element, ``{}`` for an empty list; a null list stays null."""
    lists = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    values = lists.flatten()
    escaped = pc.replace_substring(pc.replace_substring(values, "\\", "\\\\"), '"', '\\"')
    quoted = pc.fill_null(pc.binary_join_element_wise('"', escaped, '"', ""), "NULL")
    offsets = pc.subtract(lists.offsets, lists.offsets[0])
    rebuilt = pa.ListArray.from_arrays(offsets, quoted, mask=lists.is_null())
    joined = pc.binary_join(rebuilt, ",")
    return pc.binary_join_element_wise("{", joined, "}", "")
