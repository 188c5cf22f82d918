"""Unique fields and primary keys remembered as numpy hashes (catalog/validate/key_memory.py):
equal keys hash alike, a null differs from "" and 0, the memory names the latest earlier row
as Frictionless does, and a collision between different keys never becomes a false error."""
from __future__ import annotations

import frictionless
import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog import arrow_values as av
from catalog.validate import key_memory, table_checks
from catalog.validate.key_memory import KeyMemory, key_hashes


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=90)), max_size=40), st.integers(0, 40))
def test_equal_texts_hash_alike_in_any_slice(values, start):
    array = av.strings(values)
    hashes, nulls = key_hashes([array])
    assert nulls.tolist() == [v is None for v in values]
    by_value = {}
    for value, h in zip(values, hashes.tolist()):
        assert by_value.setdefault(value, h) == h
    sliced, _ = key_hashes([array.slice(start)])
    assert sliced.tolist() == hashes.tolist()[start:]
    large, _ = key_hashes([array.cast(pa.large_string())])
    assert large.tolist() == hashes.tolist()


def test_distinct_keys_hash_apart():
    texts = ["", "a", "b", "ab", "ba", "aa", "a" * 64 + "b", "b" + "a" * 64, "x" * 200, "x" * 201, "Église", "Eglise"]
    hashes, _ = key_hashes([av.strings(texts + [None])])
    assert len(set(hashes.tolist())) == len(texts) + 1
    numbers = [0, 1, -1, 2**63 - 1, -(2**63), 256, 2**32]
    hashes, nulls = key_hashes([av.int64s(numbers + [None])])
    assert len(set(hashes.tolist())) == len(numbers) + 1 and nulls.tolist() == [False] * len(numbers) + [True]
    many = [f"T{i:06d}" for i in range(200_000)]
    assert len(np.unique(key_hashes([av.strings(many)])[0])) == len(many)


def test_text_is_hashed_a_slice_at_a_time_alike(monkeypatch):
    values = ["x" * n for n in range(50)] + [None, "", "Église"] * 3
    whole, _ = key_hashes([av.strings(values)])
    monkeypatch.setattr(key_memory, "SLICE_BYTES", 7)
    assert key_hashes([av.strings(values)])[0].tolist() == whole.tolist()


def test_composite_keys():
    trips = av.strings(["T1", "T1", "T2", None, None, "T1"])
    seqs = av.int64s([1, 2, 1, None, 3, 1])
    hashes, all_null = key_hashes([trips, seqs])
    assert all_null.tolist() == [False, False, False, True, False, False]
    assert hashes[0] == hashes[5] and len(set(hashes[:5].tolist())) == 5
    swapped, _ = key_hashes([av.strings(["a", "b"]), av.strings(["b", "a"])])
    assert swapped[0] != swapped[1]


def test_key_memory_names_the_latest_earlier_row():
    memory = KeyMemory()
    keys = [["a", "b", "a"], ["c", "a", None], ["b", None, "a"]]
    seen = []
    for chunk, values in enumerate(keys):
        hashes, nulls = key_hashes([av.strings(values)])
        rows = np.arange(2 + 3 * chunk, 5 + 3 * chunk, dtype=np.int64)
        seen += memory.feed(hashes, rows, nulls).tolist()
    assert seen == [0, 0, 2, 0, 4, 0, 3, 0, 6]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["", "a", "b", "é", "a" * 70])), max_size=60),
       st.lists(st.integers(1, 9), min_size=1, max_size=10))
def test_key_memory_agrees_with_a_dict_of_every_key_seen(keys, sizes):
    """Frictionless' rule: a repeated key names the latest earlier row holding it; nulls are skipped."""
    latest, expected = {}, []
    for row, key in enumerate(keys, start=2):
        expected.append(0 if key is None else latest.get(key, 0))
        if key is not None:
            latest[key] = row
    memory, found, start = KeyMemory(), [], 0
    while start < len(keys):
        size = sizes[len(found) % len(sizes)]
        chunk = keys[start:start + size]
        hashes, nulls = key_hashes([av.strings(chunk)])
        found += memory.feed(hashes, np.arange(start + 2, start + 2 + len(chunk), dtype=np.int64), nulls).tolist()
        start += size
    assert found == expected


def test_a_hash_collision_is_never_reported(tmp_path, monkeypatch):
    """Every key hashing alike (the worst hash): the duplicates found are checked against the
    real values, which differ, so Frictionless decides the table, and the only duplicate
    reported is the real one."""
    lines = ["id,code"] + [f"{i},C{i:05d}" for i in range(1, 3000)] + ["3000,C00007"]
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    descriptor = {"name": "t", "path": "t.csv", "schema": {"fields": [
        {"name": "id", "type": "integer"}, {"name": "code", "type": "string", "constraints": {"unique": True}}]}}
    make = lambda: frictionless.Resource(dict(descriptor), basepath=str(tmp_path))
    fair = table_checks.fast_report(make(), 1000)
    assert fair is not None and [(e.row_number, e.type) for e in fair.tasks[0].errors] == [(3001, "unique-error")]
    monkeypatch.setattr(key_memory, "key_hashes", lambda columns: (
        np.zeros(len(columns[0]), dtype=np.uint64), np.logical_and.reduce([av.nulls(c) for c in columns])))
    assert table_checks.fast_report(make(), 1000) is None  # the collisions were seen, and handed over
    report = table_checks.validate(make(), 1000)
    assert [(e.row_number, e.type) for e in report.tasks[0].errors] == [(3001, "unique-error")]
