"""supportkpi: customer-support KPIs you can trust, and the signals behind them.

``supportkpi.open(path)`` opens a store; ``supportkpi.compute(store, ...)`` gives the KPIs
as a tidy dataframe, ``ticket_table`` one row per ticket, ``detect`` the signals and
``signals_frame`` them as a dataframe. The engine is imported on first use, so that
``import supportkpi`` stays quick.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from supportkpi.errors import (
    ConfigError,
    InputFileError,
    InternalError,
    StoreError,
    StrictImportError,
    SupportKPIError,
    UnsupportedOperation,
    UserError,
)
from supportkpi.store import ImportSummary, Store, StoreInfo, TableCounts
from supportkpi.store import open_store as open

if TYPE_CHECKING:
    from supportkpi.kpis.compute import compute, ticket_table
    from supportkpi.signals import detect, signals_frame

__version__ = "0.1.0"

_LAZY = {
    "compute": "supportkpi.kpis.compute",
    "ticket_table": "supportkpi.kpis.compute",
    "detect": "supportkpi.signals",
    "signals_frame": "supportkpi.signals",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'supportkpi' has no attribute {name!r}")


__all__ = [
    "ConfigError",
    "ImportSummary",
    "InputFileError",
    "InternalError",
    "Store",
    "StoreError",
    "StoreInfo",
    "StrictImportError",
    "SupportKPIError",
    "TableCounts",
    "UnsupportedOperation",
    "UserError",
    "__version__",
    "compute",
    "detect",
    "open",
    "signals_frame",
    "ticket_table",
]
