import pyarrow as pa

from supportkpi.model import TICKETS
from tests.backends import load_arrow, read_csv_table

CSV = """ticket_id,created_at,channel,customer_id,tags
T1,2026-03-02T09:00:00+01:00,email,C1,late;courier
T2,2026-03-02T09:30:00Z,chat,C2,
"""


def test_csv_fixture_is_parsed_in_the_model_schema() -> None:
    table = read_csv_table(TICKETS, CSV)
    assert table.num_rows == 2
    assert table.column("created_at")[0].as_py().isoformat() == "2026-03-02T08:00:00+00:00"
    assert table.column("tags").to_pylist() == [["late", "courier"], None]
    assert table.column("priority").type == pa.string()


def test_fixture_loads_on_each_backend(con) -> None:  # type: ignore[no-untyped-def]
    inputs = load_arrow(con, {"tickets": read_csv_table(TICKETS, CSV)})
    counts = inputs.tickets.group_by("channel").agg(n=inputs.tickets.count()).to_pandas()
    assert dict(zip(counts["channel"], counts["n"], strict=True)) == {"email": 1, "chat": 1}
    assert inputs.events.count().to_pyarrow().as_py() == 0


def test_nulls_stay_null_on_each_backend(con) -> None:  # type: ignore[no-untyped-def]
    inputs = load_arrow(con, {"tickets": read_csv_table(TICKETS, CSV)})
    t = inputs.tickets
    missing = t.filter(t.priority.isnull() & t.team.isnull()).count().to_pyarrow().as_py()
    assert missing == 2
