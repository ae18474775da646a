"""The tables of a store: the four canonical ones and the two that record imports.

Schemas are Ibis schemas derived from the data model, so a store can be created on any
backend Ibis reaches. Each canonical table carries a trailing ``import_id`` column: the
import that brought the row.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.datatypes as dt

from supportkpi.errors import StoreError
from supportkpi.model.schema import TABLES, Kind, Table

__all__ = [
    "CANONICAL",
    "IMPORTS_SCHEMA",
    "INTERNAL",
    "REJECTS_SCHEMA",
    "canonical_schema",
    "ensure_tables",
    "expected_schemas",
]

CANONICAL: tuple[str, ...] = tuple(TABLES)

_IBIS_TYPES: dict[Kind, dt.DataType] = {
    Kind.STRING: dt.string,
    Kind.TIMESTAMP: dt.Timestamp(timezone="UTC"),
    Kind.FLOAT: dt.float64,
    Kind.INT: dt.int64,
    Kind.BOOL: dt.boolean,
    Kind.STRING_LIST: dt.Array(dt.string),
}

IMPORTS_SCHEMA = ibis.schema(
    {
        "import_id": "int64",
        "started_at": dt.Timestamp(timezone="UTC"),
        "finished_at": dt.Timestamp(timezone="UTC"),
        "files": "string",  # JSON list of {path, size, sha256, table, rows}
        "rows_read": "int64",
        "rows_imported": "int64",
        "rows_rejected": "int64",
        "source_tz": "string",
        "status": "string",
    }
)

REJECTS_SCHEMA = ibis.schema(
    {
        "import_id": "int64",
        "table_name": "string",
        "file": "string",
        "line": "int64",
        "column_name": "string",
        "reason": "string",
        "raw_json": "string",
    }
)

INTERNAL: dict[str, ibis.Schema] = {"imports": IMPORTS_SCHEMA, "rejects": REJECTS_SCHEMA}


def canonical_schema(table: Table) -> ibis.Schema:
    """The stored schema of a canonical table: the model's columns, then ``import_id``."""
    fields: dict[str, dt.DataType] = {c.name: _IBIS_TYPES[c.kind] for c in table.columns}
    fields["import_id"] = dt.int64
    return ibis.schema(fields)


def expected_schemas() -> dict[str, ibis.Schema]:
    """Every table of a store by name: the canonical ones, then ``imports`` and ``rejects``."""
    wanted = {name: canonical_schema(TABLES[name]) for name in CANONICAL}
    wanted.update(INTERNAL)
    return wanted


def _same_type(have: dt.DataType, want: dt.DataType) -> bool:
    if isinstance(want, dt.Timestamp):
        return isinstance(have, dt.Timestamp) and have.timezone in ("UTC", "Etc/UTC")
    if isinstance(want, dt.Array):
        return isinstance(have, dt.Array) and have.value_type.is_string()
    return bool(have.copy(nullable=True) == want.copy(nullable=True))


def _check(name: str, have: ibis.Schema, want: ibis.Schema, target: str) -> None:
    if list(have.names) != list(want.names):
        raise StoreError(
            f"table {name!r} has columns {', '.join(have.names)}, expected {', '.join(want.names)}",
            fix=f"{target} is not a supportkpi store of this version; use another --store",
        )
    for column in want.names:
        if not _same_type(have[column], want[column]):
            raise StoreError(
                f"column {name}.{column} has type {have[column]}, expected {want[column]}",
                fix=f"{target} is not a supportkpi store of this version; use another --store",
            )


def _list_tables(con: Any) -> set[str]:
    if getattr(con, "name", None) == "duckdb":
        # Ibis 12's list_tables calls a method DuckDB 2 removed from connections.
        rows = con.con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_catalog = current_database() AND table_schema = current_schema()"
        ).fetchall()
        return {str(r[0]) for r in rows}
    return set(con.list_tables())


def ensure_tables(con: Any, target: str, *, read_only: bool) -> None:
    """Create missing tables of a new store; refuse a database that is something else.

    An empty database becomes a store. A database holding other tables but no ``imports``
    table belongs to something else and is left alone.
    """
    existing = _list_tables(con)
    wanted = expected_schemas()
    if existing and "imports" not in existing:
        shown = ", ".join(sorted(existing)[:5])
        raise StoreError(
            f"not a supportkpi store (it holds other tables: {shown})",
            fix="point --store at a new file or at an existing supportkpi store",
        )
    missing = [name for name in wanted if name not in existing]
    if missing and read_only:
        raise StoreError(
            f"store {target} lacks tables {', '.join(missing)}",
            fix="import data first with `supportkpi import PATH --store ...`",
        )
    for name, schema in wanted.items():
        if name in existing:
            _check(name, con.table(name).schema(), schema, target)
        else:
            con.create_table(name, schema=schema)
