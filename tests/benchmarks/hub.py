"""A hub folder holding one dataset, the 1M-row stop_times, for `catalog publish datasette`."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from catalog.naming import table_name

PUBLISHER = "bench-transports"
DATASET = "horaires"
RESOURCE = "stop_times"
PROFILE = """title: Transports du banc d'essai
kind: transport-operator
homepage: https://www.transports-bench.example.fr
email: donnees@transports-bench.example.fr
siren: "900000001"
licence: ODbL-1.0
description: Exploitant fictif, données synthétiques du banc d'essai de performance.
"""
DESCRIPTION = ("Horaires de passage synthétiques (un million de lignes) d'un réseau de bus fictif, générés "
               "avec une graine fixe pour mesurer la validation, la publication et le service du hub.")


def table() -> str:
    """The stop_times table's name in the hub database, from the shared naming rule."""
    return table_name(DATASET, RESOURCE)


def make_hub(root: Path, data: Path, schema: dict) -> Path:
    """Write publishers/ and datasets/<publisher>/<dataset>/ around `data`; return the dataset folder."""
    (root / "publishers").mkdir(parents=True, exist_ok=True)
    (root / "publishers" / f"{PUBLISHER}.yml").write_text(PROFILE, encoding="utf-8")
    folder = root / "datasets" / PUBLISHER / DATASET
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{RESOURCE}.csv"
    try:
        os.link(data, target)  # same bytes, no copy; the dataset folder must hold its own files
    except OSError:
        shutil.copyfile(data, target)
    descriptor = {
        "name": DATASET,
        "title": "Horaires de passage (banc d'essai)",
        "description": DESCRIPTION,
        "version": "1.0.0",
        "licenses": [{"name": "ODbL-1.0"}],
        "catalog": {
            "theme": "transport", "frequency": "monthly",
            "spatial": {"label": "Pays de Sample", "insee": ["00001"], "bbox": [2.2, 46.5, 2.6, 46.75]},
            "temporal": {"start": "2025-01-01", "end": "2025-12-31"},
            "keywords": ["bus", "horaires"],
        },
        "resources": [{"name": RESOURCE, "path": target.name, "format": "csv", "encoding": "utf-8",
                       "schema": schema}],
    }
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8")
    return folder


def add_bundled(root: Path, repo: Path) -> list[str]:
    """Copy the repository's bundled datasets, publishers and external reuses beside the
    benchmark's own dataset (the hub the issue serves: the bundled datasets plus the big
    table); return the dataset ids copied."""
    copied = []
    for publisher in sorted(p for p in (repo / "datasets").iterdir() if p.is_dir()):
        for dataset in sorted(d for d in publisher.iterdir() if d.is_dir()):
            shutil.copytree(dataset, root / "datasets" / publisher.name / dataset.name, dirs_exist_ok=True)
            copied.append(f"{publisher.name}/{dataset.name}")
    for folder in ("publishers", "reuses"):
        shutil.copytree(repo / folder, root / folder, dirs_exist_ok=True)
    return copied
