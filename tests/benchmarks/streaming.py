"""Short queries while long CSV exports stream: the p99 of indexed JSON requests.

Builds a hub holding a seeded stop_times table (1,000,000 rows by default), serves it with
`catalog serve` (its default workers), then measures indexed, filtered JSON requests
(`/hub/horaires_stop_times.json?stop_id=S…`) twice: alone, then while STREAMS clients each
download the whole table as CSV (`.csv?_stream=on&_size=max`) over and over. Prints both
distributions side by side (target: p99 under 100 ms while streaming).

    python -m tests.benchmarks.streaming [--rows 1000000] [--seconds 20] [--streams 4] [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from tests.benchmarks import hub, inputs, load

REPO = Path(__file__).resolve().parents[2]


def build(folder: Path, rows: int) -> dict:
    data = folder / "stop_times.csv"
    if not data.is_file():
        inputs.stop_times(rows).to_csv(data, index=False, lineterminator="\n")
    root = folder / "hub"
    dataset = root / "datasets" / hub.PUBLISHER / hub.DATASET
    if not dataset.is_dir():
        hub.make_hub(root, data, inputs.STOP_TIMES_SCHEMA)
    db, packages = root / "build" / "hub.db", root / "build" / "packages"
    subprocess.run([sys.executable, "-m", "catalog.cli", "publish", "datasette", str(dataset), "--db", str(db),
                    "--out", str(packages), "--root", str(root)], check=True, cwd=root, capture_output=True)
    return {"db": db, "packages": packages, "root": root}


def queries(url: str, seconds: float, clients: int, seed: int = 10) -> list[float]:
    """Latencies (ms) of indexed JSON requests sent by `clients` sequential clients for `seconds`."""
    latencies, stop = [], time.monotonic() + seconds
    lock = threading.Lock()

    def client(number):
        rng = random.Random(seed + number)
        with httpx.Client(timeout=60) as session:
            while time.monotonic() < stop:
                started = time.perf_counter()
                response = session.get(f"{url}/hub/{hub.table()}.json",
                                       params={"stop_id": f"S{rng.randrange(5000):05d}", "_shape": "array"})
                elapsed = (time.perf_counter() - started) * 1000
                response.raise_for_status()
                with lock:
                    latencies.append(elapsed)
                time.sleep(0.01)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


class Streams:
    """`count` clients downloading the whole table as CSV, again and again, until stopped. Each is
    a `curl` process, so that reading the exports takes no time from the clients being measured."""

    def __init__(self, url: str, count: int):
        self.url, self.count, self.stop, self.bytes, self.done = url, count, threading.Event(), 0, 0
        self.threads = [threading.Thread(target=self.run) for _ in range(count)]
        self.running = []

    def run(self):
        while not self.stop.is_set():
            process = subprocess.Popen(["curl", "-s", "-o", "/dev/null", "-w", "%{size_download}",
                                        f"{self.url}/hub/{hub.table()}.csv?_stream=on&_size=max"],
                                       stdout=subprocess.PIPE, text=True)
            self.running.append(process)
            output, _ = process.communicate()
            if process.returncode == 0 and not self.stop.is_set():
                self.done += 1
            self.bytes += int(output or 0)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        time.sleep(2)  # every stream under way
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for process in self.running:
            if process.poll() is None:
                process.terminate()  # by its own id: the exports still running
        for thread in self.threads:
            thread.join()


def summary(latencies: list[float]) -> dict:
    ordered = sorted(latencies)
    pick = lambda q: round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)
    return {"requests": len(ordered), "p50_ms": pick(0.50), "p95_ms": pick(0.95), "p99_ms": pick(0.99),
            "max_ms": round(ordered[-1], 1), "mean_ms": round(statistics.fmean(ordered), 1)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--streams", type=int, default=4)
    parser.add_argument("--clients", type=int, default=2, help="clients sending the short queries")
    parser.add_argument("--keep", type=Path, help="work folder kept between runs (the hub is rebuilt if needed)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="catalog-streaming-") as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        built = build(folder, args.rows)
        with load.Served(built["db"], built["packages"], built["root"]) as served:
            queries(served.url, 2, args.clients)  # warm-up
            alone = summary(queries(served.url, args.seconds, args.clients))
            with Streams(served.url, args.streams) as streams:
                busy = summary(queries(served.url, args.seconds, args.clients))
            result = {"rows": args.rows, "streams": args.streams, "workers": served.workers, "alone": alone,
                      "while_streaming": busy, "streamed_mb": round(streams.bytes / 1e6, 1),
                      "whole_exports": streams.done}
    print(f"{'indexed JSON query':<28}{'alone':>12}{'while ' + str(args.streams) + ' CSV streams':>22}")
    for key in ("requests", "p50_ms", "p95_ms", "p99_ms", "max_ms"):
        print(f"{key:<28}{alone[key]:>12}{busy[key]:>22}")
    print(f"streamed {result['streamed_mb']} MB of CSV ({result['whole_exports']} whole exports), "
          f"{result['workers']} workers, {args.rows:,} rows")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
