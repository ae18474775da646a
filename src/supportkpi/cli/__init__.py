"""The ``supportkpi`` command line.

Each module in this package that defines ``register(app)`` adds its commands; this module
owns the application and the one handler that turns a :class:`~supportkpi.errors.UserError`
into a single line on standard error and exit code 2, without a traceback. The database
engine running out of memory is not a bug of the command either: it is one line too, with
exit code 3.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys

import typer
from rich.console import Console
from rich.markup import escape

from supportkpi.errors import UserError

__all__ = ["EXIT_OUT_OF_MEMORY", "EXIT_USER_ERROR", "app", "main"]

EXIT_USER_ERROR = 2
EXIT_OUT_OF_MEMORY = 3

app = typer.Typer(
    name="supportkpi",
    help="Customer-support KPIs you can trust, and the signals behind them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)


def _register_commands() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if callable(register):
            register(app)


def _one_line_summaries(typer_app: typer.Typer) -> None:
    """A command list shows each command's first paragraph of help; in Rich markup mode
    Typer keeps that paragraph's line breaks, which then cut the list's lines in the middle
    of a sentence. Each command's summary is given as one line instead."""
    for command in typer_app.registered_commands:
        if command.short_help is None and command.help is None and command.callback is not None:
            first = (inspect.getdoc(command.callback) or "").split("\n\n")[0]
            command.short_help = " ".join(first.split())
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _one_line_summaries(group.typer_instance)


_register_commands()
_one_line_summaries(app)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; user errors become one line on stderr and exit code 2, the engine
    running out of memory one line and exit code 3."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        app(args=argv, prog_name="supportkpi")
    except UserError as exc:
        err.print(f"[bold red]error:[/] {escape(exc.one_line())}", markup=True)
        sys.exit(EXIT_USER_ERROR)
    except Exception as exc:
        if type(exc).__name__ != "OutOfMemoryException":
            raise
        # DuckDB's message runs over several lines of advice; its first line says it all.
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        err.print(
            f"[bold red]error:[/] the database engine ran out of memory: {escape(first)} "
            "(fix: free memory or use a machine with more; an import that stops here "
            "leaves the store as it was)",
            markup=True,
            highlight=False,
        )
        sys.exit(EXIT_OUT_OF_MEMORY)
