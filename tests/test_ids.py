"""_ids: text ids sorted in code-point order and encoded as order-preserving integer keys."""

from __future__ import annotations

import uuid

import numpy as np
import pandas as pd
import pytest

from retention_lib._ids import IdKeys, sort_ids


def test_ids_sorted_as_pandas_sorts_text():
    """Ids come back in code-point order (pandas' and SQL's) whatever their lengths, common
    prefixes, non-ASCII characters or zero bytes; longer ids take the string-sort path."""
    rng = np.random.default_rng(4)
    alphabet = list("ab0\x00é😀")
    cases = [
        ["b", "a", "", "ab", "a\x00", "a\x00b", "é", "Z", "aa", "a" * 8, "a" * 7, "a" * 9],
        ["".join(rng.choice(alphabet, size=rng.integers(0, 14))) for _ in range(3000)],
        [f"CUSTOMER-{i:06d}" for i in rng.permutation(5000)],
        [f"C{i:07d}" for i in rng.permutation(5000)],
        ["x" * 40 + str(i) for i in rng.permutation(300)],
    ]
    for ids in cases:
        ids = list(dict.fromkeys(ids))  # distinct, as customer ids are
        series = pd.Series(pd.array(ids, dtype="str"))
        order, ordered = sort_ids(series)
        assert list(series.iloc[order]) == sorted(ids)
        assert list(ordered) == sorted(ids)
        assert list(sort_ids(pd.Series(ids, dtype=object))[1]) == sorted(ids)


RNG = np.random.default_rng(7)
KEYABLE = [
    ["b", "a", "", "ab", "é", "Z", "aa", "aaa", "aaaa", "😀x"],  # lengths, non-ASCII, empty
    ["17850", "12346", "9", "100000"],  # UCI-style numbers: '9' sorts after '17850'
    [f"C{i:07d}" for i in np.random.default_rng(1).permutation(5000)],  # common prefix
    [f"CUSTOMER-{i:09d}" for i in np.random.default_rng(2).permutation(2000)],  # 18 bytes
    # high lowest bytes over many positions: the byte sums pass 2**63 before the lows come
    # off, though every key fits (found with ids such as 'c000' beside 'zz-returns')
    [f"c{i:03d}" for i in range(60)] + ["zz-returns", "zz-tie"],
]


@pytest.mark.parametrize(
    "ids", KEYABLE, ids=["mixed", "numbers", "prefix", "long-prefix", "high-low-bytes"]
)
def test_id_keys_sort_as_text_and_decode_back(ids):
    series = pd.Series(pd.array(ids, dtype="str"))
    keys, codec = IdKeys.encode(series)
    assert keys.dtype == np.int64
    assert len(np.unique(keys)) == len(ids)  # distinct ids, distinct keys
    assert 0 <= keys.min() and keys.max() < codec.size
    assert list(series.iloc[np.argsort(keys)]) == sorted(ids)
    assert list(codec.decode(keys)) == ids
    assert codec.decode(keys).dtype == series.dtype
    # object-dtype text gives the same keys
    np.testing.assert_array_equal(IdKeys.encode(pd.Series(ids, dtype=object))[0], keys)


def test_id_keys_of_repeated_ids_are_equal():
    series = pd.Series(pd.array(["x1", "x2", "x1", "x10", "x2"], dtype="str"))
    keys, _ = IdKeys.encode(series)
    assert keys[0] == keys[2] and keys[1] == keys[4]
    assert len(set(keys.tolist())) == 3


@pytest.mark.parametrize(
    "ids",
    [
        pd.Series(pd.array(["a", None, "b"], dtype="str")),  # missing: reported elsewhere
        pd.Series(["a", "a\x00"], dtype=object),  # a zero byte would merge them
        pd.Series([1, 2, 3]),  # not text
        pd.Series([str(uuid.UUID(bytes=RNG.bytes(16))) for _ in range(200)]),  # too varied
        pd.Series(["", ""], dtype="str"),  # nothing to encode
    ],
    ids=["missing", "zero-byte", "integers", "uuids", "empty"],
)
def test_id_keys_refuse_ids_they_cannot_encode(ids):
    assert IdKeys.encode(ids) is None
