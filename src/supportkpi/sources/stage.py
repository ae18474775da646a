"""The one SELECT that reads a file, types every column and finds each row's first problem.

Everything happens inside DuckDB, in a single pass: values are trimmed, synonyms mapped,
timestamps read in the source time zone (the session's ``TimeZone``, set by the importer),
defaults filled in, and each row gets ``_e``, a struct naming the first problem found
(column, kind of problem, message, offending value) or NULL when the row is good.
Problems that need other rows (duplicates, unknown tickets) are found later, by the store.

Only names from the data model are written into the SQL as text; a file's own column
names are quoted as identifiers and its path is a bound parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from supportkpi.model.schema import TABLES, Column, Kind, Table
from supportkpi.sources.parquet_facts import ParquetFacts
from supportkpi.sources.readers import ProbedFile, scan_sql

__all__ = ["ENUM_KIND", "canonical_sql_type", "ident", "literal", "stage_select"]

ENUM_KIND = "unknown_value"
"""Problem kind whose message gets a "did you mean" suggestion afterwards (in Python)."""

_SQL_TYPES: dict[Kind, str] = {
    Kind.STRING: "VARCHAR",
    Kind.TIMESTAMP: "TIMESTAMPTZ",
    Kind.FLOAT: "DOUBLE",
    Kind.INT: "BIGINT",
    Kind.BOOL: "BOOLEAN",
    Kind.STRING_LIST: "VARCHAR[]",
}

_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")
_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "UTINYINT",
            "USMALLINT", "UINTEGER", "UBIGINT")  # fmt: skip

DEFAULTS: dict[tuple[str, str], str] = {
    ("tickets", "created_by"): "'customer'",
    ("tickets", "priority"): "'normal'",
    ("agents", "tier"): "1",
    ("agents", "role"): "'agent'",
}
"""Defaults of optional columns, as documented in the data model."""

SECONDS_COLUMNS = ("talk_seconds", "hold_seconds", "wrap_seconds", "work_seconds")

# (column that is earlier than arrived_at, verb in the message)
_BEFORE_ARRIVAL = (
    ("queued_at", "queued"),
    ("answered_at", "answered"),
    ("abandoned_at", "abandoned"),
    ("ended_at", "ended"),
)


def canonical_sql_type(kind: Kind) -> str:
    return _SQL_TYPES[kind]


def ident(name: str) -> str:
    """Quote an identifier (column names can come from a file header)."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A SQL string literal. Used for names and messages from the data model."""
    return "'" + text.replace("'", "''") + "'"


def _quoted(value: str) -> str:
    """SQL that renders a value the way messages show it: in single quotes."""
    return f"'''' || {value} || ''''"


@dataclass
class _Check:
    condition: str
    column: str
    kind: str
    message: str  # SQL expression
    bad: str = "NULL"  # SQL expression


@dataclass
class _Plan:
    typed: dict[str, str] = field(default_factory=dict)  # inner: canonical -> typed SQL
    text: dict[str, str] = field(default_factory=dict)  # inner: "_t_<c>" -> text SQL
    checks: list[_Check] = field(default_factory=list)


def _text(source: str, type_: str) -> str:
    """The value as text: spaces trimmed, empty text as NULL.

    Most values have no surrounding space, and testing for one is far cheaper than
    ``trim`` (which builds a new string for every value), so only those are trimmed.
    """
    if type_ == "VARCHAR":
        return (
            f"CASE WHEN {source} LIKE ' %' OR {source} LIKE '% ' "
            f"THEN NULLIF(trim({source}), '') ELSE NULLIF({source}, '') END"
        )
    return f"NULLIF(trim(CAST({source} AS VARCHAR)), '')"


def _enum_sql(text: str, column: Column) -> str:
    assert column.allowed is not None
    allowed = ", ".join(literal(v) for v in column.allowed)
    mapping = {v: v for v in column.allowed}
    mapping.update(column.synonyms or {})
    whens = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in sorted(mapping.items()))
    folded = f"regexp_replace(lower({text}), '[\\s\\-]+', '_', 'g')"
    return f"CASE WHEN {text} IN ({allowed}) THEN {text} ELSE (CASE {folded} {whens} END) END"


def _plan_column(
    plan: _Plan,
    table: Table,
    column: Column,
    found: tuple[str, str] | None,
    facts: ParquetFacts,
) -> None:
    name = column.name
    tname = f"_t_{name}"
    if found is None:
        plan.typed[name] = f"CAST(NULL AS {_SQL_TYPES[column.kind]})"
        if column.required:  # cannot happen after probe(), kept for safety
            plan.checks.append(
                _Check("TRUE", name, "missing", literal(f"missing required value for {name}"))
            )
        return
    source = ident(found[0])
    type_ = found[1].upper()
    kind = column.kind
    text_needed = True
    typed: str
    if kind == Kind.STRING and name in facts.clean:
        # Every value is canonical already (see parquet_facts): nothing to trim or map.
        text = source
        typed = source
        text_needed = False
    elif kind == Kind.STRING:
        text = _text(source, type_)
        typed = _enum_sql(tname, column) if column.allowed else tname
    elif kind == Kind.TIMESTAMP:
        if type_.startswith("TIMESTAMP") or type_ == "DATE":
            text = source
            typed = f"CAST({source} AS TIMESTAMPTZ)"
            text_needed = False
        else:
            text = _text(source, type_)
            typed = f"TRY_CAST({tname} AS TIMESTAMPTZ)"
    elif kind in (Kind.FLOAT, Kind.INT):
        target = _SQL_TYPES[kind]
        if type_ in _NUMERIC or type_.startswith("DECIMAL"):
            text = source
            typed = f"CAST({source} AS {target})"
            text_needed = False
        else:
            text = _text(source, type_)
            if kind == Kind.INT:
                typed = (
                    f"CASE WHEN regexp_full_match({tname}, '[+-]?[0-9]+') "
                    f"THEN TRY_CAST({tname} AS BIGINT) END"
                )
            else:
                typed = f"TRY_CAST({tname} AS DOUBLE)"
    elif kind == Kind.BOOL:
        if type_ == "BOOLEAN":
            text = source
            typed = source
            text_needed = False
        else:
            text = _text(source, type_)
            yes = ", ".join(literal(v) for v in _TRUE)
            no = ", ".join(literal(v) for v in _FALSE)
            typed = (
                f"CASE WHEN lower({tname}) IN ({yes}) THEN TRUE "
                f"WHEN lower({tname}) IN ({no}) THEN FALSE END"
            )
    else:  # STRING_LIST
        text_needed = False
        if type_.endswith("[]"):
            text = source
            typed = (
                f"list_filter(list_transform(CAST({source} AS VARCHAR[]), lambda x: trim(x)), "
                "lambda x: x IS NOT NULL AND x <> '')"
            )
        else:
            if type_ == "JSON":
                text = f"CAST({source} AS VARCHAR)"
                parts = (
                    f"CASE WHEN json_type({source}) = 'ARRAY' "
                    f"THEN CAST(from_json({source}, '[\"VARCHAR\"]') AS VARCHAR[]) "
                    f"ELSE regexp_split_to_array(json_extract_string({source}, '$'), '[;|]') END"
                )
            else:
                text = _text(source, type_)
                parts = f"regexp_split_to_array({_text(source, type_)}, '[;|]')"
            typed = (
                f"list_filter(list_transform({parts}, lambda x: trim(x)), "
                "lambda x: x IS NOT NULL AND x <> '')"
            )
    plan.text[tname] = text
    plan.typed[name] = typed
    # The value is the file's own and the file has no missing one: nothing can be missing.
    never_missing = text == source and name in facts.no_nulls
    if column.required and not never_missing:
        plan.checks.append(
            _Check(
                f"{tname} IS NULL", name, "missing", literal(f"missing required value for {name}")
            )
        )
    if not text_needed:
        return
    bad = f"CAST({tname} AS VARCHAR)"
    unparsed = f"{tname} IS NOT NULL AND {ident(name)} IS NULL"
    if kind == Kind.STRING and column.allowed:
        label = name.replace("_", " ")
        plan.checks.append(
            _Check(unparsed, name, ENUM_KIND, f"'unknown {label} ' || {_quoted(bad)}", bad)
        )
    elif kind == Kind.TIMESTAMP:
        plan.checks.append(
            _Check(
                unparsed,
                name,
                "bad_timestamp",
                f"'unparsable timestamp ' || {_quoted(bad)} || "
                "' (use ISO 8601, e.g. 2026-03-02T09:15:00+01:00)'",
                bad,
            )
        )
    elif kind == Kind.FLOAT:
        plan.checks.append(
            _Check(unparsed, name, "bad_number", f"'bad number ' || {_quoted(bad)}", bad)
        )
    elif kind == Kind.INT:
        plan.checks.append(
            _Check(unparsed, name, "bad_number", f"'bad integer ' || {_quoted(bad)}", bad)
        )
    elif kind == Kind.BOOL:
        plan.checks.append(
            _Check(
                unparsed,
                name,
                "bad_boolean",
                f"'bad boolean ' || {_quoted(bad)} || ' (use true/false, yes/no or 1/0)'",
                bad,
            )
        )


def _table_checks(table: Table, plan: _Plan) -> list[_Check]:
    checks: list[_Check] = []
    for name in SECONDS_COLUMNS:
        if name in table.names:
            col = ident(name)
            tname = f"_t_{name}"
            shown = ident(tname) if tname in plan.text else f"CAST({col} AS VARCHAR)"
            checks.append(
                _Check(
                    f"{col} < 0",
                    name,
                    "negative_seconds",
                    f"'negative seconds in {name}: ' || {shown}",
                    shown,
                )
            )
    if table.name == "contacts":
        for name, verb in _BEFORE_ARRIVAL:
            checks.append(
                _Check(
                    f"{ident(name)} < arrived_at",
                    name,
                    "before_arrival",
                    literal(f"contact {verb} before it arrived ({name} < arrived_at)"),
                )
            )
        for outcome, stamp in (("answered", "answered_at"), ("abandoned", "abandoned_at")):
            checks.append(
                _Check(
                    f"outcome = {literal(outcome)} AND {stamp} IS NULL",
                    "outcome",
                    "outcome_mismatch",
                    literal(f"outcome '{outcome}' without {stamp}"),
                )
            )
    return checks


def _final_expr(table: Table, column: Column) -> str:
    name = column.name
    col = ident(name)
    default = DEFAULTS.get((table.name, name))
    if default is not None:
        return f"coalesce({col}, {default})"
    if table.name == "events" and name == "public":
        return (
            "CASE kind WHEN 'note' THEN FALSE WHEN 'message' THEN coalesce(public, TRUE) "
            "ELSE public END"
        )
    if table.name == "events" and name == "event_id":
        return f"coalesce(event_id, {derived_event_id()})"
    return col


def derived_event_id() -> str:
    """SQL for the content-derived id of an event without one.

    md5 over every field (NULL written as an unprintable marker so that fields cannot
    shift into each other); the same event imported again gets the same id. Identical
    events get an occurrence suffix later, in the store.
    """
    fields = []
    for column in TABLES["events"].columns:
        if column.name == "event_id":
            continue
        col = ident(column.name)
        if column.kind == Kind.TIMESTAMP:
            value = f"CAST(epoch_us({col}) AS VARCHAR)"
        elif column.name == "public":
            value = (
                "CAST(CASE kind WHEN 'note' THEN FALSE WHEN 'message' THEN "
                "coalesce(public, TRUE) ELSE public END AS VARCHAR)"
            )
        else:
            value = f"CAST({col} AS VARCHAR)"
        fields.append(f"coalesce({value}, chr(1))")
    return f"'ev-' || left(md5(concat_ws(chr(31), {', '.join(fields)})), 20)"


def stage_select(probed: ProbedFile, file_index: int) -> str:
    """SELECT producing the staged rows of one file; bind the file's path to ``?``."""
    table = TABLES[probed.source.table]
    plan = _Plan()
    for column in table.columns:
        _plan_column(plan, table, column, probed.columns.get(column.name), probed.facts)
    checks = plan.checks + _table_checks(table, plan)
    inner = ", ".join(
        [f"{expr} AS {ident(name)}" for name, expr in plan.text.items()]
        + [f"{expr} AS {ident(name)}" for name, expr in plan.typed.items()]
    )
    middle = ", ".join([ident(n) for n in plan.typed] + [ident(n) for n in plan.text])
    whens = " ".join(
        f"WHEN {c.condition} THEN struct_pack(col := {literal(c.column)}, kind := "
        f"{literal(c.kind)}, msg := {c.message}, bad := CAST({c.bad} AS VARCHAR))"
        for c in checks
    )
    error = f"CASE {whens} END" if checks else "NULL"
    raw_fields = ", ".join(
        f"{literal(name)}: {ident('_t_' + name) if '_t_' + name in plan.text else ident(name)}"
        for name in table.names
        if name in probed.columns
    )
    finals = [f"{_final_expr(table, c)} AS {ident(c.name)}" for c in table.columns]
    extra = ", event_id IS NULL AS _derived" if table.name == "events" else ""
    return (
        f"SELECT {', '.join(finals)}, CAST({file_index} AS INTEGER) AS _file, _e, "  # noqa: S608
        f"CASE WHEN _e IS NOT NULL THEN CAST(to_json({{{raw_fields}}}) AS VARCHAR) END AS _raw"
        f"{extra} FROM (SELECT {middle}, {error} AS _e FROM "
        f"(SELECT {inner} FROM {scan_sql(probed)}))"
    )
