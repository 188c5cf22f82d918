"""Benchmark `catalog publish ckan` against throw-away real CKANs; prints figures, asserts nothing.

    python3 tests/ckan/benchmark.py [--rows 500000] [--workers 3]

One dataset holding a seeded GTFS stop_times table (tests/benchmarks/inputs.py) is published
to a portal without xloader, then to one with xloader and its worker: first publication
(upload + table), the same again (nothing to do), then after changing one row (a new table
loaded beside the live one and swapped in). Beside it, what a user would otherwise run: plain
ckanapi, `datastore_create` then `datastore_upsert` of the same rows in batches of 10,000,
one after the other (as `catalog publish ckan` did before concurrent batches).
Timings depend on the machine's load: the test machine is shared, say so when quoting them.
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from catalog.package import package  # noqa: E402
from catalog.publish import ckan_datastore  # noqa: E402
from catalog.publish.ckan import publish_ckan  # noqa: E402
from tests.benchmarks.inputs import STOP_TIMES_SCHEMA, stop_times  # noqa: E402
from tests.ckan import portal as harness  # noqa: E402
from tests.hub import make_hub  # noqa: E402


def timed(function):
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def plain_ckanapi(portal, csv_path, fields, rows):
    """What a user would write with ckanapi: one table, batches of 10,000 sent one after the other."""
    import ckanapi

    ckan = ckanapi.RemoteCKAN(portal.url, apikey=portal.token)
    org = ckan.action.organization_create(name="plain-ckanapi")
    dataset = ckan.action.package_create(name="plain-ckanapi-stop-times", owner_org=org["id"])
    resource = ckan.action.resource_create(package_id=dataset["id"], name="stop_times", url="")

    def load():
        ckan.action.datastore_create(resource_id=resource["id"], fields=fields, force=True)
        for batch in ckan_datastore.batches(csv_path, fields):
            ckan.action.datastore_upsert(resource_id=resource["id"], records=batch, method="insert", force=True)

    _, seconds = timed(load)
    return seconds


def run(work, hub, out, rows, xloader):
    portal, seconds = timed(lambda: harness.start(work / f"portal-{'xloader' if xloader else 'api'}",
                                                  xloader=xloader))
    print(f"  portal {'with' if xloader else 'without'} xloader ready in {seconds:.0f} s", flush=True)
    figures = {}
    try:
        def publish():
            return publish_ckan((), hub, out, url=portal.url, api_key=portal.token)

        result, figures["first"] = timed(publish)
        assert result.rows == rows, result.rows
        result, figures["unchanged"] = timed(publish)
        assert not [s for s in result.steps if s.writes]
        data = next((hub / "datasets").glob("*/*/data.csv"))
        text = data.read_text()
        data.write_text(text.replace(",0,0\n", ",1,0\n", 1))
        result, figures["reload"] = timed(publish)
        data.write_text(text)
        csv_path = next(out.glob("*/*/data/*.csv"))
        fields = [{"id": f["name"], "type": {"integer": "int8", "number": "numeric"}.get(f["type"], "text")}
                  for f in STOP_TIMES_SCHEMA["fields"]]
        figures["ckanapi"] = plain_ckanapi(portal, csv_path, fields, rows)
    finally:
        portal.stop()
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--only", choices=["api", "xloader"], help="run one of the two portals only")
    args = parser.parse_args()
    print(f"DataStore batches in flight: {ckan_datastore.WORKERS} (CATALOG_CKAN_WORKERS); "
          f"machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory(prefix="catalog-ckan-bench-") as work:
        work = Path(work)
        frame = stop_times(args.rows)
        folder = make_hub(work / "hub", schema=STOP_TIMES_SCHEMA, data=frame.to_csv(index=False, lineterminator="\n"))
        size = (folder / "data.csv").stat().st_size
        out = work / "packages"
        _, seconds = timed(lambda: package((), work / "hub", out))
        print(f"validate + package {args.rows:,} rows ({size / 1e6:.1f} MB): {seconds:.1f} s (not counted below)")
        results = {}
        for mode in ("api", "xloader"):
            if args.only in (None, mode):
                results[mode] = run(work, work / "hub", out, args.rows, xloader=mode == "xloader")
        rate = lambda s: f"{args.rows / s:>9,.0f} rows/s"  # noqa: E731
        print(f"\n{'':34}{'seconds':>9}  {'rate':>16}  vs plain ckanapi")
        for mode, figures in results.items():
            label = "without xloader" if mode == "api" else "with xloader"
            base = figures["ckanapi"]
            print(f"{label}:")
            print(f"  plain ckanapi datastore_upsert    {base:9.1f}  {rate(base)}")
            for key, what in (("first", "catalog, first publication"), ("reload", "catalog, reload (1 row changed)")):
                print(f"  {what:<32}{figures[key]:9.1f}  {rate(figures[key])}  {base / figures[key]:.2f}x")
            print(f"  {'catalog, unchanged re-publish':<32}{figures['unchanged']:9.1f}")
        print("\nTimings taken on a shared 2-core machine under other load: compare the ratios, not the seconds.")


if __name__ == "__main__":
    main()
