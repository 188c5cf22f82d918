"""Column by column, the type `describe` infers and what it declares (catalog/describe/infer.py)."""
import pytest

from catalog.describe.infer import Column, infer_column


def field(name, *cells, gtfs=False, complete=True):
    return infer_column(Column.of(name, list(cells)), gtfs=gtfs, complete=complete).field


@pytest.mark.parametrize("name, cells, expected", [
    ("code_insee", ["01001", "2A004"], {"type": "string", "constraints": {"pattern": "([0-9]{2}|2[AB])[0-9]{3}"}}),
    ("code_insee", ["75056", "69123"], {"type": "string", "constraints": {"pattern": "([0-9]{2}|2[AB])[0-9]{3}"}}),
    ("CP", ["75001", "69002"], {"type": "string"}),
    ("numero", ["00012", "00013"], {"type": "string"}),
    ("siren", ["220000004", "213700008"], {"type": "string"}),
    ("reference", ["12345678901234567890123", "1"], {"type": "string"}),
    ("valeur", ["12345678901234567890123", "1"], {"type": "string"}),
    ("telephone", ["0261910100", "0261910101"], {"type": "string"}),
    ("population", ["2140", "18450"], {"type": "integer"}),
    ("direction_id", ["0", "1"], {"type": "integer"}),
    ("stop_id", ["1001", "1002"], {"type": "string"}),
    ("montant", ["12,5", "3"], {"type": "number", "decimalChar": ","}),
    ("montant", ["1 588 173,24", "181 309,31", "12"], {"type": "number", "groupChar": " ", "decimalChar": ","}),
    ("montant", ["1\u00a0200", "350"], {"type": "number", "groupChar": "\u00a0", "decimalChar": ","}),
    ("montant", ["1.234.567,5", "12,5"], {"type": "number", "groupChar": ".", "decimalChar": ","}),
    ("prix", ["12.5", "3"], {"type": "number"}),
    ("ouvert", ["oui", "non", "Oui"], {"type": "boolean", "trueValues": ["Oui", "oui"], "falseValues": ["non"]}),
    ("ouvert", ["OUI", "OUI"], {"type": "boolean", "trueValues": ["OUI"], "falseValues": ["NON"]}),
    ("actif", ["true", "false"], {"type": "boolean"}),
    ("date", ["27/03/2025", "1/4/2025"], {"type": "date", "format": "%d/%m/%Y"}),
    ("date", ["31/02/2025"], {"type": "string"}),
    ("date", ["2025-03-27"], {"type": "date"}),
    ("horodatage", ["27/03/2025 14:05"], {"type": "datetime", "format": "%d/%m/%Y %H:%M"}),
    ("annee", ["2024", "2025"], {"type": "year"}),
    ("position", ["[2.39,46.66]"], {"type": "geopoint", "format": "array"}),
    ("geo_point_2d", ["46.66, 2.39"], {"type": "string"}),  # "lat, lon" or "lon, lat"? Not guessed.
    ("arrival_time", ["25:10:00"], {"type": "string"}),
    ("vide", ["", " "], {"type": "string"}),
])
def test_inferred_fields(name, cells, expected):
    assert field(name, *cells) == {"name": name, **expected}


def test_gtfs_dates_and_ids_stay_text():
    assert field("start_date", "20250901", "20260703", gtfs=True)["type"] == "string"
    assert field("route_color", "0055A4", gtfs=True)["type"] == "string"
    assert field("stop_sequence", "1", "2", gtfs=True)["type"] == "integer"


def test_enums_only_from_a_whole_table():
    cells = ["Fonctionnement", "Investissement"] * 5
    assert field("Section", *cells)["constraints"] == {"enum": ["Fonctionnement", "Investissement"]}
    assert "constraints" not in field("Section", *cells, complete=False)
    assert "constraints" not in field("nom", "a", "b", "c")  # every value once: no list to choose from
