from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import postgres_server
from tests.backends import connect

_databases = itertools.count()


@pytest.fixture(scope="session")
def postgres() -> Iterator[postgres_server.Server]:
    """A PostgreSQL server of the test session's own, on loopback (see postgres_server)."""
    pytest.importorskip("psycopg")
    try:
        server = postgres_server.start()
    except postgres_server.Unavailable as exc:
        if os.environ.get(postgres_server.REQUIRE):
            pytest.fail(f"{postgres_server.REQUIRE} is set but {exc}")
        pytest.skip(str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres: postgres_server.Server) -> str:
    """The URL of a new, empty database on the session's PostgreSQL server."""
    return postgres.create_database(f"test_{next(_databases)}")


@pytest.fixture(
    params=[
        "duckdb",
        pytest.param("pyspark", marks=pytest.mark.spark),
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
def con(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """An Ibis connection on each installed backend: the KPI suite runs on all of them."""
    if request.param == "pyspark":
        pytest.importorskip("pyspark")
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    connection = connect(request.param, tmp_path, url=url)
    yield connection
    if request.param != "pyspark":
        connection.disconnect()
