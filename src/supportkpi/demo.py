"""The main job, end to end, on the embedded default store (``make demo``).

Runs the same commands a user would type, in-process, and prints what each one shows:
import the small example desk shipped in ``examples/small``, show what the store holds,
and print the headline KPIs per channel.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from supportkpi.cli import EXIT_USER_ERROR, app
from supportkpi.errors import UserError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "small"


def steps(store: str) -> list[tuple[str, list[str]]]:
    """The demo's commands, as (title, argv) pairs."""
    return [
        ("Import the example desk", ["import", str(EXAMPLES), "--store", store]),
        ("What the store holds", ["info", "--store", store]),
        ("KPIs per channel", ["kpis", "--store", store, "--by", "channel"]),
    ]


def run(store: str, console: Console) -> None:
    for title, argv in steps(store):
        console.rule(f"[bold]{title}[/]  [dim]supportkpi {' '.join(argv)}[/]")
        app(args=argv, prog_name="supportkpi", standalone_mode=False)
    console.print(
        "\nNext: [bold]supportkpi kpis --by channel --period week[/] for the weekly view, "
        "[bold]supportkpi tickets[/] for the per-ticket table, "
        "[bold]supportkpi --help[/] for everything else."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m supportkpi.demo")
    parser.add_argument("--store", default="supportkpi.duckdb")
    args = parser.parse_args(argv)
    console = Console()
    try:
        run(args.store, console)
    except UserError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc.one_line()}")
        return EXIT_USER_ERROR
    return 0


if __name__ == "__main__":
    sys.exit(main())
