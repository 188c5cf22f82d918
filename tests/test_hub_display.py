"""What the hub shows for a table's values, decided from its Table Schema (catalog/hub/display.py)."""
from catalog.hub import display, i18n


def test_labels_from_the_catalog_key_booleans_and_formats():
    fields = [
        {"name": "wheelchair_boarding", "type": "integer", "constraints": {"enum": [0, 1, 2]},
         "catalog": {"labels": {"0": {"fr": "inconnu", "en": "unknown"}, "1": "accessible",
                                "2": {"fr": "non accessible", "en": "not accessible"}}}},
        {"name": "accessible_pmr", "type": "boolean", "catalog": {"labels": {"true": "oui", "false": "non"}}},
        {"name": "gratuit", "type": "boolean", "trueValues": ["Gratuit"], "falseValues": ["Payant"]},
        {"name": "Montant (€)", "type": "number"},
        {"name": "recette", "type": "number", "catalog": {"unit": "EUR"}},
        {"name": "population", "type": "integer"},
        {"name": "Exercice", "type": "integer"},
        {"name": "stop_sequence", "type": "integer"},
        {"name": "Date de vote", "type": "date"},
    ]
    shown = display.column_display(fields, ["Étape", "Fonction"])
    assert shown["technical"] == ["Link"]
    assert shown["formats"] == {"Montant (€)": "currency:EUR", "recette": "currency:EUR", "population": "integer",
                                "Date de vote": "date"}
    labels = shown["labels"]
    with i18n.use("fr"):
        assert [display.label_for(labels["wheelchair_boarding"], v) for v in (0, 1, 2, 2.0, 3, None)] == [
            "inconnu", "accessible", "non accessible", "non accessible", None, None]
        assert display.label_for(labels["accessible_pmr"], 1) == "oui"
        assert display.label_for(labels["gratuit"], 0) == "Payant"
        cell = display.cell_html(shown, "Montant (€)", 1588173.24)
        assert "1\u202f588\u202f173,24\u00a0€" in cell
        assert "20 novembre 2025" in display.cell_html(shown, "Date de vote", "2025-11-20")
        assert display.cell_html(shown, "Exercice", 2025) is None  # a year stays as written
        assert display.cell_html(shown, "stop_sequence", 1234) is None  # an identifier-like count too
    with i18n.use("en"):
        assert display.label_for(labels["wheelchair_boarding"], 0) == "unknown"
        assert display.label_for(labels["accessible_pmr"], 0) == "no"  # a mere spelling of yes/no: translated
        assert display.label_for(labels["gratuit"], 1) == "Gratuit"  # the publisher's own word


def test_hostile_labels_are_escaped():
    shown = display.column_display([{"name": "x", "type": "integer",
                                     "catalog": {"labels": {"1": "<script>alert(1)</script>"}}}], ["x"])
    html = display.cell_html(shown, "x", 1)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>" not in display.cell_html({"labels": {}}, "c", "x", commune_name="<b>Ville</b>")


def test_commune_table_and_columns():
    tables = [{"name": "population_communes_population", "primary": ["code_insee"], "label": "nom"},
              {"name": "equipements_publics_equipements", "primary": ["id"], "label": "nom"},
              {"name": "zz_communes", "primary": ["insee"], "label": "libelle"}]
    reference = display.commune_reference(tables)
    assert reference == {"table": "population_communes_population", "key": "code_insee", "label": "nom"}
    fields = [{"name": "code_insee", "type": "string"}, {"name": "Code INSEE", "type": "string"},
              {"name": "code_insee_commune", "type": "string"}, {"name": "insee_count", "type": "integer"},
              {"name": "nom", "type": "string"}]
    assert display.commune_columns(fields, reference["table"], "budget") == {
        "code_insee": reference["table"], "Code INSEE": reference["table"], "code_insee_commune": reference["table"]}
    assert display.commune_columns(fields, reference["table"], reference["table"]) == {}
    assert display.commune_reference(tables[1:2]) is None


def test_technical_columns_go_last():
    columns = [{"name": "Link"}, {"name": "Exercice"}, {"name": "Montant"}]
    assert display.column_order(columns, ["Link"]) == [1, 2, 0]
    assert display.column_order([{"name": "rowid"}, {"name": "a"}], []) == [1, 0]
    assert display.column_order([{"name": "stop_id"}, {"name": "a"}], []) == [0, 1]
