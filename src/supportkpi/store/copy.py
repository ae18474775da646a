"""Copy a store's tables to another store: the way to a server such as PostgreSQL.

Imports run on DuckDB (its readers check and stage the files); a team that outgrows one
machine imports into a DuckDB file, then copies the store to the server, where every
command reads it. The copy streams each table in batches (memory stays bounded), writes
into staging tables first and only then puts them in place, so a failure halfway leaves
the destination as it was. It replaces the destination's data: copying again gives the
same store.

On PostgreSQL the batches go through ``COPY ... FROM STDIN`` (psycopg), as CSV written by
Arrow (:mod:`supportkpi.backends`); elsewhere through Ibis' ``insert``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import ibis
import pyarrow as pa
import sqlglot as sg

from supportkpi.backends import copy_into_postgres, gather_statistics, is_postgres
from supportkpi.errors import StoreError
from supportkpi.store.tables import CANONICAL, INTERNAL, expected_schemas

if TYPE_CHECKING:
    from supportkpi.store.store import Store

__all__ = ["COPIED", "check_distinct", "copy_store"]

COPIED: tuple[str, ...] = (*CANONICAL, *INTERNAL)
"""The tables a copy carries: the canonical ones and the record of imports and rejects."""

BATCH_ROWS = 100_000

_STAGING = "{}__copy"

CopyProgress = Callable[[str, int, int], None]


def copy_store(
    source: Store,
    target: Store,
    *,
    replace: bool = False,
    progress: CopyProgress | None = None,
    batch_rows: int = BATCH_ROWS,
) -> dict[str, int]:
    """Copy every table of ``source`` into ``target``; returns the rows copied per table.

    ``target`` must hold no rows unless ``replace`` is true (its data is then replaced).
    ``progress(table, rows_done, rows_total)`` is called after each batch.
    """
    check_distinct(source.target, target.target)
    if target.read_only:
        raise StoreError(f"store {target.target} is open read-only", fix="open it writable")
    totals = {name: _count(source, name) for name in COPIED}
    if not replace:
        held = {name: n for name in COPIED if (n := _count(target, name))}
        if held:
            shown = ", ".join(f"{name} {n:,}" for name, n in held.items())
            raise StoreError(
                f"{target.target} already holds data ({shown})",
                fix="add --replace to replace it, or copy to an empty store",
            )
    schemas = expected_schemas()
    staged: list[str] = []
    try:
        for name in COPIED:
            staging = _STAGING.format(name)
            _drop(target, staging)
            target.con.create_table(staging, schema=schemas[name])
            staged.append(staging)
            done = 0
            if progress:
                progress(name, 0, totals[name])
            for batch in _batches(source, name, schemas[name].to_pyarrow(), batch_rows):
                _write(target, staging, batch)
                done += batch.num_rows
                if progress:
                    progress(name, done, totals[name])
        _swap(target)
        for name in COPIED:
            gather_statistics(target.table(name))
    except BaseException:
        for staging in staged:
            _drop(target, staging)
        raise
    return totals


def check_distinct(source: str, target: str) -> None:
    """Refuse to copy a store onto itself (the same file, however it is written)."""
    if _where(source) == _where(target):
        raise StoreError(
            f"{target} is both the source and the destination",
            fix="give the destination with --to (another file or a server URL)",
        )


def _where(target: str) -> str:
    text = target.removeprefix("duckdb://")
    if "://" in text or text in ("", ":memory:"):
        return text
    return str(Path(text).resolve())


def _count(store: Store, name: str) -> int:
    return int(store.table(name).count().to_pyarrow().as_py())


def _batches(store: Store, name: str, schema: pa.Schema, rows: int) -> Iterator[pa.RecordBatch]:
    con = store.con
    if con.name == "duckdb":
        # Ibis 12's to_pyarrow_batches calls a method DuckDB 2 renamed (to_arrow_reader).
        sql = ibis.to_sql(store.table(name), dialect="duckdb")
        reader = con.con.sql(str(sql)).to_arrow_reader(rows)
    else:
        reader = store.table(name).to_pyarrow_batches(chunk_size=rows)
    for batch in reader:
        yield batch.cast(schema) if batch.schema != schema else batch


def _drop(store: Store, name: str) -> None:
    store.con.drop_table(name, force=True)


def _swap(store: Store) -> None:
    """Put the staging tables in place of the store's, in one transaction (DuckDB and
    PostgreSQL; elsewhere one table after the other)."""
    con = store.con
    renames = [(_STAGING.format(name), name) for name in COPIED]
    if is_postgres(con):
        from psycopg import sql

        with con.begin() as cursor:
            for staging, name in renames:
                cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))
                cursor.execute(
                    sql.SQL("ALTER TABLE {} RENAME TO {}").format(
                        sql.Identifier(staging), sql.Identifier(name)
                    )
                )
        return
    if con.name == "duckdb":
        raw = con.con
        raw.begin()
        try:
            for staging, name in renames:
                raw.execute(f"DROP TABLE IF EXISTS {_quoted(name)}")
                raw.execute(f"ALTER TABLE {_quoted(staging)} RENAME TO {_quoted(name)}")
            raw.commit()
        except BaseException:
            raw.rollback()
            raise
        return
    for staging, name in renames:
        con.drop_table(name, force=True)
        con.rename_table(staging, name)


def _quoted(name: str) -> str:
    """A table name of this module's own as a DuckDB identifier (never user text)."""
    return str(sg.to_identifier(name, quoted=True).sql("duckdb"))


def _write(store: Store, name: str, batch: pa.RecordBatch) -> None:
    if is_postgres(store.con):
        copy_into_postgres(store.con, name, batch)
    else:
        store.con.insert(name, pa.Table.from_batches([batch]))
