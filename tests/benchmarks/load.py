"""A bounded load on a served hub: fixed request count, time cap, N concurrent clients, loopback only."""
from __future__ import annotations

import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ADDRESS = re.compile(r"open (http://127\.0\.0\.1:\d+)/")


class Served:
    """`catalog serve` on a free loopback port, stopped (by its own pid) on exit."""

    def __init__(self, db: Path, packages: Path, root: Path, env=None):
        self.command = [sys.executable, "-m", "catalog.cli", "serve", "--db", str(db), "--port", "0",
                        "--host", "127.0.0.1", "--packages", str(packages), "--root", str(root)]
        self.env = env
        self.process = None
        self.url = None

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


def bounded_load(url_for, requests: int, seconds: float, clients: int = 16, seed: int = 16) -> dict:
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
                    ok = response.status_code == 200 and response.json().get("rows") is not None
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

    return {"clients": clients, "requests": len(latencies) + len(failures), "failures": len(failures),
            "seconds": round(wall, 3), "requests_per_second": round(len(latencies) / wall, 1) if wall else None,
            "p50_ms": percentile(50), "p95_ms": percentile(95), "p99_ms": percentile(99),
            "mean_ms": round(1000 * statistics.mean(ordered), 2) if ordered else None}
