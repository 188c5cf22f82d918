"""Benchmark `catalog publish ckan` against throw-away real CKANs; prints figures, asserts nothing.

    python3 tests/ckan/benchmark.py [--rows 500000] [--only api|xloader] [--old 61c6558]

One dataset holding a seeded GTFS stop_times table (tests/benchmarks/inputs.py) is published
to a portal without xloader, then to one with xloader and its worker: first publication
(upload + table), the same again (nothing to do), then after changing one row (a new table
loaded beside the live one and swapped in). Packaging is done before each of them and not
counted: the figures are the publication alone.

Side by side, on the same rows and the same portal:
- what a user would otherwise run: plain ckanapi, `datastore_create` then `datastore_upsert`
  in batches of 10,000, one after the other;
- `catalog publish ckan` as it was before issue 15 (`--old`, commit 61c6558 by default: its
  `catalog/` is extracted with `git archive` into a scratch folder and run from there), on
  its own copy of the dataset. Only on the portal without xloader: that code did not
  cooperate with xloader, whose job replaced its table.
Each code version runs in its own Python process (the driver mode of this file), timed the
same way. With xloader, the job's own log (xloader_status) says where its time went.
Timings depend on the machine's load: the test machine is shared, say so when quoting them.
"""
from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OLD = "61c6558"  # the last commit before issue 15's work on `catalog publish ckan`


def timed(function):
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


# -- driver: runs in its own process, with one version of `catalog` first on the path ----------
def drive(code: str, hub: str, out: str, url: str, token_file: str):
    """First publication, unchanged re-publish, one-row reload of `hub` by the `catalog` in `code`."""
    sys.path.insert(0, code)
    from catalog.package import package
    from catalog.publish.ckan import publish_ckan

    assert Path(sys.modules["catalog"].__file__).is_relative_to(code), sys.modules["catalog"].__file__
    hub, out = Path(hub), Path(out)
    token = Path(token_file).read_text().strip()
    figures = {}

    def publish():
        return publish_ckan((), hub, out, url=url, api_key=token)

    _, figures["package"] = timed(lambda: package((), hub, out))
    result, figures["first"] = timed(publish)
    figures["rows"] = result.rows
    result, figures["unchanged"] = timed(publish)
    figures["unchanged_writes"] = len([s for s in result.steps if s.writes])
    data = next((hub / "datasets").glob("*/*/data.csv"))
    text = data.read_text()
    data.write_text(text.replace(",0,0\n", ",1,0\n", 1))
    try:
        package((), hub, out)
        result, figures["reload"] = timed(publish)
        figures["reload_rows"] = result.rows
    finally:
        data.write_text(text)
    print(json.dumps(figures))


def run_driver(code: Path, hub: Path, out: Path, portal) -> dict:
    env = {**os.environ, "PYTHONPATH": str(code)}
    answer = subprocess.run([sys.executable, __file__, "--driver", str(code), str(hub), str(out), portal.url,
                             str(Path(portal.folder) / "api-token")],
                            capture_output=True, text=True, env=env, cwd=code)
    if answer.returncode != 0:
        raise RuntimeError(f"the driver for {code} failed:\n{answer.stderr[-3000:]}")
    return json.loads(answer.stdout.strip().splitlines()[-1])


# -- what it is compared with -----------------------------------------------------------------
def plain_ckanapi(portal, csv_path, fields):
    """What a user would write with ckanapi: one table, batches of 10,000 sent one after the other."""
    import ckanapi
    from catalog.publish import ckan_datastore

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


def old_code(commit: str, folder: Path) -> Path:
    """`catalog/` as it was at `commit`, extracted into `folder` (no worktree, nothing left in the repository)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", commit, "catalog"],
                             capture_output=True)
    if archive.returncode != 0:
        sys.exit(f"Cannot read commit {commit} of {ROOT} ({archive.stderr.decode(errors='replace').strip()}): "
                 "a shallow clone lacks it; fetch the history (git fetch --unshallow) or pass --old ''.")
    archive = archive.stdout
    folder.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def renamed_copy(hub: Path, folder: Path, name: str) -> Path:
    """A copy of the hub whose dataset is named `name` (its own dataset on the same portal)."""
    shutil.copytree(hub, folder, ignore=shutil.ignore_patterns("build"))
    dataset = next((folder / "datasets").glob("*/*/datapackage.json"))
    descriptor = json.loads(dataset.read_text())
    descriptor["name"] = name
    dataset.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2))
    dataset.parent.rename(dataset.parent.with_name(name))
    return folder


# xloader's job log, read with xloader_status: which message starts each phase.
PHASES = [
    ("Express Load starting", "download, hash, encoding and header sniffing"),
    ("Ensuring character coding is UTF8", "rewrite of the CSV (tabulator)"),
    ("Copying to database", "split + COPY"),
    ("Creating search index", "full-text column (UPDATE of every row)"),
    ("Calculating record count", "ANALYZE, resource marked active"),
    ("Creating column indexes", "full-text index (built, then lost: never committed)"),
    ("File Hash updated", "its MD5 written as the resource hash"),
    ("Express Load completed", None),
]


def xloader_phases(portal) -> list[tuple[str, float]]:
    """Seconds per phase of the xloader job of the benchmark's live table (the reload's)."""
    import ckanapi

    ckan = ckanapi.RemoteCKAN(portal.url, apikey=portal.token)
    dataset = ckan.action.package_show(id="testville-equipements")
    resource = next(r for r in dataset["resources"] if r.get("datastore_active"))
    job = ckan.action.xloader_status(resource_id=resource["id"]).get("task_info") or {}
    stamps = {}
    for entry in job.get("logs") or []:
        for prefix, _ in PHASES:
            if entry["message"].startswith(prefix) and prefix not in stamps:
                stamps[prefix] = datetime.datetime.fromisoformat(entry["timestamp"])
    phases = []
    submitted = (job.get("metadata") or {}).get("task_created")
    if submitted and PHASES[0][0] in stamps:
        wait = stamps[PHASES[0][0]] - datetime.datetime.fromisoformat(submitted)
        phases.append(("queue: submitted -> job started in the worker", wait.total_seconds()))
    for (prefix, what), (following, _) in zip(PHASES, PHASES[1:]):
        if prefix in stamps and following in stamps:
            phases.append((what, (stamps[following] - stamps[prefix]).total_seconds()))
    if submitted and PHASES[-1][0] in stamps:
        whole = stamps[PHASES[-1][0]] - datetime.datetime.fromisoformat(submitted)
        phases.append(("in all, submitted -> completed", whole.total_seconds()))
    return phases


def run(work, hub, out, rows, xloader, old, fts_index_method, baseline):
    from tests.ckan import portal as harness
    from tests.benchmarks.inputs import STOP_TIMES_SCHEMA

    name = "xloader" if xloader else "api"
    portal, seconds = timed(lambda: harness.start(work / f"portal-{name}", xloader=xloader,
                                                  fts_index_method=fts_index_method))
    print(f"  portal {'with' if xloader else 'without'} xloader ready in {seconds:.0f} s", flush=True)
    figures = {}
    try:
        figures["catalog"] = run_driver(ROOT, hub, out, portal)
        print(f"  catalog: {figures['catalog']}", flush=True)
        if xloader:
            figures["phases"] = xloader_phases(portal)
        if baseline:
            csv_path = next(out.glob("*/*/data/*.csv"))
            fields = [{"id": f["name"], "type": {"integer": "int8", "number": "numeric"}.get(f["type"], "text")}
                      for f in STOP_TIMES_SCHEMA["fields"]]
            figures["ckanapi"] = plain_ckanapi(portal, csv_path, fields)
            print(f"  plain ckanapi: {figures['ckanapi']:.1f} s", flush=True)
        if old:
            copy = renamed_copy(hub, work / f"hub-old-{name}", "equipements-avant")
            figures["old"] = run_driver(old, copy, work / f"packages-old-{name}", portal)
            print(f"  catalog before issue 15: {figures['old']}", flush=True)
    except BaseException:
        for log in ("worker", "ckan"):  # what the portal said, before its folder goes
            path = Path(portal.folder) / f"{log}.log"
            if path.exists():
                print(f"--- end of the portal's {log}.log:\n{path.read_text(errors='replace')[-3000:]}", flush=True)
        raise
    finally:
        portal.stop()
    return figures


def report(results, rows, old_commit):
    rate = lambda s: f"{rows / s:>9,.0f} rows/s"  # noqa: E731
    print(f"\n{'':40}{'seconds':>9}  {'rate':>16}  {'vs ckanapi':>10}  {'vs before':>9}")
    baseline = next((f["ckanapi"] for f in results.values() if "ckanapi" in f), None)
    for mode, figures in results.items():
        print("without xloader:" if mode == "api" else "with xloader:")
        if "ckanapi" in figures:
            print(f"  {'plain ckanapi datastore_upsert':<38}{figures['ckanapi']:9.1f}  {rate(figures['ckanapi'])}")
        new, old = figures["catalog"], figures.get("old")
        if old:
            for key, what in (("first", "first publication"), ("reload", "reload (1 row changed)")):
                print(f"  {'before issue 15, ' + what:<38}{old[key]:9.1f}  {rate(old[key])}")
            print(f"  {'before issue 15, unchanged re-publish':<38}{old['unchanged']:9.1f}")
        for key, what in (("first", "first publication"), ("reload", "reload (1 row changed)")):
            versus_api = f"{baseline / new[key]:9.2f}x" if baseline else ""
            versus_old = f"{old[key] / new[key]:8.2f}x" if old else ""
            print(f"  {'catalog, ' + what:<38}{new[key]:9.1f}  {rate(new[key])}  {versus_api:>10}  {versus_old:>9}")
        versus_old = f"{old['unchanged'] / new['unchanged']:8.2f}x" if old else ""
        print(f"  {'catalog, unchanged re-publish':<38}{new['unchanged']:9.1f}  {rate(new['unchanged'])}  {'':>10}"
              f"  {versus_old:>9}   ({new['unchanged_writes']} writes)")
        if figures.get("phases"):
            print("  where the reload's xloader job spent its time:")
            for what, seconds in figures["phases"]:
                print(f"    {what:<52}{seconds:6.1f} s")
    if baseline is not None and "api" not in results:
        print("(plain ckanapi measured on the portal with xloader)")
    if old_commit:
        print(f"'before issue 15' is commit {old_commit}, run from a `git archive` of its catalog/.")
    print(f"Packaging ({rows:,} rows) is done before each publication and not counted.")
    print(f"Machine load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: the machine is shared, "
          "compare the ratios more than the seconds.")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--driver":
        return drive(*sys.argv[2:7])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--only", choices=["api", "xloader"], help="run one of the two portals only")
    parser.add_argument("--old", default=OLD, help=f"commit of the code to compare with (default {OLD}; '' for none)")
    parser.add_argument("--no-ckanapi", action="store_true", help="skip the plain ckanapi baseline")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--fts-index-method", choices=["gin", "gist"], default=None,
                        help="the portal's DataStore full-text index (default: the test portal's, GIN)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from catalog.package import package
    from catalog.publish import ckan_datastore
    from tests.benchmarks.inputs import STOP_TIMES_SCHEMA, stop_times
    from tests.ckan import portal as harness
    from tests.hub import make_hub

    method = args.fts_index_method or harness.FTS_INDEX_METHOD
    print(f"DataStore batches in flight: {ckan_datastore.WORKERS} (CATALOG_CKAN_WORKERS); portal full-text index: "
          f"{method}; machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory(prefix="catalog-ckan-bench-") as work:
        work = Path(work)
        frame = stop_times(args.rows)
        folder = make_hub(work / "hub", schema=STOP_TIMES_SCHEMA, data=frame.to_csv(index=False, lineterminator="\n"))
        size = (folder / "data.csv").stat().st_size
        _, seconds = timed(lambda: package((), work / "hub", work / "packages"))
        print(f"validate + package {args.rows:,} rows ({size / 1e6:.1f} MB): {seconds:.1f} s (not counted below)")
        old = old_code(args.old, work / "before") if args.old else None
        results = {}
        for mode in ("api", "xloader"):
            if args.only in (None, mode):
                results[mode] = run(work, work / "hub", work / "packages", args.rows, xloader=mode == "xloader",
                                    old=old if mode == "api" else None, fts_index_method=method,
                                    baseline=not args.no_ckanapi and not results)
        report(results, args.rows, args.old)
        if args.json:
            args.json.write_text(json.dumps({"rows": args.rows, "old": args.old, "fts_index_method": method,
                                             **results}, indent=1))


if __name__ == "__main__":
    main()
