"""Run a command in a fresh process; time it and read its peak resident memory from the kernel."""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field


@dataclass
class Run:
    seconds: float
    peak_mb: float  # ru_maxrss of the process (and the children it waited for)
    returncode: int
    stdout: str
    stderr: str


@dataclass
class Series:
    """Several runs of one command: their median time and their highest peak memory."""

    label: str
    runs: list[Run] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def peak_mb(self) -> float:
        return max(r.peak_mb for r in self.runs)

    def to_dict(self):
        return {"label": self.label, "median_seconds": round(self.median, 3),
                "seconds": [round(r.seconds, 3) for r in self.runs], "peak_mb": round(self.peak_mb, 1),
                "returncodes": [r.returncode for r in self.runs]}


# A tiny launcher between us and the measured command. Linux keeps a process's peak
# memory across exec, so a command forked straight from this (large) benchmark process
# would inherit our own footprint in its figure; forked from this launcher, it does not.
LAUNCHER = """
import json, os, subprocess, sys, time
result, out, err, *command = sys.argv[1:]
with open(out, "wb") as o, open(err, "wb") as e:
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=o, stderr=e)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
with open(result, "w") as r:
    json.dump({"seconds": seconds, "maxrss_kb": usage.ru_maxrss, "returncode": os.waitstatus_to_exitcode(status)}, r)
"""


def run(command: list[str], cwd=None, env=None) -> Run:
    with tempfile.TemporaryDirectory(prefix="catalog-run-") as tmp:
        files = [os.path.join(tmp, name) for name in ("result.json", "stdout", "stderr")]
        subprocess.run([sys.executable, "-c", LAUNCHER, *files, *command], cwd=cwd, env=env, check=True)
        with open(files[0]) as handle:
            figures = json.load(handle)
        with open(files[1], "rb") as out, open(files[2], "rb") as err:
            return Run(figures["seconds"], figures["maxrss_kb"] / 1024, figures["returncode"],
                       out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))


def series(label: str, command: list[str], repeat: int, cwd=None, env=None, before=None, check=None) -> Series:
    """`repeat` runs; `before()` runs (untimed) before each, `check(run)` may reject a run."""
    result = Series(label)
    for _ in range(repeat):
        if before:
            before()
        outcome = run(command, cwd, env)
        if check:
            check(outcome)
        result.runs.append(outcome)
    return result
