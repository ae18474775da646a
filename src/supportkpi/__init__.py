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

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "InputFileError",
    "InternalError",
    "StoreError",
    "StrictImportError",
    "SupportKPIError",
    "UnsupportedOperation",
    "UserError",
    "__version__",
]
