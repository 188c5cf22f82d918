"""Every path to the hub goes through the personal-data gate: each member of a GTFS zip,
each sheet of a workbook (hidden rows and columns too), derived reuses, and the original
files republished under original/ and in the zips of /packages/."""
import json
import zipfile
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from catalog.cli import main
from catalog.package import package
from tests.hub import make_hub
from tests.test_reuse import BUDGET_HUB, OBSERVATORY, hub

FEED = Path(__file__).resolve().parents[1] / "datasets" / "sample-mobilites" / "reseau-bus"
AGENCY = "agency_id,agency_name,agency_url,agency_timezone,agency_lang,agency_phone,agency_email\n"


def validate(*args):
    result = CliRunner().invoke(main, ["validate", "--json", *map(str, args)])
    report = json.loads(result.output)
    return result.exit_code, [f for t in report["targets"] for f in t["findings"] if f["code"] == "personal-data"]


def gtfs_zip(path: Path, agency: str, extra: dict | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for member in sorted(FEED.glob("*.txt")):
            archive.write(member, member.name)
        archive.writestr("agency.txt", AGENCY + agency)
        for name, text in (extra or {}).items():
            archive.writestr(name, text)
    return path


def test_a_gtfs_zip_agency_and_extra_files_go_through_the_gate(tmp_path):
    public = gtfs_zip(tmp_path / "ok.zip", "SAMPLE,Sample Mobilités,https://m.example.fr,Europe/Paris,fr,"
                                           "02 99 12 34 56,contact@sample-mobilites.fr\n")
    code, found = validate(public)
    assert code == 0 and found == []  # an agency's switchboard and role address are public
    leaky = gtfs_zip(tmp_path / "feed.zip", "SAMPLE,Sample Mobilités,https://m.example.fr,Europe/Paris,fr,"
                                            "06 12 34 56 78,jean.dupont@gmail.com\n",
                     {"contacts_chauffeurs.txt": "chauffeur,telephone\nMarie Martin,06 98 76 54 32\n",
                      "notes/lisez-moi.txt": "Pour toute question, appeler M. Durand au 0612345678.\n"})
    code, found = validate(leaky)
    errors = {(f["file"].split("feed.zip/")[-1], f["column"]) for f in found if f["severity"] == "error"}
    assert code == 1
    assert {("agency.txt", "agency_phone"), ("agency.txt", "agency_email"),
            ("contacts_chauffeurs.txt", "chauffeur"), ("contacts_chauffeurs.txt", "telephone"),
            ("notes/lisez-moi.txt", "(text)")} <= errors, errors
    assert "dupont" not in json.dumps(found) and "98 76" not in json.dumps(found)


def workbook(path: Path, second_sheet=True, hidden=True) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Équipements"
    sheet.append(["id", "nom", "latitude", "longitude", "referent"])
    for n, name in enumerate(["Mairie", "Gymnase Jean Moulin", "Médiathèque"], start=1):
        sheet.append([n, name, 46.6, 2.4, "Marie Martin 06 12 34 56 78" if hidden and n == 2 else ""])
    if hidden:
        sheet.column_dimensions["E"].hidden = True
        sheet.row_dimensions[3].hidden = True
    if second_sheet:
        agents = book.create_sheet("Agents")
        agents.append(["agent", "courriel", "portable", "secu"])
        agents.append(["Jean Dupont", "jean.dupont@gmail.com", "06 12 34 56 78", "1 85 05 78 006 084 91"])
        agents.sheet_state = "hidden"
    book.save(path)
    return path


def test_every_sheet_and_hidden_columns_of_a_workbook_go_through_the_gate(tmp_path):
    code, found = validate(workbook(tmp_path / "equipements.xlsx"))
    assert code == 1
    where = {(f["file"], f["column"]) for f in found}
    # Findings name the sheet they come from (issue #11: every message names it).
    assert (f'{tmp_path / "equipements.xlsx"} [sheet "Équipements"]', "referent") in where  # the hidden column
    agents = {c for f, c in where if f.endswith('[sheet "Agents"]')}
    assert agents == {"agent", "courriel", "portable", "secu"}
    code, found = validate(workbook(tmp_path / "clean.xlsx", second_sheet=False, hidden=False))
    assert code == 0 and found == []


SCHEMA = {"fields": [{"name": "id", "type": "integer"}, {"name": "nom", "type": "string"},
                     {"name": "latitude", "type": "number"}, {"name": "longitude", "type": "number"},
                     {"name": "referent", "type": "string"}]}


def test_an_original_workbook_is_not_published_when_any_sheet_fails(tmp_path):
    folder = make_hub(tmp_path, schema=SCHEMA, resource={"format": "xlsx", "path": "equipements.xlsx"},
                      data=b"", filename="equipements.xlsx")
    workbook(folder / "equipements.xlsx", second_sheet=True, hidden=False)  # only the hidden sheet leaks
    out = tmp_path / "packages"
    run = package([str(folder)], tmp_path, out, zip=True)
    assert "testville/equipements" in run.refused
    assert not list(out.rglob("original")) and not list(out.rglob("*.zip"))
    workbook(folder / "equipements.xlsx", second_sheet=False, hidden=False)
    run = package([str(folder)], tmp_path, out, zip=True)
    assert not run.refused and list(out.rglob("original/equipements.xlsx"))


def test_an_original_gtfs_zip_is_not_published_when_a_member_fails(tmp_path):
    root = hub(tmp_path, "sample-mobilites/reseau-bus")
    folder = root / "datasets" / "sample-mobilites" / "reseau-bus"
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    gtfs_zip(folder / "gtfs.zip", "SAMPLE,Sample Mobilités,https://m.example.fr,Europe/Paris,fr,"
                                  "02 99 12 34 56,contact@sample-mobilites.fr\n",
             {"contacts.txt": "nom,courriel\nJean Dupont,jean.dupont@gmail.com\n"})
    for member in folder.glob("*.txt"):
        member.unlink()
    descriptor["resources"] = [{"name": "gtfs", "path": "gtfs.zip", "format": "zip", "mediatype": "application/zip"}]
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "packages"
    run = package([str(folder)], root, out, zip=True)
    assert "sample-mobilites/reseau-bus" in run.refused
    assert not list(out.rglob("gtfs.zip")) and not list(out.rglob("*.zip"))


def test_a_derived_reuse_is_gated_like_any_table(tmp_path):
    """`a||'.'||b||'@'||c` over harmless columns publishes an address: derived output is gated."""
    root = hub(tmp_path, *BUDGET_HUB)
    folder = root / "datasets" / OBSERVATORY / "budget-par-habitant"
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["catalog"]["reuse"]["sql"] = (
        "SELECT 'jean' || '.' || lower(replace(p.nom, 'ville', '')) || '@' || 'gmail.com' AS contact "
        "FROM population_communes_population AS p WHERE p.code_insee != :insee")
    descriptor["catalog"].pop("charts", None)  # they draw the bundled query's columns, gone here
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    (folder / "depenses.schema.json").write_text(json.dumps({"fields": [{"name": "contact", "type": "string"}]}),
                                                 encoding="utf-8")
    out = tmp_path / "packages"
    run = package([str(root / "datasets" / OBSERVATORY / "budget-par-habitant")], root, out)
    assert f"{OBSERVATORY}/budget-par-habitant" in run.refused
    assert "personal" in run.refused[f"{OBSERVATORY}/budget-par-habitant"]
    assert not (out / OBSERVATORY / "budget-par-habitant").exists()


def test_public_option_for_a_bare_file(tmp_path):
    path = tmp_path / "annuaire.csv"
    path.write_text("dossier,telephone,courriel\nA1,01 23 45 67 89,accueil@sampleville.fr\n"
                    "A2,01 23 45 67 90,ccas@sampleville.fr\n", encoding="utf-8")
    code, found = validate(path)
    assert code == 1 and [f["column"] for f in found] == ["telephone"]
    code, found = validate(path, "--public", "telephone")
    assert code == 0 and found == []
    path.write_text("service,courriel\nMairie,jean.dupont@gmail.com\nCCAS,marie.martin@gmail.com\n", encoding="utf-8")
    code, found = validate(path, "--public", "courriel")
    assert code == 1 and "declared public" in found[0]["message"]


def test_a_file_published_as_it_is_goes_through_the_gate(tmp_path):
    """A resource the hub does not load (a zip of tables, a note) is still copied into the
    package: it is gated like the rest, every member of the archive included."""
    folder = make_hub(tmp_path)
    with zipfile.ZipFile(folder / "annexes.zip", "w") as archive:
        archive.writestr("agents/liste.csv", "agent;courriel\nJean Dupont;jean.dupont@gmail.com\n")
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"].append({"name": "annexes", "path": "annexes.zip", "format": "zip"})
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    code, found = validate(folder)
    assert code == 1 and {(f["file"], f["column"]) for f in found} >= {("annexes.zip/agents/liste.csv", "courriel")}
    run = package([str(folder)], tmp_path, tmp_path / "packages", zip=True)
    assert "testville/equipements" in run.refused and not list((tmp_path / "packages").rglob("annexes*"))


def test_a_windows_1252_member_is_read_with_its_encoding(tmp_path):
    feed = gtfs_zip(tmp_path / "feed.zip", "SAMPLE,Sample Mobilités,https://m.example.fr,Europe/Paris,fr,,\n",
                    {"référents.csv": "Référent;Téléphone\nHélène Dupré;06 12 34 56 78\n".encode("cp1252")})
    code, found = validate(feed)
    assert code == 1 and {f["column"] for f in found} == {"Référent", "Téléphone"}
