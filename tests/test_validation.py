"""The boundary checks of retention_lib._validation, one message each (the public functions
that call them are exercised in test_bad_inputs.py)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import retention_lib as rl
from retention_lib import _validation as V

DVE, ITE = rl.DataValidationError, rl.InputTypeError


def test_error_classes_are_retention_lib_errors_of_the_builtin_kind():
    assert issubclass(ITE, rl.RetentionLibError) and issubclass(ITE, TypeError)
    assert issubclass(DVE, rl.RetentionLibError) and issubclass(DVE, ValueError)
    assert "InputTypeError" in rl.__all__


@pytest.mark.parametrize(
    ("call", "cls", "match"),
    [
        (lambda: V.require_number("0.5", name="top"), ITE, r"`top` must be a number, got '0.5'"),
        (lambda: V.require_number(True, name="top"), ITE, r"`top` must be a number, got True"),
        (
            lambda: V.require_in_range(np.nan, name="top", low=0),
            DVE,
            r"`top` must be in \[0, inf\)",
        ),
        (
            lambda: V.require_in_range(2, name="p", low=0, high=1, low_inclusive=False),
            DVE,
            r"`p` must be in \(0, 1\]; got 2",
        ),  # fmt: skip
        (
            lambda: V.require_whole_number(2.5, name="n"),
            DVE,
            r"`n` must be a whole number; got 2.5",
        ),
        (
            lambda: V.require_whole_number("3", name="n"),
            ITE,
            r"`n` must be a whole number, got '3'",
        ),
        (lambda: V.require_whole_number(0, name="n", low=1), DVE, r"`n` must be in \[1, inf\)"),
        (lambda: V.require_margin(1.5), DVE, r"a 50% markup is a margin of 0.333"),
        (lambda: V.require_rate(12), DVE, r"`discount_rate` must be in \[0, 1\).*0.01 for 1%"),
        (lambda: V.require_bool("no", name="flag"), ITE, r"`flag` must be True or False, got 'no'"),
        (lambda: V.require_str(5, name="label"), ITE, r"`label` must be a str, got 5"),
        (lambda: V.require_column_name(["a"], name="by"), ITE, r"`by` must be a column name"),
        (
            lambda: V.require_sequence_of_str("POST", name="codes"),
            ITE,
            r"got the str 'POST', which would be read as its characters \(P, O, S, T\)",
        ),  # fmt: skip
        (lambda: V.require_sequence_of_str([1], name="codes"), ITE, r"it holds 1 \(int\)"),
        (lambda: V.require_sequence({"a": 1}, name="ids"), ITE, r"`ids` must be a sequence"),
        (lambda: V.require_sequence(pd.DataFrame(), name="ids"), ITE, r"got a DataFrame"),
        (lambda: V.require_mapping(["x"], name="aliases", example="{}"), ITE, r"must be a dict"),
        (lambda: V.require_date("soon", name="end"), DVE, r"`end` must be a date .*got 'soon'"),
        (lambda: V.require_date(20240101, name="end"), ITE, r"numbers are not read as dates"),
        (lambda: V.require_date([2024], name="end"), ITE, r"`end` must be a date"),
        (lambda: V.require_date(None, name="end"), DVE, r"`end` must be a date .*got None"),
        (lambda: V.require_date("2024-01-01T00:00+01:00", name="end"), DVE, r"time-zone naive"),
        (lambda: V.require_regex("([", name="pattern"), DVE, r"not a valid regular expression"),
        (lambda: V.require_regex(r"(a)\1", name="pattern"), DVE, r"look-around or back-ref"),
        (lambda: V.require_regex(["a"], name="pattern"), ITE, r"must be a regular expression"),
        (lambda: V.require_currency_code("EURO", name="to"), DVE, r"three-letter ISO 4217"),
        (lambda: V.require_currency_code(978, name="to"), ITE, r"`to` must be an ISO 4217 code"),
        (lambda: V.require_path(None, name="path"), ITE, r"`path` must be a file path"),
        (lambda: V.require_axes("left"), ITE, r"`ax` must be a matplotlib Axes"),
        (lambda: V.require_colormap("nope"), DVE, r"`cmap` 'nope' is not a matplotlib colour"),
        (lambda: V.require_numbers("123", name="values"), ITE, r"`values` must be numbers"),
        (lambda: V.require_numbers([True], name="values"), ITE, r"got bools"),
        (
            lambda: V.require_frame([1], name="table", producer="pareto_table"),
            ITE,
            r"`table` must be a pandas DataFrame, got list. Pass the output of "
            r"`retention_lib.pareto_table`",
        ),  # fmt: skip
        (
            lambda: V.require_frame(pd.DataFrame([[1, 2]], columns=["a", "a"]), name="t"),
            DVE,
            r"`t` has more than one column named `a`",
        ),  # fmt: skip
    ],
)
def test_each_helper_names_the_argument_and_what_was_expected(call, cls, match):
    with pytest.raises(cls, match=match) as info:
        call()
    assert info.type is cls


def test_accepted_values_come_back_normalised(tmp_path):
    assert V.require_whole_number(np.int64(3), name="n") == 3
    assert V.require_whole_number(3.0, name="n") == 3
    assert V.require_number(np.float32(0.5), name="x") == 0.5
    assert V.require_sequence_of_str(("a", "b"), name="s") == ["a", "b"]
    assert V.require_sequence_of_str(None, name="s", allow_none=True) is None
    assert V.require_currency_code(" gbp ", name="c") == "GBP"
    assert V.require_period_numbers([1, np.int64(3)]) == (1, 3)
    with pytest.raises(
        ITE, match=r"`at` must be a sequence of whole numbers such as \(1, 3, 6, 12\); it holds 1.5"
    ):
        V.require_period_numbers([1, 1.5])
    assert V.require_date("2024-01-31", name="d") == pd.Timestamp("2024-01-31")
    utc = V.require_date("2024-01-31T01:00+02:00", name="d", tz="utc")
    assert utc == pd.Timestamp("2024-01-30 23:00")
    wall = V.require_date("2024-01-31T01:00+02:00", name="d", tz="wall")
    assert wall == pd.Timestamp("2024-01-31 01:00")
    assert V.require_regex(re.compile("^t"), name="p") == "^t"
    assert V.require_path(tmp_path / "x.csv", name="p") == tmp_path / "x.csv"
    np.testing.assert_array_equal(
        V.require_numbers(pd.Series([1, None], dtype=object), name="v"), [1.0, np.nan]
    )


def test_group_column_missing_values_are_refused_or_grouped():
    tx = pd.DataFrame({"customer_id": ["a", "b", "b", "c"], "segment": ["x", None, None, "y"]})
    with pytest.raises(DVE, match=r"`segment` has missing values for 1 customer\(s\) \(b\) in 2"):
        V.require_group_column(tx, "segment")
    grouped = V.require_group_column(tx, "segment", missing="group")
    assert grouped["segment"].tolist() == ["x", V.MISSING_GROUP, V.MISSING_GROUP, "y"]


def test_treatment_flags_are_bools_or_two_named_labels():
    ids = pd.Series(["a", "b", "c"])
    assert V.require_treatment(pd.Series([1, 0, 1]), column="t", ids=ids).tolist() == [
        True,
        False,
        True,
    ]
    labels = pd.Series(["treated", "control", "treated"])
    with pytest.raises(DVE, match=r"`t` must be True/False \(or 1/0\); found 'treated'"):
        V.require_treatment(labels, column="t", ids=ids)
    flags = V.require_treatment(labels, column="t", treatment="treated", ids=ids)
    assert flags.tolist() == [True, False, True]
    with pytest.raises(DVE, match=r"must be True/False .* for customers b"):
        V.require_treatment(pd.Series([True, np.nan, False]), column="t", ids=ids)
