"""Derived datasets (reuses): expected rows on crafted sources, breakage found by validate, lineage."""
import csv
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyproj import Transformer

from catalog.cli import main
from catalog.package import package

ROOT = Path(__file__).resolve().parents[1]
OBSERVATORY = "observatoire-pays-de-sample"
TO_METRES = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)
TO_DEGREES = Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True)


def hub(tmp_path: Path, *datasets: str) -> Path:
    """A hub with the bundled publishers and copies of the named bundled datasets."""
    root = tmp_path / "hub"
    shutil.copytree(ROOT / "publishers", root / "publishers")
    for dataset in datasets:
        shutil.copytree(ROOT / "datasets" / dataset, root / "datasets" / dataset)
    return root


def write_csv(path: Path, header, rows, encoding="utf-8", delimiter=","):
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def read_csv(path: Path):
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def craft_gtfs(root: Path, stops):
    """A tiny valid GTFS feed in place of the bundled one: one trip through every stop."""
    folder = root / "datasets" / "sample-mobilites" / "reseau-bus"
    for member in folder.glob("*.txt"):
        member.unlink()
    write_csv(folder / "agency.txt", ["agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang"],
              [["SAMPLE", "Sample Mobilités", "https://www.sample-mobilites.example.fr", "Europe/Paris", "fr"]])
    write_csv(folder / "stops.txt", ["stop_id", "stop_name", "stop_lat", "stop_lon", "location_type",
                                     "wheelchair_boarding"],
              [[stop_id, name, f"{lat:.6f}", f"{lon:.6f}", 0, 1] for stop_id, name, lon, lat in stops])
    write_csv(folder / "routes.txt", ["route_id", "agency_id", "route_short_name", "route_long_name", "route_type",
                                      "route_color", "route_text_color"],
              [["L1", "SAMPLE", "1", "Ligne d'essai", 3, "E4003A", "FFFFFF"]])
    write_csv(folder / "calendar.txt", ["service_id", "monday", "tuesday", "wednesday", "thursday", "friday",
                                        "saturday", "sunday", "start_date", "end_date"],
              [["SEM", 1, 1, 1, 1, 1, 0, 0, "20250901", "20260703"]])
    write_csv(folder / "calendar_dates.txt", ["service_id", "date", "exception_type"], [["SEM", "20251111", 2]])
    write_csv(folder / "trips.txt", ["route_id", "service_id", "trip_id", "trip_headsign", "direction_id",
                                     "shape_id", "wheelchair_accessible"],
              [["L1", "SEM", "T1", "Terminus", 0, "S1", 1]])
    write_csv(folder / "stop_times.txt", ["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"],
              [["T1", f"08:{n:02d}:00", f"08:{n:02d}:00", stop[0], n + 1] for n, stop in enumerate(stops)])
    write_csv(folder / "shapes.txt", ["shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"],
              [["S1", f"{lat:.6f}", f"{lon:.6f}", n + 1] for n, (_, _, lon, lat) in enumerate(stops)])


def square(west, south, east, north):
    return [[[west, south], [east, south], [east, north], [west, north], [west, south]]]


def craft_communes(root: Path, features):
    path = root / "datasets" / "departement-de-sample" / "communes" / "communes.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code_insee": code, "nom": name, "code_postal": "00100"},
         "geometry": {"type": "Polygon", "coordinates": rings}} for code, name, rings in features]}), encoding="utf-8")


def packaged_rows(root: Path, tmp_path: Path, reuse: str):
    out = tmp_path / "packages"
    run = package([str(root / "datasets" / OBSERVATORY / reuse)], root, out)
    assert not run.refused, run.refused
    descriptor = json.loads((out / OBSERVATORY / reuse / "datapackage.json").read_text(encoding="utf-8"))
    return read_csv(out / OBSERVATORY / reuse / descriptor["resources"][0]["path"]), descriptor, out


def test_stops_per_commune_gives_a_border_stop_to_the_smaller_insee_code(tmp_path):
    root = hub(tmp_path, "sample-mobilites/reseau-bus", "departement-de-sample/communes",
               f"{OBSERVATORY}/arrets-par-commune")
    # 00002 lies west of 00001 and comes first in the file: the border rule, not file order, decides.
    craft_communes(root, [("00002", "Fauxbourg", square(2.30, 46.60, 2.35, 46.65)),
                          ("00001", "Sampleville", square(2.35, 46.60, 2.40, 46.65))])
    craft_gtfs(root, [("SMP0001", "Ouest", 2.32, 46.62), ("SMP0002", "Est", 2.38, 46.62),
                      ("SMP0003", "Frontière", 2.35, 46.625), ("SMP0004", "Coin", 2.35, 46.65),
                      ("SMP0005", "Dehors", 2.45, 46.62)])
    rows, _, _ = packaged_rows(root, tmp_path, "arrets-par-commune")
    assert [(r["stop_id"], r["code_insee"], r["nom"]) for r in rows] == [
        ("SMP0001", "00002", "Fauxbourg"), ("SMP0002", "00001", "Sampleville"),
        ("SMP0003", "00001", "Sampleville"), ("SMP0004", "00001", "Sampleville"),
        ("SMP0005", "", ""),  # outside every commune: kept, with no commune
    ]


def _moved(lon, lat, east_m, north_m):
    x, y = TO_METRES.transform(lon, lat)
    return TO_DEGREES.transform(x + east_m, y + north_m)


def craft_chargers(root: Path, points):
    folder = root / "datasets" / "departement-de-sample" / "bornes-recharge"
    template = read_csv(folder / "irve-statique.csv")
    header = list(template[0])
    rows = []
    for number, (lon, lat) in enumerate(points, start=1):
        row = dict(template[0], id_station_itinerance=f"FRSMPP{number:05d}", id_pdc_itinerance=f"FRSMPE{number:05d}1",
                   id_station_local=f"ST-{number}", nom_station=f"Station {number}", nbre_pdc="1",
                   coordonneesXY=f"[{lon:.6f},{lat:.6f}]")
        rows.append([row[column] for column in header])
    write_csv(folder / "irve-statique.csv", header, rows)


def test_chargers_near_a_stop_keep_those_within_the_distance(tmp_path):
    root = hub(tmp_path, "sample-mobilites/reseau-bus", "departement-de-sample/bornes-recharge",
               f"{OBSERVATORY}/bornes-pres-des-arrets")
    stop, other = (2.40, 46.60), (2.50, 46.70)
    craft_gtfs(root, [("SMP0001", "Gare", *stop), ("SMP0002", "Lointain", *other)])
    craft_chargers(root, [_moved(*stop, 299, 0),  # just inside 300 m
                          _moved(*stop, 0, 301),  # just outside
                          _moved(*other, -30, 40),  # 50 m from the other stop
                          _moved(*stop, 150, 2000)])  # far from both
    rows, _, _ = packaged_rows(root, tmp_path, "bornes-pres-des-arrets")
    assert [(r["id_pdc_itinerance"], r["stop_id"]) for r in rows] == [("FRSMPE000011", "SMP0001"),
                                                                      ("FRSMPE000031", "SMP0002")]
    assert float(rows[0]["distance_m"]) == pytest.approx(299, abs=0.3)
    assert float(rows[1]["distance_m"]) == pytest.approx(50, abs=0.3)


BUDGET_HEADER = ["Exercice", "Code INSEE", "Collectivité", "Étape budgétaire", "Section", "Sens", "Fonction",
                 "Libellé fonction", "Nature", "Libellé nature", "Montant (€)", "Date de vote"]


def craft_budget(root: Path, population_of_00001=1000):
    town = root / "datasets" / "ville-de-sampleville" / "budget"
    bp, dm = ("Budget primitif", "27/03/2025"), ("Décision modificative n°1", "26/06/2025")
    lines = [
        (bp, "Fonctionnement", "Dépense", "0", "Services généraux", "011", "100 000,00", "00001"),
        (bp, "Investissement", "Dépense", "0", "Services généraux", "21", "50 000,00", "00001"),
        (dm, "Fonctionnement", "Dépense", "0", "Services généraux", "011", "10 000,00", "00001"),
        (bp, "Fonctionnement", "Recette", "0", "Services généraux", "70", "999 999,00", "00001"),  # not spent
        (bp, "Fonctionnement", "Dépense", "2", "Enseignement", "011", "2 500,00", "00001"),
        (bp, "Fonctionnement", "Dépense", "3", "Culture", "011", "7 000,00", "00002"),  # another commune
    ]
    rows = [[2025, insee, "Ville", stage, section, sens, code, label, nature, "Libellé", amount, date]
            for (stage, date), section, sens, code, label, nature, amount, insee in lines]
    write_csv(town / "budget-2025.csv", BUDGET_HEADER, rows, encoding="cp1252", delimiter=";")
    department = root / "datasets" / "departement-de-sample" / "population-communes"
    write_csv(department / "population.csv", ["code_insee", "nom", "population", "annee", "superficie_km2",
                                              "densite_hab_km2"],
              [["00001", "Sampleville", population_of_00001, 2022, "10.00", "100.0"],
               ["00002", "Fauxbourg", 500, 2022, "5.00", "100.0"]])


BUDGET_HUB = ("ville-de-sampleville/budget", "departement-de-sample/population-communes",
              f"{OBSERVATORY}/budget-par-habitant")


def test_budget_per_inhabitant_joins_population_by_insee_code(tmp_path):
    root = hub(tmp_path, *BUDGET_HUB)
    craft_budget(root)
    rows, descriptor, _ = packaged_rows(root, tmp_path, "budget-par-habitant")
    assert [(r["code_insee"], r["fonction"], float(r["fonctionnement_eur"]), float(r["investissement_eur"]),
             float(r["total_eur"]), float(r["par_habitant_eur"])) for r in rows] == [
        ("00001", "0", 110_000.0, 50_000.0, 160_000.0, 160.0),
        ("00001", "2", 2_500.0, 0.0, 2_500.0, 2.5),
    ]
    assert descriptor["catalog"]["reuse"]["parameters"] == {"insee": "00001"}


def _validate(root):
    result = CliRunner().invoke(main, ["validate", "--root", str(root), "--json"])
    return result.exit_code, {t["name"]: t for t in json.loads(result.output)["targets"]}


def _rename_column(path: Path, old: str, new: str, encoding="utf-8"):
    path.write_text(path.read_text(encoding=encoding).replace(old, new), encoding=encoding)


def test_a_renamed_column_breaks_a_spatial_reuse_in_validation(tmp_path):
    root = hub(tmp_path, "sample-mobilites/reseau-bus", "departement-de-sample/communes",
               f"{OBSERVATORY}/arrets-par-commune")
    folder = root / "datasets" / "sample-mobilites" / "reseau-bus"
    _rename_column(folder / "schemas" / "stops.json", '"stop_lat"', '"stop_latitude"')
    _rename_column(folder / "stops.txt", "stop_lat,", "stop_latitude,")
    code, targets = _validate(root)
    assert code == 1
    reuse = targets[f"{OBSERVATORY}/arrets-par-commune"]
    broken = [f for f in reuse["findings"] if f["code"] == "reuse-broken"]
    assert broken and broken[0]["value"] == "stop_lat"
    assert f"reuse {OBSERVATORY}/arrets-par-commune" in broken[0]["message"]
    assert "sample-mobilites/reseau-bus" in broken[0]["message"]
    run = package([], root, tmp_path / "packages")
    assert f"{OBSERVATORY}/arrets-par-commune" in run.refused


def test_a_renamed_column_breaks_an_sql_reuse_in_validation(tmp_path):
    root = hub(tmp_path, *BUDGET_HUB)
    folder = root / "datasets" / "departement-de-sample" / "population-communes"
    _rename_column(folder / "population.schema.json", '"population"', '"habitants"')
    _rename_column(folder / "population.csv", ",population,", ",habitants,")
    code, targets = _validate(root)
    assert code == 1
    assert targets["departement-de-sample/population-communes"]["valid"]  # the source itself is fine
    reuse = targets[f"{OBSERVATORY}/budget-par-habitant"]
    assert not reuse["valid"]
    message = next(f["message"] for f in reuse["findings"] if f["code"] == "reuse-broken")
    assert "no such column: p.population" in message and "budget-par-habitant" in message


def test_a_missing_source_and_a_writing_query_are_errors(tmp_path):
    root = hub(tmp_path, *BUDGET_HUB)
    descriptor_path = root / "datasets" / OBSERVATORY / "budget-par-habitant" / "datapackage.json"
    descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    descriptor["catalog"]["reuse"]["sources"][1] = "departement-de-sample/populations"
    descriptor_path.write_text(json.dumps(descriptor), encoding="utf-8")
    code, targets = _validate(root)
    findings = targets[f"{OBSERVATORY}/budget-par-habitant"]["findings"]
    assert code == 1 and findings[0]["code"] == "reuse-source-missing"
    assert findings[0]["value"] == "departement-de-sample/populations"

    descriptor["catalog"]["reuse"]["sources"][1] = "departement-de-sample/population-communes"
    descriptor["catalog"]["reuse"]["sql"] = "DELETE FROM population_communes_population"
    descriptor_path.write_text(json.dumps(descriptor), encoding="utf-8")
    code, targets = _validate(root)
    findings = targets[f"{OBSERVATORY}/budget-par-habitant"]["findings"]
    assert code == 1 and "not authorized" in findings[0]["message"]


def test_lineage_records_each_source_hash_and_follows_source_changes(tmp_path):
    root = hub(tmp_path, *BUDGET_HUB)
    craft_budget(root, population_of_00001=1000)
    rows, descriptor, out = packaged_rows(root, tmp_path, "budget-par-habitant")

    def content_hash(source):
        return json.loads((out / source / "datapackage.json").read_text(encoding="utf-8"))["catalog"]["content_hash"]

    lineage = {s["name"]: s for s in descriptor["sources"]}
    assert set(lineage) == {"ville-de-sampleville/budget", "departement-de-sample/population-communes"}
    for name, entry in lineage.items():
        assert entry["hash"] == f"sha256:{content_hash(name)}"
        assert entry["version"] and entry["title"] and (out / OBSERVATORY / "x" / entry["path"]).resolve() \
            == (out / name / "datapackage.json").resolve()

    craft_budget(root, population_of_00001=2000)  # the département publishes a new population
    rows_after, after, _ = packaged_rows(root, tmp_path, "budget-par-habitant")
    lineage_after = {s["name"]: s for s in after["sources"]}
    population = "departement-de-sample/population-communes"
    assert lineage_after[population]["hash"] != lineage[population]["hash"]
    assert lineage_after[population]["hash"] == f"sha256:{content_hash(population)}"
    assert lineage_after["ville-de-sampleville/budget"]["hash"] == lineage["ville-de-sampleville/budget"]["hash"]
    assert after["catalog"]["content_hash"] != descriptor["catalog"]["content_hash"]
    assert float(rows_after[0]["par_habitant_eur"]) == float(rows[0]["par_habitant_eur"]) / 2


def test_bundled_reuses_derive_rows_and_record_lineage(tmp_path):
    run = package([], ROOT, tmp_path)
    assert not run.refused, run.refused
    for reuse in ("arrets-par-commune", "bornes-pres-des-arrets", "budget-par-habitant"):
        folder = tmp_path / OBSERVATORY / reuse
        descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        assert read_csv(folder / descriptor["resources"][0]["path"]), reuse
        publishers = {s["name"].split("/")[0] for s in descriptor["sources"]}
        assert len(publishers) == 2, (reuse, publishers)
        assert descriptor["catalog"]["reuse"]["sources"] == [s["name"] for s in descriptor["sources"]]


def test_derived_rows_that_break_the_declared_schema_refuse_the_package(tmp_path):
    root = hub(tmp_path, *BUDGET_HUB)
    craft_budget(root)
    schema_path = root / "datasets" / OBSERVATORY / "budget-par-habitant" / "depenses.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    schema["fields"][1]["type"] = "integer"  # `commune` holds names, not numbers
    schema_path.write_text(json.dumps(schema), encoding="utf-8")
    result = CliRunner().invoke(main, ["package", "--root", str(root), "--out", str(tmp_path / "packages"),
                                       str(root / "datasets" / OBSERVATORY / "budget-par-habitant")])
    assert result.exit_code == 1
    assert "budget-par-habitant was not packaged: reuse" in result.output
    assert "column commune" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "packages" / OBSERVATORY / "budget-par-habitant").exists()
