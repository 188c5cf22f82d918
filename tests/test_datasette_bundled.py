"""The README's main command on the bundled datasets: `catalog serve` builds the hub, then serves it."""
import csv
import io
import json

import pytest

from tests.servers import running_hub


@pytest.fixture(scope="module")
def bundled(project_root, tmp_path_factory):
    if not (project_root / "datasets").is_dir():
        pytest.fail("datasets/ is missing: the bundled sample territory is part of the project")
    work = tmp_path_factory.mktemp("bundled")
    with running_hub(project_root, work / "hub.db", work / "packages", cwd=work) as hub:
        yield hub


def bundled_ids(project_root):
    return sorted(f"{p.parent.parent.name}/{p.parent.name}" for p in project_root.glob("datasets/*/*/datapackage.*"))


def test_every_bundled_dataset_is_published(bundled, project_root):
    rows = bundled.get("/hub/catalog_datasets.json", params={"_shape": "array", "_size": "max"}).json()
    assert sorted(r["id"] for r in rows) == bundled_ids(project_root)
    for row in rows:
        assert row["rows"] > 0 and row["licence"] and row["quality"] is not None, row["id"]
        assert bundled.get(f"/-/dataset/{row['id']}").status_code == 200, row["id"]
        assert bundled.get(row["zip_url"]).status_code == 200, row["id"]


def test_every_table_has_licence_source_and_column_descriptions(bundled):
    tables = bundled.get("/-/metadata.json").json()["databases"]["hub"]["tables"]
    for table in bundled.get("/hub/catalog_tables.json", params={"_shape": "array", "_size": "max"}).json():
        entry = tables[table["name"]]
        assert entry["license"] and entry["source"] and entry["about_url"].startswith("/-/dataset/"), table["name"]
        assert set(entry["columns"]) == set(json.loads(table["columns"])), table["name"]


def test_gtfs_keys_link_rows(bundled):
    html = bundled.get("/hub/reseau_bus_stop_times", params={"_size": "5"}).text
    assert 'href="/hub/reseau_bus_stops/' in html and 'href="/hub/reseau_bus_trips/' in html


def test_stops_are_on_the_map_and_communes_are_shapes(bundled):
    stops = bundled.get("/hub/reseau_bus_stops").text
    assert "datasette-cluster-map.js" in stops
    communes = bundled.get("/hub/communes_communes.json", params={"_shape": "array"}).json()
    assert communes and all(json.loads(c["geometry"])["type"] in ("Polygon", "MultiPolygon") for c in communes)
    assert "datasette-leaflet-geojson.js" in bundled.get("/hub/communes_communes").text


def test_french_budget_arrives_typed(bundled, project_root):
    sql = ('select typeof("Montant (€)") as montant, typeof("Exercice") as exercice, "Date de vote" as vote, '
           'count(*) as n from budget_budget_2025 group by 1, 2, 3')
    rows = bundled.get("/hub.json", params={"sql": sql, "_shape": "array"}).json()
    assert {(r["montant"], r["exercice"]) for r in rows} == {("real", "integer")}
    assert all(len(r["vote"]) == 10 and r["vote"][4] == "-" and r["vote"][7] == "-" for r in rows)
    # Same total as the original French file (cp1252, `;`, "1 588 173,24").
    with open(project_root / "datasets/ville-de-sampleville/budget/budget-2025.csv", encoding="cp1252") as handle:
        original = sum(float(r["Montant (€)"].replace(" ", "").replace("\u202f", "").replace(",", "."))
                       for r in csv.DictReader(handle, delimiter=";"))
    total = bundled.get("/hub.json", params={"sql": 'select sum("Montant (€)") as t from budget_budget_2025',
                                             "_shape": "array"}).json()[0]["t"]
    assert total == pytest.approx(original)


def test_csv_export_matches_packaged_csv(bundled):
    exported = bundled.get("/hub/reseau_bus_stops.csv", params={"_stream": "on", "_size": "max"}).text
    packaged = (bundled.packages / "sample-mobilites/reseau-bus/data/stops.csv").read_text(encoding="utf-8")
    # Same rows and values; numbers are REAL in the hub, so "46.659540" comes back as "46.65954".
    assert values(exported) == values(packaged)
    assert len(values(packaged)) == 1 + bundled.get("/hub/reseau_bus_stops.json").json()["filtered_table_rows_count"]


def values(text):
    def value(cell):
        try:
            return float(cell)
        except ValueError:
            return cell
    return [[value(c) for c in row] for row in csv.reader(io.StringIO(text))]


def test_republishing_unchanged_bundled_datasets_does_no_work(bundled, project_root):
    """Reuses included: their inputs key (own files + sources' content hashes) says they are unchanged."""
    from catalog.publish.datasette import publish_datasette

    before = bundled.db.stat().st_mtime_ns
    result = publish_datasette((), project_root, bundled.db, bundled.packages)
    assert not result.written and {s.action for s in result.steps} == {"keep"}
    assert len(result.steps) == len(bundled_ids(project_root))
    assert bundled.db.stat().st_mtime_ns == before
