"""``supportkpi import``, ``info`` and ``copy``: load data into a store, describe it, and
copy it to another store (a PostgreSQL database)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from supportkpi.cli.options import ConfigOption, load_policy
from supportkpi.errors import UserError
from supportkpi.model import column_hint
from supportkpi.store import DEFAULT_STORE, REASONS, ImportSummary, StoreInfo, open_store
from supportkpi.store.copy import check_distinct
from supportkpi.store.store import duckdb_file

__all__ = ["register"]

StoreOption = Annotated[
    str,
    typer.Option(
        "--store",
        "-s",
        help="DuckDB file or Ibis URL (duckdb://path, postgres://user@host/db).",
    ),
]


def _import(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Files or folders: tickets*, events*, contacts*, agents* as .csv, .parquet "
            "or .jsonl, or files inside folders named after the table.",
            show_default=False,
        ),
    ],
    store: StoreOption = DEFAULT_STORE,
    tz: Annotated[
        str | None,
        typer.Option(
            "--tz",
            help="Time zone of timestamps that have no offset (IANA name; default: the "
            "config's source.timezone, else UTC).",
            show_default=False,
        ),
    ] = None,
    config: ConfigOption = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail, writing nothing, if any row is rejected.")
    ] = False,
    show_rejects: Annotated[
        int, typer.Option("--show-rejects", help="How many example rejects to print.", min=0)
    ] = 5,
) -> None:
    """Validate and import support data into the store (re-importing changes nothing)."""
    console = Console(highlight=False)
    policy = load_policy(config)
    source = policy.source if policy is not None else None
    zone = tz or (source.timezone if source is not None else "UTC")
    columns = source.columns if source is not None else None
    file = duckdb_file(store)
    created = file is not None and not file.exists()
    try:
        summary = _run_import(store, paths, zone, strict, columns, console)
    except BaseException:
        if created and file is not None:  # a store this command created holds nothing
            for leftover in (file, file.with_name(file.name + ".wal")):
                leftover.unlink(missing_ok=True)
        raise
    _print_summary(console, summary, show_rejects)


def _run_import(
    store: str,
    paths: list[Path],
    tz: str,
    strict: bool,
    columns: Mapping[str, Mapping[str, str]] | None,
    console: Console,
) -> ImportSummary:
    with open_store(store) as opened:
        bar = Progress(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        with bar:
            task = bar.add_task("starting", total=1)

            def progress(step: str, done: int, total: int) -> None:
                bar.update(task, description=step, completed=done, total=max(total, 1))

            return opened.import_files(
                paths, tz=tz, strict=strict, progress=progress, columns=columns
            )


def _print_summary(console: Console, summary: ImportSummary, show_rejects: int) -> None:
    if summary.already_imported:
        console.print("Already imported: every file has been imported before; nothing written.")
        return
    table = Table(title=f"Import {summary.import_id} (timestamps without offset read in "
                  f"{summary.source_tz})")  # fmt: skip
    for header in ("table", "read", "imported", "updated", "skipped", "rejected"):
        table.add_column(header, justify="left" if header == "table" else "right")
    for name, counts in summary.tables.items():
        if counts.read:
            table.add_row(
                name,
                *(f"{v:,}" for v in (counts.read, counts.imported, counts.updated,
                                     counts.skipped, counts.rejected)),
            )  # fmt: skip
    console.print(table)
    _print_ignored(console, summary)
    if summary.rejects_by_reason:
        reasons = Table(title="Rejected rows by reason")
        reasons.add_column("reason")
        reasons.add_column("rows", justify="right")
        for kind, count in summary.rejects_by_reason.items():
            reasons.add_row(REASONS.get(kind, kind), f"{count:,}")
        console.print(reasons)
        shown = summary.examples[:show_rejects]
        for example in shown:
            console.print(f"  {example}", markup=False, soft_wrap=True)
        rejected = summary.rows_rejected
        if len(shown) < rejected:
            more = "" if len(shown) == len(summary.examples) else " (--show-rejects N shows more)"
            console.print(f"  ... {rejected - len(shown):,} more{more}", markup=False)
        console.print(
            "All rejects are in the store's `rejects` table (see docs/importing.md).",
            markup=False,
        )


def _print_ignored(console: Console, summary: ImportSummary) -> None:
    """The files' columns that were not imported, each with what may have been meant:
    a misspelt optional column is otherwise lost without a word."""
    files = [f for f in summary.files if f.ignored_columns]
    if not files:
        return
    console.print("Columns not imported (see docs/data-model.md for each table's columns):")
    for f in files:
        notes = ", ".join(
            f"{c} ({column_hint(f.table, c, f.mapped_columns)})" for c in f.ignored_columns
        )
        console.print(f"  {f.path}: {notes}", markup=False, soft_wrap=True)


def _info(
    store: StoreOption = DEFAULT_STORE,
    format: Annotated[
        str, typer.Option("--format", "-f", help="Output format: table or json.")
    ] = "table",
) -> None:
    """Show what a store holds: row counts, date ranges, channels, imports."""
    if format not in ("table", "json"):
        raise UserError(f"unknown format {format!r}", fix="use --format table or --format json")
    with open_store(store, read_only=True) as opened:
        info = opened.info()
    if format == "json":
        typer.echo(json.dumps(info.to_dict(), indent=2))
        return
    _print_info(Console(highlight=False), info)


def _print_info(console: Console, info: StoreInfo) -> None:
    # The path on a line of its own: as the table's title it was wrapped to the table's width.
    console.print(f"Store: {info.target}", markup=False, soft_wrap=True)
    table = Table()
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in info.tables.items():
        table.add_row(name, f"{count:,}")
    console.print(table)
    console.print(f"tickets: {info.tickets_from or '-'} .. {info.tickets_to or '-'}", markup=False)
    console.print(
        f"contacts: {info.contacts_from or '-'} .. {info.contacts_to or '-'}", markup=False
    )
    for label, channels in (("tickets", info.ticket_channels), ("contacts", info.contact_channels)):
        shown = " · ".join(f"{k} {v:,}" for k, v in channels.items()) or "-"
        console.print(f"{label} by channel: {shown}", markup=False)
    zones = ", ".join(info.source_time_zones) or "-"
    console.print(f"source time zones: {zones}", markup=False)
    console.print(f"imports: {info.imports:,}, rejected rows: {info.rejects:,}", markup=False)


def _copy(
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="The destination store: an Ibis URL (postgres://user@host/db) or a DuckDB file.",
            show_default=False,
        ),
    ],
    store: StoreOption = DEFAULT_STORE,
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace the data the destination already holds.")
    ] = False,
) -> None:
    """Copy a store's tables to another store, such as a PostgreSQL database."""
    console = Console(highlight=False)
    check_distinct(store, to)
    with open_store(store, read_only=True) as source, open_store(to) as target:
        bar = Progress(
            TextColumn("{task.description:<12}"),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,} rows"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        with bar:
            task = bar.add_task("starting", total=1)

            def progress(table: str, done: int, total: int) -> None:
                bar.update(task, description=table, completed=done, total=max(total, 1))

            copied = source.copy_to(target, replace=replace, progress=progress)
    shown = ", ".join(f"{name} {n:,}" for name, n in copied.items())
    console.print(f"Copied {store} to {to}: {shown}.", markup=False, soft_wrap=True)
    console.print(f"Every command reads it with --store {to}", markup=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("import")(_import)
    app.command("info")(_info)
    app.command("copy")(_copy)
