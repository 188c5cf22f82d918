"""The hub-wide search (`/-/search`, `/-/search.json`) and the tables' own `?_search=`,
on a real `catalog serve` of the bundled datasets, and the index kept in step by publish."""
import json
import sqlite3

import pytest

from catalog.hub.search_index import DOCS
from catalog.publish.datasette import publish_datasette
from tests.servers import make_two_publisher_hub, running_hub


@pytest.fixture(scope="module")
def hub(project_root, tmp_path_factory):
    work = tmp_path_factory.mktemp("search")
    with running_hub(project_root, work / "hub.db", work / "packages", cwd=work) as running:
        yield running


def ids(hub, **params):
    response = hub.get("/-/search.json", params=params)
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["results"]]


def test_accents_and_case_are_ignored(hub):
    assert ids(hub, q="equipement")[0] == "ville-de-sampleville/equipements-publics"
    assert ids(hub, q="équipements")[0] == "ville-de-sampleville/equipements-publics"
    assert ids(hub, q="ÉQUIPEMENTS PUBLICS")[0] == "ville-de-sampleville/equipements-publics"
    assert ids(hub, q="velo")[0] == "sample-mobilites/velos-libre-service"
    assert ids(hub, q="vélo") == ids(hub, q="velo")


def test_ranked_title_before_mentions(hub):
    found = hub.get("/-/search.json", params={"q": "budget"}).json()
    assert found["results"][0]["id"] == "ville-de-sampleville/budget"
    scores = [r["score"] for r in found["results"]]
    assert scores == sorted(scores, reverse=True) and len(scores) >= 2


def test_publisher_keywords_and_column_names_are_searched(hub):
    assert "sample-mobilites/reseau-bus" in ids(hub, q="Sample Mobilités")
    assert "sample-mobilites/reseau-bus" in ids(hub, q="GTFS")
    # a column name only the charging points and the reuse built on them have
    assert set(ids(hub, q="id_pdc_itinerance")) == {"departement-de-sample/bornes-recharge",
                                                    "observatoire-pays-de-sample/bornes-pres-des-arrets"}


def test_filters_by_theme_publisher_and_licence(hub):
    everything = ids(hub, q="sample")
    assert len(everything) > 3
    budget = hub.get("/-/search.json", params={"q": "sample", "theme": "budget"}).json()
    assert budget["results"] and all(r["theme"] == "budget" for r in budget["results"])
    by_publisher = hub.get("/-/search.json", params={"q": "sample", "publisher": "sample-mobilites"}).json()
    assert by_publisher["results"] and all(r["publisher"] == "sample-mobilites" for r in by_publisher["results"])
    licences = {r["licence"] for r in hub.get("/-/search.json", params={"q": "sample"}).json()["results"]}
    one = sorted(licences)[0]
    by_licence = hub.get("/-/search.json", params={"q": "sample", "licence": one}).json()
    assert by_licence["results"] and all(r["licence"] == one for r in by_licence["results"])
    assert len(by_licence["results"]) < len(everything) or len(licences) == 1


def test_rows_of_searchable_tables_are_found(hub):
    found = hub.get("/-/search.json", params={"q": "piscine"}).json()
    tables = {t["table"]: t for t in found["tables"]}
    assert "equipements_publics_equipements" in tables
    assert any("Piscine" in e for e in tables["equipements_publics_equipements"]["examples"])
    # the link goes to the table's own full-text search, which finds the same row
    rows = hub.get(tables["equipements_publics_equipements"]["url"].replace("?", ".json?", 1) + "&_shape=array").json()
    assert [r["nom"] for r in rows] == ["Piscine des Rosiers"]


def test_table_search_really_searches(hub):
    total = hub.get("/hub/equipements_publics_equipements.json", params={"_size": "max"}).json()["rows"]
    found = hub.get("/hub/equipements_publics_equipements.json",
                    params={"_search": "mediatheque", "_shape": "array"}).json()
    assert 0 < len(found) < len(total)
    assert all("Médiathèque" in r["nom"] for r in found)
    budget = hub.get("/hub/budget_budget_2025.json", params={"_search": "personnel", "_shape": "array",
                                                           "_size": "max"}).json()
    assert budget and all("personnel" in r["Libellé nature"] for r in budget)


def test_no_result_is_said_with_suggestions(hub):
    found = hub.get("/-/search.json", params={"q": "bugdet"}).json()
    assert found["total"] == 0 and not found["results"]
    assert any(s["q"] == "budget" for s in found["suggestions"])
    page = hub.get("/-/search", params={"q": "bugdet"})
    assert page.status_code == 200
    assert 'id="hub-search-none"' in page.text and "/-/search?q=budget" in page.text
    filtered = hub.get("/-/search.json", params={"q": "velo", "theme": "budget"}).json()
    assert not filtered["results"] and any(s["kind"] == "no-filter" for s in filtered["suggestions"])


def test_page_lists_results_with_links(hub):
    page = hub.get("/-/search", params={"q": "bus"})
    assert page.status_code == 200
    assert 'href="/-/dataset/sample-mobilites/reseau-bus"' in page.text
    assert "<mark>" in page.text or "hub-search-result" in page.text


@pytest.mark.parametrize("q", ['"', 'bus AND (', "NEAR(a b)", "*", "a" * 5000, "bus\x00", "' OR 1=1 --", "^bus"])
def test_hostile_queries_are_plain_words(hub, q):
    response = hub.get("/-/search.json", params={"q": q, "page": "-3", "size": "99999999"})
    assert response.status_code == 200, response.text
    assert len(response.json()["q"]) <= 200
    assert hub.get("/-/search", params={"q": q}).status_code == 200


def test_browse_without_words_lists_all_datasets_by_filter(hub):
    found = hub.get("/-/search.json", params={"theme": "transport"}).json()
    assert found["total"] >= 1 and all(r["theme"] == "transport" for r in found["results"])


def _docs(db, dataset_id):
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT kind, title FROM {DOCS} WHERE dataset_id = ? ORDER BY id", [dataset_id]).fetchall()


def _match(db, words):
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT s.dataset_id FROM catalog_search JOIN {DOCS} s ON s.id = catalog_search.rowid "
                            "WHERE catalog_search MATCH ?", [words]).fetchall()


def test_publish_keeps_the_index_in_step(tmp_path):
    root = make_two_publisher_hub(tmp_path / "hub")
    db, out = tmp_path / "build" / "hub.db", tmp_path / "build" / "packages"
    publish_datasette((), root, db, out)
    assert _docs(db, "testville/equipements")[0] == ("dataset", "Équipements publics (exemple)")
    rows_before = [d for d in _docs(db, "transports-testville/arrets") if d[0] == "row"]
    assert len(rows_before) == 4  # the stops' searchable names
    assert _match(db, '"gare"*') == [("transports-testville/arrets",)]
    descriptor = root / "datasets" / "testville" / "equipements" / "datapackage.json"
    data = json.loads(descriptor.read_text(encoding="utf-8"))
    data["title"] = "Lieux culturels et sportifs"
    descriptor.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    publish_datasette((), root, db, out)
    assert _docs(db, "testville/equipements") == [("dataset", "Lieux culturels et sportifs")]
    assert _match(db, '"equipements"') == [] or all(d != ("testville/equipements",) for d in
                                                    _match(db, 'title:"equipements"'))
    assert _match(db, '"culturels"') == [("testville/equipements",)]
    assert [d for d in _docs(db, "transports-testville/arrets") if d[0] == "row"] == rows_before  # untouched
    (root / "datasets" / "testville" / "equipements" / "datapackage.json").unlink()
    (root / "datasets" / "testville" / "equipements" / "data.csv").unlink()
    (root / "datasets" / "testville" / "equipements").rmdir()
    publish_datasette((), root, db, out)
    assert _docs(db, "testville/equipements") == [] and _match(db, '"culturels"') == []


def test_a_hub_built_before_the_index_gets_it(tmp_path):
    root = make_two_publisher_hub(tmp_path / "hub")
    db, out = tmp_path / "build" / "hub.db", tmp_path / "build" / "packages"
    publish_datasette((), root, db, out)
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE catalog_search")
        conn.execute(f"DROP TABLE {DOCS}")
    result = publish_datasette((), root, db, out)
    assert result.written
    assert _match(db, '"gare"*') == [("transports-testville/arrets",)]


def test_a_hub_without_the_index_says_how_to_build_it(tmp_path):
    root = make_two_publisher_hub(tmp_path / "hub")
    db, out = tmp_path / "build" / "hub.db", tmp_path / "build" / "packages"
    publish_datasette((), root, db, out)
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE catalog_search")
    with running_hub(root, db, out) as hub:
        response = hub.get("/-/search.json", params={"q": "gare"})
        assert response.status_code == 503 and "catalog publish datasette" in response.json()["error"]
        assert hub.get("/-/search", params={"q": "gare"}).status_code == 503
