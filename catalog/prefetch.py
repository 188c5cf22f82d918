"""Read ahead: the next item of a generator is produced on another thread while this
one works on the current item.

Parsing a CSV block (pyarrow) and checking the previous one (pyarrow compute) both
release the GIL, so on two cores they overlap instead of taking turns.
"""
from __future__ import annotations

import queue
import threading

_DONE = object()


def prefetched(items, ahead: int = 1):
    """Yield what `items` yields, in order, computing up to `ahead` items in advance.

    An exception raised by `items` is raised here, at the item it replaced; leaving the
    loop early stops the producer (it is never left running in the background)."""
    handoff: queue.Queue = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def produce():
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        handoff.put((item, None), timeout=0.05)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            outcome = (_DONE, None)
        except BaseException as error:  # handed to the consumer, raised there
            outcome = (_DONE, error)
        while not stop.is_set():
            try:
                handoff.put(outcome, timeout=0.05)
                return
            except queue.Full:
                continue

    worker = threading.Thread(target=produce, name="catalog-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            item, error = handoff.get()
            if item is _DONE:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        worker.join()
        close = getattr(items, "close", None)
        if close is not None:
            close()
