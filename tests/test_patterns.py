"""Fixed-width patterns checked on bytes say "matches" only where Python's re, as
Frictionless applies it (`^pattern$`), says so too."""
import re

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.validate.patterns import fixed_width, matches_fixed_width

PIECES = ["T", "S", ":", "-", "[0-9]", "[0-5]", "[A-Z]", "[a-f0-9]", "[AB]", "\\.", "[0-9]{2}", "[A-Z]{3}", "(?:[0-9])"]
ALPHABET = "0123456789ABSTaf:-.é\n\r Z"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=6), st.lists(st.text(ALPHABET, max_size=10), max_size=30))
def test_fixed_width_agrees_with_python(pieces, cells):
    pattern = "".join(pieces)
    table = fixed_width(pattern)
    assert table is not None
    python = re.compile("^{0}$".format(pattern))
    ours = matches_fixed_width(pa.array(cells, type=pa.string()), table).to_pylist()
    for cell, matched in zip(cells, ours):
        assert matched == (python.match(cell) is not None and "\n" not in cell), (pattern, cell)


def test_matching_cells_of_the_right_width_only():
    table = fixed_width("S[0-9]{5}")
    column = pa.array(["S00001", "S0001", "S000012", "s00001", "S0000é", "", "S99999"], type=pa.string())
    assert matches_fixed_width(column, table).to_pylist() == [True, False, False, False, False, False, True]


def test_patterns_of_other_shapes_are_left_to_regular_expressions():
    for pattern in ["[0-9]+", "\\d{5}", "(ab|cd)", "[^a]{2}", "(?i)ab", "é{2}", "a\\n", "[0-9]{2,3}", "a$b"]:
        assert fixed_width(pattern) is None, pattern


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text("0123456789-+ a\n", max_size=21), max_size=40))
def test_integer_cells_read_like_the_regular_expression(cells):
    from catalog.validate.field_checks import INT_RE
    from catalog.validate.csv_batches import integer_cells

    expected = [re.search(INT_RE.replace("$", "\\Z"), cell) is not None for cell in cells]  # RE2's $ ends the text
    assert integer_cells(pa.array(cells, type=pa.string())).tolist() == expected


def test_integer_enums_as_ranges_or_lookups():
    from catalog.validate.field_checks import _one_of

    values = pa.array([-1, 0, 3, 4, 7], type=pa.int64())
    assert _one_of(values, [3, 1, 0, 2]).to_pylist() == [False, True, True, False, False]
    assert _one_of(values, [0, 7]).to_pylist() == [False, True, False, False, True]
