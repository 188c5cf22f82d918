"""The performance benchmark: `python -m tests.benchmarks [--rows N] [--repeat K] [--json FILE]`.

In a temporary folder it generates seeded inputs (a GTFS stop_times table of N rows
with its Table Schema, valid and with 0.2% bad cells; a French IRVE table of N/5
rows: `;`, decimal comma, cp1252), then runs side by side, each in fresh processes
and K times: `frictionless validate` and `catalog validate` (do they name the same
bad cells?), `sqlite-utils insert --csv`, a plain `executemany`, `catalog publish
datasette` and an unchanged re-publish; then a bounded load on `catalog serve`.
It prints medians, ratios and peak memory, and writes the same figures as JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks import findings, hub, inputs, load, measure

REPO = Path(__file__).resolve().parents[2]
ROWS_IN_CI = 100_000  # the reduced run tests/test_benchmarks.py makes


def _python(*args):
    return [sys.executable, "-m", *args]


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return env


def _must_succeed(*allowed):
    def check(run):
        if run.returncode not in allowed:
            raise RuntimeError(f"a benchmarked command failed (exit {run.returncode}):\n{run.stderr[-2000:]}")
    return check


def validate_section(made: dict, folder: Path, repeat: int, env) -> list[dict]:
    rows = []
    for key, title in (("stop_times_bad", "stop_times, 0.2% bad cells"), ("stop_times", "stop_times, valid"),
                       ("irve_bad", "IRVE cp1252 ;, 0.2% bad cells"),
                       ("stop_times_spread", "stop_times, 1 bad row in 500"),
                       ("stop_times_quoted", "stop_times, valid, all quoted")):
        item = made[key]
        options = []
        if item["options"]:
            options = ["--encoding", item["options"]["encoding"], "--dialect", json.dumps(item["options"]["dialect"])]
        theirs = measure.series("frictionless validate", _python("frictionless", "validate", item["csv"].name,
                                "--schema", item["schema"].name, "--json", *options), repeat, folder, env,
                                check=_must_succeed(0, 1))
        ours = measure.series("catalog validate", _python("catalog.cli", "validate", item["csv"].name,
                              "--schema", item["schema"].name, "--json"), repeat, folder, env,
                              check=_must_succeed(0, 1))
        extra = [item["options"]["encoding"], item["options"]["dialect"]["delimiter"]] if item["options"] else []
        checks = measure.series("table checks only", _python("tests.benchmarks.table_checks", item["csv"].name,
                                item["schema"].name, *extra), repeat, folder, env, check=_must_succeed(0, 1))
        engine = measure.series("frictionless engine", _python("tests.benchmarks.table_checks", item["csv"].name,
                                item["schema"].name, *extra, "--frictionless"), repeat, folder, env,
                                check=_must_succeed(0, 1))
        inside = {"fast": statistics.median(json.loads(r.stdout)["seconds"] for r in checks.runs),
                  "frictionless": statistics.median(json.loads(r.stdout)["seconds"] for r in engine.runs)}
        agreement = findings.compare(theirs.runs[-1].stdout, ours.runs[-1].stdout)
        checks_agree = findings.in_row_order(findings.frictionless_cells(theirs.runs[-1].stdout)) == \
            findings.in_row_order(findings.frictionless_cells(checks.runs[-1].stdout))
        rows.append({"input": title, "rows": item["rows"], "frictionless": theirs.to_dict(), "catalog": ours.to_dict(),
                     "table_checks": checks.to_dict(), "speedup": round(theirs.median / ours.median, 2),
                     "table_checks_speedup": round(theirs.median / checks.median, 2),
                     "in_process_seconds": {k: round(v, 3) for k, v in inside.items()},
                     "in_process_speedup": round(inside["frictionless"] / inside["fast"], 2),
                     "findings": agreement, "table_checks_agree": checks_agree})
    return rows


NO_LIMIT = 1_000_000_000
SMALL_ROWS = 40  # what agencies validate most: a small table, where start-up and imports are the cost


def small_section(made: dict, folder: Path, repeat: int, env) -> dict:
    """The first 40 rows of the valid stop_times, with its schema: both tools side by side."""
    item = made["stop_times"]
    small = folder / "small.csv"
    with open(item["csv"], encoding="utf-8") as source:
        small.write_text("".join(next(source) for _ in range(SMALL_ROWS + 1)), encoding="utf-8")
    theirs = measure.series("frictionless validate", _python("frictionless", "validate", small.name, "--schema",
                            item["schema"].name, "--json"), repeat, folder, env, check=_must_succeed(0, 1))
    ours = measure.series("catalog validate", _python("catalog.cli", "validate", small.name, "--schema",
                          item["schema"].name, "--json"), repeat, folder, env, check=_must_succeed(0, 1))
    return {"input": f"stop_times, {SMALL_ROWS} rows", "rows": SMALL_ROWS, "frictionless": theirs.to_dict(),
            "catalog": ours.to_dict(), "time_ratio": round(ours.median / theirs.median, 2),
            "extra_mb": round(ours.to_dict()["peak_mb"] - theirs.to_dict()["peak_mb"], 1),
            "findings": findings.compare(theirs.runs[-1].stdout, ours.runs[-1].stdout)}


def unlimited_section(made: dict, folder: Path, repeat: int, env) -> dict:
    """The file with bad cells, both tools' error limit raised: each reads all of it."""
    item = made["stop_times_bad"]
    theirs = measure.series("frictionless validate --limit-errors", _python(
        "frictionless", "validate", item["csv"].name, "--schema", item["schema"].name, "--json",
        "--limit-errors", str(NO_LIMIT)), repeat, folder, env, check=_must_succeed(0, 1))
    ours = measure.series("catalog validate, no error limit", _python(
        "tests.benchmarks.unlimited", str(NO_LIMIT), "validate", item["csv"].name, "--schema", item["schema"].name,
        "--json"), repeat, folder, env, check=_must_succeed(0, 1))
    return {"input": "stop_times, 0.2% bad cells, no error limit", "rows": item["rows"],
            "frictionless": theirs.to_dict(), "catalog": ours.to_dict(),
            "speedup": round(theirs.median / ours.median, 2),
            "findings": findings.compare(theirs.runs[-1].stdout, ours.runs[-1].stdout)}


def load_section(made: dict, folder: Path, repeat: int, env) -> dict:
    data = made["stop_times"]["csv"]
    root = folder / "hub"
    dataset = hub.make_hub(root, data, inputs.STOP_TIMES_SCHEMA)
    scratch = folder / "scratch.db"
    build = root / "build"

    def fresh_db():
        scratch.unlink(missing_ok=True)

    def fresh_hub():
        shutil.rmtree(build, ignore_errors=True)

    sqlite_utils = measure.series("sqlite-utils insert --csv", _python(
        "sqlite_utils", "insert", str(scratch), "stop_times", str(data), "--csv"), repeat, folder, env,
        before=fresh_db, check=_must_succeed(0))
    executemany = measure.series("executemany", _python(
        "tests.benchmarks.executemany", str(data), str(scratch)), repeat, folder, env,
        before=fresh_db, check=_must_succeed(0))
    publish_command = _python("catalog.cli", "publish", "datasette", str(dataset), "--db", str(build / "hub.db"),
                              "--out", str(build / "packages"), "--root", str(root))
    publish = measure.series("catalog publish datasette", publish_command, repeat, root, env,
                             before=fresh_hub, check=_must_succeed(0))
    republish = measure.series("re-publish, unchanged", publish_command, repeat, root, env, check=_must_succeed(0))
    fresh_db()
    return {
        "rows": made["stop_times"]["rows"],
        "sqlite_utils": sqlite_utils.to_dict(), "executemany": executemany.to_dict(),
        "publish": publish.to_dict(), "republish": republish.to_dict(),
        "publish_vs_sqlite_utils": round(sqlite_utils.median / publish.median, 2),
        "publish_vs_executemany": round(publish.median / executemany.median, 2),
        "hub": {"db": str(build / "hub.db"), "packages": str(build / "packages"), "root": str(root)},
    }


def serve_section(loaded: dict, requests: int, seconds: float, clients: int, env) -> dict:
    table = hub.table()
    root = Path(loaded["hub"]["root"])
    # The hub served is the bundled datasets plus the big table (published above, unchanged now).
    bundled = hub.add_bundled(root, REPO)
    published = measure.run(_python("catalog.cli", "publish", "datasette", "--db", loaded["hub"]["db"],
                                    "--out", loaded["hub"]["packages"], "--root", str(root)), root, env)
    _must_succeed(0)(published)
    with load.Served(Path(loaded["hub"]["db"]), Path(loaded["hub"]["packages"]), Path(loaded["hub"]["root"]), env) as served:
        url_for = lambda rng: f"{served.url}/hub/{table}.json?stop_id=S{rng.randrange(5000):05d}"
        load.bounded_load(url_for, min(100, requests), seconds, clients, seed=1)  # warm-up, not counted
        result = load.bounded_load(url_for, requests, seconds, clients)
    result["request"] = f"/hub/{table}.json?stop_id=S....."
    result["server_workers"] = served.workers
    result["hub_datasets"] = len(bundled) + 1
    return result


def memory_section(rows: int, folder: Path, env) -> dict:
    """Peak memory of `catalog validate` and `catalog publish datasette` on a larger valid table.

    Reading in batches keeps it flat: compare with the same figures at the main size."""
    folder = folder / f"memory-{rows}"
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "stop_times.csv"
    inputs.stop_times(rows).to_csv(data, index=False, lineterminator="\n")
    (folder / "stop_times.schema.json").write_text(json.dumps(inputs.STOP_TIMES_SCHEMA), encoding="utf-8")
    validated = measure.run(_python("catalog.cli", "validate", data.name, "--schema", "stop_times.schema.json"), folder, env)
    root = folder / "hub"
    dataset = hub.make_hub(root, data, inputs.STOP_TIMES_SCHEMA)
    published = measure.run(_python("catalog.cli", "publish", "datasette", str(dataset), "--db", str(root / "build" / "hub.db"),
                                    "--out", str(root / "build" / "packages"), "--root", str(root)), root, env)
    for outcome in (validated, published):
        _must_succeed(0)(outcome)
    shutil.rmtree(folder, ignore_errors=True)
    return {"rows": rows, "validate": {"seconds": round(validated.seconds, 2), "peak_mb": round(validated.peak_mb, 1)},
            "publish": {"seconds": round(published.seconds, 2), "peak_mb": round(published.peak_mb, 1)}}


SECTIONS = ("small", "validate", "unlimited", "load", "serve")


def run(rows: int, repeat: int, requests: int, seconds: float, clients: int, keep: Path | None = None,
        memory_rows: int | None = None, only=SECTIONS) -> dict:
    env = _env()
    validated = unlimited = loaded = served = memory = small = None
    with tempfile.TemporaryDirectory(prefix="catalog-bench-") as tmp:
        folder = Path(keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        made = inputs.write_inputs(folder, rows, max(1, rows // 5))
        generated = time.perf_counter() - started
        if "small" in only:
            small = small_section(made, folder, repeat, env)
        if "validate" in only:
            validated = validate_section(made, folder, repeat, env)
        if "unlimited" in only:
            unlimited = unlimited_section(made, folder, repeat, env)
        if "load" in only or "serve" in only:  # serving needs the hub the load builds
            loaded = load_section(made, folder, repeat, env)
        if "serve" in only:
            served = serve_section(loaded, requests, seconds, clients, env)
        memory = memory_section(memory_rows, folder, env) if memory_rows else None
    if loaded:
        loaded.pop("hub")
    return {"version": 1, "rows": rows, "repeat": repeat, "generated_seconds": round(generated, 1),
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "system": platform.platform()},
            "validate_small": small, "validate": validated, "validate_no_limit": unlimited, "load": loaded, "serve": served, "memory": memory}


def render(result: dict) -> str:
    lines = [f"catalog benchmark: {result['rows']:,} stop_times rows, {result['repeat']} run(s) each, "
             f"medians in seconds, peak resident memory in MB", ""]
    small = result.get("validate_small")
    if small:
        lines += [f"{small['input']}: frictionless validate {small['frictionless']['median_seconds']:.2f} s "
                  f"({small['frictionless']['peak_mb']:.0f} MB), catalog validate {small['catalog']['median_seconds']:.2f} s "
                  f"({small['catalog']['peak_mb']:.0f} MB): {small['time_ratio']:.2f}x the time (target <= 0.5x), "
                  f"{small['extra_mb']:+.0f} MB (target <= +30 MB), "
                  f"{'same' if small['findings']['agree'] else 'DIFFERENT'} findings", ""]
    if result.get("validate"):
        lines += _render_validate(result)
    u = result.get("validate_no_limit")
    if u:
        f = u["findings"]
        lines += ["", f"{u['input']}: frictionless validate --limit-errors {u['frictionless']['median_seconds']:.2f} s "
                  f"({u['frictionless']['peak_mb']:.0f} MB), catalog validate {u['catalog']['median_seconds']:.2f} s "
                  f"({u['catalog']['peak_mb']:.0f} MB): {u['speedup']:.1f}x, "
                  f"{'same' if f['agree'] else 'DIFFERENT'} ({f['frictionless_errors']} vs {f['catalog_errors']} errors)"]
    data = result.get("load")
    if data:
        lines += _render_load(data)
    s = result.get("serve")
    if s:
        lines += ["", f"serve: {s['request']} with {s['clients']} concurrent clients (load from {s['client']}; "
                      f"catalog serve with {s.get('server_workers')} worker(s), a hub of {s.get('hub_datasets')} "
                      "datasets: the bundled ones and this table)",
                  f"{s['requests']} requests ({s['failures']} failed) in {s['seconds']} s: {s['requests_per_second']} "
                  f"req/s, p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms, p99 {s['p99_ms']} ms (target p99 < 50 ms)"]
    m = result.get("memory")
    if m:
        lines += ["", f"memory at {m['rows']:,} rows: catalog validate {m['validate']['peak_mb']:.0f} MB "
                  f"({m['validate']['seconds']} s), catalog publish datasette {m['publish']['peak_mb']:.0f} MB "
                  f"({m['publish']['seconds']} s) (target < 300 MB, flat)"]
    return "\n".join(lines)


def _render_validate(result: dict) -> list[str]:
    lines = []
    head = (f"{'input':30} {'frictionless':>12} {'peak':>5} {'catalog':>8} {'peak':>5} {'ratio':>6} "
            f"{'checks':>7} {'peak':>5} {'ratio':>6}  findings")
    lines += ["validate (catalog: the whole `catalog validate`; checks: its vectorised table checks alone)",
              head, "-" * len(head)]
    for row in result["validate"]:
        f, c = row["findings"], row["table_checks"]
        same = "same" if f["agree"] and row["table_checks_agree"] else "DIFFERENT"
        lines.append(f"{row['input']:30} {row['frictionless']['median_seconds']:>12.2f} {row['frictionless']['peak_mb']:>5.0f} "
                     f"{row['catalog']['median_seconds']:>8.2f} {row['catalog']['peak_mb']:>5.0f} {row['speedup']:>5.1f}x "
                     f"{c['median_seconds']:>7.2f} {c['peak_mb']:>5.0f} {row['table_checks_speedup']:>5.1f}x  "
                     f"{same} ({f['frictionless_errors']} vs {f['catalog_errors']} errors)")
    lines.append("the same table checks timed inside one process (start-up and imports excluded):")
    lines += [f"  {row['input']:30} Frictionless {row['in_process_seconds']['frictionless']:6.2f} s, vectorised "
              f"{row['in_process_seconds']['fast']:5.2f} s ({row['in_process_speedup']:.1f}x)" for row in result["validate"]]
    return lines


def _render_load(data: dict) -> list[str]:
    lines = ["", f"load {data['rows']:,} valid stop_times into SQLite", f"{'command':32} {'median':>8} {'peak':>6}", "-" * 48]
    for key in ("sqlite_utils", "executemany", "publish", "republish"):
        lines.append(f"{data[key]['label']:32} {data[key]['median_seconds']:>8.2f} {data[key]['peak_mb']:>6.0f}")
    lines += [f"publish is {data['publish_vs_sqlite_utils']}x faster than sqlite-utils insert "
              f"(target >= 10x) and {data['publish_vs_executemany']}x executemany's time (target <= 2x)"]
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="stop_times rows (IRVE gets a fifth)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command (medians are printed)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--requests", type=int, default=5000, help="requests of the load on the served hub")
    parser.add_argument("--seconds", type=float, default=60, help="time cap of the load")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients of the load")
    parser.add_argument("--keep", type=Path, help="generate and keep the inputs in this folder")
    parser.add_argument("--memory-rows", type=int, help="also measure peak memory of catalog validate and "
                        "publish on a valid stop_times of this many rows (e.g. 3000000)")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections to run, of {','.join(SECTIONS)} (default: all)")
    parser.add_argument("--memory-only", action="store_true", help="only the --memory-rows point (for 10M rows)")
    args = parser.parse_args(argv)
    if args.memory_only:
        if not args.memory_rows:
            parser.error("--memory-only needs --memory-rows")
        with tempfile.TemporaryDirectory(prefix="catalog-bench-") as tmp:
            result = {"version": 1, "memory": memory_section(args.memory_rows, Path(tmp), _env())}
        m = result["memory"]
        print(f"memory at {m['rows']:,} rows: catalog validate {m['validate']['peak_mb']:.0f} MB "
              f"({m['validate']['seconds']} s), catalog publish datasette {m['publish']['peak_mb']:.0f} MB "
              f"({m['publish']['seconds']} s)")
        if args.json:
            args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        return 0
    only = [part.strip() for part in args.only.split(",") if part.strip()]
    if not only or set(only) - set(SECTIONS):
        parser.error(f"--only takes sections among {', '.join(SECTIONS)}")
    result = run(args.rows, args.repeat, args.requests, args.seconds, args.clients, args.keep, args.memory_rows, only)
    print(render(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0
