"""Small files, what agencies validate most: `python -m tests.benchmarks.small_files [--repeat K]`.

On seeded 40-row tables (a bare CSV; the same with latitude/longitude columns; a CSV with a
small Table Schema; the same as a dataset folder; a small xlsx), `frictionless validate` and `catalog validate` run side
by side, each in a fresh process, K times, interleaved so a change in the machine's load hits
both alike. Printed: median wall time and peak resident memory of each, the ratio of times
and the memory difference (issue 11's target for the bare CSV: at most 0.5x the time and
+30 MB), and the machine's load average, which these timings swing with.

    --catalog DIR   time another tree's catalog (e.g. an older commit's `git archive`) instead of this one
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
from pathlib import Path

from tests.benchmarks import REPO, _must_succeed, _python, measure

ROWS = 40
TOWNS = ["Sampleville", "Bourg-lès-Sample", "Saint-Échantillon", "Montéchant", "Villeneuve-d'Essai"]
SCHEMA = {"fields": [
    {"name": "id", "type": "integer", "constraints": {"required": True, "minimum": 0}},
    {"name": "nom", "type": "string"},
    {"name": "commune", "type": "string"},
    {"name": "code_insee", "type": "string", "constraints": {"pattern": "[0-9]{5}|2[AB][0-9]{3}"}},
    {"name": "montant", "type": "number"},
    {"name": "date_ouverture", "type": "date"},
], "primaryKey": ["id"]}


def _rows(seed: int = 11, coordinates: bool = False):
    rng = random.Random(seed)
    header = [f["name"] for f in SCHEMA["fields"]] + (["latitude", "longitude"] if coordinates else [])
    rows = [header]
    for i in range(ROWS):
        row = [str(i), f"Équipement {i}", rng.choice(TOWNS), f"{rng.randint(1000, 95999):05d}",
               f"{rng.randint(0, 99999) / 100:.2f}", f"20{rng.randint(10, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"]
        if coordinates:
            row += [f"{rng.uniform(46.5, 46.75):.5f}", f"{rng.uniform(2.2, 2.6):.5f}"]
        rows.append(row)
    return rows


# The same table as a French export writes it: cp1252, `;`, decimal commas with spaced
# thousands, dd/mm/yyyy dates, oui/non; its schema says so.
FRENCH_SCHEMA = {"fields": [dict(f) for f in SCHEMA["fields"]] + [
    {"name": "ouvert", "type": "boolean", "trueValues": ["oui"], "falseValues": ["non"]}],
    "primaryKey": ["id"]}
for _field in FRENCH_SCHEMA["fields"]:
    if _field["name"] == "montant":
        _field.update(decimalChar=",", groupChar=" ")
    if _field["name"] == "date_ouverture":
        _field["format"] = "%d/%m/%Y"


def _french(rows):
    out = [rows[0] + ["ouvert"]]
    for row in rows[1:]:
        amount = f"{float(row[4]) * 37:,.2f}".replace(",", " ").replace(".", ",")
        year, month, day = row[5].split("-")
        out.append(row[:4] + [amount, f"{day}/{month}/{year}", "oui" if int(row[0]) % 3 else "non"])
    return out


def write_inputs(folder: Path) -> dict:
    """{label: (file name, extra arguments of both tools)} of the inputs, written in `folder`."""
    import csv

    made = {}
    for name, coordinates in (("bare.csv", False), ("coordinates.csv", True)):
        with open(folder / name, "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(_rows(coordinates=coordinates))
    made[f"bare CSV, {ROWS} rows"] = ("bare.csv", [])
    made[f"bare CSV with lat/lon, {ROWS} rows"] = ("coordinates.csv", [])
    (folder / "schema.json").write_text(json.dumps(SCHEMA, indent=1), encoding="utf-8")
    made[f"CSV + Table Schema, {ROWS} rows"] = ("bare.csv", ["--schema", "schema.json"])
    dataset = folder / "dataset"
    dataset.mkdir()
    (dataset / "data.csv").write_bytes((folder / "bare.csv").read_bytes())
    (dataset / "datapackage.json").write_text(json.dumps({"name": "equipements", "title": "Équipements", "resources": [
        {"name": "data", "path": "data.csv", "format": "csv", "encoding": "utf-8", "schema": SCHEMA}]}, indent=1),
        encoding="utf-8")
    made[f"dataset folder (CSV + schema), {ROWS} rows"] = ("dataset", [])
    french = folder / "french"
    french.mkdir()
    with open(french / "equipements.csv", "w", encoding="cp1252", newline="") as handle:
        csv.writer(handle, delimiter=";", lineterminator="\n").writerows(_french(_rows()))
    (french / "schema.json").write_text(json.dumps(FRENCH_SCHEMA, indent=1), encoding="utf-8")
    made[f"CSV + Table Schema, French habits, {ROWS} rows"] = ("french/equipements.csv",
                                                              ["--schema", "french/schema.json"])
    try:
        import openpyxl
    except ImportError:  # the xlsx row is left out, and said so
        return made
    book = openpyxl.Workbook()
    sheet = book.active
    for row in _rows():
        sheet.append(row)
    book.save(folder / "small.xlsx")
    made[f"bare xlsx, {ROWS} rows"] = ("small.xlsx", [])
    return made


def measure_all(repeat: int, catalog_tree: Path | None = None) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(catalog_tree or REPO), env.get("PYTHONPATH")) if p)
    results = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="catalog-small-") as tmp:
        folder = Path(tmp)
        for label, (name, extra) in write_inputs(folder).items():
            theirs = measure.Series("frictionless validate")
            ours = measure.Series("catalog validate")
            given = f"{name}/datapackage.json" if name == "dataset" else name  # Frictionless takes the descriptor
            commands = ((theirs, _python("frictionless", "validate", given, *extra, "--json")),
                        (ours, _python("catalog.cli", "validate", name, *extra, "--json")))
            for series, command in commands:  # warm-up: the first run pays for cold disk caches
                measure.series("warm-up", command, 1, folder, env, check=_must_succeed(0, 1))
            for _ in range(repeat):
                for series, command in commands:
                    series.runs += measure.series(series.label, command, 1, folder, env,
                                                  check=_must_succeed(0, 1)).runs
            results.append({"input": label, "frictionless": theirs.to_dict(), "catalog": ours.to_dict(),
                            "time_ratio": round(ours.median / theirs.median, 2),
                            "extra_mb": round(ours.peak_mb - theirs.peak_mb, 1)})
    return {"rows": ROWS, "repeat": repeat, "catalog": str(catalog_tree or REPO), "cpus": os.cpu_count(),
            "load_before": round(load_before, 2), "load_after": round(os.getloadavg()[0], 2), "results": results}


def render(result: dict) -> str:
    head = f"{'input':42} {'frictionless':>12} {'peak':>5} {'catalog':>8} {'peak':>5} {'time':>6} {'memory':>7}"
    lines = [f"small files: medians of {result['repeat']} fresh runs each, seconds and peak MB; catalog from "
             f"{result['catalog']}; load average {result['load_before']:.1f} before, {result['load_after']:.1f} "
             f"after, on {result['cpus']} cores (timings swing with it)",
             "target (bare CSV): catalog <= 0.5x frictionless' time, <= +30 MB", head, "-" * len(head)]
    for row in result["results"]:
        f, c = row["frictionless"], row["catalog"]
        lines.append(f"{row['input']:42} {f['median_seconds']:>12.2f} {f['peak_mb']:>5.0f} {c['median_seconds']:>8.2f} "
                     f"{c['peak_mb']:>5.0f} {row['time_ratio']:>5.2f}x {row['extra_mb']:>+6.0f}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.small_files", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each command (medians are printed)")
    parser.add_argument("--catalog", type=Path, help="the tree whose catalog package is timed (default: this one)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    result = measure_all(args.repeat, args.catalog.resolve() if args.catalog else None)
    print(render(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
