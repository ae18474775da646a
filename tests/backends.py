"""Loading tiny canonical datasets into every installed Ibis backend.

KPI tests are specifications: a case is a folder of plain CSV files (``tickets.csv``,
``events.csv``, ``contacts.csv``, ``agents.csv``; any may be missing) written in the
canonical model, plus the expected values. :func:`load_case` turns such a folder into
:class:`~supportkpi.kpis.inputs.Inputs` on the backend under test, so the same test runs on
DuckDB, PySpark and PostgreSQL.

Timestamps in the CSV files carry their offset (``2026-03-02T09:00:00+01:00`` or ``...Z``).
``tags`` are separated by ``;``.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from supportkpi.kpis.inputs import Inputs
from supportkpi.model import TABLES, Kind, Table

BACKENDS = ("duckdb", "pyspark", "postgres")

_spark_con: Any = None


def connect(name: str, tmp_path: Path, url: str | None = None) -> Any:
    """A fresh connection for DuckDB; one shared local session for PySpark (slow to start);
    for PostgreSQL, a connection to ``url`` (an empty database of the tests' own server)."""
    if name == "duckdb":
        return ibis.duckdb.connect()
    if name == "postgres":
        assert url is not None, "postgres needs the URL of a database"
        return ibis.connect(url)
    if name == "pyspark":
        global _spark_con
        if _spark_con is None:
            from pyspark.sql import SparkSession

            session = (
                SparkSession.builder.master("local[1]")
                .appName("supportkpi-tests")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.shuffle.partitions", "1")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.warehouse.dir", str(tmp_path / "spark-warehouse"))
                .getOrCreate()
            )
            session.sparkContext.setLogLevel("ERROR")
            _spark_con = ibis.pyspark.connect(session)
        return _spark_con
    raise ValueError(f"unknown backend {name!r}")


def read_csv_table(table: Table, text: str | bytes) -> pa.Table:
    """Parse a canonical CSV into the model's Arrow schema (missing columns become null)."""
    raw = text.encode() if isinstance(text, str) else text
    types: dict[str, pa.DataType] = {}
    for column in table:
        types[column.name] = pa.string() if column.kind is Kind.STRING_LIST else column.arrow_type
    parsed = pacsv.read_csv(
        io.BytesIO(raw),
        convert_options=pacsv.ConvertOptions(
            column_types=types, strings_can_be_null=True, quoted_strings_can_be_null=False
        ),
    )
    arrays = []
    for column in table:
        if column.name in parsed.column_names:
            values = parsed.column(column.name)
            if column.kind is Kind.STRING_LIST:
                values = pc.split_pattern(values, ";")
            arrays.append(values.cast(column.arrow_type))
        else:
            arrays.append(pa.nulls(parsed.num_rows, column.arrow_type))
    return pa.Table.from_arrays(arrays, schema=table.arrow_schema().remove_metadata())


def empty_table(table: Table) -> pa.Table:
    schema = table.arrow_schema()
    return pa.Table.from_arrays(
        [pa.array([], type=f.type) for f in schema], schema=schema.remove_metadata()
    )


def load_arrow(con: Any, tables: dict[str, pa.Table], prefix: str = "t") -> Inputs:
    """Create the given canonical tables (others empty) on ``con`` and return Inputs."""
    global _counter
    _counter += 1
    made: dict[str, ibis.Table] = {}
    for name, table in TABLES.items():
        data = tables.get(name)
        if data is None:
            data = empty_table(table)
        # Nullable everywhere: a fixture's required columns are checked by the importer,
        # not here.
        data = data.cast(pa.schema([pa.field(f.name, f.type) for f in data.schema]))
        made[name] = create(con, f"{prefix}{_counter}_{name}", data)
    return Inputs(**made)


_counter = 0


def create(con: Any, name: str, data: pa.Table) -> ibis.Table:
    """Create a table from Arrow data, keeping nulls as nulls on every backend.

    Ibis' PySpark ``create_table`` goes through pandas, where a null string becomes the text
    "NaN" and a null float becomes NaN; Spark reads Arrow directly instead.
    """
    if con.name == "pyspark":
        con._session.createDataFrame(data).createOrReplaceTempView(name)
        return con.table(name)
    return con.create_table(name, data, overwrite=True)


def load_case(con: Any, folder: Path) -> Inputs:
    """Load a case folder of canonical CSV files onto ``con``."""
    tables = {}
    for name, table in TABLES.items():
        path = folder / f"{name}.csv"
        if path.exists():
            tables[name] = read_csv_table(table, path.read_bytes())
    return load_arrow(con, tables)
