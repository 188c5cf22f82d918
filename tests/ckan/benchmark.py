"""Benchmark `catalog publish ckan` against a throw-away real CKAN; prints figures, asserts nothing.

    python3 tests/ckan/benchmark.py [--rows 200000]

Publishes one dataset holding a seeded GTFS stop_times table (tests/benchmarks/inputs.py)
three times: first publication (upload + DataStore load), the same again (nothing to do),
then after changing one row (the file uploaded in place, its table reloaded).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from catalog.package import package  # noqa: E402
from catalog.publish.ckan import publish_ckan  # noqa: E402
from tests.benchmarks.inputs import STOP_TIMES_SCHEMA, stop_times  # noqa: E402
from tests.ckan import portal as harness  # noqa: E402
from tests.hub import make_hub  # noqa: E402


def timed(what, function):
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="catalog-ckan-bench-") as work:
        work = Path(work)
        frame = stop_times(args.rows)
        folder = make_hub(work / "hub", schema=STOP_TIMES_SCHEMA, data=frame.to_csv(index=False, lineterminator="\n"))
        csv_bytes = (folder / "data.csv").stat().st_size
        portal, seconds = timed("start", lambda: harness.start(work / "portal"))
        print(f"CKAN portal ready in {seconds:.1f} s")
        try:
            out = work / "packages"
            _, seconds = timed("package", lambda: package((), work / "hub", out))
            print(f"validate + package {args.rows:,} rows ({csv_bytes / 1e6:.1f} MB): {seconds:.1f} s")

            def publish():
                return publish_ckan((), work / "hub", out, url=portal.url, api_key=portal.token)

            result, seconds = timed("first", publish)
            print(f"first publish: {seconds:.1f} s, {result.rows:,} DataStore rows, "
                  f"{result.rows / max(seconds, 1e-9):,.0f} rows/s overall (includes packaging check and upload)")
            result, seconds = timed("second", publish)
            print(f"second publish, unchanged: {seconds:.1f} s, {len([s for s in result.steps if s.writes])} writes")
            data = folder / "data.csv"
            text = data.read_text()
            data.write_text(text.replace(",0,0\n", ",1,0\n", 1))
            result, seconds = timed("edit", publish)
            print(f"publish after editing one row: {seconds:.1f} s, "
                  f"{', '.join(s.line() for s in result.done)}")
        finally:
            portal.stop()


if __name__ == "__main__":
    main()
