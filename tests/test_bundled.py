"""The bundled sample territory: rebuilt byte for byte by its seeded script, and valid."""
import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from shapely.geometry import Point, shape

from catalog.cli import main

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "datasets" / "generate.py"


def generate(out: Path) -> dict[str, bytes]:
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(out)], check=True, capture_output=True)
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("generated"))


def test_generator_is_deterministic(tmp_path, fresh):
    again = generate(tmp_path / "again")
    assert sorted(again) == sorted(fresh)
    changed = [name for name in fresh if fresh[name] != again[name]]
    assert not changed, f"re-running the generator changed {changed}"


def test_committed_datasets_equal_a_fresh_generation(fresh):
    folders = {"/".join(name.split("/")[:2]) for name in fresh}
    committed = {p.relative_to(ROOT / "datasets").as_posix(): p.read_bytes()
                 for folder in folders for p in sorted((ROOT / "datasets" / folder).rglob("*")) if p.is_file()}
    assert sorted(committed) == sorted(fresh), "run `python3 datasets/generate.py` and commit datasets/"
    stale = [name for name in fresh if committed[name] != fresh[name]]
    assert not stale, f"committed files differ from the generator's output: {stale}"


def test_bundled_hub_validates_with_full_quality():
    result = CliRunner().invoke(main, ["validate", "--root", str(ROOT), "--json"])
    report = json.loads(result.output)
    problems = [(t["name"], f["code"], f["message"]) for t in report["targets"] for f in t["findings"]]
    assert result.exit_code == 0, problems
    datasets = [t for t in report["targets"] if t["kind"] == "dataset"]
    publishers = [t for t in report["targets"] if t["kind"] == "publisher"]
    assert len(datasets) >= 6 and len(publishers) >= 3
    assert {t["name"]: t["quality"]["score"] for t in datasets} == {t["name"]: 100 for t in datasets}


def test_bundled_hub_packages_everything(tmp_path):
    result = CliRunner().invoke(main, ["package", "--root", str(ROOT), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    descriptors = sorted(tmp_path.glob("*/*/datapackage.json"))
    bundled = sorted((ROOT / "datasets").glob("*/*/datapackage.json"))
    assert len(descriptors) == len(bundled)


def _rows(path, **options):
    with open(path, newline="", encoding=options.pop("encoding", "utf-8")) as handle:
        return list(csv.DictReader(handle, **options))


def test_the_territory_shares_keys_across_publishers(fresh):
    """Stops, charging points and bike stations lie inside the commune their INSEE code names."""
    base = ROOT / "datasets"
    communes = json.loads((base / "departement-de-sample/communes/communes.geojson").read_text(encoding="utf-8"))
    polygons = {f["properties"]["code_insee"]: shape(f["geometry"]) for f in communes["features"]}
    assert all(p.is_valid for p in polygons.values()) and 5 <= len(polygons) <= 10

    def commune_of(lon, lat):
        found = [code for code, polygon in polygons.items() if polygon.contains(Point(lon, lat))]
        assert len(found) == 1, (lon, lat, found)
        return found[0]

    stops = _rows(base / "sample-mobilites/reseau-bus/stops.txt")
    for stop in stops:
        commune_of(float(stop["stop_lon"]), float(stop["stop_lat"]))
    assert len(_rows(base / "sample-mobilites/reseau-bus/stop_times.txt")) >= 20_000

    for point in _rows(base / "departement-de-sample/bornes-recharge/irve-statique.csv"):
        lon, lat = json.loads(point["coordonneesXY"])
        assert commune_of(lon, lat) == point["code_insee_commune"]
    stop_ids = {s["stop_id"] for s in stops}
    for station in _rows(base / "sample-mobilites/velos-libre-service/stations.csv"):
        assert commune_of(float(station["longitude"]), float(station["latitude"])) == station["code_insee"]
        assert station["stop_id_proche"] in stop_ids
    population = {r["code_insee"] for r in _rows(base / "departement-de-sample/population-communes/population.csv")}
    assert population == set(polygons)
    budget = _rows(base / "ville-de-sampleville/budget/budget-2025.csv", encoding="cp1252", delimiter=";")
    assert {r["Code INSEE"] for r in budget} <= population
    assert all("," in r["Montant (€)"] for r in budget)


def test_charging_points_keep_the_national_irve_schema(shared_data):
    """The dataset refers to the national schema by reference, resolved to the schema as published;
    its service contacts are declared public beside it."""
    from catalog.datasets import load_dataset

    national = json.loads((shared_data / "schemas/irve/statique/schema-statique.json").read_text(encoding="utf-8"))
    dataset = load_dataset(ROOT / "datasets/departement-de-sample/bornes-recharge")
    resource = dataset.resources[0]
    assert resource["schema"] == "etalab/schema-irve-statique@2.3.1"
    assert not (ROOT / "datasets/departement-de-sample/bornes-recharge/schema-statique.json").exists()
    ours = dataset.schema(resource)
    public = {f["name"] for f in ours["fields"] if f.pop("catalog", {}).get("public")}
    assert public == {"contact_amenageur", "contact_operateur", "telephone_operateur"}
    assert ours == national
    header = (ROOT / "datasets/departement-de-sample/bornes-recharge/irve-statique.csv").read_text(
        encoding="utf-8").splitlines()[0]
    assert header.split(",") == [f["name"] for f in national["fields"]]
