"""What a data package looks like on CKAN: its publisher's organisation, one dataset
`<publisher>-<dataset>` with the fields ckanext-dcat maps, one resource per file (plus the
datapackage.json) and one DataStore table per table (every CSV with a Table Schema, and
every GeoJSON file). Pure: reads the package, never the portal (ckan_plan compares).
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from catalog import licences
from catalog.export import vocab
from catalog.export.graph import Uris
from catalog.hashing import file_sha256
from catalog.naming import slug, table_name
from catalog.publish import ckan_geojson, ckan_licences
from catalog.publish.ckan_licences import LicenceChooser

# Table Schema type -> DataStore (PostgreSQL) column type. Integers are int8 so that
# codes longer than 9 digits still fit; everything without a better type is text.
DATASTORE_TYPES = {"integer": "int8", "number": "numeric", "date": "date", "datetime": "timestamp",
                   "boolean": "bool", "geojson": "json", "object": "json", "array": "json", "year": "int4"}
FORMATS = {"csv": "CSV", "geojson": "GeoJSON", "json": "JSON", "zip": "ZIP", "gtfs": "GTFS"}
TAG_UNSAFE = re.compile(r"[^\w \-.]+")
# ckanext-dcat's spdx:algorithm for a resource `hash` given as plain hex.
SHA256 = "http://spdx.org/rdf/terms#checksumAlgorithm_sha256"


def dataset_name(descriptor: dict) -> str:
    """`<publisher>-<dataset>`, in the characters CKAN accepts in a name."""
    hub = descriptor.get("catalog") or {}
    raw = f"{hub.get('publisher') or 'hub'}-{descriptor['name']}".lower()
    return re.sub(r"[^a-z0-9_-]+", "-", raw).strip("-")[:100]


def _publisher_contact(descriptor):
    for contributor in descriptor.get("contributors") or []:
        if isinstance(contributor, dict) and contributor.get("role") == "publisher":
            return contributor
    return {}


def organisation_fields(descriptor: dict, profile=None) -> dict:
    """The organisation of a package's publisher; the profile adds what the package does not carry."""
    hub = descriptor.get("catalog") or {}
    contact = _publisher_contact(descriptor)
    extras = {"homepage": contact.get("path") or (profile.homepage if profile else ""),
              "email": contact.get("email") or (profile.email if profile else "")}
    if profile:
        extras.update({"siren": profile.siren, "kind": profile.kind})
    logo = logo_file(profile)
    if logo:
        extras["logo_hash"] = file_sha256(logo)
    return {
        "name": hub.get("publisher"),
        "title": hub.get("publisher_title") or contact.get("title") or hub.get("publisher"),
        "description": (profile.description if profile else "") or "",
        "extras": {k: str(v) for k, v in extras.items() if v},
        **({"image_url": profile.logo} if profile and _is_url(profile.logo) else {}),
    }


def _is_url(value) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://"))


def logo_file(profile) -> Path | None:
    """The publisher's logo file (`logo:` in its profile), never a path outside publishers/."""
    if not profile or not profile.logo or _is_url(profile.logo):
        return None
    folder = Path(profile.path).parent.resolve()
    path = (folder / str(profile.logo)).resolve()
    return path if path.is_file() and path.is_relative_to(folder) else None


def _tags(keywords) -> list[str]:
    tags = set()
    for keyword in keywords or []:
        tag = re.sub(r"\s+", " ", TAG_UNSAFE.sub(" ", str(keyword))).strip()[:100]
        if len(tag) >= 2:
            tags.add(tag)
    return sorted(tags)


def _licence_name(item):
    """The hub's id of the first known licence of a `licenses` list, or None."""
    for entry in item.get("licenses") or []:
        known = licences.canonical(entry.get("name") if isinstance(entry, dict) else entry)
        if known:
            return known
    return None


def _schema_uri(entry) -> str | None:
    """Where a resource's Table Schema is published (a national schema's own address), if it says:
    the catalogue's address of the version it refers to (catalog.schemas), else the schema's path."""
    schema = entry.get("schema")
    national = schema.get("catalog") if isinstance(schema, dict) and isinstance(schema.get("catalog"), dict) else {}
    where = schema if isinstance(schema, str) else (national.get("url") or schema.get("path")) if isinstance(
        schema, dict) else None
    return where if isinstance(where, str) and where.startswith(("http://", "https://")) else None


def conforms_to(descriptor: dict) -> list[str]:
    """The standards a package's files follow: referenced schemas, GTFS for a feed."""
    uris = [] if (descriptor.get("catalog") or {}).get("profile") != "gtfs" else [vocab.GTFS_REFERENCE]
    for entry in descriptor.get("resources") or []:
        uri = _schema_uri(entry) if isinstance(entry, dict) else None
        if uri and uri not in uris:
            uris.append(uri)
    return uris


def theme_groups(descriptor: dict) -> dict[str, dict]:
    """CKAN groups for a dataset's EU data themes: `theme-tran`… titled with the French label."""
    groups = {}
    for code in vocab.themes((descriptor.get("catalog") or {}).get("theme")):
        groups[f"theme-{code.lower()}"] = {"name": f"theme-{code.lower()}", "title": vocab.THEME_LABELS[code],
                                            "description": f"Thème de données européen {code}: {vocab.THEME[code]}"}
    return groups


def dataset_fields(descriptor: dict, chooser: LicenceChooser | None = None, hub_url: str | None = None,
                   portal_url: str = "") -> dict:
    """The CKAN dataset; extras in the keys ckanext-dcat maps (identifier, EU theme and
    frequency URIs, modified, conforms_to) as `catalog export dcat` writes them."""
    hub = descriptor.get("catalog") or {}
    contact = _publisher_contact(descriptor)
    spatial = hub.get("spatial") or {}
    temporal = hub.get("temporal") or {}
    catalog_id = descriptor.get("id") or f"{hub.get('publisher')}/{descriptor['name']}"
    themes = [str(vocab.THEME[code]) for code in vocab.themes(hub.get("theme"))]
    frequency = vocab.FREQUENCIES.get(str(hub.get("frequency") or "").lower())
    standards = conforms_to(descriptor)
    sources = [f"{portal_url}/dataset/{dataset_name({'name': ds, 'catalog': {'publisher': pub}})}"
               for pub, _, ds in (str(s.get("name", "")).partition("/") for s in descriptor.get("sources") or []
                                  if isinstance(s, dict) and "/" in str(s.get("name", "")))]
    extras = {
        "catalog_id": catalog_id,
        "identifier": catalog_id,
        "catalog_theme": hub.get("theme"),
        "theme": json.dumps(themes) if themes else None,
        "catalog_frequency": hub.get("frequency"),
        "frequency": str(vocab.FREQUENCY[frequency]) if frequency else None,
        "modified": hub.get("modified"),
        "conforms_to": json.dumps(standards) if standards else None,
        "spatial_text": spatial.get("label"),
        "spatial_insee": ",".join(spatial.get("insee") or []),
        "temporal_start": temporal.get("start"),
        "temporal_end": temporal.get("end"),
        "quality_score": hub.get("quality"),
        "profile": hub.get("profile"),
        # The source datasets, as links to their pages on this portal (and dct:source in its DCAT).
        "derived_from": ",".join(sources),
        "source": json.dumps(sources) if sources else None,
    }
    bbox = spatial.get("bbox")
    if isinstance(bbox, list) and len(bbox) == 4:
        west, south, east, north = bbox
        # The GeoJSON form ckanext-spatial reads, for portals that map their datasets.
        extras["spatial"] = json.dumps({"type": "Polygon", "coordinates": [[
            [west, south], [east, south], [east, north], [west, north], [west, south]]]})
    fields = {
        "name": dataset_name(descriptor),
        "title": descriptor.get("title") or descriptor["name"],
        "notes": descriptor.get("description") or "",
        "owner_org": hub.get("publisher"),
        "license_id": (chooser or LicenceChooser(None)).choose(_licence_name(descriptor)),
        "version": str(descriptor.get("version") or ""),
        "maintainer": contact.get("title") or hub.get("publisher_title") or "",
        "maintainer_email": contact.get("email") or "",
        "private": False,
        "state": "active",
        "tags": _tags(descriptor.get("keywords") or hub.get("keywords")),
        "extras": {k: str(v) for k, v in extras.items() if v not in (None, "")},
    }
    if hub_url:  # the dataset's page on the hub: ckanext-dcat's dcat:landingPage
        fields["url"] = str(Uris(hub_url.rstrip("/")).landing_page(hub.get("publisher"), descriptor["name"]))
    return fields


def alias_name(publisher: str, dataset: str, resource: str) -> str:
    """`<publisher>__<dataset>_<resource>`: the hub's table name in its publisher's namespace,
    so two publishers' `budget_budget_2025` never collide. Cut to PostgreSQL's 63 bytes with
    a digest of the whole, so that it stays unique."""
    alias = f"{slug(publisher)}__{table_name(dataset, resource)}"
    if len(alias) > 63:
        alias = f"{alias[:54]}_{hashlib.sha256(alias.encode()).hexdigest()[:8]}"
    return alias


def datastore_spec(descriptor: dict, entry: dict, file_hash: str) -> dict:
    """Columns typed from the Table Schema, primary key and alias of one table.

    A GeoJSON file has no schema: its columns come from its values when it is loaded
    (ckan_geojson), so they can only change with the file, whose hash stands for them."""
    if _format(entry) == "GeoJSON":
        fields, key, source = None, [], f"geojson {ckan_geojson.VERSION} {file_hash}"
    else:
        schema = entry.get("schema") or {}
        fields = []
        for column in schema.get("fields") or []:
            info = {k: v for k, v in (("label", column.get("title")), ("notes", column.get("description"))) if v}
            fields.append({"id": column["name"], "type": DATASTORE_TYPES.get(column.get("type"), "text"),
                           **({"info": info} if info else {})})
        key = schema.get("primaryKey") or []
        source = "csv"
    alias = alias_name((descriptor.get("catalog") or {}).get("publisher") or "hub", descriptor["name"], entry["name"])
    spec = {"fields": fields, "primary_key": [key] if isinstance(key, str) else list(key),
            "aliases": [alias], "source": source}
    spec["schema_hash"] = "sha256:" + hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()
    return spec


def _format(entry) -> str:
    fmt = str(entry.get("format") or Path(entry.get("path", "")).suffix.lstrip(".")).lower()
    return FORMATS.get(fmt, fmt.upper())


def resource_schema_field(entry: dict) -> str | None:
    """The national schema a table conforms to, as data.gouv.fr records it on a resource
    (`{"name", "version", "url"}`), as JSON text: CKAN keeps resource fields as strings."""
    schema = entry.get("schema") if isinstance(entry.get("schema"), dict) else {}
    national = schema.get("catalog") if isinstance(schema.get("catalog"), dict) else {}
    if not national.get("name"):
        return None
    return json.dumps({"name": national["name"], "version": national.get("version"), "url": national.get("url")},
                      ensure_ascii=False, sort_keys=True)


def resource_specs(folder: Path, descriptor: dict) -> list[dict]:
    """Every file to upload: the data files, then the datapackage.json itself."""
    specs = []
    # Each resource names its licence by URI (ckanext-dcat's dct:license of a distribution).
    dataset_licence = ckan_licences.uri(_licence_name(descriptor))
    for entry in descriptor.get("resources") or []:
        path = folder / entry["path"]
        file_hash = plain_hash(entry.get("hash")) or file_sha256(path)
        spec = {"key": entry["name"], "path": path, "hash": file_hash,
                "fields": {"name": entry.get("title") or entry["name"],
                           "description": entry.get("description") or "",
                           "format": _format(entry), "mimetype": entry.get("mediatype") or "",
                           "license": ckan_licences.uri(_licence_name(entry)) or dataset_licence,
                           **({"conforms_to": _schema_uri(entry)} if _schema_uri(entry) else {})}}
        national = resource_schema_field(entry)
        if national:
            spec["fields"]["schema"] = national
        if (entry.get("schema") and _format(entry) == "CSV") or _format(entry) == "GeoJSON":
            spec["datastore"] = datastore_spec(descriptor, entry, file_hash)
            spec["rows"] = (entry.get("catalog") or {}).get("rows")
        specs.append(spec)
    path = folder / "datapackage.json"
    specs.append({"key": "datapackage", "path": path, "hash": file_sha256(path),
                  "fields": {"name": "datapackage.json",
                             "description": "Frictionless Data Package descriptor: metadata, licence, "
                                            "Table Schemas and hashes of every file.",
                             "format": "JSON", "mimetype": "application/json", "license": dataset_licence}})
    return specs


def plain_hash(value) -> str:
    """A sha256 as plain hex (what ckanext-dcat writes as spdx:checksumValue); `sha256:` dropped."""
    text = str(value or "")
    return text.split(":", 1)[1] if text.startswith("sha256:") else text
