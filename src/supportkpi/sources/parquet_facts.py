"""What a Parquet file's footer and dictionaries prove about its columns, before reading.

Checking and cleaning text costs a few operations per value: surrounding spaces trimmed,
empty text read as missing, vocabulary synonyms mapped. A Parquet file often makes that
work unnecessary, and says so cheaply:

* the footer counts each column's missing values per row group, so a column with none
  needs no "missing required value" test;
* a text column with few distinct values is stored as a small dictionary plus indexes
  into it. Reading only that column with its dictionary kept costs a fraction of reading
  the values, and when every dictionary entry is already canonical text (not empty, no
  surrounding spaces, and for a vocabulary column a canonical value), every row is too:
  the column is used as it is, without trimming or mapping a single value.

These facts only ever remove work whose outcome they prove; anything they cannot prove
(statistics missing, a large dictionary, one entry that is a synonym) leaves the column
to the per-value path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from supportkpi.model.schema import Kind, Table

__all__ = ["ParquetFacts", "parquet_facts"]

_SMALL_DICTIONARY_BYTES = 64 * 1024
"""A dictionary page larger than this (in any row group) is not read: such a column has
many distinct values (ids), and writers switch to plain values once a dictionary grows,
so reading it with its dictionary kept would mean building one."""

_MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class ParquetFacts:
    """``no_nulls``: canonical columns without a missing value in any row group.
    ``clean``: canonical text columns whose every value needs no trimming or mapping."""

    no_nulls: frozenset[str] = frozenset()
    clean: frozenset[str] = frozenset()


def _no_nulls(metadata: pq.FileMetaData, index: int) -> bool:
    for group in range(metadata.num_row_groups):
        chunk = metadata.row_group(group).column(index)
        stats = chunk.statistics
        if not chunk.is_stats_set or stats is None or not stats.has_null_count:
            return False
        if stats.null_count != 0:
            return False
    return True


def _small_dictionaries(metadata: pq.FileMetaData, index: int) -> bool:
    for group in range(metadata.num_row_groups):
        chunk = metadata.row_group(group).column(index)
        start = chunk.dictionary_page_offset
        if not chunk.has_dictionary_page or start is None:
            return False
        if chunk.data_page_offset - start > _SMALL_DICTIONARY_BYTES:
            return False
    return True


def _is_clean(value: str, allowed: tuple[str, ...] | None) -> bool:
    if allowed is not None:
        return value in allowed
    return value != "" and value[0] != " " and value[-1] != " "


def _dictionary_entries(path: Path, names: list[str]) -> dict[str, set[str]]:
    """Every dictionary entry of each column read, a row group at a time (so only one row
    group's indexes are in memory); a column that turns out not to be stored as a
    dictionary, or has too many entries, is left out."""
    reader = pq.ParquetFile(path, read_dictionary=names)
    found: dict[str, set[str]] = {name: set() for name in names}
    for group in range(reader.metadata.num_row_groups):
        table = reader.read_row_group(group, columns=list(found))
        for name, column in zip(list(found), table.columns, strict=True):
            entries = found[name]
            for chunk in column.chunks:
                if not isinstance(chunk, pa.DictionaryArray) or not pa.types.is_string(
                    chunk.dictionary.type
                ):
                    del found[name]
                    break
                entries.update(v for v in chunk.dictionary.to_pylist() if v is not None)
                if len(entries) > _MAX_ENTRIES:
                    del found[name]
                    break
        if not found:
            break
    return found


def parquet_facts(path: Path, table: Table, columns: dict[str, tuple[str, str]]) -> ParquetFacts:
    """Facts about the canonical ``columns`` (canonical -> (file name, DuckDB type))."""
    try:
        metadata = pq.ParquetFile(path).metadata
    except (OSError, pa.ArrowException):
        return ParquetFacts()
    schema = metadata.schema
    leaf = {schema.column(i).path: i for i in range(len(schema))}
    no_nulls: set[str] = set()
    candidates: dict[str, str] = {}  # file column name -> canonical
    for canonical, (name, type_) in columns.items():
        index = leaf.get(name)
        if index is None:  # nested or otherwise not a plain leaf column
            continue
        if _no_nulls(metadata, index):
            no_nulls.add(canonical)
        text = table[canonical].kind == Kind.STRING and type_.upper() == "VARCHAR"
        if text and _small_dictionaries(metadata, index):
            candidates[name] = canonical
    clean: set[str] = set()
    if candidates:
        try:
            entries = _dictionary_entries(path, list(candidates))
        except (OSError, pa.ArrowException, UnicodeDecodeError):
            entries = {}
        for name, values in entries.items():
            canonical = candidates[name]
            if all(_is_clean(v, table[canonical].allowed) for v in values):
                clean.add(canonical)
    return ParquetFacts(no_nulls=frozenset(no_nulls), clean=frozenset(clean))
