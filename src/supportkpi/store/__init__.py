"""The store: canonical tables on a backend (a DuckDB file by default) and their import."""

from supportkpi.store.results import (
    REASONS,
    ImportedFile,
    ImportSummary,
    RejectExample,
    StoreInfo,
    TableCounts,
)
from supportkpi.store.store import DEFAULT_STORE, Store, open_store

__all__ = [
    "DEFAULT_STORE",
    "REASONS",
    "ImportSummary",
    "ImportedFile",
    "RejectExample",
    "Store",
    "StoreInfo",
    "TableCounts",
    "open_store",
]
