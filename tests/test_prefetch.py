"""Read-ahead keeps the order, raises where the source raised, and stops with its consumer."""
import threading

import pytest

from catalog.prefetch import prefetched


def test_items_come_in_order_from_another_thread():
    threads = []

    def source():
        for i in range(50):
            threads.append(threading.current_thread().name)
            yield i

    assert list(prefetched(source(), ahead=3)) == list(range(50))
    assert set(threads) == {"catalog-read-ahead"}


def test_an_error_is_raised_after_the_items_before_it():
    def source():
        yield 1
        yield 2
        raise ValueError("bad block")

    seen = []
    with pytest.raises(ValueError, match="bad block"):
        for item in prefetched(source()):
            seen.append(item)
    assert seen == [1, 2]


def test_leaving_early_stops_and_closes_the_source():
    closed, produced = [], []

    def source():
        try:
            for i in range(10_000):
                produced.append(i)
                yield i
        finally:
            closed.append(True)

    before = threading.active_count()
    for item in prefetched(source()):
        if item == 3:
            break
    assert closed == [True]
    assert len(produced) <= 6  # the consumer's 4, the one in the queue, the one being made
    assert threading.active_count() == before
