"""The benchmark keeps working: a reduced run, checked for its shape and agreement, never for timings."""
from __future__ import annotations

import json
import subprocess
import sys

from tests.benchmarks import ROWS_IN_CI, REPO, findings, measure


def test_reduced_benchmark_runs_and_findings_agree(tmp_path):
    out = tmp_path / "bench.json"
    done = subprocess.run([sys.executable, "-m", "tests.benchmarks", "--rows", str(ROWS_IN_CI), "--repeat", "1",
                           "--requests", "200", "--seconds", "30", "--json", str(out),
                           "--memory-rows", str(2 * ROWS_IN_CI)],
                          cwd=REPO, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["rows"] == ROWS_IN_CI and result["repeat"] == 1

    small = result["validate_small"]
    assert small["rows"] == 40 and small["findings"]["agree"] and small["catalog"]["median_seconds"] > 0
    assert [row["input"] for row in result["validate"]] == [
        "stop_times, 0.2% bad cells", "stop_times, valid", "IRVE cp1252 ;, 0.2% bad cells",
        "stop_times, 1 bad row in 500", "stop_times, valid, all quoted"]
    for row in result["validate"]:
        for tool in ("frictionless", "catalog", "table_checks"):
            assert row[tool]["median_seconds"] > 0 and row[tool]["peak_mb"] > 0
        assert row["findings"]["agree"], row["findings"]
        assert row["table_checks_agree"]
        assert row["in_process_seconds"]["fast"] > 0 and row["in_process_seconds"]["frictionless"] > 0
    bad, valid, french, spread, quoted = result["validate"]
    assert quoted["findings"]["frictionless_errors"] == 0 and quoted["catalog"]["returncodes"] == [0]
    assert spread["findings"]["frictionless_errors"] == min(1000, ROWS_IN_CI // 500)  # evenly spread bad rows
    assert bad["findings"]["frictionless_errors"] == 1000  # 0.2% of 700,000 cells: past the error limit
    assert valid["findings"]["frictionless_errors"] == 0 and valid["catalog"]["returncodes"] == [0]
    assert french["findings"]["catalog_errors"] > 0

    load = result["load"]
    for key in ("sqlite_utils", "executemany", "publish", "republish"):
        assert load[key]["median_seconds"] > 0 and load[key]["returncodes"] == [0]
    assert load["publish_vs_sqlite_utils"] > 0 and load["publish_vs_executemany"] > 0

    served = result["serve"]
    assert served["clients"] == 16 and served["failures"] == 0 and served["requests"] == 200
    assert served["p50_ms"] <= served["p95_ms"] <= served["p99_ms"]
    assert "horaires_stop_times.json?stop_id=" in served["request"]
    assert served["client"].startswith(("wrk", "python")) and served["server_workers"] >= 1
    bundled = [d for p in (REPO / "datasets").iterdir() if p.is_dir() for d in p.iterdir() if d.is_dir()]
    assert served["hub_datasets"] == len(bundled) + 1 >= 11  # the bundled datasets and the big table

    memory = result["memory"]
    assert memory["rows"] == 2 * ROWS_IN_CI
    assert memory["validate"]["peak_mb"] > 0 and memory["publish"]["peak_mb"] > 0

    printed = done.stdout
    for heading in ("validate", "load 100,000 valid stop_times into SQLite", "serve:", "req/s", "load from", "memory at 200,000 rows",
                    "timed inside one process"):
        assert heading in printed


def test_peak_memory_is_the_commands_own(tmp_path):
    """A command forked from a large process must not inherit that process's memory in its figure."""
    ballast = bytearray(300 * 1024 * 1024)  # this test process is now > 300 MB
    small = measure.run([sys.executable, "-c", "print('ok')"])
    large = measure.run([sys.executable, "-c", "x = bytearray(200 * 1024 * 1024); print(len(x))"])
    assert small.stdout.strip() == "ok" and small.peak_mb < 100
    assert 200 < large.peak_mb < 300
    del ballast


def test_findings_comparison_sees_a_difference():
    theirs = json.dumps({"tasks": [{"errors": [{"rowNumber": 2, "fieldName": "a", "type": "type-error"}]}]})
    same = json.dumps({"targets": [{"findings": [{"row": 2, "column": "a", "code": "type-error"},
                                                 {"row": 3, "column": "b", "code": "personal-data"}]}]})
    other = json.dumps({"targets": [{"findings": [{"row": 3, "column": "a", "code": "type-error"}]}]})
    assert findings.compare(theirs, same)["agree"]
    assert not findings.compare(theirs, other)["agree"]


def test_memory_only_point(tmp_path):
    out = tmp_path / "memory.json"
    done = subprocess.run([sys.executable, "-m", "tests.benchmarks", "--memory-only", "--memory-rows", "20000",
                           "--json", str(out)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    memory = json.loads(out.read_text(encoding="utf-8"))["memory"]
    assert memory["rows"] == 20000 and memory["validate"]["peak_mb"] > 0 and memory["publish"]["peak_mb"] > 0
    assert "memory at 20,000 rows" in done.stdout
    refused = subprocess.run([sys.executable, "-m", "tests.benchmarks", "--memory-only"], cwd=REPO,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "--memory-rows" in refused.stderr


def test_reduced_big_hub_benchmark_runs(tmp_path):
    out = tmp_path / "big.json"
    done = subprocess.run([sys.executable, "-m", "tests.benchmarks.big_hub", "--datasets", "12", "--publishers", "3",
                           "--smaller", "4", "--requests", "40", "--seconds", "30", "--repeat", "1",
                           "--json", str(out)], cwd=REPO, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["datasets"] == 12 and result["smaller"]["datasets"] == 4
    for figures in (result["publish"], result["smaller"]["publish"]):
        assert figures["full"]["seconds"] > 0 and figures["one_changed"]["seconds"] > 0
    assert result["dcat"]["bytes"] > 0
    for hub in ("serve", "bundled_serve"):
        pages = {k: v for k, v in result[hub].items() if k != "workers"}
        assert len(pages) == 6 and all(v["failures"] == 0 and v["requests"] == 40 for v in pages.values())
    assert "publish, one dataset changed" in done.stdout and "landing page /" in done.stdout
