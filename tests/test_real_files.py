"""Defects found by sweeping real files the project had not seen: the examples of national schemas
published on GitHub (schema.data.gouv.fr) and raw exports of public bodies. Each test writes a small
extract of the file that showed the defect into tmp_path, its source named beside it; nothing is
downloaded."""
from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from catalog.cli import main
from catalog.validate import validate
from tests.conftest import ROOT

DESCRIPTION = ("Extrait d'un fichier public réel, décrit pour vérifier que le schéma écrit par describe "
               "accepte le fichier dont il vient et que rien ne se perd jusqu'au hub.")


def hub(tmp_path):
    root = tmp_path / "hub"
    shutil.copytree(ROOT / "publishers", root / "publishers")
    (root / "datasets").mkdir()
    return root


def describe(root, path, *args):
    return CliRunner().invoke(main, ["describe", str(path), "--publisher", "ville-de-sampleville", "--root", str(root),
                                     "--description", DESCRIPTION, "--frequency", "annual", "--theme", "facilities",
                                     "--coverage", "Finistère", *args])


def findings(report):
    return [(f.code, f.severity, f.row, f.column) for t in report.targets for f in t.findings]


# geobretagne/schema-equipements-velo, exemple-valide.csv: two headers end with a space ("long ",
# "id_regroupement "), a leading space in the ids, WGS84 long/lat beside Lambert-93 X/Y.
VELO = (
    "id_equip,id_local,type_equip,ss_type_equip,capacite,etat,long ,lat,X,Y,source,date_maj,id_regroupement \n"
    " 29135-EV-0001,1,stationnement ancrage cadre et roue,arceau / appui vélo,,bon,-4.16894,47.8317,164351,6772341,"
    "relevé GPS,2018-04-06,\n"
    " 29135-EV-0002,2,stationnement ancrage roue,râtelier / pince-roues,20,bon,-4.18585,47.83332,164589,6771843,"
    "relevé GPS,2018-03-19,\n")


def test_headers_with_surrounding_spaces_are_described_as_frictionless_reads_them(tmp_path):
    """Frictionless reads the header "long " as the column "long": a field named "long " made the
    described schema refuse its own file (incorrect-label)."""
    root = hub(tmp_path)
    raw = tmp_path / "equipements-velo.csv"
    raw.write_text(VELO, encoding="utf-8")
    result = describe(root, raw)
    assert result.exit_code == 0, result.output
    folder = root / "datasets/ville-de-sampleville/equipements-velo"
    fields = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))["resources"][0]["schema"]["fields"]
    assert [f["name"] for f in fields][6:8] == ["long", "lat"] and fields[-1]["name"] == "id_regroupement"
    report = validate([str(folder)], root)
    assert [f for f in findings(report) if f[1] == "error"] == [], findings(report)


def test_lat_long_pair_by_their_words_and_x_y_in_lambert93_are_no_error(tmp_path):
    """The bare file holds WGS84 "long "/"lat" and Lambert-93 "X"/"Y": "lat" was paired with "X"
    (coordinates-out-of-range) and the X/Y metres were an error. The degrees are checked as a pair, and
    undeclared X/Y metres in the legal projection are a warning saying how to declare them."""
    raw = tmp_path / "equipements-velo.csv"
    raw.write_text(VELO, encoding="utf-8")
    found = findings(validate([str(raw)]))
    assert [f for f in found if f[1] == "error"] == [], found
    assert ("coordinates-projected", "warning", 2, "Y") in found
    # The same degrees swapped on one row are still found, on the right pair.
    raw.write_text(VELO.replace("-4.18585,47.83332", "47.83332,-4.18585"), encoding="utf-8")
    found = findings(validate([str(raw)]))
    assert ("coordinates-swapped", "error", 3, "lat") in found, found


def test_a_figure_of_history_named_in_a_heritage_text_is_no_personal_data(tmp_path):
    """FuturoCite/standard-circuits-touristiques, exemple-valide.csv: a village's description names
    "le général Henri Alexis Brialmont", who built the forts of Namur in the 19th century; a rank or a
    title before a name (général, roi, l'abbé…) names a figure of history, as a street word names a
    place. A private person in the same column is still found."""
    text = ("Non loin de là, le fort de Maizeret fait partie des neuf forts bétonnés construits à la fin du "
            "19ème siècle autour de Namur à l’initiative du général Henri Alexis Brialmont : il fut occupé "
            "pendant les deux Guerres mondiales.")
    raw = tmp_path / "circuits.csv"
    raw.write_text(f'id,nom,description\n1,Maizeret,"{text}"\n2,Andenne,"Fondé par l’abbé Pierre Grégoire."\n',
                   encoding="utf-8")
    assert findings(validate([str(raw)])) == []
    raw.write_text(f'id,nom,description\n1,Maizeret,"{text}"\n2,Andenne,"Pour les visites guidées, appeler Marie Martin le '
                   'samedi matin."\n', encoding="utf-8")
    assert ("personal-data", "error", 3, "description") in findings(validate([str(raw)]))
