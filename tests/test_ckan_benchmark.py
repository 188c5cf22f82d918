"""The CKAN benchmark keeps working: a reduced run on its own throw-away portals, checked for
its shape (both code versions publish every row, nothing is written when nothing changed,
xloader's job log is read), never for timings."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ROWS = 3000


def test_reduced_ckan_benchmark_runs_both_code_versions(tmp_path):
    out = tmp_path / "bench.json"
    done = subprocess.run([sys.executable, "tests/ckan/benchmark.py", "--rows", str(ROWS), "--json", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["rows"] == ROWS and result["old"] == "61c6558" and result["fts_index_method"] == "gin"
    api, xloader = result["api"], result["xloader"]
    for figures in (api["catalog"], api["old"], xloader["catalog"]):
        assert figures["rows"] == ROWS and figures["reload_rows"] == ROWS, figures
        assert figures["unchanged_writes"] == 0, figures
        assert min(figures["first"], figures["unchanged"], figures["reload"]) > 0
    assert "old" not in xloader and api["ckanapi"] > 0  # the old code did not cooperate with xloader
    phases = dict(xloader["phases"])
    assert {"queue: submitted -> job started in the worker", "split + COPY", "full-text column (UPDATE of every row)",
            "in all, submitted -> completed"} <= set(phases), phases
    assert phases["in all, submitted -> completed"] >= phases["split + COPY"] > 0
    assert "before issue 15, first publication" in done.stdout and "with xloader:" in done.stdout
