"""The Arrow tables of one simulated day, built from numpy columns, and how they are written.

The simulation works on integer codes; strings appear only here. Ids are laid out as bytes
in a numpy matrix (every id of a kind has the same length) instead of being formatted by
string kernels, vocabulary columns are one ``take`` from a small string array, and
timestamps are integer microseconds. The table builders are pure functions of their
arguments, so they can run on the writer thread while the next day is simulated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from supportkpi.model.schema import CONTACTS, EVENTS, TICKETS
from supportkpi.simulate import operation as op
from supportkpi.simulate.queue import OUT_ANSWERED

__all__ = ["PARQUET", "contacts_table", "events_table", "ids", "tickets_table"]

UTC_US = pa.timestamp("us", tz="UTC")
EVENT_KINDS = ("message", "note", "status", "priority", "assignment", "escalation", "promise",
               "work", "rating", "confirmation")  # fmt: skip
ROLES = ("customer", "agent", "bot", "system")
STATUSES = ("new", "open", "pending", "on_hold", "solved", "closed")
# the queue's outcome codes (see queue.py: an IVR hang-up is an abandoned contact)
_OUTCOME_NAMES = ("abandoned", "deflected", "callback", "answered")
_OUTCOME_CODE = np.array([0, 1, 0, 2, 3], np.int8)
_QUEUES = tuple(f"{c}-{t}" for c in op.CHANNELS for t in op.TYPES)
AGENT_IDS = tuple(a.agent_id for a in op.OPERATION.agents)
AGENT_TEAM = np.array([op.TEAMS.index(a.team) for a in op.OPERATION.agents], np.int8)
_TAG_VOCAB = sorted({t for tags in op.TYPE_TAGS.values() for t in tags})
_TAG_MAIN = np.array([_TAG_VOCAB.index(op.TYPE_TAGS[t][0]) for t in op.TYPES])
_TAG_SUBS = [np.array([_TAG_VOCAB.index(x) for x in op.TYPE_TAGS[t][1:]]) for t in op.TYPES]


def _parquet_options(schema: pa.Schema, timed: str) -> dict[str, Any]:
    """Writer options for one table: dictionary pages only where they pay, few statistics.

    Dictionary encoding hashes every value; it is kept for the vocabulary columns (a handful
    of distinct values) and skipped for ids, actors, timestamps and numbers, which are
    (nearly) unique per row. Min/max statistics are written for the table's main time
    column only (each part is one row group, so they let a reader skip parts by time).
    Together this about halves the writing time; the values written are the same.
    """
    unique = {"ticket_id", "event_id", "contact_id", "customer_id", "merged_into", "actor_id"}
    vocab = [f.name for f in schema if f.type == pa.string() and f.name not in unique]
    return {"compression": "snappy", "use_dictionary": vocab, "write_statistics": [timed]}


PARQUET = {
    "tickets": _parquet_options(TICKETS.arrow_schema(), "created_at"),
    "events": _parquet_options(EVENTS.arrow_schema(), "at"),
    "contacts": _parquet_options(CONTACTS.arrow_schema(), "arrived_at"),
}
# All three parts are handed over with dictionary columns (see _coded_table): the
# writer takes their codes as they are instead of hashing every string. Without the Arrow
# schema in the file (it would name dictionary types) the columns read back as the
# canonical strings, not-null flags included (``tags`` reads back as list<element: string>,
# as it did with the schema stored). Events' ticket ids (about 11 events per ticket) join
# the dictionary columns, with room for a day of a large run in one dictionary page.
PARQUET["tickets"] |= {"store_schema": False}
PARQUET["contacts"] |= {"store_schema": False}
PARQUET["events"] |= {
    "store_schema": False,
    "use_dictionary": [*PARQUET["events"]["use_dictionary"], "ticket_id"],
    "dictionary_pagesize_limit": 16 << 20,
}

# -- string columns --------------------------------------------------------------------------


def _strings(
    chars: npt.NDArray[np.uint8],
    lengths: npt.NDArray[Any] | None = None,
    valid: npt.NDArray[np.bool_] | None = None,
) -> pa.Array:
    """One Arrow string per row of the byte matrix ``chars``, cut to ``lengths`` if given.

    Rows where ``valid`` is false are null (their length must be 0).
    """
    n, width = chars.shape
    if lengths is None:
        offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
        data = np.ascontiguousarray(chars)
    else:
        offsets = np.zeros(n + 1, np.int32)
        np.cumsum(lengths, out=offsets[1:])
        data = chars[np.arange(width) < lengths[:, None]]
    if valid is None or bool(valid.all()):
        return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    nulls = n - int(np.count_nonzero(valid))
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data), bitmap, nulls)


# "0000" .. "9999" as little-endian 4-byte words: four digits written in one store
_DIGITS4 = np.array([int.from_bytes(f"{i:04d}".encode(), "little") for i in range(10_000)], "<u4")


def _id_layout(head: int, width: int) -> np.dtype[Any]:
    """A record per id: ``head`` bytes (prefix and leading digits), then 4-digit words."""
    words = width // 4
    lead = head + width % 4
    return np.dtype(
        {
            "names": [f"b{i}" for i in range(lead)] + [f"w{i}" for i in range(words)],
            "formats": [np.uint8] * lead + ["<u4"] * words,
            "offsets": list(range(lead)) + [lead + 4 * i for i in range(words)],
            "itemsize": head + width,
        }
    )


def _id_chars(prefix: str, values: npt.NDArray[Any], width: int) -> npt.NDArray[np.uint8] | None:
    """``prefix`` + zero-padded digits as a byte matrix; None when a value needs more digits.

    Each id is a record of the final bytes: the prefix, the leading ``width % 4`` digits one
    by one, then groups of four digits looked up as one 4-byte word each (fewer divisions
    and stores than a digit at a time; 32-bit division is several times faster than
    64-bit, so it is used whenever the values allow).
    """
    values = np.asarray(values).astype(np.int64, copy=False)
    if values.size and (values.min() < 0 or values.max() >= 10**width):
        return None
    head = prefix.encode()
    layout = _id_layout(len(head), width)
    records = np.empty(len(values), layout)
    for i, byte in enumerate(head):
        records[f"b{i}"] = byte
    wide = bool(values.size) and int(values.max()) >= 2**32
    rest: npt.NDArray[Any] = values.astype(np.uint64 if wide else np.uint32)
    kind = rest.dtype.type
    for word in range(width // 4 - 1, -1, -1):
        quotient = rest // kind(10_000)
        records[f"w{word}"] = _DIGITS4[rest - quotient * kind(10_000)]
        rest = quotient
    for i in range(len(head) + width % 4 - 1, len(head) - 1, -1):
        quotient = rest // kind(10)
        records[f"b{i}"] = rest - quotient * kind(10) + ord("0")
        rest = quotient
    return records.view(np.uint8).reshape(len(values), len(head) + width)


def ids(prefix: str, numbers: npt.NDArray[Any], width: int = 9) -> pa.Array:
    """``prefix`` + the number zero-padded to ``width`` digits, as one Arrow string array."""
    chars = _id_chars(prefix, numbers, width)
    if chars is not None:
        return _strings(chars)
    # wider (or negative) numbers: Arrow kernels, padded to at least ``width``
    text = pc.utf8_lpad(pc.cast(pa.array(np.asarray(numbers), pa.int64()), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, text, "")


def _optional_ids(prefix: str, numbers: npt.NDArray[Any], width: int = 9) -> pa.Array:
    """Like :func:`ids`, null where the number is negative."""
    numbers = np.asarray(numbers, np.int64)
    valid = numbers >= 0
    chars = _id_chars(prefix, np.maximum(numbers, 0), width)
    if chars is None:
        text = ids(prefix, np.maximum(numbers, 0), width)
        return pc.if_else(pa.array(valid), text, pa.scalar(None, pa.string()))
    lengths = np.where(valid, chars.shape[1], 0)
    return _strings(chars, lengths, valid)


def _take(vocab: Sequence[str | None], codes: npt.NDArray[Any]) -> pa.Array:
    """``vocab[code]`` per row as strings; negative codes are null."""
    codes = np.asarray(codes)
    return pc.take(pa.array(list(vocab), pa.string()), pa.array(codes, mask=codes < 0))


def _codes(vocab: Sequence[str], codes: npt.NDArray[Any]) -> pa.DictionaryArray:
    """Like :func:`_take`, as a dictionary array (for a writer that keeps the codes).

    The vocabulary must not repeat a value: the Parquet writer's bytes would then depend on
    which of the equal entries its hashing meets first.
    """
    if len(set(vocab)) != len(vocab):
        raise ValueError(f"dictionary values repeat: {vocab}")
    codes = np.asarray(codes)
    index = pa.array(codes.astype(np.int8 if len(vocab) < 128 else np.int32), mask=codes < 0)
    return pa.DictionaryArray.from_arrays(index, pa.array(list(vocab), pa.string()))


def _coded_table(data: dict[str, pa.Array], schema: pa.Schema) -> pa.Table:
    """``data`` under ``schema``'s names and nullability, dictionary columns kept as such."""
    fields = [pa.field(f.name, data[f.name].type, f.nullable) for f in schema]
    return pa.table(data, schema=pa.schema(fields))


def _ts(seconds: npt.NDArray[Any]) -> pa.Array:
    """Epoch seconds (float, NaN = null) as UTC microseconds."""
    values = np.asarray(seconds, dtype=np.float64)
    missing = np.isnan(values)
    micros = np.round(np.where(missing, 0.0, values) * 1e6).astype(np.int64)
    return pa.array(micros, UTC_US, mask=missing)


def _whole_ts(
    seconds: npt.NDArray[np.int64], valid: npt.NDArray[np.bool_] | None = None
) -> pa.Array:
    """Whole epoch seconds as UTC microseconds (exact; the same values as :func:`_ts`)."""
    micros = np.asarray(seconds, np.int64) * 1_000_000
    return pa.array(micros, UTC_US, mask=None if valid is None else ~valid)


_ACTOR_POOL = pa.array([*AGENT_IDS, op.BOT_ID], pa.string())


def _actor_ids(role: npt.NDArray[Any], actor: npt.NDArray[np.int64]) -> pa.Array:
    """Customer id, agent id or the bot's id by role; null for the system.

    Customer ids are laid out only for the customers' events, then one ``take`` picks from
    them, the agents and the bot: cheaper than three full string columns and two merges.
    """
    customer, agent, bot = role == 0, (role == 1) & (actor >= 0), role == 2
    customers = ids("C-", actor[customer])
    k = len(customers)
    index = np.where(agent, k + actor, k + len(AGENT_IDS)).astype(np.int32)
    index[customer] = np.arange(k, dtype=np.int32)
    pool = pa.concat_arrays([customers, _ACTOR_POOL])
    return pc.take(pool, pa.array(index, mask=~(customer | agent | bot)))


# -- tables -----------------------------------------------------------------------------------


def tickets_table(c: dict[str, npt.NDArray[Any]]) -> pa.Table:
    """The tickets part from per-ticket codes, already in ticket-number order.

    Vocabulary columns are dictionary arrays (see ``PARQUET["tickets"]``).
    """
    n = len(c["n"])
    main_tag = _TAG_MAIN[c["type"]]
    subs_len = np.array([len(x) for x in _TAG_SUBS])
    sub_table = np.full((len(_TAG_SUBS), int(subs_len.max())), -1, np.int64)
    for i, x in enumerate(_TAG_SUBS):
        sub_table[i, : len(x)] = x
    sub_tag = sub_table[c["type"], c["subpick"] % subs_len[c["type"]]]
    lengths = 1 + c["sub"].astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    values = np.empty(int(offsets[-1]), np.int64)
    values[offsets[:-1]] = main_tag
    values[offsets[:-1][c["sub"]] + 1] = sub_tag[c["sub"]]
    tags = pa.ListArray.from_arrays(pa.array(offsets), _take(_TAG_VOCAB, values))
    data = {
        "ticket_id": ids("T-", c["n"]),
        "created_at": _whole_ts(c["created"]),
        "channel": _codes(op.CHANNELS, c["channel"]),
        "customer_id": ids("C-", c["customer"]),
        "created_by": _codes(("customer", "agent"), c["created_by"]),
        "type": _codes(op.TYPES, c["type"]),
        "tags": tags,
        "priority": _codes(op.PRIORITIES, c["priority"]),
        "customer_tier": _codes(op.TIERS, c["gold"].astype(np.int8)),
        "team": _codes(op.TEAMS, np.where(c["owner"] >= 0, AGENT_TEAM[c["owner"]], -1)),
        "agent_id": _codes(AGENT_IDS, c["owner"]),
        "product": _codes(op.PRODUCTS, c["product"]),
        "brand": _codes(("acme",), np.zeros(n, np.int8)),
        "subject": _codes(op.TYPE_SUBJECTS, c["type"]),
        "merged_into": _optional_ids("T-", c["merged"]),
    }
    return _coded_table(data, TICKETS.arrow_schema())


def events_table(
    cols: dict[str, npt.NDArray[Any]], ticket: npt.NDArray[np.int64], first_event: int
) -> pa.Table:
    """The events part from the sorted event columns; ``ticket`` holds ticket numbers.

    Vocabulary columns and ticket ids are dictionary arrays (written with
    ``PARQUET["events"]`` they read back as the canonical string columns).
    """
    n = len(ticket)
    role = cols["role"]
    public = cols["public"]
    promised = cols["promised_at"]
    work = cols["work_seconds"]
    low = int(ticket[0]) if n else 0
    high = int(ticket[-1]) if n else -1  # sorted by ticket number
    ticket_ids = pa.DictionaryArray.from_arrays(
        pa.array((ticket - low).astype(np.int32)), ids("T-", np.arange(low, high + 1))
    )
    data = {
        "event_id": ids("E-", np.arange(first_event, first_event + n), 11),
        "ticket_id": ticket_ids,
        "at": _whole_ts(cols["at"]),
        "kind": _codes(EVENT_KINDS, cols["kind"]),
        "actor_role": _codes(ROLES, role),
        "actor_id": _actor_ids(role, cols["actor"]),
        "public": pa.array(public == 1, pa.bool_(), mask=public < 0),
        "status": _codes(STATUSES, cols["status"]),
        "priority": _codes(op.PRIORITIES, cols["priority"]),
        "team": _codes(op.TEAMS, cols["team"]),
        "assignee_id": _codes(AGENT_IDS, cols["assignee"]),
        "escalated_to": _codes(op.ESCALATION_TARGETS, cols["escalated_to"]),
        "promised_at": _whole_ts(promised, promised >= 0),
        "work_seconds": pa.array(work, pa.float64(), mask=np.isnan(work)),
        "rating": _codes(("good", "bad"), cols["rating"]),
    }
    return _coded_table(data, EVENTS.arrow_schema())


def contacts_table(parts: list[dict[str, Any]]) -> pa.Table:
    """The contacts part: the real-time channels' blocks (see the engine's queue step), in order.

    Each part holds ``channel`` (code), ``contact_numbers``, ``ticket_numbers`` (-1 = no
    ticket), ``arrived``, ``type``, ``customer``, ``agent`` and the queue's ``served``.
    The blocks are joined as numpy arrays and turned into one table; vocabulary columns are
    dictionary arrays (see ``PARQUET["contacts"]``).
    """

    def joined(get: Any, dtype: Any = None) -> npt.NDArray[Any]:
        arrays = [np.asarray(get(p)) for p in parts]
        return np.concatenate(arrays) if arrays else np.empty(0, dtype or np.float64)

    served = [p["served"] for p in parts]
    sizes = [len(p["contact_numbers"]) for p in parts]
    outcome = np.concatenate([s.outcome for s in served]) if parts else np.empty(0, np.int64)
    talk = joined(lambda p: p["served"].talk)
    talk = np.where(outcome == OUT_ANSWERED, np.round(talk, 1), np.nan)
    hold = np.round(joined(lambda p: p["served"].hold), 1)
    wrap = np.round(joined(lambda p: p["served"].wrap), 1)
    channel = np.repeat(np.array([p["channel"] for p in parts], np.int64), sizes)
    kind = joined(lambda p: p["type"], np.int64)
    data = {
        "contact_id": ids("K-", joined(lambda p: p["contact_numbers"], np.int64)),
        "channel": _codes(op.CHANNELS, channel),
        "arrived_at": _whole_ts(joined(lambda p: p["arrived"], np.int64)),
        "queued_at": _ts(joined(lambda p: p["served"].queued)),
        "answered_at": _ts(joined(lambda p: p["served"].answered)),
        "abandoned_at": _ts(joined(lambda p: p["served"].abandoned)),
        "ended_at": _ts(joined(lambda p: p["served"].ended)),
        "outcome": _codes(_OUTCOME_NAMES, _OUTCOME_CODE[outcome]),
        "talk_seconds": pa.array(talk, mask=np.isnan(talk)),
        "hold_seconds": pa.array(hold, mask=np.isnan(hold)),
        "wrap_seconds": pa.array(wrap, mask=np.isnan(wrap)),
        "queue": _codes(_QUEUES, channel * len(op.TYPES) + kind),
        "agent_id": _codes(AGENT_IDS, joined(lambda p: p["agent"], np.int64)),
        "customer_id": ids("C-", joined(lambda p: p["customer"], np.int64)),
        "ticket_id": _optional_ids("T-", joined(lambda p: p["ticket_numbers"], np.int64)),
    }
    return _coded_table(data, CONTACTS.arrow_schema())
