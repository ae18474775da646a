"""``supportkpi sla``: SLA compliance, the worst breaches and the targets at risk.

Reads :mod:`supportkpi.kpis.sla_report`. In table format durations are humanized; csv and
json keep raw seconds.
"""

from __future__ import annotations

import json
import math
from collections.abc import Hashable
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from supportkpi.cli.options import (
    AsOfOption,
    ConfigOption,
    SinceOption,
    StoreOption,
    UntilOption,
    default_store,
    humanize_seconds,
    load_policy,
    parse_span,
    resolve_as_of,
    split_values,
)
from supportkpi.cli.tables import label, result_table
from supportkpi.errors import UserError
from supportkpi.kpis.sla_report import (
    SUMMARY_GROUPS,
    sla_at_risk,
    sla_breaches,
    sla_summary,
)

__all__ = ["register"]

FORMATS = ("table", "csv", "json")
_DURATIONS = ("elapsed_s", "target_s", "remaining_s", "breached_by_s")


def _cell(column: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return "—" if column == "due_at" else ""
    if column in _DURATIONS:
        return humanize_seconds(float(value))
    if column == "compliance":
        return f"{float(value) * 100:.1f}%"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool):
        return "yes" if value else ""
    return str(value)


_HEADERS = {
    "elapsed_s": "elapsed",
    "target_s": "target_time",
    "remaining_s": "left",
    "breached_by_s": "late_by",
}
"""Headers of the humanized duration columns (csv and json keep the ``_s`` names)."""
_LABELLED = ("target", "outcome")
"""Columns holding codes, shown with spaces (``first_response`` -> ``first response``)."""


def _row(row: dict[Hashable, Any], columns: list[str]) -> list[str]:
    cells = [label(_cell(c, row[c])) if c in _LABELLED else _cell(c, row[c]) for c in columns]
    cycle = row.get("cycle")
    if "ticket_id" in columns and isinstance(cycle, int | float) and cycle > 1:
        # A reopened ticket's later cycle, as the report writes it: T-1 #2.
        cells[columns.index("ticket_id")] += f" #{int(cycle)}"
    return cells


def _table(frame: pd.DataFrame, title: str, columns: list[str], width: int) -> Table:
    numeric = {*_DURATIONS, "met", "breached", "running", "compliance"}
    rows = [_row(row, columns) for row in frame.to_dict(orient="records")]
    return result_table(
        title,
        [_HEADERS.get(c, c) for c in columns],
        rows,
        width=width,
        right=[_HEADERS.get(c, c) for c in columns if c in numeric],
        whole=["ticket_id"],
    )


def _text(frame: pd.DataFrame, fmt: str) -> str:
    if fmt == "csv":
        return frame.to_csv(index=False)
    text = frame.to_json(orient="records", date_format="iso") or "[]"
    return json.dumps(json.loads(text), ensure_ascii=False, indent=1) + "\n"


def _sla(
    store: StoreOption = "",
    config: ConfigOption = None,
    by: Annotated[
        str, typer.Option("--by", help=f"Group by: {', '.join(SUMMARY_GROUPS)} (comma-separate).")
    ] = "priority",
    since: SinceOption = None,
    until: UntilOption = None,
    at_risk: Annotated[
        bool, typer.Option("--at-risk", help="List running targets due within the horizon.")
    ] = False,
    breaches: Annotated[
        int,
        typer.Option(
            "--breaches", help="List the N worst breaches instead of the compliance table."
        ),
    ] = 0,
    as_of: AsOfOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
) -> None:
    """SLA compliance per group and target (met, breached, running); optionally the worst
    breaches or the targets at risk."""
    from supportkpi.store import open_store

    if fmt not in FORMATS:
        raise UserError(f"unknown format {fmt!r}", fix=f"use one of: {', '.join(FORMATS)}")
    groups = split_values([by]) if by else []
    for group in groups:
        if group not in SUMMARY_GROUPS:
            raise UserError(
                f"cannot group SLA outcomes by {group!r}",
                fix=f"use one of: {', '.join(SUMMARY_GROUPS)}",
            )
    if breaches < 0:
        raise UserError("--breaches must be zero or more", fix="write e.g. --breaches 20")
    if breaches and at_risk:
        raise UserError(
            "--breaches and --at-risk each replace the compliance table",
            fix="give one of them per run",
        )
    cfg = load_policy(config)
    lo, hi = parse_span(since, until)
    with open_store(store or default_store(), read_only=True) as opened:
        moment = resolve_as_of(opened, as_of)
        instant = moment.instant
        if at_risk:
            frame = sla_at_risk(opened, cfg, as_of=instant)
            title = "SLA targets at risk"
            columns = ["ticket_id", "target", "policy", "priority", "elapsed_s", "target_s",
                       "remaining_s", "due_at", "paused"]  # fmt: skip
        elif breaches:
            frame = sla_breaches(opened, cfg, limit=breaches, since=lo, until=hi, as_of=instant)
            title = f"Worst {breaches} SLA breaches"
            # the cycle after a reopen is shown with the ticket (T-1 #2); csv and json keep
            # it in a column of its own
            columns = ["ticket_id", "target", "policy", "priority", "breached_by_s",
                       "elapsed_s", "target_s", "outcome"]  # fmt: skip
        else:
            frame = sla_summary(opened, cfg, by=groups, since=lo, until=hi, as_of=instant)
            title = "SLA compliance"
            columns = [*groups, "target", "met", "breached", "running", "compliance"]
    if fmt != "table":
        typer.echo(_text(frame, fmt), nl=False)
    else:
        console = Console(highlight=False)
        console.print(_table(frame, title, columns, console.width))
    moment.tell()


def register(app: typer.Typer) -> None:
    app.command("sla")(_sla)
