"""Result tables for the terminal, readable at any width from 80 columns.

Squeezed into a narrow terminal, Rich cuts cells with an ellipsis (a ticket id became
``T-000…``) and, when the columns' minimum widths still do not fit, crops the last
columns off. Here the widths are chosen before Rich draws the table, so that nothing is
cut as long as the terminal holds each column's longest word: ids keep their whole width,
every other cell wraps between words (an instant between its date and its time), a column
is never narrower than its longest word (nor, where the terminal has room, than the
longest word of its header), and what room is left goes first to the columns it lets fit
on one line, then to long texts. Underscores in headers and codes read as spaces so that
they can wrap too. The csv and json formats keep the raw names and values.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from rich import box
from rich.table import Table
from rich.text import Text

__all__ = ["FILE_WIDTH", "column_widths", "label", "result_table"]

FILE_WIDTH = 200
"""Width of a table written to a file (``--out``): no terminal to fit."""

_MAX_WORD = 24
"""A word longer than this may be folded onto the next line of its cell."""
_GAP = 2
"""Characters between two columns: a space of right padding and the blank border."""


def label(name: str) -> str:
    """``first_response`` -> ``first response``: a code as a person reads it."""
    return name.replace("_", " ")


def _longest(texts: Sequence[str], split: bool) -> int:
    parts = [p for t in texts for p in (t.split() if split else t.splitlines())]
    return max((len(p) for p in parts), default=0)


def column_widths(
    headers: Sequence[str], rows: Sequence[Sequence[str]], whole: Collection[str], width: int
) -> list[int]:
    """The width of each column (without the gaps) for a table at most ``width`` wide.

    The table is as wide as its contents when they fit on one line each; otherwise each
    column gets its minimum (the longest word, or the longest value of a ``whole`` column;
    half its header's longest word, so that a header word folds onto two lines at most;
    the whole header word where the terminal has room for it), and the rest of the width
    goes to the columns that need least to fit on one line, then to the longest texts.
    """
    columns = [[row[i] for row in rows] for i in range(len(headers))]
    natural = [
        max(_longest(cells, split=False), len(header))
        for header, cells in zip(headers, columns, strict=True)
    ]
    room = width - _GAP * (len(headers) - 1)
    if sum(natural) <= room:
        return natural
    lows = [
        _longest(cells, split=False) if header in whole else min(_longest(cells, True), _MAX_WORD)
        for header, cells in zip(headers, columns, strict=True)
    ]
    header_words = [_longest([header], split=True) for header in headers]
    # A header word folds onto two lines at most.
    lows = [max(low, -(-word // 2), 1) for word, low in zip(header_words, lows, strict=True)]
    # Whole header words where they fit, the cheapest first.
    for index in sorted(range(len(headers)), key=lambda i: header_words[i] - lows[i]):
        wanted = max(lows[index], header_words[index])
        if sum(lows) - lows[index] + wanted <= room:
            lows[index] = wanted
    # The rest goes first to the columns that need least to fit on one line, each in full,
    # so that as few as possible wrap; what is left then to those that still wrap, the
    # longest first (a long text wraps onto fewer lines).
    widths = list(lows)
    for index in sorted(range(len(widths)), key=lambda i: natural[i] - widths[i]):
        if sum(widths) - widths[index] + natural[index] <= room:
            widths[index] = natural[index]
    for index in sorted(range(len(widths)), key=lambda i: widths[i] - natural[i]):
        widths[index] += max(0, min(room - sum(widths), natural[index] - widths[index]))
    return widths


def result_table(
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    width: int,
    right: Collection[str] = (),
    whole: Collection[str] = (),
) -> Table:
    """A table of ``rows`` (strings, in the order of ``headers``) at most ``width`` wide.

    ``right``: headers of columns aligned right (figures). ``whole``: headers of columns
    whose values are never wrapped (ids, instants): the column is as wide as its longest
    value (its header may wrap).
    """
    shown = [label(h) for h in headers]
    widths = column_widths(shown, rows, [label(h) for h in whole], width)
    table = Table(
        title=title,
        min_width=min(len(title), width),  # the title on one line where it fits
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        padding=(0, _GAP - 1, 0, 0),
        pad_edge=False,
        show_edge=False,
        header_style="bold",
    )
    for header, text, size in zip(headers, shown, widths, strict=True):
        table.add_column(
            text,
            justify="right" if header in right else "left",
            width=size,
            overflow="fold",
        )
    for row in rows:
        table.add_row(*(Text(c) if isinstance(c, str) else c for c in row))  # data, not markup
    return table
