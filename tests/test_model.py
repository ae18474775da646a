from pathlib import Path

import pyarrow as pa
import pytest

from supportkpi.model import TABLES, TICKETS, column_hint, column_key
from supportkpi.model.docs import render

ROOT = Path(__file__).resolve().parents[1]


def test_data_model_doc_is_generated_from_the_model() -> None:
    doc = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    assert doc == render(), "run: python -m supportkpi.model.docs > docs/data-model.md"


def test_every_column_is_documented_with_meaning_and_type() -> None:
    doc = render()
    for table in TABLES.values():
        for column in table:
            assert column.meaning, f"{table.name}.{column.name} has no meaning"
            assert f"| `{column.name}` | {column.kind.value} |" in doc


def test_arrow_schema_marks_required_columns_not_null() -> None:
    schema = TICKETS.arrow_schema()
    assert schema.field("ticket_id").nullable is False
    assert schema.field("type").nullable is True
    assert schema.field("created_at").type == pa.timestamp("us", tz="UTC")
    assert schema.field("tags").type == pa.list_(pa.string())


@pytest.mark.parametrize(
    ("table", "column", "hint"),
    [
        ("tickets", "cretaed_at", "did you mean created_at?"),
        ("tickets", "Customer ID", "a second column named customer_id"),
        ("tickets", "ticket_id_1", "a second column named ticket_id"),
        ("tickets", "status", "a column of the events table, not of tickets"),
        ("tickets", "assignee_id", "a column of the events table, not of tickets"),
        ("agents", "outcome", "a column of the contacts table, not of agents"),
        ("events", "customer_id", "a column of the tickets and contacts tables, not of events"),
        ("contacts", "sentiment", "not a contacts column"),
    ],
)
def test_column_hint_names_what_was_meant(table: str, column: str, hint: str) -> None:
    assert column_hint(table, column) == hint


def test_column_key_ignores_case_spaces_and_dashes() -> None:
    assert {column_key(n) for n in ("Ticket ID", "ticket-id", " TICKET_ID ", "Ticket  Id")} == {
        "ticket_id"
    }
