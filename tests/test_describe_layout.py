"""Raw exports whose table does not start on row 1: a title above the header, totals and notes
below. `describe` declares where the table lies (dialect headerRows / commentRows), the file is
kept as it is, and validate, package and the hub then read the table alone."""
from __future__ import annotations

import csv
import datetime
import json
import random

import openpyxl
import pytest
from click.testing import CliRunner

from catalog.cli import main
from catalog.describe.layout import find_layout
from tests.conftest import ROOT, SHARED_DATA

OPTIONS = ["--publisher", "departement-de-sample", "--theme", "budget", "--frequency", "annual",
           "--description", "Subventions versées aux associations par le département : bénéficiaire, SIRET, objet, "
                            "montant et date du vote. Extraction brute du logiciel financier."]


def rows(*widths):
    """A grid of records, each with that many filled cells (0: a blank row)."""
    return [[f"v{i}{j}" if j < w else "" for j in range(max(widths))] for i, w in enumerate(widths)]


def test_a_plain_table_keeps_its_header_on_row_one():
    grid = [["a", "b", "c"]] + [["1", "2", "3"]] * 5
    layout = find_layout(grid, complete=True)
    assert (layout.header_row, layout.comment_rows, layout.dialect()) == (1, [], {})


def test_a_title_block_moves_the_header_down():
    grid = [["Budget 2024", "", ""], ["Ville de Sample", "", ""], ["", "", ""], ["code", "libellé", "montant"]]
    grid += [[str(i), f"poste {i}", f"{i * 10},5"] for i in range(20)]
    layout = find_layout(grid, complete=True)
    assert layout.header_row == 4 and layout.dialect() == {"headerRows": [4]}
    assert "row 4" in layout.notes[0] and "Budget 2024" in layout.notes[0]


def test_a_wide_first_row_of_values_is_never_taken_for_a_title():
    # A table without a header: nothing narrower than the table above, so row 1 stays the header.
    grid = [[str(i), str(i * 2), str(i * 3)] for i in range(10)]
    assert find_layout(grid, complete=True).header_row == 1


def test_totals_narrower_than_the_table_are_set_aside_but_a_record_named_total_is_not():
    header = [["enseigne", "operateur", "puissance", "commune"]]
    records = [["Total", "TotalEnergies", "22", "Laval"], ["Izivia", "Izivia", "7", "Craon"]] * 5
    grid = header + records + [["Sous-total", "", "145", ""]] + records + [["TOTAL GÉNÉRAL", "", "290", ""]]
    layout = find_layout(grid, complete=True)
    assert layout.comment_rows == [12, 23], layout


def test_notes_below_the_table_only_when_the_whole_file_was_seen():
    grid = [["a", "b", "c"]] + [["1", "2", "3"]] * 5 + [["", "", ""], ["Source : INSEE, RP 2020", "", ""],
                                                         ["(1) hors Mayotte", "", ""]]
    assert find_layout(grid, complete=True).comment_rows == [7, 8, 9]
    assert find_layout(grid, complete=False).comment_rows == []
    # Without an empty row above, a one-cell row is a note only when worded as one.
    sparse = [["a", "b", "c"]] + [["1", "2", "3"]] * 5 + [["Rennes", "", ""]]
    assert find_layout(sparse, complete=True).comment_rows == []
    worded = [["a", "b", "c"]] + [["1", "2", "3"]] * 5 + [["Source : service des finances", "", ""]]
    assert find_layout(worded, complete=True).comment_rows == [7]


def test_the_shared_real_files_keep_their_layout():
    from catalog.describe.read import read_csv, read_excel

    seen = 0
    for path in sorted(SHARED_DATA.rglob("*")):
        suffix = path.suffix.lower()
        if suffix in (".csv", ".tsv"):
            sample = read_csv(path, 2_000)
        elif suffix in (".xlsx", ".xls"):
            sample = read_excel(path, None, 2_000)
        else:
            continue
        seen += 1
        assert sample.layout.dialect() == {}, (path.name, sample.layout)
    assert seen >= 8


def _raw_export(path, leading_blank_rows=0):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Subventions 2023"
    for _ in range(leading_blank_rows):
        sheet.append([])
    sheet.append(["Subventions versées aux associations - exercice 2023"])
    sheet.append(["Conseil départemental de Sample"])
    sheet.append([])
    sheet.append(["Bénéficiaire", "SIRET", "Objet", "Montant (€)", "Date de vote"])
    rng = random.Random(4)
    amounts = []
    for i in range(30):
        amounts.append(rng.randrange(500, 20_000) + 0.5)
        sheet.append([f"Association {i}", f"{rng.randrange(10**13, 10**14)}", "Fonctionnement", amounts[-1],
                      datetime.date(2023, 3, 1 + i % 28)])
    sheet.append(["Total", None, None, sum(amounts), None])  # the value a spreadsheet program stores
    sheet.append([])
    sheet.append(["Source : service des finances, extraction du 12/01/2024"])
    book.save(path)


def _raw_csv(path):
    with open(path, "w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Budget primitif 2024 - Ville de Sample", "", ""])
        writer.writerow(["", "", ""])
        writer.writerow(["Fonction", "Libellé", "Montant"])
        for i in range(25):
            writer.writerow([f"{i:02d}", f"Dépenses de la fonction {i}", f"{1000 + i},50"])
        writer.writerow(["Total", "", "25300,50"])
        writer.writerow(["", "", ""])
        writer.writerow(["Lecture : montants en euros TTC", "", ""])


@pytest.mark.parametrize("make,records", [(_raw_export, 30), (lambda p: _raw_export(p, 2), 30), (_raw_csv, 25)])
def test_a_raw_export_becomes_a_dataset_whose_package_holds_the_table_alone(tmp_path, make, records):
    root = tmp_path / "hub"
    (root / "publishers").mkdir(parents=True)
    (root / "publishers" / "departement-de-sample.yml").write_text(
        (ROOT / "publishers" / "departement-de-sample.yml").read_text(encoding="utf-8"), encoding="utf-8")
    source = tmp_path / ("export.csv" if make is _raw_csv else "export.xlsx")
    make(source)
    runner = CliRunner()
    described = runner.invoke(main, ["describe", str(source), "--root", str(root), *OPTIONS])
    assert described.exit_code == 0, described.output
    assert "headerRows" in described.output and "commentRows" in described.output
    folder = root / "datasets" / "departement-de-sample" / "export"
    validated = runner.invoke(main, ["validate", str(folder), "--root", str(root)])
    assert validated.exit_code == 0, validated.output
    out = tmp_path / "packages"
    packaged = runner.invoke(main, ["package", str(folder), "--root", str(root), "--out", str(out)])
    assert packaged.exit_code == 0, packaged.output
    written = json.loads(next(out.rglob("datapackage.json")).read_text(encoding="utf-8"))
    table = next(r for r in written["resources"] if r["path"].endswith(".csv") and r["path"].startswith("data/"))
    with open(next(out.rglob("datapackage.json")).parent / table["path"], encoding="utf-8", newline="") as handle:
        lines = list(csv.reader(handle))
    assert len(lines) == records + 1, lines[-3:]
    assert lines[0][0] in ("Bénéficiaire", "Fonction")
    assert not any(line[0].lower().startswith(("total", "source", "lecture")) for line in lines)


@pytest.mark.parametrize("make,name", [(_raw_export, "export.xlsx"), (_raw_csv, "export.csv")])
def test_a_bare_raw_export_is_read_as_its_table_and_the_layout_said(tmp_path, make, name):
    source = tmp_path / name
    make(source)
    result = CliRunner().invoke(main, ["validate", str(source), "--json"])
    assert result.exit_code == 0, result.output
    codes = {f["code"] for target in json.loads(result.output)["targets"] for f in target["findings"]}
    assert "table-layout" in codes and not codes & {"blank-label", "missing-cell", "incorrect-label", "blank-row"}


@pytest.mark.parametrize("body,cell", [(3_000, "x" * 60), (3_000, "é" * 60), (60_000, "x" * 8)])
def test_a_long_export_keeps_its_title_and_its_notes_are_found_while_the_sample_can_hold_it(tmp_path, body, cell):
    """`layout_of` stops at LAYOUT_WIDTH_SAMPLE records only when the file is surely longer than
    LAYOUT_SAMPLE records (each character counted as 4 bytes): a 3,000-row export, of ASCII or
    of 2-byte characters, still has its notes found; a 60,000-row one still has its title."""
    from catalog.describe.read import LAYOUT_SAMPLE, LAYOUT_WIDTH_SAMPLE, layout_of

    assert LAYOUT_WIDTH_SAMPLE < 3_000 < LAYOUT_SAMPLE < 60_000
    path = tmp_path / "export.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Budget primitif 2024 - Ville de Sample", "", ""])
        writer.writerow(["Fonction", "Libellé", "Montant"])
        writer.writerows([f"{i:05d}", cell, f"{i},50"] for i in range(body))
        writer.writerow(["Source : service des finances", "", ""])
    layout = layout_of(path, "csv", "utf-8", ";")
    assert layout.header_row == 2
    assert layout.comment_rows == ([body + 3] if body < LAYOUT_SAMPLE else [])
