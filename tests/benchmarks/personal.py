"""The personal-data gate's accuracy and cost on the evaluation set (tests/personal_set.py)
and on the real files of ../shared/data.

    python -m tests.benchmarks.personal [--rounds 20] [--cells 1000000]

Prints, per kind (e-mail, phone, NIR, IBAN, name, free text), column-level recall on the
personal columns and precision of the columns the gate blocks, the share of public columns
that pass, and the gate's cost per million cells on a typical table and on text."""
from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

import pandas as pd

from catalog.validate.context import TableContext
from catalog.validate.personal import PersonalDataCheck, scan
from tests.personal_set import FILLER, KINDS, tables

# Words of a finding's message -> the kind it names.
NAMED = {"e-mail": "email", "phone": "phone", "NIR": "nir", "IBAN": "iban", "name": "name", "free text": "text"}


def run_gate(table) -> dict:
    """{column: (severity, kinds named)} for the gate's findings on one labelled table."""
    frame = pd.DataFrame(table["columns"], dtype=str)
    check = PersonalDataCheck(TableContext(table["name"], None, {}))
    check.feed(frame, 2)
    return {f.column: (f.severity, {k for w, k in NAMED.items() if w in f.message})
            for f in check.findings() if f.severity == "error"}


def evaluate(labelled) -> dict:
    """Column-level counts: per kind, personal columns caught and public columns blocked."""
    labelled = list(labelled)
    caught, personal, blocked_as = Counter(), Counter(), Counter()
    public = blocked = 0
    missed, wrong = [], []
    for table in labelled:
        found = run_gate(table)
        for column, kind in table["labels"].items():
            if kind:
                personal[kind] += 1
                if column in found:
                    caught[kind] += 1
                else:
                    missed.append((table["name"], column, kind))
            else:
                public += 1
                if column in found:
                    blocked += 1
                    wrong.append((table["name"], column, sorted(found[column][1])))
                    for named in found[column][1]:
                        blocked_as[named] += 1
    rows = {}
    cells_seen, cells_caught = Counter(), Counter()
    for table in labelled:
        for column, kind in table["labels"].items():
            if not kind:
                continue
            person = kind == "name" and "élu" in column
            for value in table["columns"][column]:
                if value in FILLER:
                    continue
                cells_seen[kind] += 1
                found = {k for k, _, _ in scan(value, person) if k != "text"}
                cells_caught[kind] += bool(found if kind == "text" else kind in found)
    for kind in KINDS:
        recall = caught[kind] / personal[kind] if personal[kind] else None
        precision = caught[kind] / (caught[kind] + blocked_as[kind]) if caught[kind] + blocked_as[kind] else None
        rows[kind] = {"columns": personal[kind], "caught": caught[kind], "recall": recall,
                      "cell recall": cells_caught[kind] / cells_seen[kind] if cells_seen[kind] else None,
                      "public blocked as this kind": blocked_as[kind], "precision": precision}
    total = sum(personal.values())
    return {"kinds": rows, "recall": sum(caught.values()) / total if total else None,
            "precision": sum(caught.values()) / (sum(caught.values()) + blocked) if total else None,
            "public": public, "public passed": (public - blocked) / public if public else None,
            "missed": missed, "wrongly blocked": wrong}


def cost(cells: int, text: bool, seed: int = 5) -> float:
    """Seconds per million cells for the gate alone, fed as the validation feeds it (Arrow
    columns); a typical table (codes, amounts, dates, places, role addresses, switchboards)
    or free text."""
    import pyarrow as pa

    from tests.personal_set import Maker

    rng, maker = random.Random(seed), Maker(seed)
    rows = max(1, cells // 8)
    pool = {
        "code": [f"{rng.randint(0, 99999):05d}" for _ in range(5000)],
        "montant": [f"{rng.randint(0, 10**6)}.{rng.randint(0, 99):02d}" for _ in range(5000)],
        "date": [f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" for _ in range(365)],
        "commune": [maker.fake.city() for _ in range(500)],
        "adresse": [maker.street() for _ in range(2000)],
        "courriel": [maker.role_address() for _ in range(500)],
        "telephone": [maker.landline() for _ in range(500)],
        "libelle": [maker.sentence(False) if text else maker.facility() for _ in range(3000)],
    }
    names = list(pool)
    arrays = [pa.array([rng.choice(pool[n]) for _ in range(rows)], pa.string()) for n in names]
    check = PersonalDataCheck(TableContext("bench", None, {}))
    start = time.perf_counter()
    step = 100_000
    for offset in range(0, rows, step):
        check.feed_arrow(names, [a.slice(offset, step) for a in arrays], offset + 2)
    check.findings()
    return (time.perf_counter() - start) / (rows * len(names)) * 1e6


def _pct(value):
    return "–" if value is None else f"{100 * value:.1f}%"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.personal", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20, help="rounds of generated tables (about 30 columns each)")
    parser.add_argument("--cells", type=int, default=1_000_000, help="cells of the cost tables")
    parser.add_argument("--shared", default=str(Path(__file__).resolve().parents[2].parent / "shared" / "data"))
    args = parser.parse_args(argv)

    from catalog.validate.personal.names import first_names, surnames
    start = time.perf_counter()
    first_names(), surnames()
    print(f"INSEE lists loaded once per process: {time.perf_counter() - start:.2f} s")

    result = evaluate(tables(args.rounds))
    print(f"\nGenerated set: {args.rounds} rounds, {sum(r['columns'] for r in result['kinds'].values())} personal "
          f"columns, {result['public']} public columns\n")
    print("| kind | personal columns | column recall | public columns blocked as this kind | precision | "
          "cell recall |")
    print("|---|---|---|---|---|---|")
    for kind, row in result["kinds"].items():
        print(f"| {kind} | {row['columns']} | {_pct(row['recall'])} | {row['public blocked as this kind']} | "
              f"{_pct(row['precision'])} | {_pct(row['cell recall'])} |")
    print(f"| all | {sum(r['columns'] for r in result['kinds'].values())} | {_pct(result['recall'])} | "
          f"{result['public'] - round(result['public passed'] * result['public'])} | {_pct(result['precision'])} | |")
    print(f"\nPublic columns that pass: {_pct(result['public passed'])} of {result['public']}")
    for name, column, kind in result["missed"][:10]:
        print(f"  missed: {name} / {column} ({kind})")
    for name, column, kinds in result["wrongly blocked"][:10]:
        print(f"  blocked: {name} / {column} ({', '.join(kinds)})")

    shared = Path(args.shared)
    if shared.is_dir():
        from tests.personal_set import shared_tables
        real = evaluate(shared_tables(shared))
        print(f"\nReal files of {shared}: {real['public']} columns, {_pct(real['public passed'])} pass")
        for name, column, kinds in real["wrongly blocked"]:
            print(f"  blocked: {name} / {column} ({', '.join(kinds)})")

    for text in (False, True):
        seconds = min(cost(args.cells, text) for _ in range(3))
        print(f"\nGate cost, {'free-text' if text else 'typical'} table of {args.cells:,} cells: "
              f"{seconds:.2f} s per million cells")
    return 0


if __name__ == "__main__":
    sys.exit(main())
