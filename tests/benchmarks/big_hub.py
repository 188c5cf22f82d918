"""A hub of many datasets, for the scale benchmark:
`python -m tests.benchmarks.big_hub [--datasets 1000] [--publishers 40] [--requests 3000] [--json FILE]`.

In a temporary folder it writes a seeded hub (publishers/*.yml and datasets/<publisher>/<dataset>/,
each a small CSV with its Table Schema, some with searchable names), then times, each in a fresh
process: a full `catalog publish datasette`, an unchanged re-publish, a publish after one dataset
changed (on this hub and on one a quarter of its size: the second grows with the change, not the
hub), `catalog export dcat`; then serves it and loads the landing page and the search (HTML and
JSON) with N concurrent clients (wrk when installed), as a reader asks them (kept in memory between
publishes after the first answer) and with a query string never seen before (rendered each time). The same load on the bundled hub (the
current one, 10 datasets) is printed beside it. Timings depend on the machine and its load.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from catalog.hashing import RACY_NS
from tests.benchmarks import load, measure

REPO = Path(__file__).resolve().parents[2]
THEMES = ["transport", "energy", "budget", "facilities", "boundaries", "mobility", "population", "environment"]
LICENCES = ["etalab-2.0", "ODbL-1.0", "CC-BY-4.0"]
KINDS = ["town", "intercommunality", "département", "agency", "transport-operator"]
PLACES = ["Sampleville", "Fauxbourg", "Villedémo", "Essaiville", "Bourg-Témoin", "Montexemple", "Saint-Factice",
          "La Maquette", "Prototype-sur-Loire", "Champ-d'Épreuve"]
SUBJECTS = {
    "transport": ["Arrêts de bus", "Horaires des cars", "Fréquentation des lignes", "Gares et haltes"],
    "energy": ["Bornes de recharge", "Consommation électrique", "Production solaire", "Éclairage public"],
    "budget": ["Budget primitif", "Compte administratif", "Subventions aux associations", "Dette"],
    "facilities": ["Équipements sportifs", "Écoles", "Bibliothèques", "Équipements culturels"],
    "boundaries": ["Limites des quartiers", "Zonage du PLU", "Îlots", "Cadastre simplifié"],
    "mobility": ["Vélos en libre-service", "Pistes cyclables", "Stationnement", "Covoiturage"],
    "population": ["Population légale", "Naissances", "Logements", "Âges de la population"],
    "environment": ["Qualité de l'air", "Arbres d'alignement", "Déchets collectés", "Espaces verts"],
}
WORDS = ["vélo", "équipements", "budget", "bus", "écoles", "arbres", "déchets", "population", "recharge", "gare",
         "velo", "equipement", "ecole", "qualite air"]


def siren(number: int) -> str:
    """A 9-digit SIREN with a valid Luhn check digit."""
    body = f"{number:08d}"
    total = 0
    for i, digit in enumerate(reversed(body)):
        value = int(digit) * (2 if i % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return body + str((10 - total % 10) % 10)


def make_big_hub(root: Path, datasets: int = 1000, publishers: int = 40, seed: int = 1000) -> list[str]:
    """Write the hub; return the dataset ids."""
    rng = random.Random(seed)
    (root / "publishers").mkdir(parents=True, exist_ok=True)
    slugs = []
    for p in range(publishers):
        place = PLACES[p % len(PLACES)]
        slug = f"editeur-{p:02d}"
        slugs.append(slug)
        (root / "publishers" / f"{slug}.yml").write_text(
            f"title: Éditeur n°{p} de {place}\nkind: {KINDS[p % len(KINDS)]}\n"
            f"homepage: https://www.editeur-{p:02d}.example.fr\nemail: opendata@editeur-{p:02d}.example.fr\n"
            f"siren: \"{siren(21000000 + p * 7)}\"\nlicence: {LICENCES[p % len(LICENCES)]}\n"
            f"description: Éditeur fictif du banc d'essai (données synthétiques).\n", encoding="utf-8")
    ids = []
    for d in range(datasets):
        publisher = slugs[d % publishers]
        theme = THEMES[rng.randrange(len(THEMES))]
        subject = rng.choice(SUBJECTS[theme])
        place = rng.choice(PLACES)
        name = f"jeu-{d:04d}"
        folder = root / "datasets" / publisher / name
        folder.mkdir(parents=True, exist_ok=True)
        rows = ["id,nom,commune,valeur,latitude,longitude"]
        for r in range(rng.randrange(10, 40)):
            rows.append(f"{r + 1},{subject} {place} {r + 1},{place},{rng.uniform(0, 1000):.2f},"
                        f"{46.5 + rng.random() * 0.25:.6f},{2.2 + rng.random() * 0.4:.6f}")
        (folder / "data.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        searchable = {"searchable": True} if d % 10 == 0 else {}
        descriptor = {
            "name": name, "title": f"{subject} — {place} ({d})",
            "description": f"{subject} de {place}, jeu de données synthétique n°{d} du banc d'essai : "
                           f"une ligne par élément, avec sa valeur et ses coordonnées WGS84.",
            "version": "1.0.0", "licenses": [{"name": LICENCES[d % len(LICENCES)]}],
            "keywords": [theme, subject.split()[0].lower(), place],
            "catalog": {"theme": theme, "frequency": "annual", "modified": f"2025-{1 + d % 12:02d}-{1 + d % 28:02d}",
                        "spatial": {"label": place, "insee": ["00001"], "bbox": [2.2, 46.5, 2.6, 46.75]},
                        "temporal": {"start": "2025-01-01", "end": "2025-12-31"}},
            "resources": [{"name": "elements", "path": "data.csv", "format": "csv", "encoding": "utf-8", "schema": {
                "fields": [{"name": "id", "type": "integer", "description": "Identifiant."},
                           {"name": "nom", "type": "string", "description": "Nom de l'élément.",
                            **({"catalog": searchable} if searchable else {})},
                           {"name": "commune", "type": "string", "description": "Commune."},
                           {"name": "valeur", "type": "number", "description": "Valeur mesurée."},
                           {"name": "latitude", "type": "number", "description": "Latitude WGS84."},
                           {"name": "longitude", "type": "number", "description": "Longitude WGS84."}],
                "primaryKey": ["id"]}}],
        }
        (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
        ids.append(f"{publisher}/{name}")
    return ids


def change_one(root: Path, dataset_id: str, round_: int) -> None:
    data = root / "datasets" / dataset_id / "data.csv"
    lines = data.read_text(encoding="utf-8").splitlines()
    first = lines[1].split(",")
    first[3] = f"{1000 + round_}.5"
    lines[1] = ",".join(first)
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _env():
    from tests.benchmarks import _env as env

    return env()


def _ok(run, what):
    if run.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {run.returncode}):\n{run.stderr[-3000:]}")
    return run


def publish_figures(root: Path, env, repeat: int) -> dict:
    build = root / "build"
    command = [sys.executable, "-m", "catalog.cli", "publish", "datasette", "--root", str(root),
               "--db", str(build / "hub.db"), "--out", str(build / "packages")]
    # Input files written less than RACY_NS before a publish are read again by the next one (they
    # could still change unseen within their clock tick): a hub's files are not that fresh.
    time.sleep(RACY_NS / 1e9)
    full = _ok(measure.run(command, root, env), "full publish")
    again = _ok(measure.run(command, root, env), "unchanged publish")
    changed = []
    target = sorted(p.relative_to(root / "datasets").as_posix() for p in (root / "datasets").glob("*/*"))[0]
    for round_ in range(repeat):
        change_one(root, target, round_)
        changed.append(_ok(measure.run(command, root, env), "one-changed publish"))
    changed.sort(key=lambda r: r.seconds)
    return {"full": {"seconds": round(full.seconds, 2), "peak_mb": round(full.peak_mb, 1)},
            "unchanged": {"seconds": round(again.seconds, 2)},
            "one_changed": {"seconds": round(changed[len(changed) // 2].seconds, 2),
                            "runs": [round(r.seconds, 2) for r in changed]},
            "changed_dataset": target, "db_bytes": (build / "hub.db").stat().st_size}


def dcat_figures(root: Path, env) -> dict:
    build = root / "build"
    run = _ok(measure.run([sys.executable, "-m", "catalog.cli", "export", "dcat", "--root", str(root), "--packages",
                           str(build / "packages"), "--out", str(build / "catalog.jsonld"), "--no-build"],
                          root, env), "export dcat")
    return {"seconds": round(run.seconds, 2), "peak_mb": round(run.peak_mb, 1),
            "bytes": (build / "catalog.jsonld").stat().st_size}


def serve_figures(db: Path, packages: Path, root: Path, env, requests: int, seconds: float, clients: int) -> dict:
    from urllib.parse import quote

    figures = {}
    with load.Served(db, packages, root, env) as served:
        pages = {  # what each page must hold to count as answered
            # Datasette's cheapest answer, under the same load: what the machine allows at all.
            "calibration /-/versions.json": (lambda rng: f"{served.url}/-/versions.json", '"datasette"'),
            "landing page /": (lambda rng: f"{served.url}/", 'class="hub-totals"'),
            "search page /-/search?q=": (lambda rng: f"{served.url}/-/search?q={quote(rng.choice(WORDS))}",
                                         'class="hub-search-form"'),
            "search JSON /-/search.json?q=": (lambda rng: f"{served.url}/-/search.json?q={quote(rng.choice(WORDS))}",
                                              '"results"'),
            # Pages are kept between publishes (catalog/hub/page_cache.py): a query string never
            # seen before shows what rendering them costs under the same load.
            "landing page, never kept": (lambda rng: f"{served.url}/?_={rng.randrange(10**12)}", 'class="hub-totals"'),
            "search page, never kept": (lambda rng: f"{served.url}/-/search?q={quote(rng.choice(WORDS))}"
                                                    f"&_={rng.randrange(10**12)}", 'class="hub-search-form"'),
        }
        for label, (url_for, expect) in pages.items():
            load.bounded_load(url_for, min(100, requests), seconds, clients, seed=1, expect=expect)  # warm-up
            figures[label] = load.bounded_load(url_for, requests, seconds, clients, expect=expect)
        figures["workers"] = served.workers
    return figures


def run(datasets: int, publishers: int, requests: int, seconds: float, clients: int, repeat: int,
        smaller: int | None, keep: Path | None = None) -> dict:
    env = _env()
    result = {"version": 1, "datasets": datasets, "publishers": publishers, "clients": clients}
    with tempfile.TemporaryDirectory(prefix="catalog-bighub-") as tmp:
        folder = Path(keep or tmp)
        root = folder / "big"
        started = time.perf_counter()
        make_big_hub(root, datasets, publishers)
        result["generated_seconds"] = round(time.perf_counter() - started, 2)
        result["publish"] = publish_figures(root, env, repeat)
        if smaller:
            small = folder / "small"
            make_big_hub(small, smaller, max(1, publishers * smaller // datasets))
            result["smaller"] = {"datasets": smaller, "publish": publish_figures(small, env, repeat)}
        result["dcat"] = dcat_figures(root, env)
        build = root / "build"
        result["serve"] = serve_figures(build / "hub.db", build / "packages", root, env, requests, seconds, clients)
        bundled = folder / "bundled"
        bundled.mkdir(parents=True, exist_ok=True)
        result["bundled_serve"] = serve_figures(bundled / "hub.db", bundled / "packages", REPO, env, requests,
                                                seconds, clients)
    return result


def render(result: dict) -> str:
    p, lines = result["publish"], []
    lines.append(f"hub of {result['datasets']:,} datasets from {result['publishers']} publishers "
                 f"(generated in {result['generated_seconds']} s); "
                 f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end (timings swing with it)")
    lines.append(f"{'':34} {'this hub':>12}" + (f" {result['smaller']['datasets']:>7,} datasets" if result.get("smaller") else ""))
    s = (result.get("smaller") or {}).get("publish")
    for key, label in (("full", "full publish (s)"), ("unchanged", "publish, nothing changed (s)"),
                       ("one_changed", "publish, one dataset changed (s)")):
        lines.append(f"{label:34} {p[key]['seconds']:>12.2f}" + (f" {s[key]['seconds']:>16.2f}" if s else ""))
    if s:
        lines.append(f"one-changed publish: {p['one_changed']['seconds'] / max(s['one_changed']['seconds'], 1e-9):.2f}x "
                     f"for {result['datasets'] / result['smaller']['datasets']:.0f}x the datasets "
                     f"(full publish: {p['full']['seconds'] / max(s['full']['seconds'], 1e-9):.2f}x)")
    lines.append(f"full publish peak memory {p['full']['peak_mb']:.0f} MB; hub database {p['db_bytes'] / 2**20:.1f} MiB")
    d = result["dcat"]
    lines.append(f"catalog export dcat --no-build: {d['seconds']:.2f} s, {d['peak_mb']:.0f} MB, "
                 f"{d['bytes'] / 2**20:.1f} MiB of JSON-LD")
    lines.append("")
    lines.append(f"serving, {result['clients']} concurrent clients (target p99 < 100 ms): "
                 f"{'request':32} {'req/s':>7} {'p50':>7} {'p95':>7} {'p99':>7}  failures")
    for hub_label, key in ((f"{result['datasets']:,} datasets", "serve"), ("bundled hub (10 datasets)", "bundled_serve")):
        for label, figures in result[key].items():
            if label == "workers":
                continue
            lines.append(f"  {hub_label:26} {label:32} {figures['requests_per_second']:>7} {figures['p50_ms']:>6}ms "
                         f"{figures['p95_ms']:>6}ms {figures['p99_ms']:>6}ms  {figures['failures']} "
                         f"({figures['client']})")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.big_hub", description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=int, default=1000)
    parser.add_argument("--publishers", type=int, default=40)
    parser.add_argument("--smaller", type=int, default=250,
                        help="also time publishing a hub of this many datasets (0: skip)")
    parser.add_argument("--requests", type=int, default=3000, help="requests of each load")
    parser.add_argument("--seconds", type=float, default=60, help="time cap of each load")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3, help="one-changed publishes (the median is printed)")
    parser.add_argument("--keep", type=Path, help="write the hubs into this folder and keep them")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.datasets < 1 or args.publishers < 1 or args.datasets < args.publishers:
        parser.error("--datasets and --publishers must be at least 1, with at least one dataset per publisher")
    result = run(args.datasets, args.publishers, args.requests, args.seconds, args.clients, args.repeat,
                 args.smaller or None, args.keep)
    print(render(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
