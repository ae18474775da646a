"""``supportkpi simulate``: write a synthetic support desk with injected scenarios."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from supportkpi.errors import UserError
from supportkpi.simulate import SCENARIOS, simulate

__all__ = ["register"]


def _simulate(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write Parquet and truth.json to.")],
    days: Annotated[int, typer.Option("--days", help="Days to simulate.")] = 90,
    start: Annotated[str, typer.Option("--start", help="First day (YYYY-MM-DD).")] = "2026-01-05",
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same files).")] = 0,
    scenario: Annotated[
        list[str] | None,
        typer.Option("--scenario", help=f"Inject a scenario (repeatable): {', '.join(SCENARIOS)}."),
    ] = None,
    tickets_per_day: Annotated[
        float, typer.Option("--tickets-per-day", help="Mean customer requests per day.")
    ] = 400.0,
    staffing: Annotated[
        float, typer.Option("--staffing", help="Multiplier on the agents' schedule.")
    ] = 1.0,
) -> None:
    """Simulate a support operation (tickets, events, contacts, agents) with ground truth."""
    try:
        first = dt.date.fromisoformat(start)
    except ValueError:
        raise UserError(
            f"bad start date {start!r}",
            fix="use YYYY-MM-DD, e.g. 2026-01-05",
        ) from None
    console = Console(highlight=False)
    bar = Progress(
        TextColumn("simulating"),
        BarColumn(),
        TextColumn("day {task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    with bar:
        task = bar.add_task("days", total=days)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = simulate(
            out_dir,
            days=days,
            start=first,
            seed=seed,
            scenarios=scenario or (),
            tickets_per_day=tickets_per_day,
            staffing=staffing,
            progress=progress,
        )
    table = Table(title=f"Simulated {days} days from {first}, seed {seed}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in (
        ("tickets", result.tickets),
        ("events", result.events),
        ("contacts", result.contacts),
    ):
        table.add_row(name, f"{rows:,}")
    console.print(table)
    console.print(f"Scenarios: {', '.join(result.scenarios) or 'none'}; truth: {result.truth}")


def register(app: typer.Typer) -> None:
    app.command("simulate")(_simulate)
