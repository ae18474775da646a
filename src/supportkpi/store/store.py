"""A supportkpi store: the four canonical tables and the record of imports, on one backend.

``open_store()`` opens (or creates) a DuckDB file by default; Ibis URLs reach other
backends. KPI code reads the canonical tables through :attr:`Store.con` or
:meth:`Store.table`; only the importer needs DuckDB itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import ibis

from supportkpi.backends import prepare_session
from supportkpi.errors import StoreError
from supportkpi.store.copy import CopyProgress, copy_store
from supportkpi.store.importer import Progress, run_import
from supportkpi.store.results import ImportSummary, StoreInfo
from supportkpi.store.tables import CANONICAL, ensure_tables

__all__ = ["DEFAULT_STORE", "Store", "open_store"]

DEFAULT_STORE = "supportkpi.duckdb"

_POSTGRES_INSTALL = (
    'pip install "supportkpi[postgres]" (in a checkout: pip install -e ".[postgres]")'
)


def _first_line(exc: BaseException) -> str:
    """A driver's message is often several lines of advice; its first line says what."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return str(value.isoformat()).replace("+00:00", "Z")


class Store:
    """An open store. Use as a context manager, or call :meth:`close`."""

    def __init__(self, con: Any, target: str, *, read_only: bool) -> None:
        self.con = con
        self.target = target
        self.read_only = read_only

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        disconnect = getattr(self.con, "disconnect", None)
        if callable(disconnect):
            disconnect()

    def table(self, name: str) -> ibis.Table:
        """One of the tables (``tickets``, ``events``, ``contacts``, ``agents``, ...)."""
        return self.con.table(name)

    @property
    def _duckdb(self) -> Any:
        if getattr(self.con, "name", None) != "duckdb":
            raise StoreError(
                f"importing needs a DuckDB store, {self.target} is {self.con.name}",
                fix="import into a DuckDB file (the default), then `supportkpi copy --to URL`",
            )
        if self.read_only:
            raise StoreError(
                f"store {self.target} is open read-only", fix="open it without read_only"
            )
        return self.con.con

    def import_files(
        self,
        paths: Sequence[str | Path],
        *,
        tz: str = "UTC",
        strict: bool = False,
        progress: Progress | None = None,
        columns: Mapping[str, Mapping[str, str]] | None = None,
    ) -> ImportSummary:
        """Validate and import CSV, Parquet and JSON Lines files or folders.

        ``tz`` is the time zone of timestamps without an offset; ``columns`` gives, per
        table, the files' header of a model column (``{"tickets": {"agent_id":
        "Assignee"}}``, as the config's ``[source.columns.tickets]``). Rows that cannot be
        imported are kept in ``rejects``; with ``strict`` any reject fails the import
        (:class:`~supportkpi.errors.StrictImportError`) and nothing is written.
        Importing files already imported, read the same way, changes nothing.
        """
        return run_import(
            self._duckdb, paths, tz=tz, strict=strict, progress=progress, columns=columns
        )

    def copy_to(
        self,
        target: Store,
        *,
        replace: bool = False,
        progress: CopyProgress | None = None,
    ) -> dict[str, int]:
        """Copy every table of this store into ``target`` (another store, e.g. on
        PostgreSQL); returns the rows copied per table. ``target`` must be empty unless
        ``replace`` is true. See :mod:`supportkpi.store.copy`."""
        return copy_store(self, target, replace=replace, progress=progress)

    def info(self) -> StoreInfo:
        """Row counts, date ranges, channels, time zones and the import history."""
        counts = {
            name: int(self.table(name).count().to_pyarrow().as_py())
            for name in (*CANONICAL, "imports", "rejects")
        }
        tickets = self.table("tickets")
        contacts = self.table("contacts")
        t_range = tickets.aggregate(lo=tickets.created_at.min(), hi=tickets.created_at.max())
        c_range = contacts.aggregate(lo=contacts.arrived_at.min(), hi=contacts.arrived_at.max())
        t_row = t_range.to_pyarrow().to_pylist()[0]
        c_row = c_range.to_pyarrow().to_pylist()[0]
        imports = self.table("imports")
        zones = imports.filter(imports.status == "ok").source_tz.name("tz")
        zone_list = sorted(str(z) for z in zones.to_pyarrow().to_pylist() if z is not None)
        return StoreInfo(
            target=self.target,
            tables=counts,
            tickets_from=_iso(t_row["lo"]),
            tickets_to=_iso(t_row["hi"]),
            contacts_from=_iso(c_row["lo"]),
            contacts_to=_iso(c_row["hi"]),
            ticket_channels=_by_channel(tickets),
            contact_channels=_by_channel(contacts),
            source_time_zones=sorted(set(zone_list)),
            imports=counts["imports"],
            rejects=counts["rejects"],
        )


def _by_channel(table: ibis.Table) -> dict[str, int]:
    grouped = table.group_by("channel").aggregate(n=table.count()).order_by("channel")
    return {str(r["channel"]): int(r["n"]) for r in grouped.to_pyarrow().to_pylist()}


def _connect_duckdb(path: str, read_only: bool) -> Any:
    file = Path(path)
    if path != ":memory:":
        if file.is_dir():
            raise StoreError(f"store {path} is a folder", fix="give a .duckdb file path")
        if read_only and not file.exists():
            raise StoreError(
                f"no store at {path}", fix="import data first with `supportkpi import PATH`"
            )
        if not file.parent.exists():
            raise StoreError(
                f"folder {file.parent} does not exist", fix="create it or choose another path"
            )
    try:
        con = ibis.duckdb.connect(path, read_only=read_only)
    except Exception as exc:  # DuckDB's IOException and friends: not a database file
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StoreError(
            f"cannot open {path} as a DuckDB store ({detail})",
            fix="point --store at a supportkpi .duckdb file or a new path",
        ) from None
    # The product reports its own progress (the CLI's bars); DuckDB's bar would print into
    # the caller's output from the middle of a library call.
    con.raw_sql("SET enable_progress_bar = false")
    return con


def duckdb_file(target: str | Path | None = None) -> Path | None:
    """The DuckDB file a store target names (None: another backend, or in memory)."""
    text = DEFAULT_STORE if target is None else str(target)
    if "://" in text:
        scheme, _, rest = text.partition("://")
        return Path(rest) if scheme == "duckdb" and rest and rest != ":memory:" else None
    return Path(text)


def open_store(target: str | Path | None = None, *, read_only: bool = False) -> Store:
    """Open the store at ``target``, creating an empty one if needed (with ``read_only``
    a missing DuckDB file is a :class:`StoreError` instead, and nothing is created).

    ``target``: None for ``supportkpi.duckdb`` in the current folder, a path to a DuckDB
    file, or an Ibis URL (``duckdb://path``, ``postgres://user@host/db``).
    """
    text = DEFAULT_STORE if target is None else str(target)
    if "://" in text:
        scheme, _, rest = text.partition("://")
        if scheme == "duckdb":
            con = _connect_duckdb(rest or ":memory:", read_only)
        else:
            try:
                con = ibis.connect(text)
            except ImportError as exc:  # the backend's driver is not installed
                extra = (
                    _POSTGRES_INSTALL
                    if scheme.startswith("postgres")
                    else f'pip install "ibis-framework[{scheme}]"'
                )
                raise StoreError(
                    f"cannot open store URL {text!r}: the {scheme} driver is not installed "
                    f"({_first_line(exc)})",
                    fix=extra,
                ) from None
            except Exception as exc:  # unknown scheme, unreachable server, bad credentials
                raise StoreError(
                    f"cannot open store URL {text!r} ({_first_line(exc)})",
                    fix="use a DuckDB file path, duckdb://path or postgres://user@host/db",
                ) from None
    else:
        con = _connect_duckdb(text, read_only)
    try:
        ensure_tables(con, text, read_only=read_only)
        prepare_session(con)
    except BaseException:
        disconnect = getattr(con, "disconnect", None)
        if callable(disconnect):
            disconnect()
        raise
    return Store(con, text, read_only=read_only)
