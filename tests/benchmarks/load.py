"""A bounded load on a served hub: fixed request count, time cap, N concurrent clients, loopback only.

The load comes from `wrk` when it is installed (C, one thread: it leaves the two cores to the
server, where 16 Python threads parsing JSON took a good part of them and inflated the
latencies measured), otherwise from Python threads with httpx. The result says which.
"""
from __future__ import annotations

import json
import math
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ADDRESS = re.compile(r"open (http://127\.0\.0\.1:\d+)/(?: \((\d+) workers?)?")


class Served:
    """`catalog serve` on a free loopback port, stopped (by its own pid) on exit."""

    def __init__(self, db: Path, packages: Path, root: Path, env=None):
        self.command = [sys.executable, "-m", "catalog.cli", "serve", "--db", str(db), "--port", "0",
                        "--host", "127.0.0.1", "--packages", str(packages), "--root", str(root)]
        self.env = env
        self.process = None
        self.url = None
        self.workers = None

    def __enter__(self):
        self.process = subprocess.Popen(self.command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                        text=True, env=self.env)
        deadline = time.monotonic() + 120
        lines = []
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line and self.process.poll() is not None:
                raise RuntimeError("catalog serve stopped: " + "".join(lines))
            lines.append(line)
            found = ADDRESS.search(line)
            if found:
                self.url = found.group(1)
                self.workers = int(found.group(2)) if found.group(2) else 1
                break
        if not self.url:
            raise RuntimeError("catalog serve did not say where it listens: " + "".join(lines))
        # Drain stderr so a chatty server never blocks on a full pipe.
        threading.Thread(target=self.process.stderr.read, daemon=True).start()
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/-/versions.json", timeout=5).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("catalog serve never answered")

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()


LOOPBACK = {"127.0.0.1", "localhost", "::1"}
EXPECT = '"rows"'  # what a good answer holds (a table's JSON); a load on pages says what it expects

# Each wrk thread sends its share of the pre-drawn paths, then parks its connections (a delay
# of ~11 days) and stops once its last answer is in; the last thread to finish interrupts wrk's
# timer (SIGINT, which wrk handles by reporting), so the count is exact and the duration real.
# wrk calls request() once before the run to inspect it, and delay() before every request it
# sends: only requests after a delay() count.
WRK_SCRIPT = """
local ffi = require("ffi")
ffi.cdef[[ int kill(int pid, int sig); int getpid(void); ]]
local TOTAL, THREADS, DONE = %(total)d, %(threads)d, [=[%(done)s]=]
local paths = { %(paths)s }
local threads, made = {}, 0

function setup(thread)
  made = made + 1
  thread:set("id", made)
  table.insert(threads, thread)
end

function init(args)
  issued, completed, failures, running = 0, 0, 0, false
  share = math.floor(TOTAL / THREADS) + ((id <= TOTAL %% THREADS) and 1 or 0)
end

function delay()
  running = true
  if issued >= share then return 1e9 end
  return 0
end

function request()
  if not running then return wrk.format(nil, paths[1]) end
  issued = issued + 1
  return wrk.format(nil, paths[((id - 1) + THREADS * (issued - 1)) %% #paths + 1])
end

function response(status, headers, body)
  -- thread:stop() takes effect at the end of the event-loop turn: a response already read in the
  -- same turn is still delivered, and is not one of the `share` this thread was asked to send.
  if completed >= share then return end
  completed = completed + 1
  if status ~= 200 or not string.find(body, [=[%(expect)s]=], 1, true) then failures = failures + 1 end
  if completed == share then
    wrk.thread:stop()
    local mark = io.open(DONE, "a"); mark:write("x"); mark:close()
    mark = io.open(DONE, "r"); local finished = #mark:read("*a"); mark:close()
    if finished >= THREADS then ffi.C.kill(ffi.C.getpid(), 2) end
  end
end

function done(summary, latency, requests)
  local failed, counted = 0, 0
  for _, thread in ipairs(threads) do
    failed = failed + (thread:get("failures") or 0)
    counted = counted + (thread:get("completed") or 0)
  end
  local e = summary.errors
  io.write(string.format('WRK-RESULT {"requests": %%d, "duration_us": %%d, "failures": %%d, "socket_errors": %%d, '
    .. '"p50_us": %%d, "p95_us": %%d, "p99_us": %%d, "mean_us": %%.1f, "max_us": %%d}\\n',
    counted, summary.duration, failed, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean, latency.max))
end
"""


def wrk_version() -> str | None:
    """`wrk`'s version when it is installed (the Debian package `wrk`), else None."""
    if not shutil.which("wrk"):
        return None
    shown = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    found = re.search(r"wrk (\S+)", shown)
    return found.group(1) if found else "unknown"


def bounded_load(url_for, requests: int, seconds: float, clients: int = 16, seed: int = 16,
                 client: str | None = None, expect: str = EXPECT) -> dict:
    """`requests` GETs (or fewer if `seconds` run out) on `clients` connections; latency percentiles.

    `client`: "wrk" or "python"; by default wrk when it is installed. An answer counts as failed
    unless it is a 200 holding `expect`."""
    client = client or ("wrk" if wrk_version() else "python")
    if client == "wrk":
        return wrk_load(url_for, requests, seconds, clients, seed, expect=expect)
    return python_load(url_for, requests, seconds, clients, seed, expect=expect)


def wrk_load(url_for, requests: int, seconds: float, clients: int = 16, seed: int = 16, threads: int = 1,
             expect: str = EXPECT) -> dict:
    """The same load from `wrk --latency`: `clients` keep-alive connections served by `threads` threads."""
    version = wrk_version()
    if version is None:
        raise RuntimeError("wrk is not installed (Debian package `wrk`)")
    rng = random.Random(seed)
    urls = [url_for(rng) for _ in range(requests)]
    parts = urlsplit(urls[0])
    if parts.hostname not in LOOPBACK:
        raise ValueError(f"the load only targets loopback, not {parts.hostname}")
    paths = [f"{u.path}?{u.query}" if u.query else u.path for u in map(urlsplit, urls)]
    threads = max(1, min(threads, clients))
    with tempfile.TemporaryDirectory(prefix="catalog-wrk-") as tmp:
        script = Path(tmp) / "load.lua"
        script.write_text(WRK_SCRIPT % {"total": requests, "threads": threads, "done": str(Path(tmp) / "done"),
                                        "paths": ", ".join(f"[=[{p}]=]" for p in paths),
                                        "expect": expect}, encoding="utf-8")
        run = subprocess.run(["wrk", "--latency", "-t", str(threads), "-c", str(clients),
                              "-d", f"{max(1, math.ceil(seconds))}s", "--timeout", "30s", "-s", str(script),
                              f"{parts.scheme}://{parts.netloc}/"],
                             capture_output=True, text=True, timeout=seconds + 60)
    found = re.search(r"^WRK-RESULT (\{.*\})$", run.stdout, re.M)
    if run.returncode != 0 or not found:
        raise RuntimeError(f"wrk failed (exit {run.returncode}): {run.stdout[-2000:]}{run.stderr[-2000:]}")
    figures = json.loads(found.group(1))
    wall = figures["duration_us"] / 1e6
    failed = figures["failures"] + figures["socket_errors"]
    done = figures["requests"] + figures["socket_errors"]
    ms = lambda key: round(figures[key] / 1000, 2)
    return {"client": f"wrk {version}", "clients": clients, "requests": done, "failures": failed,
            "seconds": round(wall, 3),
            "requests_per_second": round((figures["requests"] - figures["failures"]) / wall, 1) if wall else None,
            "p50_ms": ms("p50_us"), "p95_ms": ms("p95_us"), "p99_ms": ms("p99_us"), "mean_ms": ms("mean_us")}


def python_load(url_for, requests: int, seconds: float, clients: int = 16, seed: int = 16,
                expect: str = EXPECT) -> dict:
    """`requests` GETs (or fewer if `seconds` run out) from `clients` threads; latency percentiles."""
    latencies, failures = [], []
    lock = threading.Lock()
    issued = [0]
    deadline = time.monotonic() + seconds

    def client(number):
        rng = random.Random(seed * 1000 + number)
        with httpx.Client(timeout=30) as http:
            while time.monotonic() < deadline:
                with lock:
                    if issued[0] >= requests:
                        return
                    issued[0] += 1
                started = time.perf_counter()
                try:
                    response = http.get(url_for(rng))
                    ok = response.status_code == 200 and expect in response.text
                except (httpx.HTTPError, ValueError):
                    ok = False
                elapsed = time.perf_counter() - started
                with lock:
                    (latencies if ok else failures).append(elapsed)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    ordered = sorted(latencies)

    def percentile(p):
        if not ordered:
            return None
        return round(1000 * ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))], 2)

    return {"client": "python httpx", "clients": clients, "requests": len(latencies) + len(failures), "failures": len(failures),
            "seconds": round(wall, 3), "requests_per_second": round(len(latencies) / wall, 1) if wall else None,
            "p50_ms": percentile(50), "p95_ms": percentile(95), "p99_ms": percentile(99),
            "mean_ms": round(1000 * statistics.mean(ordered), 2) if ordered else None}
