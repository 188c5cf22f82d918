"""`catalog describe` beside `frictionless describe` (what the tool suggested before) on a raw
French export: time, and how many columns each types the way the data needs.

    python -m tests.benchmarks.describe [--rows 200000]

The file is the public-toilets export of tests/test_describe.py, made N rows long: cp1252, `;`,
decimal commas, `oui`/`non`, INSEE codes with leading zeros, dd/mm/yyyy dates, coordinates.
Each tool runs in a fresh process; the descriptor it writes is then checked by `catalog validate`.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What each column is (type and the declaration that reads it right).
EXPECTED = {"Identifiant": ("string", None), "Code postal": ("string", None), "Code INSEE": ("string", None),
            "Accessible PMR": ("boolean", ("trueValues", ["oui"])), "Payant": ("boolean", ("trueValues", ["oui"])),
            "Tarif (€)": ("number", ("decimalChar", ",")), "Date d'installation": ("date", ("format", "%d/%m/%Y")),
            "Latitude": ("number", ("decimalChar", ",")), "Longitude": ("number", ("decimalChar", ","))}


def right(fields: list[dict]) -> list[str]:
    by_name = {f.get("name"): f for f in fields}
    good = []
    for name, (kind, declaration) in EXPECTED.items():
        field = by_name.get(name) or {}
        if field.get("type") == kind and (declaration is None or field.get(declaration[0]) == declaration[1]):
            good.append(name)
    return good


def timed(command, cwd) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=3600)
    return time.perf_counter() - start, done


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from tests.test_describe import toilets_csv

    work = Path(tempfile.mkdtemp(prefix="describe-bench-"))
    try:
        shutil.copytree(ROOT / "publishers", work / "publishers")
        raw = toilets_csv(work / "toilettes.csv", rows=args.rows)
        size = raw.stat().st_size
        seconds_fl, fl = timed(["frictionless", "describe", str(raw), "--json"], work)
        fl_fields = json.loads(fl.stdout)["schema"]["fields"] if fl.returncode == 0 else []
        seconds_cat, cat = timed([sys.executable, "-m", "catalog.cli", "describe", str(raw), "--publisher",
                                  "ville-de-sampleville"], work)
        folder = work / "datasets/ville-de-sampleville/toilettes"
        descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        cat_fields = descriptor["resources"][0]["schema"]["fields"]
        # frictionless' descriptor, checked by the same validator
        other = work / "datasets/ville-de-sampleville/toilettes-frictionless"
        other.mkdir()
        shutil.copyfile(raw, other / "toilettes.csv")
        if fl.returncode == 0:
            resource = json.loads(fl.stdout)
            resource["path"] = "toilettes.csv"
            (other / "datapackage.json").write_text(json.dumps(
                {"name": "toilettes-frictionless", "title": "Toilettes", "resources": [resource]}), encoding="utf-8")
        checks = {}
        for label, target in (("frictionless describe", other), ("catalog describe", folder)):
            done = subprocess.run([sys.executable, "-m", "catalog.cli", "validate", str(target), "--json"],
                                  cwd=work, capture_output=True, text=True, timeout=3600)
            report = json.loads(done.stdout) if done.stdout.strip().startswith("{") else {"targets": []}
            codes = sorted({f["code"] for t in report["targets"] for f in t["findings"] if f["severity"] == "error"})
            checks[label] = f"{report.get('errors', '?')}" + (f" ({', '.join(codes)})" if codes else "")
        print(f"raw export: {args.rows:,} rows, {size / 1e6:.1f} MB, cp1252, ';' (timings on a shared 2-core machine)")
        print("| tool | time | columns typed right (of 9 that need it) | catalog validate errors |")
        print("|---|---|---|---|")
        print(f"| `frictionless describe` | {seconds_fl:.2f} s | {len(right(fl_fields))} | "
              f"{checks['frictionless describe']} |")
        print(f"| `catalog describe` | {seconds_cat:.2f} s | {len(right(cat_fields))} | {checks['catalog describe']} |")
        print(f"ratio (frictionless / catalog): {seconds_fl / seconds_cat:.2f}x")
        wrong = {f.get("name"): f.get("type") for f in fl_fields if f.get("name") in EXPECTED
                 and f.get("name") not in right(fl_fields)}
        print(f"frictionless describe got wrong: {wrong}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
