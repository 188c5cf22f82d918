"""Arrow arrays and scalars built from Python and numpy values through their buffers, and back.

pyarrow converts Python and numpy objects (`pa.array`, `pa.scalar`, a Python literal given to a
compute kernel, `to_numpy`) through its pandas shim, which imports pandas the first time it
runs: 0.14 to 0.24 s of start-up for a command that never needs pandas. Building an array from its
buffers (`pa.Array.from_buffers` over `pa.py_buffer`) and reading buffers back with
`np.frombuffer` stays within Arrow and numpy, so the validation of a large table imports neither
pandas nor its shim. The layouts are Arrow's columnar format: a validity bitmap (least
significant bit first, absent when nothing is null), then the values (a bitmap for booleans,
int32 offsets and UTF-8 bytes for strings).
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa

LONGEST_STRINGS = 2**31 - 1  # bytes a `pa.string()` array can hold (int32 offsets)


def _bitmap(flags: np.ndarray) -> pa.Buffer:
    return pa.py_buffer(np.packbits(np.asarray(flags, dtype=bool), bitorder="little"))


def _validity(valid: np.ndarray | None) -> pa.Buffer | None:
    return None if valid is None or valid.all() else _bitmap(valid)


def strings(values) -> pa.Array:
    """A `pa.string()` array of `values` (str or None)."""
    values = values if isinstance(values, (list, tuple)) else list(values)
    valid = None
    if values.count(None):
        valid = np.fromiter((v is not None for v in values), dtype=bool, count=len(values))
        values = [v if v is not None else "" for v in values]
    joined = "".join(values)
    data = joined.encode("utf-8")
    # The byte length of each cell, counted in C: its length in characters when all is ASCII.
    sizes = map(len, values) if len(data) == len(joined) else map(len, map(str.encode, values))
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(sizes, dtype=np.int64, count=len(values)), out=offsets[1:])
    if offsets[-1] > LONGEST_STRINGS:
        raise OverflowError(f"{offsets[-1]:,} bytes of text in one array: at most {LONGEST_STRINGS:,}")
    return pa.Array.from_buffers(pa.string(), len(values), [
        _validity(valid), pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data)])


def _numbers(values, dtype, arrow_type) -> pa.Array:
    if isinstance(values, np.ndarray):
        data, valid = values.astype(dtype, copy=False), None
    else:
        values = list(values)
        valid = np.fromiter((v is not None for v in values), dtype=bool, count=len(values))
        # Python ints beyond int64 raise OverflowError here, as pyarrow's own conversion does.
        data = np.array([0 if v is None else v for v in values], dtype=dtype)
    data = np.ascontiguousarray(data)
    return pa.Array.from_buffers(arrow_type, len(data), [_validity(valid), pa.py_buffer(data)])


def int64s(values) -> pa.Array:
    """A `pa.int64()` array of `values`: a numpy array, or Python ints and None."""
    return _numbers(values, np.int64, pa.int64())


def float64s(values) -> pa.Array:
    """A `pa.float64()` array of `values`: a numpy array, or Python numbers and None."""
    return _numbers(values, np.float64, pa.float64())


def bools(flags: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """A `pa.bool_()` array of numpy `flags`, null where `valid` is False."""
    flags = np.asarray(flags, dtype=bool)
    return pa.Array.from_buffers(pa.bool_(), len(flags), [_validity(valid), _bitmap(flags)])


def scalar(value, type: pa.DataType | None = None) -> pa.Scalar:
    """An Arrow scalar of a str, int, float or bool (typed by the value unless `type` says),
    or a null of `type`."""
    if value is None:
        if type is None:
            raise ValueError("a null scalar needs its type")
        return pa.nulls(1, type)[0]
    if isinstance(value, bool):
        made = bools(np.array([value]))
    elif isinstance(value, int):
        made = int64s(np.array([value], dtype=np.int64))
    elif isinstance(value, float):
        made = float64s(np.array([value]))
    elif isinstance(value, str):
        made = strings([value])
    else:
        raise TypeError(f"no Arrow scalar for {value!r}")
    if type is not None and made.type != type:
        made = made.cast(type)
    return made[0]


def _bits(buffer: pa.Buffer, offset: int, length: int) -> np.ndarray:
    packed = np.frombuffer(buffer, dtype=np.uint8)
    return np.unpackbits(packed, bitorder="little", count=offset + length)[offset:].view(bool)


def _pieces(array):
    return array.chunks if isinstance(array, pa.ChunkedArray) else [array]


def nulls(array) -> np.ndarray:
    """True where a cell of the array (or chunked array) is null."""
    found = []
    for chunk in _pieces(array):
        validity = chunk.buffers()[0]
        if chunk.null_count == 0 or validity is None:
            found.append(np.full(len(chunk), chunk.null_count == len(chunk) and len(chunk) > 0))
        else:
            found.append(~_bits(validity, chunk.offset, len(chunk)))
    return np.concatenate(found) if found else np.zeros(0, dtype=bool)


def numpy_of(array, fill=None) -> np.ndarray:
    """The values of a boolean, integer or floating-point array (or chunked array) as numpy,
    `fill` where a cell is null (a null with no `fill` is a ValueError). Integer and float
    values are a read-only view of the array's memory when nothing is null and it is one chunk."""
    kind = array.type
    if pa.types.is_boolean(kind):
        dtype = np.dtype(bool)
    elif pa.types.is_integer(kind):
        dtype = np.dtype(f"{'i' if pa.types.is_signed_integer(kind) else 'u'}{kind.bit_width // 8}")
    elif pa.types.is_floating(kind):
        dtype = np.dtype(f"f{kind.bit_width // 8}")
    else:
        raise TypeError(f"numpy_of reads boolean, integer and float arrays, not {kind}")
    parts = []
    for chunk in _pieces(array):
        buffers = chunk.buffers()
        if chunk.null_count == len(chunk):  # an all-null array may hold no data buffer
            values = np.zeros(len(chunk), dtype=dtype)
        elif dtype == bool:
            values = _bits(buffers[1], chunk.offset, len(chunk))
        else:
            values = np.frombuffer(buffers[1], dtype=dtype)[chunk.offset:chunk.offset + len(chunk)]
        if chunk.null_count:
            if fill is None:
                raise ValueError("null values and no fill given")
            values = values.copy()
            values[nulls(chunk)] = fill
        parts.append(values)
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)
