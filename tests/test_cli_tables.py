"""Result tables of the CLI on a narrow terminal: nothing cut, nothing cropped."""

from __future__ import annotations

from rich.console import Console

from supportkpi.cli.tables import column_widths, label, result_table

HEADERS = ["ticket_id", "target", "policy", "priority", "elapsed", "target_time", "left",
           "due_at", "paused"]  # fmt: skip
ROWS = [
    ["T-000033974", "next reply", "standard", "urgent", "1d 2h", "1d 4h", "2h",
     "2026-04-05 00:00", ""],
    ["T-000034505", "first response", "vip", "normal", "3h 59m", "4h", "1m",
     "2026-04-05 10:30", "yes"],
]  # fmt: skip


def _render(width: int, headers: list[str] = HEADERS, rows: list[list[str]] = ROWS) -> str:
    console = Console(width=width, record=True, color_system=None)
    figures = ["elapsed", "target_time", "left"]
    table = result_table("At risk", headers, rows, width=width, right=figures, whole=["ticket_id"])
    console.print(table)
    return console.export_text()


def test_a_table_that_fits_keeps_each_row_on_one_line() -> None:
    text = _render(160)
    lines = text.splitlines()
    assert len(lines) == 3 + len(ROWS)  # title, header, rule, one line per row
    for row in ROWS:
        line = next(line for line in lines if row[0] in line)
        assert all(cell in line for cell in row)
    assert [label(h) in lines[1] for h in HEADERS] == [True] * len(HEADERS)


def test_a_narrow_terminal_wraps_words_and_cuts_nothing() -> None:
    text = _render(80)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in text
    words = text.split()
    for row in ROWS:
        assert row[0] in words  # an id is never wrapped or cut
        assert all(word in words for cell in row for word in cell.split())
    # the last column is not cropped off: its header and its value are there
    assert "yes" in words and any("pau" in w for w in words)


def test_column_widths_fit_and_respect_each_minimum() -> None:
    shown = [label(h) for h in HEADERS]
    for width in (80, 90, 100):
        widths = column_widths(shown, ROWS, ["ticket id"], width)
        assert sum(widths) + 2 * (len(widths) - 1) <= width
        assert widths[0] == len("T-000033974")
        for index, header in enumerate(shown):
            longest_word = max(len(w) for row in ROWS for w in row[index].split() or [""])
            assert widths[index] >= longest_word
            # a header word folds onto two lines at most
            assert 2 * widths[index] >= max(len(w) for w in header.split())
    natural = column_widths(shown, ROWS, ["ticket id"], 200)
    assert natural == [max(len(h), *(len(r[i]) for r in ROWS)) for i, h in enumerate(shown)]


def test_what_room_is_left_goes_to_a_long_text() -> None:
    week = "; ".join(f"{d} 09:00-17:00" for d in ("mon", "tue", "wed", "thu", "fri"))
    headers, rows = ["name", "time_zone", "week", "holidays"], [["default", "UTC", week, ""]]
    widths = column_widths([label(h) for h in headers], rows, [], 80)
    assert sum(widths) + 2 * 3 == 80  # every character of the terminal used
    console = Console(width=80, record=True, color_system=None)
    console.print(result_table("Schedules of the desk", headers, rows, width=80))
    lines = console.export_text().splitlines()
    assert lines[0].rstrip() == "Schedules of the desk"
    assert len(lines) == 3 + 2  # the week on two lines, not one word per line


def test_a_narrow_table_keeps_its_title_on_one_line() -> None:
    console = Console(width=80, record=True, color_system=None)
    title = "Benchmarks (a value at a limit meets it)"
    console.print(result_table(title, ["channel", "good"], [["email", "4h"]], width=80))
    assert console.export_text().splitlines()[0].rstrip() == title
