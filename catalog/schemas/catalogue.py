"""The local schema catalogues, and a reference resolved to its Table Schema.

Two catalogues, in the format schema.data.gouv.fr publishes (`schemas.json`), each with the
schema files beside it under `<owner>/<name>/<version>/`:
- the cache written by `catalog schemas sync` (`CATALOG_SCHEMAS_CACHE`, default
  `~/.cache/catalog/schemas`), newer, read first;
- the snapshot shipped inside the package (`catalog/schemas/snapshot/`), so that everything
  works offline: the national schemas the bundled and shared data use.
A reference's versions are those either catalogue lists; a version's file is taken from the
first catalogue that has it.
"""
from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from catalog.errors import UnusableInput
from catalog.schemas.reference import Reference, parse, version_key

SNAPSHOT = Path(__file__).parent / "snapshot"
CATALOGUE_FILE = "schemas.json"
MAX_SCHEMA_BYTES = 5 * 1024**2  # the largest national Table Schema is about 100 kB
MAX_CATALOGUE_BYTES = 20 * 1024**2  # schema.data.gouv.fr's catalogue is about 1 MB


def cache_folder() -> Path:
    configured = os.environ.get("CATALOG_SCHEMAS_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache")
    return Path(base) / "catalog" / "schemas"


@dataclass
class Entry:
    name: str
    title: str
    schema_type: str
    versions: dict[str, str]  # version (no leading v) -> schema_url


@dataclass
class Catalogue:
    folder: Path
    label: str
    entries: dict[str, Entry] = field(default_factory=dict)

    def file(self, name: str, version: str) -> Path | None:
        """The schema file of one version kept beside this catalogue, if any."""
        folder = (self.folder / name / version).resolve()
        if not folder.is_relative_to(self.folder.resolve()) or not folder.is_dir():
            return None
        files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix == ".json")
        return files[0] if files else None


def read_catalogue(data, folder: Path, label: str) -> Catalogue:
    """Entries of a schema.data.gouv.fr catalogue; malformed entries are skipped, not trusted."""
    catalogue = Catalogue(folder, label)
    schemas = data.get("schemas") if isinstance(data, dict) else None
    for item in schemas if isinstance(schemas, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        versions = {}
        for version in item.get("versions") or []:
            if isinstance(version, dict) and isinstance(version.get("version_name"), str):
                url = version.get("schema_url") if isinstance(version.get("schema_url"), str) else ""
                versions[version["version_name"].lstrip("v")] = url
        catalogue.entries[item["name"]] = Entry(item["name"], str(item.get("title") or item["name"]),
                                                str(item.get("schema_type") or ""), versions)
    return catalogue


def _load(folder: Path, label: str) -> Catalogue | None:
    path = folder / CATALOGUE_FILE
    try:
        stat = path.stat()
    except OSError:
        return None
    return _read(path, label, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _read(path: Path, label: str, mtime_ns: int, size: int) -> Catalogue:
    """Read once per version of the file: validating a hub resolves a reference per resource."""
    data = _json_file(path, size, MAX_CATALOGUE_BYTES, "the schema catalogue",
                      "Run `catalog schemas sync` again, or delete that folder to use the shipped snapshot.")
    return read_catalogue(data, path.parent, label)


def _json_file(path: Path, size: int, limit: int, what: str, fix: str):
    """A stored JSON file, sized before it is read (the cache is written from the network)."""
    if size > limit:
        raise UnusableInput(f"{path}: {what} is larger than {limit:,} bytes; refused.", fix)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UnusableInput(f"{path}: {what} is not readable JSON ({error}).", fix)


def catalogues() -> list[Catalogue]:
    """The cache (when synced) first, then the shipped snapshot."""
    found = [_load(cache_folder(), "local cache"), _load(SNAPSHOT, "shipped snapshot")]
    return [c for c in found if c is not None]


@dataclass
class Resolved:
    reference: Reference  # with its concrete version
    title: str
    url: str  # the version's schema_url in the catalogue
    latest: str
    schema: dict

    @property
    def outdated(self) -> bool:
        return version_key(self.latest) > version_key(self.reference.version)

    @property
    def label(self) -> str:
        """As people read it: "IRVE statique 2.3.1"."""
        return f"{self.title} {self.reference.version}"

    def describe(self) -> dict:
        """What travels with the dataset: into packages, DCAT, the hub and CKAN."""
        return {"reference": str(self.reference), "name": self.reference.name, "version": self.reference.version,
                "title": self.title, "url": self.url}


def known(found: list[Catalogue] | None = None) -> dict[str, Entry]:
    """Every schema name either catalogue knows, its versions merged."""
    merged: dict[str, Entry] = {}
    for catalogue in reversed(found if found is not None else catalogues()):  # the cache wins on titles
        for name, entry in catalogue.entries.items():
            previous = merged.get(name)
            versions = {**(previous.versions if previous else {}), **entry.versions}
            merged[name] = Entry(name, entry.title, entry.schema_type, versions)
    return merged


def latest_version(entry: Entry) -> str:
    return max(entry.versions, key=version_key)


def resolve(value, where: str = "") -> Resolved:
    """The Table Schema a reference names; UnusableInput (exit 2) when it cannot be resolved."""
    reference = value if isinstance(value, Reference) else parse(value, where)
    prefix = f"{where}: " if where else ""
    found = catalogues()
    entries = known(found)
    entry = entries.get(reference.name)
    if entry is None or not entry.versions:
        close = sorted(n for n in entries if reference.name.split("/")[-1] in n or n.split("/")[-1] in reference.name)
        raise UnusableInput(
            f"{prefix}unknown national schema {reference.name!r}: it is in no schema catalogue "
            f"({', '.join(c.label for c in found) or 'none'}).",
            (f"Did you mean {', '.join(close[:3])}? " if close else "")
            + "Check the name on schema.data.gouv.fr, then run `catalog schemas sync` to refresh the local "
            "catalogue (`catalog schemas list` shows the known schemas).")
    latest = latest_version(entry)
    if reference.version is None:
        raise UnusableInput(f"{prefix}the schema reference {reference.name!r} names no version.",
                            f'Write "{reference.name}@{latest}" (the latest version): conformity is to one version.')
    version = latest if reference.version == "latest" else reference.version
    if version not in entry.versions:
        shown = ", ".join(sorted(entry.versions, key=version_key))
        raise UnusableInput(f"{prefix}national schema {reference.name!r} has no version {version!r} "
                            f"(known: {shown}).",
                            f'Use one of those, e.g. "{reference.name}@{latest}", or run `catalog schemas sync` '
                            "if the version is newer than the local catalogue.")
    path = next((p for c in found if (p := c.file(reference.name, version))), None)
    if path is None:
        raise UnusableInput(f"{prefix}national schema {reference.name}@{version} is listed but not stored locally.",
                            "Run `catalog schemas sync` (with a network) to fetch it.")
    schema = _json_file(path, path.stat().st_size, MAX_SCHEMA_BYTES,
                        f"the stored schema {reference.name}@{version}", "Run `catalog schemas sync` again.")
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        raise UnusableInput(f"{prefix}{reference.name}@{version} is not a Table Schema "
                            f"({entry.schema_type or 'unknown type'}): only tabular schemas can check a table.",
                            "Refer to a Table Schema (schema_type tableschema in the catalogue).")
    return Resolved(Reference(reference.name, version), entry.title, entry.versions[version], latest, schema)
