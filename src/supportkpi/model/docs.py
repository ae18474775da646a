"""Renders ``docs/data-model.md`` from the model, so the doc cannot drift from the code.

Run ``python -m supportkpi.model.docs > docs/data-model.md`` after changing the model.
"""

from __future__ import annotations

from supportkpi.model.schema import TABLES, Column, Table

_INTRO = """\
# Data model

supportkpi reads four canonical tables. Each can be given as CSV (UTF-8, with a header),
Parquet or JSON Lines; one file per table, named after it (`tickets.csv`,
`events.parquet`, `contacts.jsonl`, `agents.csv`), or a folder holding such files.
Column names are matched without regard to case, spaces or dashes (`Ticket ID` is
`ticket_id`). Other columns are not imported; the import summary names each, with the
column that may have been meant (`cretaed_by`: did you mean `created_by`?).

* Timestamps are instants. ISO 8601 with an offset (`2026-03-02T09:15:00+01:00`, `...Z`) is
  read as given; a timestamp without an offset is read in the source time zone
  (`--tz`, default UTC). They are stored in UTC.
* Values with a list of allowed values are matched case-insensitively; spaces and dashes
  count as `_`. Synonyms (for example `e-mail`, `voice`, `call`, `telephone`, `livechat`)
  are mapped to the canonical value.
* A row that breaks a rule is not imported: it is kept in the store's `rejects` table with
  the file, line, column and reason, and counted in the import summary.

This page is generated from `src/supportkpi/model/schema.py`
(`python -m supportkpi.model.docs > docs/data-model.md`); a test fails when they differ.
"""


def _allowed(column: Column) -> str:
    if not column.allowed:
        return ""
    text = ", ".join(f"`{v}`" for v in column.allowed)
    if column.synonyms:
        syn = ", ".join(f"`{k}`→`{v}`" for k, v in sorted(column.synonyms.items()))
        text += f"; synonyms: {syn}"
    return text


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def render_table(table: Table) -> str:
    lines = [
        f"## `{table.name}`",
        "",
        table.meaning,
        "",
        f"Key: `{table.key}`.",
    ]
    if table.references:
        refs = ", ".join(f"`{c}` → `{r}`" for c, r in table.references.items())
        lines.append(f"References: {refs}.")
    lines += [
        "",
        "| Column | Type | Required | Allowed values | Meaning | Example |",
        "|---|---|---|---|---|---|",
    ]
    for c in table.columns:
        example = f"`{c.example}`" if c.example else ""
        lines.append(
            f"| `{c.name}` | {c.kind.value} | {'yes' if c.required else 'no'} | "
            f"{_escape(_allowed(c))} | {_escape(c.meaning)} | {_escape(example)} |"
        )
    return "\n".join(lines) + "\n"


def render() -> str:
    return _INTRO + "\n" + "\n".join(render_table(t) for t in TABLES.values())


if __name__ == "__main__":
    print(render(), end="")
