"""Benchmark of `catalog export dcat` on a large synthetic catalogue: prints figures, asserts nothing.

    python3 tests/benchmarks/bench_dcat.py [DATASETS] [RESOURCES_PER_DATASET]

The graph is built from packaged descriptors shaped like `catalog package` writes them,
so the figures are those of the mapping and the sorted serialisations (packaging is
measured by the package benchmarks).
"""
from __future__ import annotations

import resource
import sys
import time

from catalog.export.dcat import serialise
from catalog.export.graph import Entry, build


def descriptor(index: int, resources: int) -> dict:
    return {
        "title": f"Jeu de données {index}", "description": "Description " * 30, "version": "1.2.0",
        "licenses": [{"name": "etalab-2.0"}], "keywords": ["transport", "bus", f"ligne-{index % 40}"],
        "sources": [{"name": f"pub{(index + 1) % 10}/ds{index + 1}", "version": "1.0.0",
                     "hash": "sha256:" + "b" * 64}] if index % 5 == 0 else [],
        "catalog": {"theme": "transport", "frequency": "monthly",
                    "spatial": {"label": "Pays de Sample", "insee": [f"{c:05d}" for c in range(1, 6)],
                                "bbox": [2.2, 46.5, 2.6, 46.75]},
                    "temporal": {"start": "2025-01-01", "end": "2025-12-31"}},
        "resources": [{"name": f"table{j}", "path": f"data/table{j}.csv", "format": "csv",
                       "mediatype": "text/csv", "bytes": 123456 + j, "hash": "sha256:" + "a" * 64}
                      for j in range(resources)],
    }


def main(datasets: int = 2000, resources: int = 3):
    entries = [Entry(f"pub{i % 10}", f"ds{i}", descriptor(i, resources)) for i in range(datasets)]
    started = time.perf_counter()
    built = build(entries, {}, "https://data.example.fr", "Benchmark")
    built_in = time.perf_counter() - started
    print(f"{datasets} datasets, {built.distributions} distributions, {len(built.graph)} triples: "
          f"graph built in {built_in:.2f} s")
    for fmt in ("ttl", "jsonld"):
        started = time.perf_counter()
        data = serialise(built.graph, fmt)
        elapsed = time.perf_counter() - started
        print(f"  {fmt:6} {len(data) / 2**20:6.1f} MiB in {elapsed:.2f} s "
              f"({datasets / elapsed:.0f} datasets/s)")
    print(f"  peak resident memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
