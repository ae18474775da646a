from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.backends import connect


@pytest.fixture(params=["duckdb", pytest.param("pyspark", marks=pytest.mark.spark)])
def con(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """An Ibis connection on each installed backend: the KPI suite runs on all of them."""
    if request.param == "pyspark":
        pytest.importorskip("pyspark")
    return connect(request.param, tmp_path)
