"""supportkpi: customer-support KPIs you can trust, and the signals behind them."""

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

__version__ = "0.1.0"

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
    "open",
]
