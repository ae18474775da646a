from pathlib import Path

import pyarrow as pa

from supportkpi.model import TABLES, TICKETS
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
