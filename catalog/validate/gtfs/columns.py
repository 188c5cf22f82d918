"""Whole string columns handled by Arrow: a feed can hold millions of rows,
too many to test one by one in Python."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def arrow(values) -> pa.Array:
    """A string column as an Arrow array (zero-copy for pandas' Arrow-backed strings)."""
    array = pa.array(values)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not pa.types.is_large_string(array.type):
        array = array.cast(pa.large_string())
    return array


def bools(array) -> np.ndarray:
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=bool)


def isin(values, target: pa.Array) -> np.ndarray:
    """Where the strings of `values` are in `target` (computed by Arrow, not per row in Python)."""
    return bools(pc.is_in(arrow(values), value_set=target, skip_nulls=True))


def ids(values) -> pa.Array:
    """The distinct non-empty identifiers of a column."""
    array = pc.unique(arrow(values))
    return array.filter(pc.not_equal(array, ""))
