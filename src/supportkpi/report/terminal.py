"""The terminal summary: headline KPIs per channel with grades and counter-metrics, and
(when the report asks for them) SLA compliance with the worst breaches, and the signals.

Drawn with Rich within 100 columns, and with every column kept on an 80-column terminal:
a row per KPI naming its counter-metric, then a row per channel with the median (or
value) and p90, each with its benchmark grade below it, and the counter-metric's value on
the same channel.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from supportkpi.kpis.registry import REGISTRY
from supportkpi.report.content import Figure, ReportContent
from supportkpi.report.formatting import Formatter, is_missing
from supportkpi.report.i18n import check_language, kpi_name, tr
from supportkpi.report.signals import signal_title

__all__ = ["WIDTH", "print_summary", "summary"]

WIDTH = 100
_GRADE_STYLES = {
    "excellent": "bold green",
    "good": "green",
    "satisfactory": "yellow",
    "below": "bold red",
}


def _table(title: str) -> Table:
    """A table as every table of the summary is drawn: title on the left, no outer box."""
    return Table(
        title=title,
        title_justify="left",
        title_style="bold",
        pad_edge=False,
        show_edge=False,
        header_style="bold",
    )


def _channel(lang: str, channel: str | None) -> str:
    if channel is None:
        return tr(lang, "channel.all")
    try:
        return tr(lang, f"channel.{channel}")
    except KeyError:
        return channel


def _figure(fmt: Formatter, lang: str, figure: Figure | None) -> str:
    if figure is None:
        return "—"
    if figure.note:
        return tr(lang, "note.unavailable")
    return fmt.figure(REGISTRY[figure.kpi].unit, figure.stat, figure.value)


def _graded(figure: str, grade: str | None, lang: str) -> Text:
    """A figure with its benchmark grade on the line below it (when graded)."""
    text = Text(figure)
    if grade is not None:
        text.append(f"\n{tr(lang, f'grade.{grade}')}", style=_GRADE_STYLES.get(grade, ""))
    return text


def _headline_table(content: ReportContent, lang: str, fmt: Formatter) -> Table:
    """One heading row per KPI (its name, and its counter-metric's name in that column),
    then a row per channel: the median (or value) and p90, each with its grade below it,
    and the counter-metric's value. Names wrap and figures never do, so that the table
    keeps every column on an 80-column terminal in both languages."""
    table = _table(tr(lang, "term.headline"))
    table.add_column(tr(lang, "col.kpi_channel"), min_width=14, max_width=24)
    table.add_column(tr(lang, "col.median_or_value"), justify="right", no_wrap=True)
    table.add_column(tr(lang, "col.p90"), justify="right", no_wrap=True)
    table.add_column(tr(lang, "col.counter_metric"), min_width=10, max_width=20, style="cyan")
    rows = [*content.headline, *(r for r in content.queues if REGISTRY[r.kpi].headline)]
    previous = None
    for row in rows:
        if row.kpi != previous:
            if previous is not None:
                table.add_section()
            counter = kpi_name(lang, row.counter.kpi) if row.counter is not None else ""
            table.add_row(Text(kpi_name(lang, row.kpi), style="bold"), "", "", counter)
        previous = row.kpi
        main = _figure(fmt, lang, row.main)
        p90 = _figure(fmt, lang, row.p90) if row.p90 is not None else "—"
        table.add_row(
            Text(f"  {_channel(lang, row.channel)}", style="bold" if row.channel is None else ""),
            _graded(main, row.grade_main, lang),
            _graded(p90, row.grade_p90, lang),
            Text(_figure(fmt, lang, row.counter), justify="right") if row.counter else "",
        )
    return table


def summary(content: ReportContent, lang: str = "en") -> RenderableType:
    """The summary as one Rich renderable (print it on any console)."""
    check_language(lang)
    fmt = Formatter(lang)
    head = Text()
    head.append(tr(lang, "term.title"), style="bold")
    since, until = content.filters.since, content.filters.until
    period = (
        f"  ·  {tr(lang, 'meta.period')}: {fmt.date(since) if since else '…'} – "
        f"{fmt.date(until) if until else '…'}"
        if since or until
        else ""
    )
    head.append(
        f"  {tr(lang, 'meta.data')}: {fmt.date(content.data_from)} – {fmt.date(content.data_to)}"
        f"{period}  ·  {tr(lang, 'meta.as_of')}: {fmt.datetime(content.as_of)} UTC",
        style="dim",
    )
    notes = [tr(lang, "term.counter_note"), tr(lang, "term.grades_note")]
    parts: list[RenderableType] = [head, Text(""), _headline_table(content, lang, fmt), Text("")]
    parts.extend(Text(note, style="dim") for note in notes)
    if "sla" in content.extras:
        view = content.extras["sla"]
        parts.extend([Text(""), _sla_table(view, lang, fmt)])
        if not view.unfiltered_by and not view.summary.empty:
            parts.extend([Text(""), _breaches_table(view, lang, fmt)])
    if "signals" in content.extras:
        parts.extend([Text(""), _signals_table(content.extras["signals"], lang, fmt)])
    return Group(*parts)


def _signals_table(found: list[Any], lang: str, fmt: Formatter) -> RenderableType:
    """One line per signal: when, what, about whom, how sure, how much evidence."""
    if not found:
        return Text(tr(lang, "signals.none"), style="dim")
    table = _table(tr(lang, "section.signals"))
    table.add_column(tr(lang, "col.detected"), no_wrap=True)
    table.add_column(tr(lang, "col.signal"), max_width=40)
    table.add_column(tr(lang, "col.subject"))
    table.add_column(tr(lang, "col.confidence"))
    table.add_column(tr(lang, "col.evidence"), justify="right")
    for sig in found:
        table.add_row(
            fmt.date(sig.detected_at),
            signal_title(sig, lang),
            Text(_channel(lang, sig.subject) if sig.subject_kind == "channel" else sig.subject),
            tr(lang, f"confidence.{sig.confidence}"),
            fmt.number(sig.evidence_count),
        )
    return table


def _priority(lang: str, value: Any) -> str:
    if is_missing(value):
        return "—"
    try:
        return tr(lang, f"priority.{value}")
    except KeyError:
        return str(value)


def _sla_table(view: Any, lang: str, fmt: Formatter) -> RenderableType:
    """SLA compliance per priority and target (the ``sla`` command's default view)."""
    if view.unfiltered_by:
        return Text(tr(lang, "sla.no_type_filter"), style="dim")
    if view.summary.empty:
        return Text(tr(lang, "sla.none"), style="dim")
    table = _table(tr(lang, "term.sla"))
    table.add_column(tr(lang, "col.priority"), no_wrap=True)
    table.add_column(tr(lang, "col.target"), no_wrap=True)
    table.add_column(tr(lang, "col.compliance"), justify="right", no_wrap=True)
    table.add_column(tr(lang, "col.met"), justify="right", no_wrap=True)
    table.add_column(tr(lang, "col.breached"), justify="right", no_wrap=True)
    table.add_column(tr(lang, "col.running"), justify="right", no_wrap=True, style="dim")
    previous: Any = None
    for index, row in enumerate(view.summary.to_dict(orient="records")):
        priority = None if is_missing(row["priority"]) else row["priority"]
        new_group = index == 0 or priority != previous
        if new_group and index:
            table.add_section()
        previous = priority
        breached = int(row["breached"])
        table.add_row(
            Text(_priority(lang, priority) if new_group else "", style="bold"),
            tr(lang, f"target.{row['target']}"),
            Text(fmt.percent(row["compliance"]), style="bold"),
            fmt.number(int(row["met"])),
            Text(fmt.number(breached), style="red" if breached else ""),
            fmt.number(int(row["running"])),
        )
    return table


def _breaches_table(view: Any, lang: str, fmt: Formatter) -> RenderableType:
    """The worst breaches, worst first (the same rows as the HTML report's): ticket (and
    its cycle after a reopen), target, priority, team, the target time and by how much it
    was missed, with "still open" on a line of its own when the clock still runs (so that
    the table fits 100 columns in both languages)."""
    if view.breaches.empty:
        return Text(tr(lang, "sla.no_breaches"), style="dim")
    table = _table(tr(lang, "term.sla_breaches"))
    # On a narrow terminal the target and team names wrap; the ticket and the figures never
    # do (nor are they cut short).
    table.add_column(tr(lang, "col.ticket"), no_wrap=True)
    table.add_column(tr(lang, "col.target"))
    table.add_column(tr(lang, "col.priority"), no_wrap=True)
    table.add_column(tr(lang, "col.team"), max_width=12, overflow="fold")
    table.add_column(tr(lang, "col.target_time"), justify="right", no_wrap=True, style="dim")
    table.add_column(tr(lang, "col.late_by"), justify="right", no_wrap=True)
    for row in view.breaches.to_dict(orient="records"):
        ticket = str(row["ticket_id"])
        cycle = row.get("cycle")
        if not is_missing(cycle) and int(cycle) > 1:
            ticket = f"{ticket} #{int(cycle)}"
        late = Text(fmt.duration(row["breached_by_s"]), style="bold red")
        if is_missing(row.get("stopped_at")):
            late.append(f"\n{tr(lang, 'sla.still_running')}", style="dim")
        table.add_row(  # ids and names are data: Text, never read as markup
            Text(ticket),
            tr(lang, f"target.{row['target']}"),
            _priority(lang, row.get("priority")),
            Text("—" if is_missing(row.get("team")) else str(row["team"])),
            fmt.duration(row.get("target_s")),
            late,
        )
    if (view.breaches["basis"] == "business").any():
        return Group(table, Text(tr(lang, "term.sla_basis_note"), style="dim"))
    return table


def print_summary(content: ReportContent, lang: str = "en", console: Console | None = None) -> None:
    """Print the summary, at most :data:`WIDTH` columns wide."""
    console = console or Console(width=WIDTH)
    if console.width > WIDTH:
        console.width = WIDTH
    console.print(summary(content, lang))
