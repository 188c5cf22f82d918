"""Arrow values built through their buffers (catalog/arrow_values.py) equal pyarrow's own
conversion, which imports pandas."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog import arrow_values as av

REPO = Path(__file__).resolve().parents[1]
INT64 = st.integers(-(2**63), 2**63 - 1)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text()), max_size=40))
def test_strings_equal_pyarrows_conversion(values):
    made = av.strings(values)
    made.validate(full=True)
    assert made.type == pa.string()
    assert made.equals(pa.array(values, type=pa.string()))
    assert made.to_pylist() == values
    assert made.null_count == values.count(None)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), INT64), max_size=40))
def test_int64s_equal_pyarrows_conversion_to_the_extremes(values):
    made = av.int64s(values)
    made.validate(full=True)
    assert made.equals(pa.array(values, type=pa.int64()))
    plain = [v for v in values if v is not None]
    assert av.int64s(np.array(plain, dtype=np.int64)).to_pylist() == plain


def test_int64s_refuse_what_int64_cannot_hold():
    for beyond in (2**63, -(2**63) - 1):
        with pytest.raises(OverflowError):
            av.int64s([1, beyond])


def test_floats_bools_and_empty_arrays():
    assert av.float64s([1.5, None, float("inf"), -0.0]).equals(pa.array([1.5, None, float("inf"), -0.0]))
    for build, kind in ((av.strings, pa.string()), (av.int64s, pa.int64()), (av.float64s, pa.float64())):
        empty = build([])
        assert len(empty) == 0 and empty.type == kind
        empty.validate(full=True)
    flags = np.array([True, False, True] * 5)
    valid = np.array([True] * 14 + [False])
    assert av.bools(flags).to_pylist() == flags.tolist()
    assert av.bools(flags, valid).to_pylist() == flags.tolist()[:14] + [None]
    assert len(av.bools(np.zeros(0, dtype=bool))) == 0


def test_non_ascii_text_keeps_its_bytes():
    values = ["Église", "", "日本語", "😀 emoji", None, "a\x00b", "\u00a0"]
    made = av.strings(values)
    assert made.to_pylist() == values
    assert pc.utf8_length(made).to_pylist() == [6, 0, 3, 7, None, 3, 1]
    assert pc.binary_length(made).to_pylist() == [len(v.encode()) if v is not None else None for v in values]


@pytest.mark.parametrize("value, kind", [("x", pa.string()), ("", pa.string()), (0, pa.int64()), (-(2**63), pa.int64()),
                                          (2**63 - 1, pa.int64()), (2.5, pa.float64()), (True, pa.bool_()),
                                          (False, pa.bool_())])
def test_scalars_equal_pyarrows(value, kind):
    made = av.scalar(value)
    assert made.type == kind and made.as_py() == value and made.equals(pa.scalar(value, kind))


def test_typed_scalars_and_nulls():
    assert av.scalar(5, pa.int32()).equals(pa.scalar(5, pa.int32()))
    for kind in (pa.string(), pa.int64(), pa.float64(), pa.bool_()):
        null = av.scalar(None, kind)
        assert null.type == kind and not null.is_valid
    with pytest.raises(ValueError):
        av.scalar(None)
    with pytest.raises(TypeError):
        av.scalar(object())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.booleans()), max_size=70), st.integers(0, 70), st.integers(0, 70))
def test_numpy_of_booleans_reads_the_bitmaps_of_sliced_arrays(values, start, length):
    array = pa.array(values, type=pa.bool_()).slice(start, length)
    expected = [bool(v) for v in array.to_pylist()]
    assert av.numpy_of(array, False).tolist() == expected
    assert av.nulls(array).tolist() == [v is None for v in array.to_pylist()]
    if array.null_count:
        with pytest.raises(ValueError):
            av.numpy_of(array)
    else:
        assert av.numpy_of(array).tolist() == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), INT64), max_size=40), st.integers(0, 40), st.integers(0, 40))
def test_numpy_of_integers_of_sliced_and_chunked_arrays(values, start, length):
    array = pa.array(values, type=pa.int64()).slice(start, length)
    expected = [-1 if v is None else v for v in array.to_pylist()]
    assert av.numpy_of(array, -1).tolist() == expected
    chunked = pa.chunked_array([array, array.slice(1)], type=pa.int64())
    assert av.numpy_of(chunked, -1).tolist() == expected + expected[1:]
    assert av.nulls(chunked).tolist() == [v is None for v in chunked.to_pylist()]


def test_numpy_of_other_widths_floats_and_all_nulls():
    assert av.numpy_of(pa.array([1, 2, 3], pa.int32()).slice(1)).tolist() == [2, 3]
    assert av.numpy_of(pa.array([255], pa.uint8())).tolist() == [255]
    assert av.numpy_of(pa.array([0.5, None]), np.nan)[0] == 0.5 and np.isnan(av.numpy_of(pa.array([0.5, None]), np.nan)[1])
    assert av.numpy_of(pa.nulls(3, pa.int64()), 7).tolist() == [7, 7, 7]
    assert av.nulls(pa.nulls(2)).tolist() == [True, True]
    assert av.numpy_of(pa.chunked_array([], type=pa.int64())).tolist() == []
    with pytest.raises(TypeError):
        av.numpy_of(pa.array(["a"]))


def test_building_and_computing_imports_no_pandas():
    probe = """
import sys
import numpy as np, pyarrow as pa, pyarrow.compute as pc
from catalog import arrow_values as av
from catalog.validate.key_memory import key_hashes
text = av.strings(["a", None, "été"])
ints = av.int64s([1, None, 3])
ok = pc.and_(pc.greater_equal(ints, av.scalar(0)), pc.is_in(text, value_set=av.strings(["a"])))
av.numpy_of(ok, False); av.nulls(text); av.numpy_of(ints.slice(1), 0); av.float64s(np.arange(3.0))
pc.if_else(av.bools(np.array([True, False, True])), text, av.scalar("0"))
key_hashes([text, ints])
print("PANDAS", "pandas" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert "PANDAS False" in done.stdout, done.stderr[-2000:]
