"""Derived SQL reuses are bounded in time and size, at validate (a trial run over empty source
tables) and at package/publish (over the data), and end in a finding or a refusal, never a
traceback. A runaway recursive CTE used to validate in 0.6 s, then end publish in MemoryError."""
import json

import pytest
from click.testing import CliRunner

from catalog.cli import main
from tests.test_reuse import BUDGET_HUB, OBSERVATORY, hub

RUNAWAY = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
           "SELECT x AS code_insee FROM c")
# Ends at once over empty tables; over the two communes of the data it would give 2e9 rows.
# Its columns are the reuse's schema, so validate finds nothing wrong with it.
GROWS_WITH_DATA = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < "
                   "(SELECT COUNT(*) FROM population_communes_population) * 1000000000) "
                   "SELECT printf('%.*c', 1000, 'x') AS code_insee, 'a' AS commune, 1 AS population, "
                   "'0' AS fonction, 'b' AS libelle_fonction, 1.0 AS fonctionnement_eur, "
                   "1.0 AS investissement_eur, 1.0 AS total_eur, 1.0 AS par_habitant_eur FROM c")


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def with_sql(tmp_path, sql):
    root = hub(tmp_path, *BUDGET_HUB)
    path = root / "datasets" / OBSERVATORY / "budget-par-habitant" / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["catalog"]["reuse"]["sql"] = sql
    descriptor["catalog"].pop("charts", None)  # they follow the bundled query's parameter, not this one
    path.write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    return root


def test_a_runaway_query_is_found_by_validate(tmp_path):
    root = with_sql(tmp_path, RUNAWAY)
    result = invoke("validate", root / "datasets" / OBSERVATORY / "budget-par-habitant", "--root", root, "--json")
    assert result.exit_code == 1
    findings = [f for t in json.loads(result.output)["targets"] for f in t["findings"]]
    limit = [f for f in findings if f["code"] == "reuse-limit"]
    assert limit and limit[0]["column"] == "catalog.reuse.sql"
    assert "longer than" in limit[0]["message"] or "MB of rows" in limit[0]["message"]
    published = invoke("publish", "datasette", "--root", root, "--db", tmp_path / "hub.db",
                       "--out", tmp_path / "packages")
    assert published.exit_code == 1
    assert f"{OBSERVATORY}/budget-par-habitant was not published" in published.output


def test_a_query_that_explodes_on_the_data_is_refused_at_publish(tmp_path, monkeypatch):
    monkeypatch.setattr("catalog.reuse.sql.SQL_MAX_BYTES", 20 * 1024 * 1024)
    monkeypatch.setattr("catalog.reuse.sql.SQL_SECONDS", 20)
    root = with_sql(tmp_path, GROWS_WITH_DATA)
    validated = invoke("validate", root / "datasets" / OBSERVATORY / "budget-par-habitant", "--root", root, "--json")
    assert validated.exit_code == 0, validated.output  # the trial over empty tables ends: only data explodes
    published = invoke("publish", "datasette", "--root", root, "--db", tmp_path / "hub.db",
                       "--out", tmp_path / "packages")
    assert published.exit_code == 1
    assert "more than 20 MB of rows" in published.output


def test_time_limit_at_publish(tmp_path, monkeypatch):
    monkeypatch.setattr("catalog.reuse.sql.SQL_SECONDS", 1)
    root = with_sql(tmp_path, GROWS_WITH_DATA.replace("printf('%.*c', 1000, 'x')", "x"))
    published = invoke("publish", "datasette", "--root", root, "--db", tmp_path / "hub.db",
                       "--out", tmp_path / "packages")
    assert published.exit_code == 1
    assert "longer than 1 s" in published.output


@pytest.mark.parametrize("sql", ["SELECT zeroblob(1000000000) AS code_insee",
                                 "SELECT printf('%.*c', 1000000000, 'x') AS code_insee"])
def test_one_huge_value_is_refused_at_once(tmp_path, sql):
    root = with_sql(tmp_path, sql)
    published = invoke("publish", "datasette", "--root", root, "--db", tmp_path / "hub.db",
                       "--out", tmp_path / "packages")
    assert published.exit_code == 1
