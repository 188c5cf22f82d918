"""What the personal-data gate recognises: every form of the issue's list, each a column
that must fail the gate, beside public-service columns that must pass."""
import pandas as pd
import pytest

from catalog.validate.context import TableContext
from catalog.validate.personal import PersonalDataCheck


def verdict(columns: dict, fields=None, public=()):
    """{column: (severity, message)} of the gate's findings on a table of these columns."""
    width = max(len(v) for v in columns.values())
    frame = pd.DataFrame({k: v + [""] * (width - len(v)) for k, v in columns.items()}, dtype=str)
    check = PersonalDataCheck(TableContext("t.csv", None, fields or {}), public=public)
    check.feed(frame, 2)
    return {f.column: (f.severity, f.message, f.value, f.row) for f in check.findings()}


FILLER = ["RAS", "Dossier complet", "", "Vu le 12/03", "Relance faite", "En attente"]


@pytest.mark.parametrize("cells,kind", [
    (["Contact : Marie Martin, 06 12 34 56 78"], "phone"),
    (["Contact : Marie Martin, 06 12 34 56 78"], "person"),
    (["Appeler M. Durand au 0612345678"], "phone"),
    (["Appeler M. Durand au 0612345678"], "person"),
    (["NIR 185057800608491"], "NIR"),
    (["IBAN de M. Petit : FR76 3000 6000 0112 3456 7890 189"], "IBAN"),
    (["écrire à jean.dupont [at] gmail.com"], "e-mail"),
    (["jean.dupont (at) gmail.com"], "e-mail"),
    (["jean.dupont@hotmail[.]fr"], "e-mail"),
    (["jean.dupont.mairie@gmail.com"], "e-mail"),
    (["Tél : 06 12 34 56 78"], "phone"),
    (["06/12/34/56/78"], "phone"),
    (["06 12 34 56 78 (Jean)"], "phone"),
    (["1-85-05-78-006-084-91"], "NIR"),
    (["FR76-3000-6000-0112-3456-7890-189"], "IBAN"),
    (["jean dupont", "marie martin"], "person"),
    (["Anaïs Lemoine"], "person"),  # a less common first name
    (["Hortense Perrin"], "person"),
    (["Gwenaëlle Le Goff"], "person"),
    (["LE ROUX Marie"], "person"),
    (["0692 45 67 89"], "phone"),  # a Réunion mobile written the national way
    (["06 93 80 06 53"], "phone"),
    (["0262 12 34 56"], "phone"),
])
def test_each_form_fails_the_gate(cells, kind):
    found = verdict({"notes": FILLER * 5 + cells})  # one cell in thirty-one
    assert "notes" in found, cells
    severity, message, value, row = found["notes"]
    assert severity == "error" and kind in message, message
    assert row == 2 + len(FILLER) * 5
    # The finding shows a masked example, never the data.
    assert "Martin" not in value and "dupont" not in value.lower() and "3456" not in value


def test_names_in_only_a_few_cells_fail():
    found = verdict({"beneficiaire": ["Association des Amis du Vélo", "Club de foot"] * 20 + ["Jean Dupont"]})
    assert "1 person's name" in found["beneficiaire"][1]


def test_surname_only_column_under_a_header_naming_persons():
    surnames = ["DUPONT", "MARTIN", "BERNARD", "PETIT", "DURAND", "LEROY", "MOREAU", "SIMON", "LAURENT", "Le Goff"]
    found = verdict({"Nom de l'élu": surnames, "Commune": ["Rennes"] * 10})
    assert set(found) == {"Nom de l'élu"} and "10 person names" in found["Nom de l'élu"][1]
    # The same surnames under a place header are places (Martin, Laurent are also communes' words).
    assert verdict({"Commune": surnames}) == {}


@pytest.mark.parametrize("column", [
    ["mairie@sampleville.fr", "accueil@agglo.fr", "contact@asso-velo.org", "mairie.saint-malo@orange.fr"],
    ["rue Victor Hugo", "avenue Jean Jaurès", "place Charles de Gaulle", "impasse des Lilas"],
    ["Collège Jean Moulin", "Ecole primaire publique Marie Curie", "Gymnase Léo Lagrange"],
    ["Rennes", "Saint-Malo", "La Chapelle-Thouarault", "Pleine-Fougères", "Val d'Anast", "Le Rheu"],
    ["Les Amis de Victor Hugo", "Association Jean Moulin", "Amicale laïque", "Club de Judo"],
    ["0800 123 456", "08 00 12 34 56", "3939"],
    ["Exposition Claude Monet", "Concert Jean-Sébastien Bach", "Statue de Jeanne d'Arc", "Hommage à Victor Hugo"],
    ["Guillaume Roussel S.A.R.L.", "Auger et Fils", "SARL DUPONT ET FILS", "Boulangerie Martin"],
    ["M. le Maire", "Mme la Présidente", "Monsieur le Préfet", "Réunion avec M. le Maire"],
])
def test_public_service_columns_pass(column):
    assert verdict({"valeur": column}) == {}


def test_a_school_directory_passes_switchboards_and_consumer_mailboxes():
    directory = {
        "Nom_etablissement": ["Ecole primaire publique les Lucioles", "Collège Jean Moulin", "Ecole Diwan",
                              "Lycée Bréquigny", "Ecole privée Sainte-Anne"],
        "Telephone": ["0299853802", "02 99 45 88 02", "02.99.12.34.56", "0299000001", "06 12 34 56 78"],
        "Mail": ["ecole.0350122T@ac-rennes.fr", "ce.0350002m@ac-rennes.fr", "12Treeschool@gmail.com",
                 "secretariat.esm@aliceadsl.fr", "contact@ecole-ste-anne.fr"],
    }
    found = verdict(directory)
    assert all(severity == "warning" for severity, *_ in found.values()), found
    # The same phones beside persons' names are the persons'.
    persons = dict(directory, Nom_etablissement=["Jean Dupont", "Marie Martin", "Paul Bernard", "Léa Petit",
                                                 "Hugo Durand"])
    assert {c for c, (s, *_) in verdict(persons).items() if s == "error"} >= {"Telephone", "Nom_etablissement"}


def test_a_public_declaration_must_be_plausible():
    gmail = {"contact": ["jean.dupont@gmail.com", "marie.martin@gmail.com", "zorglub75@gmail.com"]}
    public = {"contact": {"name": "contact", "catalog": {"public": True}}}
    found = verdict(gmail, fields=public)
    assert found["contact"][0] == "error" and "declared public" in found["contact"][1]
    assert "declared public" in verdict(gmail, public=("contact",))["contact"][1]
    # Role addresses, and persons' addresses on the service's own domain, are plausibly public.
    assert verdict({"contact": ["accueil@sampleville.fr", "jean.dupont@sampleville.fr"]}, fields=public) == {}
    # A NIR is never public.
    assert verdict({"contact": ["185057800608491"]}, fields=public)["contact"][0] == "error"


def test_identifiers_of_fifteen_digits_are_no_nirs():
    """About one random 15-digit identifier in 97 has a NIR's key by chance: a column where most
    numbers of that shape fail the key holds identifiers; one where they check holds NIRs."""
    import random

    rng = random.Random(1)
    identifiers = [rng.choice("12") + "".join(str(rng.randint(0, 9)) for _ in range(14)) for _ in range(2000)]
    assert verdict({"identifiant": identifiers}) == {}
    body = "1850578006084"
    nirs = [body[:-3] + f"{n:03d}" for n in range(1, 40)]
    nirs = [n + f"{97 - int(n) % 97:02d}" for n in nirs]
    assert "NIR" in verdict({"secu": nirs})["secu"][1]


def test_hostile_cells_are_read_in_linear_time():
    """Cells built to make unbounded patterns backtrack (a million letters before an @, runs of
    spaces, an opening bracket never closed) are read like any other: with quadratic patterns
    this test would not end."""
    hostile = ["a" * 300_000 + "@", " " * 300_000 + "x", "[" + " " * 300_000, "a." * 150_000 + "@b",
               "FR76" + "1" * 300_000, "Jean " * 60_000 + "jean.dupont@gmail.com"]
    found = verdict({"x": hostile})
    assert "1 personal e-mail address" in found["x"][1] and found["x"][3] == 7


def test_organisations_named_like_persons_under_an_organisation_header_pass():
    # The 2018 IRVE consolidation: brands and operators whose names read like a person's.
    brands = ["Leroy Merlin"] * 72 + ["Darty France"] * 4 + ["Paris Aéroports"] * 94 + ["Alizé Liberté"] * 24
    others = ["Driveco", "Sodetrel", "Izivia", "Total", "Lidl", "Renault", "Nissan", "SDE 18"] * 40
    for header in ("n_enseigne", "n_amenageur", "n_operateur", "Raison sociale", "exploitant"):
        assert verdict({header: brands + others}) == {}, header
    # The same header over persons' names still fails.
    persons = ["Jean Dupont", "Marie Martin", "Paul Bernard", "Léa Petit", "Hugo Durand"] * 10
    assert verdict({"n_amenageur": persons})["n_amenageur"][0] == "error"
