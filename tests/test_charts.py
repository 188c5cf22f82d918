"""Chart declarations (`catalog.charts`): checked by `catalog validate`, and served by the hub
as the JSON each chart is drawn from."""
import json
import subprocess
import sys

import pytest

from tests.hub import make_hub
from tests.servers import running_hub

SCHEMA = {"fields": [
    {"name": "id", "type": "integer"},
    {"name": "nom", "type": "string"},
    {"name": "type", "type": "string"},
    {"name": "surface", "type": "number"},
    {"name": "ouverture", "type": "date"},
    {"name": "latitude", "type": "number"},
    {"name": "longitude", "type": "number"},
], "primaryKey": ["id"]}
ROWS = [[1, "Mairie", "Administration", 800.5, "1990-01-01", 46.60, 2.40],
        [2, "Gymnase", "Sport", 1200, "2001-05-01", 46.61, 2.41],
        [3, "Stade", "Sport", 9000, "2001-05-01", 46.62, 2.42],
        [4, "Médiathèque", "Culture", 650.25, "2015-09-01", 46.63, 2.43]]


def hub_with(tmp_path, charts):
    root = tmp_path / "hub"
    make_hub(root, rows=ROWS, schema=SCHEMA, descriptor={"catalog": {
        "theme": "facilities", "frequency": "annual",
        "spatial": {"label": "Testville", "insee": ["00001"], "bbox": [2.3, 46.5, 2.5, 46.7]},
        "temporal": {"start": "2025-01-01"}, "charts": charts}})
    return root


def validate(root):
    run = subprocess.run([sys.executable, "-m", "catalog.cli", "validate", str(root / "datasets" / "testville" /
                          "equipements"), "--json"], capture_output=True, text=True, cwd=root)
    report = json.loads(run.stdout)
    return run.returncode, [(f["code"], f["column"]) for t in report["targets"] for f in t["findings"]]


def test_a_good_declaration_is_valid(tmp_path):
    code, findings = validate(hub_with(tmp_path, [
        {"title": "Surface par type", "type": "bar", "category": "type", "measure": "surface"},
        {"title": "Équipements par type", "type": "treemap", "category": "type", "aggregate": "count"},
        {"title": "Ouvertures", "type": "line", "category": "ouverture", "aggregate": "count",
         "filter": {"type": "Sport"}}]))
    assert (code, findings) == (0, [])


@pytest.mark.parametrize("chart, expected", [
    ({"title": "x", "category": "genre", "measure": "surface"}, ("chart-column", "catalog.charts[0].category")),
    ({"title": "x", "category": "type", "measure": "aire"}, ("chart-column", "catalog.charts[0].measure")),
    ({"title": "x", "category": "type", "measure": "nom"}, ("chart-measure", "catalog.charts[0].measure")),
    ({"title": "x", "category": "type", "measure": "surface", "filter": {"sens": "a"}},
     ("chart-column", "catalog.charts[0].filter")),
    ({"title": "x", "type": "pie", "category": "type", "measure": "surface"}, ("chart-spec", "catalog.charts[0].type")),
    ({"category": "type", "measure": "surface"}, ("chart-spec", "catalog.charts[0].title")),
    ({"title": "x", "category": "type", "measure": "surface", "aggregate": "median"},
     ("chart-spec", "catalog.charts[0].aggregate")),
    ({"title": "x", "type": "line", "category": "type", "measure": "surface"},
     ("chart-spec", "catalog.charts[0].category")),
    ({"title": "x", "category": "type", "measure": "surface", "resource": "autre"},
     ("chart-column", "catalog.charts[0].resource")),
    ({"title": "x", "category": "type", "measure": "surface", "parameter": "insee"},
     ("chart-spec", "catalog.charts[0].parameter")),
    ("bar", ("chart-spec", "catalog.charts[0]")),
])
def test_a_bad_declaration_is_reported(tmp_path, chart, expected):
    code, findings = validate(hub_with(tmp_path, [chart]))
    assert code == 1 and findings == [expected]


def test_charts_must_be_a_list(tmp_path):
    assert validate(hub_with(tmp_path, {"title": "x"})) == (1, [("chart-spec", "catalog.charts")])


def test_bundled_parameter_chart_names_a_table_of_its_sources(project_root, tmp_path):
    import shutil
    root = tmp_path / "hub"
    shutil.copytree(project_root / "datasets", root / "datasets")
    shutil.copytree(project_root / "publishers", root / "publishers")
    path = root / "datasets" / "observatoire-pays-de-sample" / "budget-par-habitant" / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["catalog"]["charts"][0]["parameter"]["choices"]["table"] = "communes_inconnues"
    path.write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "catalog.cli", "validate", str(path.parent), "--json"],
                         capture_output=True, text=True, cwd=root)
    findings = [(f["code"], f["column"]) for t in json.loads(run.stdout)["targets"] for f in t["findings"]]
    assert findings == [("chart-column", "catalog.charts[0].parameter.choices.table")]


@pytest.fixture(scope="module")
def bundled(project_root, tmp_path_factory):
    work = tmp_path_factory.mktemp("charts")
    with running_hub(project_root, work / "hub.db", work / "packages", cwd=work) as running:
        yield running


def test_bundled_budget_charts_sum_the_budget(bundled):
    charts = {c["title"]: c for c in bundled.get("/-/charts/ville-de-sampleville/budget.json").json()}
    assert set(charts) == {"Dépenses par fonction", "Recettes par nature"}
    table = bundled.get("/hub/budget_budget_2025.json", params={"_size": "max", "_shape": "array"}).json()
    for title, sens, by in (("Dépenses par fonction", "Dépense", "Libellé fonction"),
                            ("Recettes par nature", "Recette", "Libellé nature")):
        expected = {}
        for row in table:
            if row["Sens"] == sens:
                expected[row[by]] = expected.get(row[by], 0) + row["Montant (€)"]
        served = bundled.get(charts[title]["data_url"]).json()
        assert {r[by]: r["Montant (€)"] for r in served} == pytest.approx(expected)
        assert bundled.get(charts[title]["see_url"]).status_code == 200


def test_bus_chart_counts_trips_per_route_by_name(bundled):
    chart, = bundled.get("/-/charts/sample-mobilites/reseau-bus.json").json()
    trips = bundled.get("/hub/reseau_bus_trips.json", params={"_size": "max", "_shape": "array"}).json()
    routes = {r["route_id"]: r["route_short_name"] for r in
              bundled.get("/hub/reseau_bus_routes.json", params={"_shape": "array"}).json()}
    expected = {}
    for trip in trips:
        expected[routes[trip["route_id"]]] = expected.get(routes[trip["route_id"]], 0) + 1
    served = {str(r["route_id"]): r["count"] for r in bundled.get(chart["data_url"]).json()}
    assert served == {str(k): v for k, v in expected.items()}


def test_per_inhabitant_chart_follows_its_parameter(bundled):
    chart, = bundled.get("/-/charts/observatoire-pays-de-sample/budget-par-habitant.json").json()
    assert "insee=00001" in chart["data_url"]
    rows = bundled.get(chart["data_url"]).json()
    assert rows and {r["code_insee"] for r in rows} == {"00001"}
    page = bundled.get("/-/charts/observatoire-pays-de-sample/budget-par-habitant")
    assert page.text.count('<option value="0000') == 8  # one choice per commune
    other = bundled.get(chart["data_url"].replace("insee=00001", "insee=00002")).json()
    assert all(r["code_insee"] == "00002" for r in other)


def test_dataset_page_shows_its_charts(bundled):
    page = bundled.get("/-/dataset/ville-de-sampleville/budget")
    assert page.status_code == 200
    assert "Dépenses par fonction" in page.text and 'class="hub-chart-values' in page.text
    assert bundled.get(page.text.split('data-vega="', 1)[1].split('"', 1)[0]).status_code == 200
    assert bundled.get("/-/charts/nobody/nothing").status_code == 404


def test_line_chart_of_a_small_hub_runs_along_time(tmp_path):
    root = hub_with(tmp_path, [{"title": "Surface ouverte par date", "type": "line", "category": "ouverture",
                                "measure": "surface", "aggregate": "sum"},
                               {"title": "Équipements par type", "type": "treemap", "category": "type"}])
    with running_hub(root, tmp_path / "build" / "hub.db", tmp_path / "build" / "packages") as hub:
        line, treemap = hub.get("/-/charts/testville/equipements.json").json()
        rows = hub.get(line["data_url"]).json()
        assert [r["ouverture"] for r in rows] == ["1990-01-01", "2001-05-01", "2015-09-01"]  # in time order
        assert [r["surface"] for r in rows] == [800.5, 10200.0, 650.25]
        assert {r["type"]: r["count"] for r in hub.get(treemap["data_url"]).json()} == \
            {"Sport": 2, "Administration": 1, "Culture": 1}
