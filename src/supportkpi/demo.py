"""The main job, end to end, on the embedded default store (``make demo``).

Runs the same commands a user would type, in-process, and prints what each one shows:
simulate 90 days of a support desk with every injected scenario, import it (a second run
finds it already imported), print the terminal summary and write the HTML report.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from pathlib import Path

from rich.console import Console

from supportkpi.cli import EXIT_USER_ERROR, app
from supportkpi.errors import UserError

START = date(2026, 1, 5)
DAYS = 90
SCENARIOS = ("defect", "outage", "gaming", "sloppy", "ratchet", "parking")


def steps(store: str, data: str, report: str, days: int = DAYS) -> list[tuple[str, list[str]]]:
    """The demo's commands, as (title, argv) pairs."""
    as_of = (START + timedelta(days=days)).isoformat() + "T00:00:00Z"
    scenarios = [arg for name in SCENARIOS for arg in ("--scenario", name)]
    return [
        (
            f"Simulate {days} days of a support desk",
            ["simulate", data, "--days", str(days), "--start", START.isoformat(), *scenarios],
        ),
        ("Import it", ["import", data, "--store", store]),
        ("What the store holds", ["info", "--store", store]),
        ("Summary", ["report", "--store", store, "--as-of", as_of]),
        ("HTML report", ["report", "--store", store, "--as-of", as_of, "--out", report]),
    ]


def run(store: str, data: str, report: str, console: Console, days: int = DAYS) -> None:
    for title, argv in steps(store, data, report, days):
        console.rule(f"[bold]{title}[/]  [dim]supportkpi {' '.join(argv)}[/]")
        app(args=argv, prog_name="supportkpi", standalone_mode=False)
    console.print(
        f"\nOpen the report: [bold]{Path(report).resolve().as_uri()}[/]"
        f"\nStart the dashboard: [bold].venv/bin/supportkpi serve --store {store}[/] and open "
        "http://127.0.0.1:8000"
        f"\nInjected scenarios and their ground truth: [bold]{Path(data) / 'truth.json'}[/]"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m supportkpi.demo")
    parser.add_argument("--store", default="supportkpi.duckdb")
    parser.add_argument("--data", default="demo-data", help="where the simulation is written")
    parser.add_argument("--report", default="report.html")
    parser.add_argument("--days", type=int, default=DAYS, help="days to simulate")
    args = parser.parse_args(argv)
    console = Console()
    try:
        run(args.store, args.data, args.report, console, args.days)
    except UserError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc.one_line()}")
        return EXIT_USER_ERROR
    return 0


if __name__ == "__main__":
    sys.exit(main())
