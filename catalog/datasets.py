"""Datasets: `datasets/<publisher>/<dataset>/` holding a Data Package descriptor."""
from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from pathlib import Path

from catalog.errors import UnusableInput
from catalog.safety import as_name, inside, is_name
from catalog.schemas.reference import is_reference
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
        """Where a resource's data lies on disk, or None when it is not one file inside the folder
        (a path leaving it, a URL, inline data, several parts: see `refused_reference`)."""
        if self.refused_reference(resource):
            return None
        path = resource.get("path")
        if isinstance(path, list):  # a list of one part is that part
            path = path[0]
        return inside(self.folder, path)

    def refused_reference(self, resource: dict) -> tuple[str, str, str] | None:
        """Why the hub will not read this resource, as (finding code, what, how to fix), or None.

        Every key with which a descriptor can make a reader open a file or a URL is checked
        here, before anything is read: each local reference must resolve (symlinks included)
        inside the dataset folder; inline data and multipart resources are refused whole."""
        for key, value in _references(resource):
            if not isinstance(value, str) or inside(self.folder, value) is None:
                return _refusal("unsafe-path", f"its `{key}` {value!r} is not a file inside the dataset folder "
                        "(an absolute path, `..`, a URL or a symbolic link leading out of it); nothing was read",
                        "Put the file inside the dataset folder and give its relative path.")
        for key in ("profile", "profiles", "$schema"):
            values = resource.get(key) if isinstance(resource.get(key), list) else [resource.get(key)]
            if any(v is not None and not _standard_profile(v) for v in values):
                return _refusal("unsafe-path", f"its `{key}` {resource.get(key)!r} names a custom profile, which would be "
                        "fetched or read; nothing was read", f"Remove `{key}` (standard profiles only).")
        if "data" in resource:
            return _refusal("unsupported-resource", "it holds its rows inline (`data`): the hub publishes data files",
                    "Move the rows to a CSV file in the dataset folder and give its `path`.")
        path = resource.get("path")
        if isinstance(path, list) and len(path) != 1 or resource.get("extrapaths"):
            return _refusal("unsupported-resource", "it is split into several files (a `path` list): the hub publishes "
                    "one file per resource", "Join the parts into one file (header once), or describe each "
                    "part as its own resource.")
        if path is None:
            return _refusal("unsafe-path", "it has no `path`", "Give the relative path of its data file.")
        return None

    def dialect(self, resource: dict) -> dict | None:
        """The resource's CSV dialect as a dict, reading a dialect file when it is a path."""
        dialect = resource.get("dialect")
        if isinstance(dialect, str):
            path = inside(self.folder, dialect)
            if path is None:
                raise UnusableInput(f"{self.id}: dialect path {dialect!r} leaves the dataset folder.",
                                    "Keep the dialect inside the descriptor or the dataset folder.")
            if not path.is_file():
                return None  # Frictionless reports the missing dialect (dialect-error); nothing to read
            dialect = load(path, f"{self.id}/{dialect}")
            if not isinstance(dialect, dict):
                raise UnusableInput(f"{self.id}/{resource['dialect']}: not a CSV dialect (a JSON object).",
                                    'Write it as {"delimiter": ";"}, or inline it in the resource.')
        return dialect if isinstance(dialect, dict) else None

    def resource_name(self, resource: dict) -> str:
        """The resource's name, or one made from its file name when the descriptor gives none."""
        name = resource.get("name")
        if name is not None:
            return name
        path = resource.get("path")
        return as_name(Path(path).stem if isinstance(path, str) else "resource")

    def unsafe_names(self) -> list[tuple[str, object]]:
        """(descriptor key, value) of every name that would become a folder, file or table name and
        is not a safe name (catalog.safety.NAME_RULE); the folder names stand for missing keys."""
        found = []
        if not is_name(self.publisher):
            found.append(("publisher folder", self.publisher))
        if "name" in self.descriptor and not is_name(self.descriptor["name"]):
            found.append(("name", self.descriptor["name"]))
        elif not is_name(self.name):
            found.append(("dataset folder", self.name))
        listed = self.descriptor.get("resources")
        for index, resource in enumerate(listed if isinstance(listed, list) else []):
            if isinstance(resource, dict) and "name" in resource and not is_name(resource["name"]):
                found.append((f"resources[{index}].name", resource["name"]))
        return found

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
        local = inside(self.folder, reference)
        if local is not None and local.is_file():  # a schema file without a suffix, in a sub-folder
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


def _refusal(code: str, what: str, fix: str) -> tuple[str, str, str]:
    """A finding code (README's table), what is wrong and how to fix it: validate words the finding."""
    return code, what, fix


def _references(resource: dict):
    """(key, value) of every local file or URL a resource descriptor refers to."""
    for key in ("path", "extrapaths"):
        value = resource.get(key)
        if isinstance(value, list):
            yield from ((f"{key}[{i}]", part) for i, part in enumerate(value))
        elif value is not None:
            yield key, value
    if resource.get("url") is not None:
        yield "url", resource["url"]
    for key in ("schema", "dialect"):
        if isinstance(resource.get(key), str):  # other shapes are the specifications' errors, not paths
            if key == "schema" and is_reference(resource[key]) and "@" in resource[key]:
                continue  # a national schema's name and version (catalog.schemas), never read as a path
            yield key, resource[key]


def _standard_profile(value) -> bool:
    """The specifications' own profiles, which Frictionless knows without reading anything."""
    return isinstance(value, str) and (value.replace("-", "").isalpha() or value.startswith(
        ("https://datapackage.org/profiles/", "https://specs.frictionlessdata.io/schemas/")))


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
    folder = descriptor_path.parent.resolve()
    if inside(folder, descriptor_path.name) is None:  # a symbolic link leading out of the folder
        raise UnusableInput(f"{descriptor_path}: the descriptor is a link to a file outside its folder; not read.",
                            "Put the descriptor itself in the dataset folder.")
    descriptor = load(descriptor_path)
    if not isinstance(descriptor, dict):
        raise UnusableInput(
            f"{descriptor_path}: the descriptor is not a JSON object / YAML mapping.",
            "Start from the example in README.md.",
        )
    name = descriptor.get("name") if isinstance(descriptor.get("name"), str) else folder.name
    return Dataset(
        publisher=folder.parent.name, name=name, folder=folder,
        descriptor_path=folder / descriptor_path.name, descriptor=descriptor,
    )


def discover(root: Path) -> list[Path]:
    """Every dataset folder under `root/datasets`, sorted for stable output."""
    base = Path(root) / "datasets"
    if not base.is_dir():
        return []
    # One directory listing per folder (as `glob("*/*/datapackage.json")` matched, links followed):
    # three pathlib globs cost 20 ms more per 1,000 datasets, on every publish.
    found = []
    for publisher in _subfolders(base):
        for folder in _subfolders(publisher):
            try:
                names = set(os.listdir(folder))
            except OSError:
                continue
            found += [folder] * len(names.intersection(DESCRIPTOR_NAMES))
    return [Path(folder) for folder in sorted(found, key=lambda f: f.split(os.sep))]  # as Paths sort


def _subfolders(path) -> list[str]:
    try:
        with os.scandir(path) as entries:
            return [entry.path for entry in entries if entry.is_dir()]
    except OSError:
        return []
