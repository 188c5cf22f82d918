"""The personal-data gate: what counts as personal, per-column findings, masking, exemption."""
import json

import pandas as pd
import pytest
from click.testing import CliRunner

import catalog.delimited as delimited
from catalog.cli import main
from catalog.validate.context import TableContext
from catalog.validate.personal import (
    PersonalDataCheck, email_kind, iban_valid, is_phone, looks_like_person, mask, nir_valid,
)
from tests.hub import make_hub


def nir(body: str) -> str:
    """A NIR with its right key; 2A/2B count as 19/18 (INSEE rule)."""
    digits = body.replace("2A", "19").replace("2B", "18")
    return f"{body}{97 - int(digits) % 97:02d}"


def check(frame: dict, fields=None, first_row=2):
    table = TableContext("people.csv", None, fields or {})
    checker = PersonalDataCheck(table)
    checker.feed(pd.DataFrame(frame, dtype=str), first_row)
    return checker.findings()


@pytest.mark.parametrize("address,kind", [
    ("jean.dupont@sampleville.fr", "personal"),
    ("j.dupont@sampleville.fr", "personal"),
    ("dupont.j@sampleville.fr", "personal"),
    ("marie@sampleville.fr", "personal"),
    ("zorglub1987@gmail.com", "webmail"),  # a consumer mailbox naming no role: personal outside a directory
    ("dupont@wanadoo.fr", "personal"),
    ("contact@societe-operateur.com", "role"),
    ("mairie@sampleville.fr", "role"),
    ("opendata@sampleville.fr", "role"),
    ("mairie.sampleville@orange.fr", "role"),  # small town halls use consumer mailboxes
    ("service-urbanisme@agglo.fr", "role"),
    ("abc123@agglo.fr", "service"),
    ("kylian.mbappe@sampleville.fr", "personal"),  # prenom.nom, whatever the first name
    ("ville.sampleville@orange.fr", "role"),
    ("ecole.jules-ferry@sampleville.fr", "role"),
    ("jdupont@sampleville.fr", "personal"),
    ("jean.dupont.mairie@gmail.com", "personal"),  # a role word after a name: still Jean's
    ("12treeschool@gmail.com", "role"),  # a role word inside the local part
])
def test_email_kinds(address, kind):
    assert email_kind(address) == kind


@pytest.mark.parametrize("value,expected", [
    ("06 12 34 56 78", True), ("0612345678", True), ("01.23.45.67.89", True), ("01-23-45-67-89", True),
    ("+33 6 12 34 56 78", True), ("+33612345678", True), ("+33 (0)1 23 45 67 89", True),
    ("0033 1 23 45 67 89", True), ("+262 262 12 34 56", True),
    ("111111111", False), ("00 12 34 56 78", False), ("12 345,67", False), ("75056", False),
    ("2025-03-31", False), ("21860194600000", False),
])
def test_phone_numbers(value, expected):
    assert is_phone(value) is expected


def test_nir_key_and_corsica():
    assert nir_valid(nir("1850578006084"))
    assert nir_valid(nir("2850578006084").replace("", " ").strip()) is False  # spaced every digit: not a NIR layout
    assert nir_valid("1 85 05 78 006 084 " + nir("1850578006084")[-2:])
    assert not nir_valid("1850578006084" + "00")  # wrong key
    assert nir_valid(nir("185052A006084")) and nir_valid(nir("185052B006084"))
    assert not nir_valid(nir("185052A006084")[:-2] + nir("185052B006084")[-2:])  # 2A number with the 2B key
    assert not nir_valid("12345678912345")  # a 14-digit PDL or SIRET is not a NIR


def test_iban_mod97():
    assert iban_valid("FR76 3000 6000 0112 3456 7890 189")
    assert iban_valid("FR7630006000011234567890189")
    assert iban_valid("GB82 WEST 1234 5698 7654 32")
    assert not iban_valid("FR76 3000 6000 0112 3456 7890 188")  # one digit off
    assert not iban_valid("FR76 3000 6000 0112 3456 7890")  # French IBANs have 27 characters


@pytest.mark.parametrize("value,expected", [
    ("Jean DUPONT", True), ("Marie-Claire Le Goff", True), ("DUPONT Jean", True), ("JEAN DUPONT", True),
    ("M. Dupont", True), ("Mme Martin", True), ("Madame Nicole Bernard", True), ("Jean de La Fontaine", True),
    ("Gymnase Jean Moulin", False), ("Rue Victor Hugo", False), ("Ville de Poitiers", False),
    ("ANTIBES RALLYE ASSOCIATION", False), ("Gare SNCF de Dieppe", False), ("Médiathèque", False),
    ("Pierre", False), ("Jean 2", False),
])
def test_person_names(value, expected):
    assert looks_like_person(value) is expected


def test_masks_do_not_leak():
    assert mask("email", "jean.dupont@gmail.com") == "j•••@gmail.com"
    assert mask("email", "jean.dupont@sampleville.fr") == "j•••@s•••"
    assert mask("phone", "06 12 34 56 78") == "06 •• •• •• ••"
    assert mask("name", "Jean DUPONT") == "J••• D•••"
    masked = mask("iban", "FR76 3000 6000 0112 3456 7890 189")
    assert masked.startswith("FR76") and "3000" not in masked


def test_one_finding_per_column_with_count_first_row_and_masked_example():
    frame = {
        "id": ["1", "2", "3", "4"],
        "contact": ["mairie@sampleville.fr", "jean.dupont@gmail.com", "", "paul.martin@sampleville.fr"],
        "tel": ["", "06 12 34 56 78", "+33 1 23 45 67 89", ""],
        "secu": ["", "", nir("185052A006084"), ""],
        "rib": ["FR76 3000 6000 0112 3456 7890 189", "", "", ""],
    }
    found = {f.column: f for f in check(frame, first_row=2)}
    assert set(found) == {"contact", "tel", "secu", "rib"}
    assert all(f.code == "personal-data" and f.severity == "error" for f in found.values())
    assert found["contact"].row == 3 and "2 personal e-mail addresses" in found["contact"].message
    assert found["contact"].value == "j•••@gmail.com"
    assert found["tel"].row == 3 and "2 phone numbers" in found["tel"].message
    assert found["secu"].row == 4 and "social security number (NIR)" in found["secu"].message
    assert found["rib"].row == 2 and "IBAN" in found["rib"].message
    assert "dupont" not in json.dumps([f.to_dict() for f in found.values()]).lower()
    assert '"catalog": {"public": true}' in found["tel"].fix


def test_email_inside_free_text_is_found():
    found = check({"commentaire": ["RAS", "Rappeler Jean au jean.dupont@gmail.com demain"]})
    assert [f.row for f in found] == [3]


def test_service_addresses_and_unknown_shapes_pass():
    assert check({"contact": ["contact@societe-amenageur.com", "accueil@sampleville.fr", "abc123@agglo.fr"]}) == []


def test_public_column_is_exempt():
    frame = {"telephone": ["01 23 45 67 89", "01 23 45 67 90"]}
    assert check(frame)
    assert check(frame, fields={"telephone": {"name": "telephone", "catalog": {"public": True}}}) == []
    # Only an explicit true exempts a column; a malformed declaration is not an exemption.
    assert check(frame, fields={"telephone": {"name": "telephone", "catalog": "public"}})
    assert check(frame, fields={"telephone": {"name": "telephone", "catalog": {"public": "no"}}})


def test_person_name_column_by_values_and_by_header():
    names = {"beneficiaire": ["Jean DUPONT", "Association Les Amis du Vélo", "Marie Martin", "Club de foot"]}
    found = check(names)
    assert len(found) == 1 and "2 person names" in found[0].message and found[0].row == 2
    # A few names among places (a school named after a person) do not make a name column.
    places = {"nom": ["Gymnase Jean Moulin", "Mairie", "Victor Hugo", "Piscine", "Stade", "Salle des fêtes", "Parc"]}
    assert check(places) == []
    # Named columns say "person" whatever the values.
    found = check({"nom": ["Martin", "Bernard"], "prenom": ["Léa", "Hugo"], "ville": ["Sampleville", "Testville"]})
    assert sorted(f.column for f in found) == ["nom", "prenom"]


def test_counts_span_chunks_and_rows_stay_right(tmp_path, monkeypatch):
    monkeypatch.setattr(delimited, "TEXT_BATCH_ROWS", 3)
    rows = [[i, f"Lieu {i}", 46.6, 2.4] for i in range(1, 10)]
    data = "id,nom,latitude,longitude,contact\n" + "".join(
        f"{i},{n},{a},{o},{'jean.dupont@gmail.com' if i in (5, 8) else 'accueil@testville.fr'}\n" for i, n, a, o in rows)
    schema = {"fields": [{"name": "id", "type": "integer"}, {"name": "nom", "type": "string"},
                         {"name": "latitude", "type": "number"}, {"name": "longitude", "type": "number"},
                         {"name": "contact", "type": "string"}]}
    folder = make_hub(tmp_path, schema=schema, data=data)
    result = CliRunner().invoke(main, ["validate", str(folder), "--json"])
    assert result.exit_code == 1, result.output
    found = [f for t in json.loads(result.output)["targets"] for f in t["findings"] if f["code"] == "personal-data"]
    assert len(found) == 1
    assert found[0]["row"] == 6 and found[0]["column"] == "contact" and "2 personal e-mail addresses" in found[0]["message"]


def test_declared_public_contact_passes_through_the_cli(tmp_path):
    data = "id,nom,latitude,longitude,telephone\n1,Mairie,46.6,2.4,01 23 45 67 89\n"
    fields = [{"name": "id", "type": "integer"}, {"name": "nom", "type": "string"},
              {"name": "latitude", "type": "number"}, {"name": "longitude", "type": "number"},
              {"name": "telephone", "type": "string"}]
    folder = make_hub(tmp_path, schema={"fields": fields}, data=data)
    result = CliRunner().invoke(main, ["validate", str(folder)])
    assert result.exit_code == 1 and "personal-data" in result.output and "01 23 45 67 89" not in result.output
    fields[-1]["catalog"] = {"public": True}
    folder = make_hub(tmp_path, schema={"fields": fields}, data=data)
    result = CliRunner().invoke(main, ["validate", str(folder)])
    assert result.exit_code == 0, result.output


def test_inert_cells_are_told_from_their_bytes_as_the_kernels_would():
    """`_inert` (numpy over the bytes) marks exactly the cells of at most 9 printable ASCII
    characters without space or @ (and empty ones): nothing any personal-data test can flag."""
    import random

    import pyarrow as pa
    import pyarrow.compute as pc

    from catalog.validate.personal import _inert

    rng = random.Random(3)
    cells = ["".join(rng.choice("ab 1@é\t~-") for _ in range(rng.randint(0, 12))) for _ in range(5000)]
    array = pa.array(cells, pa.string())
    length = pc.binary_length(array)
    plain = pc.and_(pc.and_(pc.less_equal(length, 9), pc.ascii_is_printable(array)),
                    pc.invert(pc.or_(pc.match_substring(array, " "), pc.match_substring(array, "@"))))
    inert, lengths = _inert(array)
    assert inert.tolist() == pc.or_(pc.equal(length, 0), plain).to_pylist()
    assert lengths.tolist() == length.to_pylist() and 0 < inert.sum() < len(cells)
