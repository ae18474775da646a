"""Input files -> canonical rows: find files, read them with DuckDB, type and check rows."""

from supportkpi.sources.discover import FORMATS, SourceFile, discover, table_for
from supportkpi.sources.readers import ProbedFile, probe

__all__ = ["FORMATS", "ProbedFile", "SourceFile", "discover", "probe", "table_for"]
