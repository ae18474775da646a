"""String columns of the simulator's tables: ids laid out as bytes, actors, nullable ids.

The fast byte layouts must give exactly the strings the plain formatting would, including
the fallback for numbers wider than the padding.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from supportkpi.simulate.tables import _actor_ids, _codes, _optional_ids, ids


def test_ids_are_zero_padded_and_wider_numbers_are_kept_whole() -> None:
    assert ids("T-", np.array([1, 42, 999_999_999])).to_pylist() == [
        "T-000000001",
        "T-000000042",
        "T-999999999",
    ]
    assert ids("E-", np.array([7, 5_000_000_000]), 11).to_pylist() == [
        "E-00000000007",
        "E-05000000000",
    ]
    # a number with more digits than the width is not cut (slower path, same rule)
    assert ids("T-", np.array([3, 1_234_567_890])).to_pylist() == ["T-000000003", "T-1234567890"]
    assert ids("K-", np.array([], np.int64)).to_pylist() == []
    # widths with no leading digits before the 4-digit groups, and with three
    assert ids("X-", np.array([5, 12_345_678]), 8).to_pylist() == ["X-00000005", "X-12345678"]
    assert ids("", np.array([0, 906]), 3).to_pylist() == ["000", "906"]


def test_optional_ids_are_null_for_negative_numbers() -> None:
    out = _optional_ids("T-", np.array([-1, 12, -1, 3]))
    assert out.to_pylist() == [None, "T-000000012", None, "T-000000003"]
    assert out.null_count == 2


def test_actor_ids_by_role() -> None:
    # roles: customer, agent, bot, system, agent without an actor, customer
    role = np.array([0, 1, 2, 3, 1, 0], np.int8)
    actor = np.array([55, 0, -1, -1, -1, 123_456], np.int64)
    assert _actor_ids(role, actor).to_pylist() == [
        "C-000000055",
        "A-01",
        "BOT-ACK",
        None,
        None,
        "C-000123456",
    ]


def test_codes_read_as_their_strings() -> None:
    out = _codes(("low", "high"), np.array([1, -1, 0], np.int8))
    assert out.type == pa.dictionary(pa.int8(), pa.string())
    assert out.dictionary_decode().to_pylist() == ["high", None, "low"]


def test_codes_refuse_a_vocabulary_with_repeats() -> None:
    # repeated dictionary values would make the Parquet bytes depend on hashing order
    with pytest.raises(ValueError, match="repeat"):
        _codes(("tier1-a", "tier1-a", "tier2"), np.array([0, 2], np.int8))
