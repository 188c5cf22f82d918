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


def test_decimal_numbers_of_a_shapefile_table_hold_no_phone_number(tmp_path):
    """City of Montpellier, VilleMTP_MTP_Batiments.csv (a shapefile's dBase table exported to CSV,
    cp1252, `;`, decimal commas): lengths and areas such as "136,0612345678" were 158 "phone numbers"
    because their fraction reads like a mobile number. A phone number in a sentence is still found."""
    raw = tmp_path / "batiments.csv"
    raw.write_bytes("OBJECTID,N,9,0;LIBQUART,C,32;SHAPE_Leng,N,19,11;SHAPE_Area,N,19,11\n".encode("cp1252")
                    + b"".join(f"{i};HOPITAUX-FACULTES;{i}36,0612345{i:03d};{i}82,0467123{i:03d}\n".encode("cp1252")
                               for i in range(1, 40)))
    assert [f for f in findings(validate([str(raw)])) if f[1] == "error"] == []
    raw.write_bytes(b"id;note\n" + b"".join(f"{i};rappeler le 06 12 34 56 {i:02d} demain matin\n".encode()
                                            for i in range(1, 10)))
    assert ("personal-data", "error", 2, "note") in findings(validate([str(raw)]))


def test_street_names_named_after_persons_are_streets(tmp_path):
    """City of Montpellier, VilleMTP_MTP_FilaireVoies.csv: the street type is in its own column
    (TYPVOI: RUE, AV, PL) and NOMVOI holds the rest, "GEORGES CLEMENCEAU", "VICTOR HUGO": 1,549 "person
    names". A column whose header names streets names streets."""
    streets = ["GEORGES CLEMENCEAU", "VICTOR HUGO", "JEAN JAURES", "PAUL VALERY", "DE LA CELETTE",
               "LOUIS BLANC", "EMILE ZOLA", "ANATOLE FRANCE", "JULES FERRY", "MARIE CURIE"]
    rows = "".join(f"{i};{t};{s};44,70000076\n" for i, (t, s) in enumerate(
        zip(["RUE", "AV", "BD", "PL", "PL"] * 2, streets), 1))
    for header in ("NOMVOI,C,80", "nom_voie", "Nom de la rue"):
        raw = tmp_path / "voies.csv"
        raw.write_text(f"IDARC,N,10,0;TYPVOI,C,4;{header};LONGUEUR,N,19,8\n{rows}", encoding="utf-8")
        assert findings(validate([str(raw)])) == [], header
    # The same names under a header that does not name streets are still persons.
    raw.write_text(f"IDARC;TYPE;nom;LONGUEUR\n{rows}", encoding="utf-8")
    assert [f[0] for f in findings(validate([str(raw)]))] == ["personal-data"]


def _package_and_hub(root, tmp_path, folder):
    """(the packaged CSV's rows, the hub table's rows as text) of a described one-table dataset."""
    import csv
    import sqlite3
    db, packages = tmp_path / "hub.db", tmp_path / "packages"
    result = CliRunner().invoke(main, ["publish", "datasette", str(folder), "--root", str(root), "--db", str(db),
                                       "--packages", str(packages), "--min-quality", "0"])
    assert result.exit_code == 0, result.output
    package = packages / folder.parent.name / folder.name
    resource = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))["resources"][0]
    with open(package / resource["path"], encoding="utf-8", newline="") as handle:
        packaged = list(csv.reader(handle))
    with sqlite3.connect(db) as connection:
        names = ", ".join(f'"{n}"' for n in packaged[0])
        (table,) = connection.execute("select name from catalog_tables where dataset_id = ?",
                                      (f"{folder.parent.name}/{folder.name}",)).fetchone()
        hub_rows = [[("" if v is None else str(v)) for v in row]
                    for row in connection.execute(f'select {names} from "{table}" order by rowid')]
    return packaged, hub_rows


# City of Montpellier, CCIMTP_Herault_FluxActifs_2006.csv: Excel for Mac's "CSV (Macintosh)", Mac Roman,
# lines ended by CR alone; VilleMTP_MTP_EffectifSco_2014.csv: DOS code page 850. Both were read as
# cp1252: "the file cannot be read: 'charmap' codec can't decode byte 0x8f".
OLD_EXPORTS = {
    "mac_roman": ("Communes;Sortants en 2006;Var relative 2006/1999\r"
                  "Béziers;5232;29,20%\rSète;4067;35,40%\rFrontignan;5408;39,50%\rCastelnau le Lez;4197;4,70%\r"
                  "Pérols;1503;12,80%\rLunel-Viel;847;8,30%\r"),
    "cp850": ("CDETAB;TYPE;NOM;LIBRUE;EFFECTIF\r\n"
              "0340001;MAT;École maternelle Émile Combes;Rue de la Croix de Lavit;112\r\n"
              "0340002;ELE;École élémentaire Françoise Dolto;Allée des Églantiers;207\r\n"
              "0340003;MAT;Maternelle Les Hérons;Rue du Pré aux Clercs;98\r\n"
              "0340004;ELE;Élémentaire Jules Ferry;Rue de l'Agathois;185\r\n"),
}


def test_mac_and_dos_exports_are_read_in_their_own_encoding_and_nothing_is_lost(tmp_path):
    for encoding, text in OLD_EXPORTS.items():
        root = hub(tmp_path / encoding)
        raw = tmp_path / encoding / f"export-{encoding.replace('_', '-')}.csv"
        raw.write_bytes(text.encode(encoding))
        report = validate([str(raw)])
        assert [(f.code, f.severity) for t in report.targets for f in t.findings] == [
            ("encoding-detected", "warning")], encoding
        assert f'"encoding": "{encoding}"' in report.targets[0].findings[0].fix
        result = describe(root, raw)
        assert result.exit_code == 0, result.output
        folder = root / "datasets/ville-de-sampleville" / raw.stem
        descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        assert descriptor["resources"][0]["encoding"] == encoding
        assert [f for f in findings(validate([str(folder)], root)) if f[1] == "error"] == []
        packaged, hub_rows = _package_and_hub(root, tmp_path / encoding, folder)
        source = [line.split(";") for line in text.replace("\r\n", "\r").strip("\r").split("\r")]
        assert packaged[0] == source[0] and len(packaged) == len(source), encoding
        typed = {f["name"]: f["type"] for f in descriptor["resources"][0]["schema"]["fields"]}
        for i, name in enumerate(source[0]):
            written = [row[i] for row in packaged[1:]]
            shown = [row[i] for row in hub_rows]
            read = [row[i] for row in source[1:]]
            if typed[name] == "string":  # codes and names: the very text, accents read right
                assert written == read == shown, (encoding, name)
            else:  # numbers are written the standard way: 29,20% is 29.20
                value = [float(v.replace(",", ".").rstrip("%")) for v in read]
                assert [float(v) for v in written] == value == [float(v) for v in shown], (encoding, name)


def test_shops_of_openstreetmap_are_establishments_named_like_persons(tmp_path):
    """City of Montpellier, OSM_MTP_Commerces.csv (OpenStreetMap's shops, English keys): the shops
    "Gibert Joseph", "Gérard Darel", "Alain Afflelou" were 72 person names and the operator "France
    Télécom" a person. `shop`, `amenity`, `operator`, `brand` say each row is an establishment, whose
    `name` is its own. Without such a header, the same names are still persons."""
    names = ["Gibert Joseph", "Gérard Darel", "Alain Afflelou", "Pomme de Reinette", "Franck Coiffeur",
             "Yves Delorme Paris", "Boulangerie du Marché", "Armand Thierry", "Guy Degrenne", "Carrefour City"]
    rows = "".join(f"{i},{name},{kind},France Télécom\n" for i, (name, kind) in enumerate(
        zip(names, ["books", "clothes", "optician", "toys", "hairdresser"] * 2), 1))
    raw = tmp_path / "commerces.csv"
    raw.write_text("osm_id,name,shop,operator\n" + rows, encoding="utf-8")
    assert findings(validate([str(raw)])) == []
    raw.write_text("id,name,categorie,groupe\n" + rows, encoding="utf-8")
    assert ("personal-data", "error") in [f[:2] for f in findings(validate([str(raw)]))]


def test_an_establishment_s_acronym_or_life_dates_make_a_name_no_private_person(tmp_path):
    """City of Montpellier: VilleMTP_MTP_SitesProx.csv lists "M.P.T. Albert Camus" (maisons pour
    tous, named after persons); VilleMTP_MTP_ArbresRemarq.csv says a tree genus "rend hommage à Pierre
    Auguste Broussonet (1761-1807)". A private person written the same way is still found."""
    raw = tmp_path / "sites.csv"
    raw.write_text("id;LIBEL;note\n"
                   "1;M.P.T. Paul-Emile Victor;Le nom de ce genre rend hommage à Pierre Auguste Broussonet.(1761-1807)\n"
                   "2;M.P.T. Albert Camus;Arbre planté en hommage à Pierre Magnol (1638 - 1715), botaniste.\n"
                   "3;MJC Boris Vian;Ouvert le samedi matin et le mercredi toute la journée.\n", encoding="utf-8")
    assert findings(validate([str(raw)])) == []
    raw.write_text("id;LIBEL;note\n1;MME Marie Martin;Pour les inscriptions, appeler Marie Martin (2019-2020).\n",
                   encoding="utf-8")
    assert {f[3] for f in findings(validate([str(raw)])) if f[0] == "personal-data"} == {"LIBEL", "note"}


def test_the_first_names_given_in_a_town_are_no_persons_but_first_names_beside_more_are(tmp_path):
    """City of Montpellier, VilleMTP_MTP_Prenoms.csv: the first names most given, counted (Latin-1,
    "Prénom 2013,2013,/oo 2013"), failed the gate for its "Prénom" headers, though it names no one.
    A first-name column beside numbers and a few categories (sex) is such a count; beside a surname,
    a full name or anything else (a school's class), it names persons."""
    raw = tmp_path / "prenoms.csv"
    raw.write_bytes("Prénom 2000-2013,Nombre 2000-2013,/oo 2000-2013,Sexe,Prénom 2013,2013\n"
                    "Emma,953,9.19,F,Gabriel,50\nLucas,909,8.77,M,Louis,45\nLéa,866,8.35,F,Jade,44\n"
                    "Hugo,801,7.72,M,Raphaël,41\nJeanne,744,\"7,17\",F,Chloé,40\n".encode("latin-1"))
    assert [f for f in findings(validate([str(raw)])) if f[0] == "personal-data"] == []
    for extra, cells in (("Nom", ["Martin", "Bernard", "Durand", "Petit", "Leroy"]),
                         ("Classe", ["CM2 A", "CM1 B", "CE2", "CP", "CM2 B"])):
        raw.write_text(f"Prénom,Nombre,{extra}\n" + "".join(
            f"{p},{n},{c}\n" for p, n, c in zip(["Emma", "Lucas", "Léa", "Hugo", "Jeanne"], range(5), cells)),
            encoding="utf-8")
        assert "personal-data" in [f[0] for f in findings(validate([str(raw)]))], extra
    raw.write_text("Prénom,Nombre\nEmma Martin,3\nLucas,4\n", encoding="utf-8")
    assert "personal-data" in [f[0] for f in findings(validate([str(raw)]))]


def test_an_export_beginning_with_an_empty_line_has_no_title(tmp_path):
    """City of Montpellier, VilleMTP_MTP_Opendata.csv (its open-data catalogue) begins with a line
    break: the table was said to start "below a title ('ID')", its own first header."""
    raw = tmp_path / "catalogue.csv"
    raw.write_text('\n"ID","Statut","Titre"\n135,"pub","Résultats des élections européennes 2014"\n'
                   '136,"pub","Bureaux de vote"\n', encoding="utf-8")
    (layout,) = [f for t in validate([str(raw)]).targets for f in t.findings if f.code == "table-layout"]
    assert "below an empty line" in layout.message and "title" not in layout.message


def _workbook(path, rows):
    import openpyxl
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_a_filled_column_under_an_empty_header_cell_is_one_blank_label_as_frictionless_says(tmp_path, monkeypatch):
    """City of Montpellier, VilleMTP_MTP_ETP.xls (staff numbers) and BudgetPri_2014.ods (a pivot table):
    the header's last cell is empty, the cells below it are not. catalog reported an extra cell on
    every row (472), Frictionless and the CSV twin of the same file one blank label."""
    from frictionless import validate as frictionless_validate
    path = _workbook(tmp_path / "etp.xlsx", [["Direction", "Service", "ETP 2013", None],
                                             ["DRH", "Paie", 12.5, 13], ["DRH", "Formation", 4, 4.5],
                                             ["DSI", "Réseaux", 9, 10]])
    ours = [(f.code, f.row) for t in validate([str(path)]).targets for f in t.findings if f.severity == "error"]
    monkeypatch.chdir(tmp_path)  # Frictionless reads relative paths only
    report = frictionless_validate(path.name)
    theirs = [(e["type"], e.get("rowNumber")) for task in report.to_dict()["tasks"] for e in task["errors"]]
    assert ours == theirs == [("blank-label", None)]


def test_sheet_cells_holding_semicolons_are_not_split(tmp_path):
    """City of Montpellier, VilleMTP_MTP_AccERP_2014.ods: a CSV pasted into a sheet, each row one cell
    "1155;ECOLE ELEMENTAIRE…;SCOE;…" (a value with commas spread over three cells). Set below a title,
    the sheet's text went to Frictionless without its "," delimiter: a guessed ";" split the cells and,
    with no schema, typed them ("NULL" is not a valid integer)."""
    rows = [  # the sheet's first rows and its last, as they are
        ["CODE;DESIGNATION;CODE CATEG;CATEGORIE;CODE CAT ERP;CATEGORIE ERP;CODE TYPE ERP;TYPE ERP;CO"
            "DE ACCESS;NUM VOIRIE;RUE;ADR2;ADR3;PROPRIO;CDRUE;LIB ACCESS;GROUPE ERP",
         None,
         None],
        ["1155;ECOLE ELEMENTAIRE MARC BLOCH;SCOE;SCOLAIRE ELEMENTAIRE;IV;4ème catégorie (effectif <="
            " 300);R;Etab. d'enseignement sans hébergement;6;135;ALL HAUTS DE MONTPELLIER;NULL;NULL;VIL"
            "LE;1204;lourde;ENSEIGNEMENT",
         None,
         None],
        ["1162;ECOLE MATERNELLE COPERNIC;SCOM;SCOLAIRE MATERNELLE;IV;4ème catégorie (effectif <= 300"
            ");R;Etab. d'enseignement sans hébergement;6;135;ALL HAUTS DE MONTPELLIER;NULL;NULL;VILLE;1"
            "204;lourde;ENSEIGNEMENT",
         None,
         None],
        ["2046;MAISON DES SYNDICATS;ASSOS;ASSOCIATION;V;5ème catégorie;W;Administrations",
         " banques",
         " bureaux;6;474;ALLEE HENRI II DE MONTMORENCY;NULL;NULL;VILLE;1211;lourde;ASSOCIATIF"],
        ["39124;COLLEGE JOFFRE;SCO;SCOLAIRE;II;2ème catégorie (700 < effectif <= 1500);R;Etab. d'ens"
            "eignement sans hébergement;6;211;ALL HENRI II MONTMORENCY;NULL;NULL;CG 34;1211;lourde;ENSE"
            "IGNEMENT",
         None,
         None],
        ["1686;ENSEMBLE MAISON POUR TOUS MARIE CURIE;DIVERS;MULTI - AFFECTATION;III;3ème catégorie ("
            "300 < effectif <= 700);L;Salles usage auditions",
         " conférences",
         " ...;5;13;ALLEE ANTONIN CHAULIAC;NULL;NULL;VILLE;2563;simple;TOUT PUBLIC"],
        ["NULL;NULL;NULL;NULL;NULL;NULL;NULL;NULL;NULL;NULL;NULL;NULL;NULL;NULL;NULL;NULL;NULL",
         None,
         None],
    ]
    path = _workbook(tmp_path / "erp.xlsx", rows)
    found = [(f.code, f.message) for t in validate([str(path)]).targets for f in t.findings]
    assert not [f for f in found if f[0] in ("type-error", "duplicate-label")], found


def test_x_y_columns_mixing_metres_and_degrees_are_an_error(tmp_path):
    """City of Montpellier, VilleMTP_MTP_PassagesPiet.csv: 391 pedestrian crossings in Lambert-93
    metres and 2,739 in WGS84 degrees in the same X/Y columns; Signalisation.csv: Lambert-93 on every
    row but four at (0, 0), a placeholder for "no position"."""
    raw = tmp_path / "passages.csv"
    raw.write_text("ID_PP,N,10,0;X,N,13,5;Y,N,14,5\n1;770270,5;6279032,6\n2;770310,1;6279101,2\n"
                   "3;3,82862;43,61457\n4;3,82898;43,6146\n", encoding="utf-8")
    (projected,) = [f for t in validate([str(raw)]).targets for f in t.findings if f.code == "coordinates-projected"]
    assert projected.severity == "error" and "2 other rows hold WGS84 degrees" in projected.message
    raw.write_text("ID;POINT_X,N,19,8;POINT_Y,N,19,8\n1;767686,3955;6279032,6454\n2;767700,1;6279040,2\n3;0;0\n",
                   encoding="utf-8")
    assert ("coordinates-projected", "warning", 2, "POINT_Y,N,19,8") in findings(validate([str(raw)]))


def test_a_bare_sheet_below_a_title_is_read_as_text_not_typed_by_guess(tmp_path):
    """Département de la Sarthe, subventions_associations_2017-converti.xlsx (a PDF converted to a
    workbook; etalab/hackathon_associations): "Année : 2017" above the header. With no schema the
    cells are text, yet the amounts were guessed integers from the first rows, then "5662.36 is not
    a valid integer": the one-row sample that named the text fields ended above the header."""
    rows = [["Année : 2017"], ["Bénéficiaire", "Commune", "Montant\nde la subvention (1)"]]
    rows += [[f"Association sportive {i}", "LE MANS", 1500 + i] for i in range(30)]
    rows += [["Comité des fêtes", "SABLE-SUR-SARTHE", 5662.36], ["Amicale laïque", "LA FLECHE", 3151.8]]
    path = _workbook(tmp_path / "subventions.xlsx", rows)
    found = findings(validate([str(path)]))
    assert [f[0] for f in found] == ["table-layout"], found


def test_no_primary_key_is_described_over_a_table_holding_an_empty_row(tmp_path):
    """Département de la Vendée, 201907_Publication_données_Open_data_Subventions_Conventions.csv
    (etalab/hackathon_associations): a row of bare delimiters closes the table. describe declared
    idBeneficiaire the primary key, and the described folder failed its own validation: Frictionless
    reports the empty row's key as missing (primary-key)."""
    root = hub(tmp_path)
    raw = tmp_path / "subventions-vendee.csv"
    raw.write_text("nomAttribuant;idBeneficiaire;nomBeneficiaire;montant\n"
                   "Département de la Vendée;77567227200013;LES ARTS FLORISSANTS;150000\n"
                   "Département de la Vendée;42985427900019;Institut Musical de Vendée;62000\n"
                   "Département de la Vendée;30296283800034;Compagnie Outre Mesure;25000\n;;;\n", encoding="utf-8")
    assert describe(root, raw).exit_code == 0
    folder = root / "datasets/ville-de-sampleville/subventions-vendee"
    schema = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))["resources"][0]["schema"]
    assert "primaryKey" not in schema
    assert [f for f in findings(validate([str(folder)], root)) if f[1] == "error"] == []


def test_the_town_as_an_owner_is_no_surname(tmp_path):
    """City of Montpellier, VilleMTP_MTP_AccERP_2013.csv: the owner of 234 public buildings is
    "VILLE" (the town), a surname in INSEE's list too, under the header "Propriétaire", which names
    persons: 236 "person names". Owners' surnames in the same column are still persons'."""
    raw = tmp_path / "erp.csv"
    rows = ["VILLE"] * 40 + ["CONSEIL GENERAL DE L'HERAULT", "UNIVERSITE MONTPELLIER 1", "VILLE DE MONTPELLIER",
                             "HERAULT HABITAT", "CHATEAU", "IUFM"]
    raw.write_text("CODE;DESIGNATION;Propriétaire\n" + "".join(f"{1100 + i};ECOLE {i};{o}\n" for i, o in enumerate(rows)),
                   encoding="utf-8")
    assert findings(validate([str(raw)])) == []
    rows = ["DUPONT", "MARTIN", "BERNARD", "DURAND", "VILLE", "PETIT"]
    raw.write_text("CODE;DESIGNATION;Propriétaire\n" + "".join(f"{1100 + i};LOGEMENT {i};{o}\n" for i, o in enumerate(rows)),
                   encoding="utf-8")
    assert [f[:2] for f in findings(validate([str(raw)]))] == [("personal-data", "error")]


def test_photo_credits_the_licence_requires_are_no_personal_data(tmp_path):
    """PnX-SI/schema_randonnee, exemple-valide.json (hiking routes of the Cévennes national park):
    each route's `medias` credit their photographers, "auteur": "© Laurent Bélier", "licence":
    "CC-BY-SA-ND", as the licence requires. A name written about a private person still fails."""
    def route(i, media):
        return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [3.6 + i / 100, 44.3]},
                "properties": {"id_local": str(37959 + i), "nom": f"Sentier {i}", "medias": json.dumps(media,
                                                                                                  ensure_ascii=False)}}
    credits = [{"titre": "Paysage vers Coudoulous", "auteur": "© Laurent Bélier", "licence": "CC-BY-SA-ND"},
               {"titre": "Hêtraie du Marquaires", "auteur": "Béatrice Galzin", "licence": "CC-BY-SA-ND"},
               {"titre": "Vue sur La Malène", "auteur": "© jean Pierre Malafosse", "licence": "CC-BY-SA-ND"}]
    raw = tmp_path / "randonnee.geojson"
    raw.write_text(json.dumps({"type": "FeatureCollection", "features": [
        route(i, [c]) for i, c in enumerate(credits)]}, ensure_ascii=False), encoding="utf-8")
    assert findings(validate([str(raw)])) == []
    credits[1] = {"titre": "Randonnée du club", "note": "Photo prise par Marie Martin chez elle, à Florac"}
    raw.write_text(json.dumps({"type": "FeatureCollection", "features": [
        route(i, [c]) for i, c in enumerate(credits)]}, ensure_ascii=False), encoding="utf-8")
    assert "personal-data" in [f[0] for f in findings(validate([str(raw)]))]


def test_described_lists_and_coordinate_systems_hold_for_the_cells_as_they_are(tmp_path):
    """City of Montpellier: in VilleMTP_MTP_FilaireVoies.csv the street occupation is "Piéton" and
    once " Piéton": described as an enum of stripped values, the file failed its own schema;
    VilleMTP_MTP_Signalisation.csv holds Lambert-93 points and four at (0, 0), which kept describe
    from declaring EPSG:2154."""
    root = hub(tmp_path)
    raw = tmp_path / "voies.csv"
    raw.write_text("IDARC,N,10,0;OCCUPATION,C,50;POINT_X,N,19,8;POINT_Y,N,19,8\n" + "".join(
        f"{i};{occ};{767686 + i},3955;{6279032 + i},6454\n"
        for i, occ in enumerate(["Piéton", "Mixte", "Voiture", "Mixte", "Piéton", " Piéton", "Voiture", "Mixte"]))
        + "9;Mixte;0;0\n", encoding="utf-8")
    # VilleMTP_MTP_EffectifSco_2012.csv: CDBISTER is "B", "T" or a single space.
    schools = tmp_path / "ecoles.csv"
    # VilleMTP_MTP_EffectifSco_2012.ods: CDPAT, a number, is five spaces on two rows.
    schools.write_text("CDETAB;CDBISTER;NORUE;CDPAT\n" + "".join(
        f"{i};{b};{i * 3};{'     ' if i in (3, 7) else 100 + i}\n" for i, b in enumerate("B T  B   T")), encoding="utf-8")
    assert describe(root, schools).exit_code == 0
    schools_folder = root / "datasets/ville-de-sampleville/ecoles"
    assert [f for f in findings(validate([str(schools_folder)], root)) if f[1] == "error"] == []
    assert describe(root, raw).exit_code == 0
    folder = root / "datasets/ville-de-sampleville/voies"
    fields = {f["name"]: f for f in json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))[
        "resources"][0]["schema"]["fields"]}
    assert fields["POINT_X,N,19,8"]["catalog"]["crs"] == "EPSG:2154"
    assert [f for f in findings(validate([str(folder)], root)) if f[1] == "error"] == []


def test_a_sheet_column_without_a_header_is_refused_by_describe_as_in_a_csv(tmp_path):
    """City of Montpellier, OSM_MTP_BoiteLettre.ods: column I holds values under an empty header cell.
    describe left it out of the schema, and the described folder failed its own validation
    (extra-label); a CSV is refused with the column named. Formatted empty columns still go."""
    from openpyxl.styles import Font
    root = hub(tmp_path)
    path = _workbook(tmp_path / "boites.xlsx", [["osm_id", "operator", None], ["1", "La Poste", "levée 12h"],
                                                ["2", "La Poste", None]])
    result = describe(root, path)
    assert result.exit_code == 2 and "column 3 has no name" in result.output, result.output
    import openpyxl
    book = openpyxl.load_workbook(path)
    book.active["C2"] = None
    book.active["E1"].font = Font(bold=True)  # formatting only
    book.save(path)
    assert describe(root, path).exit_code == 0
    assert [f for f in findings(validate([str(root / "datasets/ville-de-sampleville/boites")], root))
            if f[1] == "error"] == []


def test_a_schema_named_against_frictionless_rules_is_its_schema_error_on_the_light_path(tmp_path, monkeypatch):
    """naturalsolutions/schema-arbre, schema.json: the schema's own "name" is "Arbres urbains", which
    Frictionless refuses (schema-error, naming the schema file); the small-file path read the table and
    said nothing of it."""
    from frictionless import validate as frictionless_validate
    schema = {"$schema": "https://specs.frictionlessdata.io/schemas/table-schema.json", "name": "Arbres urbains",
              "title": "Arbres urbains", "fields": [{"name": "id", "type": "integer"},
                                                    {"name": "espece", "type": "string"}], "primaryKey": "id"}
    (tmp_path / "schema.json").write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "arbres.csv").write_text("id;espece\n1;campestre\n2;calleryana\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "arbres.csv"), "--schema",
                                       str(tmp_path / "schema.json"), "--json"])
    ours = [(f["code"], f["file"]) for t in json.loads(result.output)["targets"] for f in t["findings"]]
    monkeypatch.chdir(tmp_path)  # Frictionless reads relative paths only
    theirs = frictionless_validate("arbres.csv", schema="schema.json").to_dict()
    theirs = [e["type"] for e in theirs["errors"] + [e for t in theirs["tasks"] for e in t["errors"]]]
    assert theirs == ["schema-error"] and [c for c, _ in ours] == ["schema-error"], (ours, theirs)
    assert ours[0][1].endswith("schema.json")


def test_decimals_reach_the_hub_as_the_nearest_double(tmp_path):
    """SQLite before 3.43 read some decimals of ten digits or more into a neighbouring double:
    a coordinate of the Montpellier exports, 3.88015202860524, showed as 3.8801520286052398 in
    the hub. Every number cell must come out as the number that went in."""
    import random

    from tests.hub import make_hub
    from tests.servers import running_hub

    rng = random.Random(7)
    values = ["3.88015202860524", "43.6108", "-0.5", "1e3"] + [
        f"{rng.uniform(-180, 180):.{rng.randint(6, 15)}f}" for _ in range(400)]
    schema = {"fields": [{"name": "id", "type": "integer", "description": "Identifiant"},
                         {"name": "mesure", "type": "number", "description": "Mesure"}], "primaryKey": ["id"]}
    data = "id,mesure\n" + "".join(f"{i},{v}\n" for i, v in enumerate(values))
    make_hub(tmp_path, schema=schema, data=data)
    with running_hub(tmp_path, tmp_path / "build" / "hub.db", tmp_path / "build" / "packages") as hub:
        table = next(t["name"] for t in hub.get("/hub.json").json()["tables"] if not t["hidden"]
                     and t["name"].endswith("equipements"))
        rows = hub.get(f"/hub/{table}.json", params={"_shape": "array", "_size": "max", "_sort": "id"}).json()
    assert [r["mesure"] for r in rows] == [float(v) for v in values]
