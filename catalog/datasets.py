"""Datasets: `datasets/<publisher>/<dataset>/` holding a Data Package descriptor."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

from catalog.errors import UnusableInput
from catalog.safety import inside
from catalog.yamlio import load

DESCRIPTOR_NAMES = ("datapackage.json", "datapackage.yaml", "datapackage.yml")
TABULAR_FORMATS = {"csv", "tsv", "txt", "xlsx", "xls", "ods"}
GEO_FORMATS = {"geojson"}


@dataclass
class Dataset:
    publisher: str  # slug of the folder above the dataset folder
    name: str
    folder: Path
    descriptor_path: Path
    descriptor: dict
    _resolved: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def id(self):
        return f"{self.publisher}/{self.name}"

    @property
    def hub(self) -> dict:
        """The hub-specific metadata, kept under the one namespaced key `catalog`."""
        value = self.descriptor.get("catalog")
        return value if isinstance(value, dict) else {}

    @property
    def resources(self) -> list[dict]:
        value = self.descriptor.get("resources")
        return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []

    @property
    def is_gtfs(self):
        return self.hub.get("profile") == "gtfs"

    def resource_path(self, resource: dict) -> Path | None:
        """Where a resource's data lies on disk, or None when its path leaves the folder."""
        path = resource.get("path")
        if isinstance(path, list):  # multipart resources are not used by the hub
            path = path[0] if path else None
        return inside(self.folder, path) if isinstance(path, str) else None

    def schema(self, resource: dict) -> dict | None:
        """The resource's Table Schema as a dict, reading a schema file when it is a path and
        resolving a national schema when it is a reference (`owner/name@version`)."""
        schema = resource.get("schema")
        if isinstance(schema, dict):
            return schema
        if isinstance(schema, str) and self.national_schema(resource) is not None:
            return _with_public_columns(self.national_schema(resource).schema, resource)
        if isinstance(schema, str):
            path = inside(self.folder, schema)
            if path is None:
                raise UnusableInput(
                    f"{self.id}: schema path {schema!r} leaves the dataset folder.",
                    "Keep schemas inside the dataset folder and use a relative path.",
                )
            return load(path, f"{self.id}/{schema}")
        return None


    def national_schema(self, resource: dict):
        """The national schema a resource refers to (`catalog.schemas.Resolved`), or None."""
        from catalog import schemas

        reference = resource.get("schema")
        if not schemas.is_reference(reference):
            return None
        key = reference.strip()
        if key not in self._resolved:
            self._resolved[key] = schemas.resolve(key, f"{self.id}: resource {resource.get('name') or ''}".strip())
        return self._resolved[key]


def _with_public_columns(schema: dict, resource: dict) -> dict:
    """A national schema cannot be edited: a resource declares its public-contact columns beside
    it, `"catalog": {"public": ["contact_operateur"]}`, as the fields' own catalog key would."""
    public = (resource.get("catalog") or {}).get("public") if isinstance(resource.get("catalog"), dict) else None
    if not isinstance(public, list) or not public:
        return schema
    schema = copy.deepcopy(schema)
    for item in schema.get("fields") or []:
        if isinstance(item, dict) and item.get("name") in public:
            item["catalog"] = {**(item.get("catalog") or {}), "public": True}
    return schema


def resource_format(resource: dict) -> str:
    fmt = str(resource.get("format") or "").lower()
    if not fmt:
        path = resource.get("path")
        if isinstance(path, str) and "." in path:
            fmt = path.rsplit(".", 1)[1].lower()
    return fmt


def is_tabular(resource: dict) -> bool:
    return resource_format(resource) in TABULAR_FORMATS or "schema" in resource


def find_descriptor(folder: Path) -> Path | None:
    for name in DESCRIPTOR_NAMES:
        if (folder / name).is_file():
            return folder / name
    return None


def load_dataset(path: Path) -> Dataset:
    """Load a dataset from its folder or its descriptor file."""
    path = Path(path)
    descriptor_path = path if path.is_file() else find_descriptor(path)
    if descriptor_path is None:
        raise UnusableInput(
            f"{path}: no datapackage.json or datapackage.yaml in this folder.",
            "Describe the dataset with a Frictionless Data Package descriptor next to its data.",
        )
    folder = descriptor_path.resolve().parent
    descriptor = load(descriptor_path)
    if not isinstance(descriptor, dict):
        raise UnusableInput(
            f"{descriptor_path}: the descriptor is not a JSON object / YAML mapping.",
            "Start from the example in README.md.",
        )
    name = descriptor.get("name") if isinstance(descriptor.get("name"), str) else folder.name
    return Dataset(
        publisher=folder.parent.name, name=name, folder=folder,
        descriptor_path=descriptor_path.resolve(), descriptor=descriptor,
    )


def discover(root: Path) -> list[Path]:
    """Every dataset folder under `root/datasets`, sorted for stable output."""
    base = Path(root) / "datasets"
    if not base.is_dir():
        return []
    return sorted(p.parent for name in DESCRIPTOR_NAMES for p in base.glob(f"*/*/{name}"))
