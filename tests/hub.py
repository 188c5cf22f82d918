"""Build small hubs in a temporary folder for tests."""
import json
from pathlib import Path

PROFILE = """title: Ville de Testville
kind: town
homepage: https://www.testville.example.fr
email: opendata@testville.example.fr
siren: "213700008"
licence: etalab-2.0
"""

DESCRIPTION = ("Liste des équipements publics de Testville, jeu de données d'exemple fictif "
               "construit pour les tests : nom, type, adresse et coordonnées de chaque équipement.")


def make_hub(root: Path, rows=None, schema=None, resource=None, descriptor=None, data=None, filename="data.csv"):
    """A hub with one publisher `testville` and one dataset `equipements`."""
    (root / "publishers").mkdir(parents=True, exist_ok=True)
    (root / "publishers" / "testville.yml").write_text(PROFILE, encoding="utf-8")
    folder = root / "datasets" / "testville" / "equipements"
    folder.mkdir(parents=True, exist_ok=True)
    schema = schema or {
        "fields": [
            {"name": "id", "type": "integer", "description": "Identifiant"},
            {"name": "nom", "type": "string", "description": "Nom"},
            {"name": "latitude", "type": "number", "description": "Latitude WGS84"},
            {"name": "longitude", "type": "number", "description": "Longitude WGS84"},
        ],
        "primaryKey": ["id"],
    }
    if data is None:
        rows = rows if rows is not None else [
            [1, "Mairie", 46.60, 2.40], [2, "Gymnase Jean Moulin", 46.61, 2.41], [3, "Médiathèque", 46.62, 2.42],
        ]
        data = "\n".join([",".join(f["name"] for f in schema["fields"])] +
                         [",".join(str(v) for v in row) for row in rows]) + "\n"
    if isinstance(data, bytes):
        (folder / filename).write_bytes(data)
    else:
        (folder / filename).write_text(data, encoding="utf-8")
    res = {"name": "equipements", "path": filename, "format": "csv", "schema": schema}
    res.update(resource or {})
    desc = {
        "name": "equipements",
        "title": "Équipements publics (exemple)",
        "description": DESCRIPTION,
        "version": "1.0.0",
        "licenses": [{"name": "etalab-2.0"}],
        "catalog": {
            "theme": "facilities", "frequency": "annual",
            "spatial": {"label": "Testville", "insee": ["00001"], "bbox": [2.3, 46.5, 2.5, 46.7]},
            "temporal": {"start": "2025-01-01"},
        },
        "resources": [res],
    }
    desc.update(descriptor or {})
    (folder / "datapackage.json").write_text(json.dumps(desc, ensure_ascii=False, indent=2), encoding="utf-8")
    return folder
