"""Phone and chat KPIs on hand-checked cases, on every backend (tests/fixtures/kpis/contacts_*).

Per-contact columns are checked row by row; the KPI figures are checked by aggregating the
declared definitions (count / rate / duration as ``definition.py`` states), so a wrong
column name or population in ``DEFINITIONS`` fails here too.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from supportkpi.kpis.contact_kpis import DEFINITIONS
from supportkpi.kpis.contacts import (
    CONTACT_COLUMNS,
    contact_metrics,
    contact_thresholds,
    contacts_per_ticket,
)
from supportkpi.kpis.definition import KPI
from supportkpi.kpis.inputs import Inputs
from supportkpi.model import TABLES
from tests.backends import empty_table, load_case, read_csv_table

CASES = Path(__file__).parent / "fixtures" / "kpis"
KPIS = {k.id: k for k in DEFINITIONS}


def plain(value: Any) -> Any:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value
    if hasattr(value, "item"):
        return value.item()
    return value


def rows(table: Any, key: str = "contact_id") -> dict[str, dict[str, Any]]:
    df = table.to_pandas()
    return {str(r[key]): {c: plain(r[c]) for c in df.columns} for r in df.to_dict(orient="records")}


def column(table: Any, name: str) -> dict[str, Any]:
    return {k: v[name] for k, v in rows(table).items()}


def figure(table: Any, kpi: KPI, where: Any = None) -> dict[str, Any]:
    """The KPI's figures over ``table`` (optionally filtered), per definition.py."""
    t = table if where is None else table.filter(where(table))
    col = t[kpi.column]
    if kpi.measure == "count":
        out = t.aggregate(value=t.count(where=col))
    elif kpi.measure == "rate":
        # Ibis' mean of a boolean skips nulls (PostgreSQL casts a boolean to no float type).
        out = t.aggregate(value=col.mean(), count=col.count())
    else:
        assert kpi.measure == "duration"
        out = t.aggregate(
            count=col.count(), mean=col.mean(), median=col.median(), p90=col.quantile(0.9)
        )
    record = out.to_pandas().to_dict(orient="records")[0]
    return {k: plain(v) for k, v in record.items()}


_views = 0


def _load_spark_from_arrow(con: Any, folder: Path) -> Inputs:
    """Load a case on PySpark straight from Arrow.

    ``load_case`` goes through ``con.create_table`` and pandas there, which with pandas 3
    turns null strings into the text ``"NaN"`` and null floats into NaN (not null) on
    Spark; Arrow input keeps nulls as nulls.
    """
    global _views
    _views += 1
    made = {}
    for name, table in TABLES.items():
        path = folder / f"{name}.csv"
        data = read_csv_table(table, path.read_bytes()) if path.exists() else empty_table(table)
        view = f"contacts_case{_views}_{name}"
        con._session.createDataFrame(data).createOrReplaceTempView(view)
        made[name] = con.table(view)
    return Inputs(**made)


def case(con: Any, name: str) -> Inputs:
    folder = CASES / f"contacts_{name}"
    if con.name == "pyspark":
        return _load_spark_from_arrow(con, folder)
    return load_case(con, folder)


def test_columns_are_the_documented_ones(con: Any) -> None:
    assert tuple(contact_metrics(case(con, "abandon")).columns) == CONTACT_COLUMNS


def test_abandonment_short_ivr_queue_callback_deflected(con: Any) -> None:
    m = contact_metrics(case(con, "abandon"))
    r = rows(m)
    assert column(m, "abandoned") == {
        "K01": False, "K02": True, "K03": True, "K04": True, "K05": True,
        "K06": False, "K07": False, "K08": True, "K09": False, "K10": True,
    }  # fmt: skip
    # K03 leaves at exactly 5 s (short: "within" includes the threshold); K10 at 5.5 s.
    assert column(m, "time_to_abandon_s") == {
        "K01": None, "K02": 4.0, "K03": 5.0, "K04": 40.0, "K05": 90.0,
        "K06": None, "K07": None, "K08": 12.5, "K09": None, "K10": 5.5,
    }  # fmt: skip
    assert column(m, "short_abandon") == {
        "K01": False, "K02": True, "K03": True, "K04": False, "K05": False,
        "K06": False, "K07": None, "K08": False, "K09": False, "K10": False,
    }  # fmt: skip
    assert column(m, "abandoned_where") == {
        "K01": None, "K02": "queue", "K03": "ivr", "K04": "ivr", "K05": "queue",
        "K06": None, "K07": None, "K08": "queue", "K09": None, "K10": "ivr",
    }  # fmt: skip
    # Short abandons drop out of the headline population; deflected K07 is in neither.
    assert column(m, "abandoned_headline") == {
        "K01": False, "K02": None, "K03": None, "K04": True, "K05": True,
        "K06": False, "K07": None, "K08": True, "K09": False, "K10": True,
    }  # fmt: skip
    assert r["K06"]["callback"] is True and r["K06"]["abandoned_incl_short"] is False
    assert r["K07"]["deflected"] is True and r["K07"]["sought_agent"] is False
    assert r["K07"]["offered"] is True

    f = {k: figure(m, KPIS[k]) for k in KPIS if KPIS[k].measure != "duration"}
    assert f["contacts_offered"] == {"value": 10}
    assert f["contacts_answered"] == {"value": 2}
    assert f["contacts_abandoned"] == {"value": 6}
    assert f["callbacks"] == {"value": 1}
    assert f["contacts_deflected"] == {"value": 1}
    # 9 contacts sought an agent (all but K07); 6 abandoned, 2 of them short.
    assert f["abandonment_rate_incl_short"] == {"value": pytest.approx(6 / 9), "count": 9}
    assert f["abandonment_rate"] == {"value": pytest.approx(4 / 7), "count": 7}
    assert f["short_abandon_rate"] == {"value": pytest.approx(2 / 9), "count": 9}
    assert f["abandoned_in_ivr_share"] == {"value": 0.5, "count": 6}
    assert f["abandoned_in_queue_share"] == {"value": 0.5, "count": 6}
    tta = figure(m, KPIS["time_to_abandon"])
    assert tta["count"] == 6 and tta["mean"] == pytest.approx(157 / 6)
    assert tta["median"] == pytest.approx(9.0)  # 4, 5, 5.5, 12.5, 40, 90


def test_short_abandon_threshold_is_a_knob(con: Any) -> None:
    m = contact_metrics(case(con, "abandon"), short_abandon=4.0)
    short = column(m, "short_abandon")
    assert [k for k, v in short.items() if v] == ["K02"]
    assert figure(m, KPIS["abandonment_rate"]) == {"value": pytest.approx(5 / 8), "count": 8}


def test_thresholds_come_from_config_unless_given() -> None:
    class Kpi:
        short_abandon = 3.0
        service_level = 30.0

    class Config:
        kpi = Kpi()

    assert contact_thresholds().short_abandon_s == 5.0
    assert contact_thresholds().service_level_s == 20.0
    th = contact_thresholds(Config(), service_level=15.0)
    assert (th.short_abandon_s, th.service_level_s) == (3.0, 15.0)


def test_wait_includes_ivr_and_service_level_boundary(con: Any) -> None:
    m = contact_metrics(case(con, "wait"))
    # W02 arrived 10:05:00+01:00 = 09:05:00Z: 10 s in the IVR, 11 s in the queue.
    assert column(m, "wait_s") == {
        "W01": 20.0, "W02": 21.0, "W03": 5.0, "W04": 100.0, "W05": 10.0,
        "W06": None, "W07": None, "W08": None, "W09": None, "W10": None,
    }  # fmt: skip
    assert column(m, "queue_wait_s") == {
        "W01": 12.0, "W02": 11.0, "W03": 3.0, "W04": 70.0, "W05": 5.0,
        "W06": None, "W07": None, "W08": None, "W09": None, "W10": None,
    }  # fmt: skip
    assert column(m, "ivr_s")["W02"] == 10.0
    # Service level counts from queue entry: W01 (12 s in the queue) and W02 (11 s) are
    # within although their waits with the IVR are 20 s and 21 s; W04 (70 s) is not.
    # W07 left after 45 s in the queue and counts against; W06 left after 10 s in the
    # queue, W08 in the IVR (and short), W09 took a callback, W10 was deflected: outside.
    assert column(m, "within_service_level") == {
        "W01": True, "W02": True, "W03": True, "W04": False, "W05": True,
        "W06": None, "W07": False, "W08": None, "W09": None, "W10": None,
    }  # fmt: skip
    assert figure(m, KPIS["service_level"]) == {"value": pytest.approx(4 / 6), "count": 6}
    # Waits 5, 10, 20, 21, 100: median 20; p90 at rank 3.6 = 21 + 0.6 * 79.
    assert figure(m, KPIS["wait_time"]) == {
        "count": 5,
        "mean": pytest.approx(31.2),
        "median": 20.0,
        "p90": pytest.approx(68.4),
    }
    # Queue waits 3, 5, 11, 12, 70: p90 = 12 + 0.6 * 58.
    assert figure(m, KPIS["queue_wait_time"]) == {
        "count": 5,
        "mean": pytest.approx(20.2),
        "median": 11.0,
        "p90": pytest.approx(46.8),
    }


def test_service_level_threshold_is_a_knob(con: Any) -> None:
    m = contact_metrics(case(con, "wait"), service_level=11.0)
    # At 11 s, W01 (12 s in the queue) falls out of the target and W02 (11 s) stays in;
    # W06 (10 s in the queue before leaving) stays outside; W07 (45 s) still counts against.
    assert figure(m, KPIS["service_level"]) == {"value": 0.5, "count": 6}


def test_handling_time_with_missing_components(con: Any) -> None:
    m = contact_metrics(case(con, "handle"))
    # H2 has no hold (counts 0), H3 has nothing (null), H4 is abandoned: its zeros are
    # not handling time. H7 is a callback an agent handled.
    assert column(m, "handle_s") == {
        "H1": 390.0, "H2": 240.0, "H3": None, "H4": None, "H5": 720.0,
        "H6": 420.0, "H7": 180.0, "H8": None, "H9": None,
    }  # fmt: skip
    assert column(m, "hold_s") == {
        "H1": 30.0, "H2": None, "H3": None, "H4": None, "H5": None,
        "H6": 0.0, "H7": None, "H8": None, "H9": None,
    }  # fmt: skip
    assert column(m, "team") == {
        "H1": "t1", "H2": "t2", "H3": None, "H4": None, "H5": "t1",
        "H6": "t2", "H7": "t1", "H8": None, "H9": None,
    }  # fmt: skip


def test_phone_and_chat_separately(con: Any) -> None:
    m = contact_metrics(case(con, "handle"))

    def phone(t: Any) -> Any:
        return t.channel == "phone"

    def chat(t: Any) -> Any:
        return t.channel == "chat"

    assert figure(m, KPIS["aht"], phone) == {
        "count": 3, "mean": 270.0, "median": 240.0, "p90": pytest.approx(360.0),
    }  # fmt: skip
    assert figure(m, KPIS["aht"], chat) == {
        "count": 2, "mean": 570.0, "median": 570.0, "p90": pytest.approx(690.0),
    }  # fmt: skip
    assert figure(m, KPIS["talk_time"], phone)["mean"] == pytest.approx(650 / 3)
    assert figure(m, KPIS["wrap_time"], chat)["mean"] == 70.0
    # Phone: H1, H2, H3, H4, H7 sought an agent, H4 abandoned after 30 s.
    assert figure(m, KPIS["abandonment_rate"], phone) == {"value": 0.2, "count": 5}
    # Chat: H8 left after 2 s (short), H9 after 60 s.
    assert figure(m, KPIS["abandonment_rate"], chat) == {
        "value": pytest.approx(1 / 3),
        "count": 3,
    }
    assert figure(m, KPIS["abandonment_rate_incl_short"], chat) == {"value": 0.5, "count": 4}
    assert figure(m, KPIS["wait_time"], chat) == {
        "count": 2, "mean": 25.0, "median": 25.0, "p90": pytest.approx(33.0),
    }  # fmt: skip


def test_contacts_per_ticket(con: Any) -> None:
    t = rows(contacts_per_ticket(case(con, "handle")), key="ticket_id")
    assert {k: (v["channel"], v["contacts"], v["answered_contacts"]) for k, v in t.items()} == {
        "T1": ("phone", 3, 2),
        "T2": ("chat", 1, 1),
        "T9": (None, 1, 1),
    }
    first = pd.Timestamp(t["T1"]["first_arrived_at"])
    first = first.tz_convert("UTC") if first.tzinfo else first.tz_localize("UTC")
    assert first == pd.Timestamp("2026-03-02T09:00:00Z")


def test_definitions_are_well_formed() -> None:
    ids = [k.id for k in DEFINITIONS]
    assert len(ids) == len(set(ids))
    for k in DEFINITIONS:
        assert k.source == "contacts" and k.time_column == "arrived_at"
        assert k.channels == ("phone", "chat")
        assert k.column in CONTACT_COLUMNS
    assert KPIS["aht"].counter_metric == "fcr_rate"
    assert KPIS["wait_time"].counter_metric == "abandonment_rate"
    assert KPIS["abandonment_rate"].counter_metric == "wait_time"
    assert {k.id for k in DEFINITIONS if k.headline} == {
        "contacts_offered",
        "abandonment_rate",
        "wait_time",
        "service_level",
        "aht",
    }
