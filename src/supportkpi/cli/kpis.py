"""``supportkpi kpis`` and ``supportkpi tickets``: the KPI engine on the command line.

Both ask :mod:`supportkpi.kpis.compute`, the same engine the report and the web use. In
table format durations are humanized; csv, json and parquet keep raw seconds.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console

from supportkpi.cli.options import (
    AsOfOption,
    ConfigOption,
    FormatOption,
    OutOption,
    SinceOption,
    StoreOption,
    UntilOption,
    check_channels,
    check_format,
    check_out,
    default_store,
    humanize_seconds,
    load_policy,
    out_format,
    parse_span,
    resolve_as_of,
    split_values,
)
from supportkpi.cli.tables import FILE_WIDTH, result_table
from supportkpi.errors import UserError
from supportkpi.kpis.compute import compute, ticket_table
from supportkpi.kpis.registry import REGISTRY

__all__ = ["register"]

FORMATS = ("table", "csv", "json", "parquet")


def _display(kpi_id: str, stat: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    kpi = REGISTRY[kpi_id]
    if kpi.unit == "seconds" and stat != "count":
        return humanize_seconds(float(value))
    if kpi.unit == "ratio" and stat == "value":
        return f"{float(value) * 100:.1f}%"
    number = float(value)
    return f"{number:.0f}" if number.is_integer() else f"{number:.2f}"


def _write(frame: pd.DataFrame, fmt: str, out: Path | None, console: Console) -> None:
    if fmt == "parquet":
        if out is None:
            raise UserError("parquet needs a file", fix="add --out FILE.parquet")
        frame.to_parquet(out, index=False)
        return
    if fmt == "csv":
        text = frame.to_csv(index=False)
    else:
        text = frame.to_json(orient="records", date_format="iso", indent=None) or "[]"
        text = json.dumps(json.loads(text), ensure_ascii=False, indent=1) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")


def _kpis(
    store: StoreOption = "",
    config: ConfigOption = None,
    kpi: Annotated[
        list[str] | None,
        typer.Option("--kpi", "-k", help="KPI id (repeat or comma-separate); default: all."),
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Dimensions, e.g. channel,priority.")
    ] = None,
    period: Annotated[
        str | None, typer.Option("--period", "-p", help="day, week or month.")
    ] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    basis: Annotated[str, typer.Option("--basis", help="calendar, business or both.")] = "both",
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    out: OutOption = None,
) -> None:
    """Compute KPIs per period and dimension (count, mean, median, p90 for durations)."""
    from supportkpi.store import open_store

    fmt = out_format(fmt, out, FORMATS)
    check_format(fmt, FORMATS)
    check_out(out)
    wanted = split_values(kpi) or None
    dims = split_values([by] if by else None)
    lo, hi = parse_span(since, until)
    with open_store(store or default_store(), read_only=True) as opened:
        moment = resolve_as_of(opened, as_of)
        frame = compute(
            opened,
            kpis=wanted,
            by=dims,
            period=period,  # type: ignore[arg-type]
            since=lo,
            until=hi,
            config=load_policy(config),
            basis=basis,  # type: ignore[arg-type]
            as_of=moment.instant,
        )
    _show_kpis(frame, dims, fmt, out)
    moment.tell()


def _show_kpis(frame: pd.DataFrame, dims: list[str], fmt: str, out: Path | None) -> None:
    console = Console(highlight=False)
    if fmt != "table":
        _write(frame, fmt, out, console)
        return
    has_period = frame["period_start"].notna().any()
    headers = [*(["period"] if has_period else []), *dims, "KPI", "basis", "stat", "value", "n"]
    rows = []
    for row in frame.to_dict(orient="records"):
        cells: list[str] = []
        if has_period:
            start = row["period_start"]
            cells.append("" if pd.isna(start) else start.strftime("%Y-%m-%d"))
        cells.extend("" if pd.isna(row[d]) else str(row[d]) for d in dims)
        value = row["value"]
        shown = row["note"] or _display(row["kpi"], row["stat"], value)
        n = row["n"]
        cells.extend(
            [
                REGISTRY[row["kpi"]].name["en"],
                row["basis"],
                row["stat"],
                shown,
                "" if pd.isna(n) else str(int(n)),
            ]
        )
        rows.append(cells)
    width = FILE_WIDTH if out is not None else console.width
    table = result_table("KPIs", headers, rows, width=width, right=["value", "n"], whole=["period"])
    if out is not None:
        with out.open("w", encoding="utf-8") as handle:
            Console(file=handle, width=FILE_WIDTH).print(table)
    else:
        console.print(table)


def _tickets(
    store: StoreOption = "",
    config: ConfigOption = None,
    channel: Annotated[
        list[str] | None, typer.Option("--channel", help="Only these channels.")
    ] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="open or solved (at --as-of).")
    ] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    out: OutOption = None,
    limit: Annotated[
        int | None, typer.Option("--limit", "-n", help="At most N tickets, newest first.", min=1)
    ] = None,
) -> None:
    """Export the per-ticket metrics table (one row per ticket, every KPI column)."""
    from supportkpi.store import open_store

    fmt = out_format(fmt, out, FORMATS)
    check_format(fmt, FORMATS)
    check_out(out)
    if status not in (None, "open", "solved"):
        raise UserError(f"unknown status {status!r}", fix="use open or solved")
    channels = check_channels(split_values(channel))
    lo, hi = parse_span(since, until)
    with open_store(store or default_store(), read_only=True) as opened:
        moment = resolve_as_of(opened, as_of)
        frame = ticket_table(
            opened,
            config=load_policy(config),
            as_of=moment.instant,
            channels=channels,
            status=status,  # type: ignore[arg-type]
            since=lo,
            until=hi,
            limit=limit if limit is not None else (50 if fmt == "table" else None),
        )
    _show_tickets(frame, fmt, out)
    moment.tell()


def _show_tickets(frame: pd.DataFrame, fmt: str, out: Path | None) -> None:
    console = Console(highlight=False)
    if fmt != "table":
        _write(frame, fmt, out, console)
        return
    shown = [
        "ticket_id",
        "created_at",
        "channel",
        "priority",
        "status",
        "first_response_s",
        "full_resolution_s",
        "replies",
        "reopens",
        "fcr",
    ]
    rows = []
    for row in frame.to_dict(orient="records"):
        cells = []
        for column in shown:
            value = row[column]
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                cells.append("")
            elif column.endswith("_s"):
                cells.append(humanize_seconds(float(value)))
            elif column == "created_at":
                cells.append(pd.Timestamp(value).strftime("%Y-%m-%d %H:%M"))
            elif isinstance(value, bool):
                cells.append("yes" if value else "no")
            else:
                cells.append(str(value))
        rows.append(cells)
    headers = [c.removesuffix("_s") for c in shown]
    table = result_table(
        f"Tickets ({len(frame)} shown)",
        headers,
        rows,
        width=FILE_WIDTH if out is not None else console.width,
        right=["first_response", "full_resolution", "replies", "reopens"],
        whole=["ticket_id"],
    )
    if out is not None:
        with out.open("w", encoding="utf-8") as handle:
            Console(file=handle, width=FILE_WIDTH).print(table)
    else:
        console.print(table)


def register(app: typer.Typer) -> None:
    app.command("kpis")(_kpis)
    app.command("tickets")(_tickets)
