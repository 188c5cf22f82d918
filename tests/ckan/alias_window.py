"""Measure how long a DataStore alias is missing while `catalog publish ckan` reloads its table;
prints figures, asserts nothing.

    python3 tests/ckan/alias_window.py [--reloads 10] [--rows 20000]

CKAN's API cannot move an alias in one call (datastore_create refuses an alias another table
holds; see catalog/publish/ckan_tables.py), so the alias is missing between the call that
takes it from the old table and the one that gives it to the new. On a throw-away portal, a
table is reloaded `--reloads` times while readers ask for the alias as fast as they can:
for each reload it prints how many of their answers were "not found" (or another failure) and for how long (from
the first such answer to the first answer with the new rows), beside the two calls' own
duration as the publisher saw it. Timings depend on the machine's load: say so when quoting them.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import ckanapi  # noqa: E402

from catalog.publish import ckan_client  # noqa: E402
from tests.ckan import portal as harness  # noqa: E402
from tests.test_ckan import crafted_hub, run_cli  # noqa: E402

ALIAS = "window__window_equipements_equipements"


def rows(count, start):
    return [[i, f"Équipement {i}", "2020-01-02", "true", "12.5", 46.6, 2.4] for i in range(start, start + count)]


class Readers:
    """Threads asking for the alias's row count without pause; each answer is timed."""

    def __init__(self, url, threads=3):
        self.answers, self.stop = [], False
        self.threads = [threading.Thread(target=self._read, args=(url,), daemon=True) for _ in range(threads)]

    def _read(self, url):
        ckan = ckanapi.RemoteCKAN(url)
        while not self.stop:
            try:
                total = ckan.action.datastore_search(resource_id=ALIAS, limit=0)["total"]
            except ckanapi.NotFound:
                total = None
            except Exception:  # noqa: BLE001 - a request caught as the old alias is dropped may fail otherwise
                total = "error"
            self.answers.append((time.perf_counter(), total))

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop = True
        for thread in self.threads:
            thread.join()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reloads", type=int, default=10)
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="catalog-alias-window-") as work:
        work = Path(work)
        portal = harness.start(work / "portal")
        try:
            folder = crafted_hub(work / "hub", "window", rows=rows(args.rows, 1), tarifs=False, geojson=False)
            assert run_cli(work / "hub", portal).exit_code == 0
            # The publisher's own view of the two calls that move the alias (a spy, not a fake).
            calls, original = [], ckan_client.Client.call

            def timed(self, action, **data):
                started = time.perf_counter()
                answer = original(self, action, **data)
                if action == "datastore_create" and "aliases" in data and "fields" not in data:
                    calls.append((started, time.perf_counter(), list(data["aliases"])))
                return answer
            ckan_client.Client.call = timed
            missing, windows, switches = [], [], []
            for reload in range(args.reloads):
                fresh = crafted_hub(work / f"next{reload}", "window", rows=rows(args.rows + reload + 1, 1),
                                    tarifs=False, geojson=False)
                (folder / "data.csv").write_bytes((fresh / "data.csv").read_bytes())
                calls.clear()
                with Readers(portal.url) as readers:
                    result = run_cli(work / "hub", portal)
                assert result.exit_code == 0, result.output
                answers = sorted(readers.answers)
                old = [t for t, total in answers if total == args.rows + reload]
                new = [t for t, total in answers if total == args.rows + reload + 1]
                gone = [t for t, total in answers if total in (None, "error") and old and new and old[-1] < t < new[0]]
                missing.append(len(gone))
                windows.append((new[0] - gone[0]) * 1000 if gone else 0.0)
                # The call taking the alias from the old table, and the next one, giving it to the new.
                drop = next(i for i, call in enumerate(calls) if call[2] == [])
                switches.append((calls[drop + 1][1] - calls[drop][0]) * 1000)
                print(f"  reload {reload + 1}: {len(answers)} answers, {len(gone)} 'not found' over "
                      f"{windows[-1]:.0f} ms; the two alias calls took {switches[-1]:.0f} ms", flush=True)
            ckan_client.Client.call = original
            print(f"alias missing: {sum(1 for m in missing if m)} of {args.reloads} reloads seen by the readers; "
                  f"window median {statistics.median(windows):.0f} ms, max {max(windows):.0f} ms; "
                  f"the two calls median {statistics.median(switches):.0f} ms, max {max(switches):.0f} ms")
        finally:
            portal.stop()


if __name__ == "__main__":
    main()
