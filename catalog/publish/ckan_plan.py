"""What a data package should look like on CKAN, and what it takes to get there.

A package becomes: its publisher's organisation, one dataset `<publisher>-<dataset>`,
one resource per file (plus the datapackage.json) and one DataStore table per table
(every CSV with a Table Schema, and every GeoJSON file).
`plan()` compares that with what the portal holds (read by name: organization_show,
package_show) and returns the steps, writing nothing.

How "unchanged" is known without downloading anything: each resource we upload
carries `catalog_name` (the package's resource name: how we find it again, whatever
its display name), `hash` (sha256 of the file) and, for tables, `schema_hash` (the
DataStore columns, key and alias). The hash of a table is written only after its
DataStore rows are all in, so a publication cut short is redone, never mistaken for
done.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from catalog import licences
from catalog.hashing import file_sha256
from catalog.naming import table_name
from catalog.publish import ckan_geojson, ckan_licences
from catalog.export import vocab
from catalog.export.graph import Uris
from catalog.publish.ckan_licences import LicenceChooser

CREATE, UPDATE, UNCHANGED, PRUNE, KEEP = "create", "update", "unchanged", "prune", "keep"
ORPHAN, CONFLICT = "orphan", "conflict"  # listed, never written (--prune, --force decide)
# Shared with the portal's staff: written from the descriptor when the descriptor changes
# them, but an edit made on the portal is kept (see README, "who owns what").
SHARED = ("title", "notes", "license_id")

# Table Schema type -> DataStore (PostgreSQL) column type. Integers are int8 so that
# codes longer than 9 digits still fit; everything without a better type is text.
DATASTORE_TYPES = {"integer": "int8", "number": "numeric", "date": "date", "datetime": "timestamp",
                   "boolean": "bool", "geojson": "json", "object": "json", "array": "json", "year": "int4"}
FORMATS = {"csv": "CSV", "geojson": "GeoJSON", "json": "JSON", "zip": "ZIP", "gtfs": "GTFS"}
TAG_UNSAFE = re.compile(r"[^\w \-.]+")
# The extras this tool writes (on organisations and datasets); any other extra is the portal's own.
OWNED_EXTRAS = {"homepage", "email", "siren", "kind", "catalog_id", "theme", "frequency", "spatial", "spatial_text",
                "spatial_insee", "temporal_start", "temporal_end", "quality_score", "profile", "derived_from",
                "identifier", "modified", "conforms_to", "catalog_theme", "catalog_frequency",
                "catalog_sync", "catalog_pruned"}
# ckanext-dcat's spdx:algorithm for a resource `hash` given as plain hex.
SHA256 = "http://spdx.org/rdf/terms#checksumAlgorithm_sha256"


@dataclass
class Options:
    """How a plan is made, beyond the packages and the portal's state."""

    prune: str | None = None         # None | "private" | "delete": resources that left a package are
                                     # removed, datasets that left datasets/ made private or deleted
    force: bool = False              # overwrite what the portal changed (visibility, shared fields)
    datastore: bool = True           # load tables (the portal has the DataStore)
    licences: LicenceChooser = field(default_factory=lambda: LicenceChooser(None))
    hub_url: str | None = None       # the hub's public address: each dataset's `url` (landing page)
    orphans: bool = False            # look for datasets published earlier whose folder is gone


@dataclass
class Step:
    action: str                 # create | update | unchanged | prune | keep
    kind: str                   # organisation | dataset | resource | datastore
    name: str                   # organisation, dataset, or dataset/resource
    why: str = ""
    data: dict = field(default_factory=dict, repr=False)   # what to send
    target: str | None = None   # the portal's id when the thing exists
    path: Path | None = None    # the file to upload or load
    dataset: str = ""           # the CKAN dataset the step belongs to
    key: str = ""               # the package's resource name

    @property
    def writes(self) -> bool:
        return self.action in (CREATE, UPDATE, PRUNE)

    def line(self) -> str:
        return f"{self.action:<10} {self.kind:<12} {self.name}" + (f"  ({self.why})" if self.why else "")


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
    return {
        "name": hub.get("publisher"),
        "title": hub.get("publisher_title") or contact.get("title") or hub.get("publisher"),
        "description": (profile.description if profile else "") or "",
        "extras": {k: str(v) for k, v in extras.items() if v},
    }


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


def dataset_fields(descriptor: dict, chooser: LicenceChooser | None = None, hub_url: str | None = None) -> dict:
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
        "derived_from": ",".join(s.get("name", "") for s in descriptor.get("sources") or []
                                 if isinstance(s, dict) and "/" in str(s.get("name", ""))),
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
    # The hub's table name, unless PostgreSQL would cut it (63 bytes): then the resource id only.
    alias = table_name(descriptor["name"], entry["name"])
    spec = {"fields": fields, "primary_key": [key] if isinstance(key, str) else list(key),
            "aliases": [alias] if len(alias.encode()) <= 63 else [], "source": source}
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


def _differs(have, want) -> bool:
    return (have if have is not None else "") != (want if want is not None else "")


def changed_fields(desired: dict, current: dict) -> list[str]:
    """The keys of `desired` the portal's record does not match."""
    changed = []
    for key, want in desired.items():
        have = current.get(key)
        if key == "owner_org":
            have = (current.get("organization") or {}).get("name")
        elif key == "tags":
            have = sorted(t.get("name") for t in have or [])
        elif key == "extras":
            # extras someone added on the portal are left alone; ours must match
            have = {e["key"]: e["value"] for e in have or [] if e["key"] in OWNED_EXTRAS}
        if _differs(have, want):
            changed.append(key)
    return changed


def merged_extras(current: dict, ours: dict) -> dict:
    """The portal's own extras kept, ours replaced (CKAN replaces the whole list on patch)."""
    kept = {e["key"]: e["value"] for e in current.get("extras") or [] if e["key"] not in OWNED_EXTRAS}
    return {**kept, **ours}


def to_ckan(fields: dict) -> dict:
    """Our flat form -> CKAN's lists of tags and extras."""
    data = dict(fields)
    if "tags" in data:
        data["tags"] = [{"name": tag} for tag in data["tags"]]
    if "extras" in data:
        data["extras"] = [{"key": k, "value": v} for k, v in sorted(data["extras"].items())]
    return data


def organisation_step(fields: dict, current: dict | None) -> Step:
    name = fields["name"]
    if current is None:
        return Step(CREATE, "organisation", name, "new", data=to_ckan(fields))
    desired = dict(fields, state="active")
    changed = changed_fields(desired, current)
    if not changed:
        return Step(UNCHANGED, "organisation", name, target=current["id"])
    patch = {k: desired[k] for k in changed}
    if "extras" in patch:
        patch["extras"] = merged_extras(current, desired["extras"])
    return Step(UPDATE, "organisation", name, ", ".join(changed) + " changed", data=to_ckan(patch),
                target=current["id"])


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value if value is not None else "", ensure_ascii=False).encode()).hexdigest()[:16]


def _extras(current) -> dict:
    return {e["key"]: e["value"] for e in (current or {}).get("extras") or []}


def _portal_visibility(current: dict) -> str | None:
    """Why the portal's staff hid a dataset (deleted, made private), or None; our own prune does not count."""
    if current.get("state") == "deleted":
        return "deleted on the portal"
    if current.get("private") and not _extras(current).get("catalog_pruned"):
        return "made private on the portal"
    return None


def _shared_fields(fields: dict, current: dict, force: bool) -> list[str]:
    """Keep the portal's edits of the shared fields (in `fields`); return the conflicting ones.

    `catalog_sync` holds a digest of each shared value as this tool last wrote it: a portal
    value that differs from it was edited there."""
    try:
        synced = json.loads(_extras(current).get("catalog_sync") or "{}")
    except ValueError:
        synced = {}
    conflicts, sync = [], {}
    for key in SHARED:
        have, want = current.get(key), fields[key]
        edited_there = key in synced and _digest(have) != synced[key]
        if edited_there and _differs(have, want) and not force:
            if _digest(want) != synced[key]:
                conflicts.append(key)  # changed on both sides: the portal's edit is kept
            fields[key] = have
            sync[key] = synced[key]
        else:
            sync[key] = _digest(want)
    fields["extras"]["catalog_sync"] = json.dumps(sync, sort_keys=True)
    return conflicts


def orphan_step(current: dict, prune: str | None) -> Step:
    """A dataset this tool published whose folder left datasets/."""
    name, target = current["name"], current["id"]
    if not prune:
        return Step(ORPHAN, "dataset", name, "no longer in datasets/; --prune makes it private, --prune=delete "
                                             "deletes it", target=target, dataset=name)
    if prune == "delete":
        return Step(PRUNE, "dataset", name, "no longer in datasets/: deleted", data={"delete": True},
                    target=target, dataset=name)
    if current.get("private"):
        return Step(UNCHANGED, "dataset", name, "no longer in datasets/, already private", target=target, dataset=name)
    extras = merged_extras(current, {**{k: v for k, v in _extras(current).items() if k in OWNED_EXTRAS},
                                     "catalog_pruned": "private"})
    return Step(PRUNE, "dataset", name, "no longer in datasets/: made private",
                data=to_ckan({"private": True, "extras": extras}), target=target, dataset=name)


def dataset_steps(folder: Path, descriptor: dict, current: dict | None, options: Options) -> list[Step]:
    prune, datastore = options.prune, options.datastore
    fields = dataset_fields(descriptor, options.licences, options.hub_url)
    name = fields["name"]
    steps = []
    if current is None:
        fields["extras"]["catalog_sync"] = json.dumps({k: _digest(fields[k]) for k in SHARED}, sort_keys=True)
        steps.append(Step(CREATE, "dataset", name, "new", data=to_ckan(fields), dataset=name))
        existing = []
    else:
        hidden = _portal_visibility(current)
        if hidden and not options.force:
            return [Step(CONFLICT, "dataset", name, f"{hidden}: left as it is; --force publishes it again",
                         target=current["id"], dataset=name)]
        conflicts = _shared_fields(fields, current, options.force)
        if conflicts:
            steps.append(Step(CONFLICT, "dataset", name, f"{', '.join(conflicts)} edited on the portal and in the "
                              "descriptor: the portal's kept; --force writes the descriptor's",
                              target=current["id"], dataset=name))
        changed = changed_fields(fields, current)
        patch = {k: fields[k] for k in changed}
        if "extras" in patch:
            patch["extras"] = merged_extras(current, fields["extras"])
        steps.append(Step(UPDATE if changed else UNCHANGED, "dataset", name,
                          ", ".join(changed) + " changed" if changed else "", data=to_ckan(patch),
                          target=current["id"], dataset=name))
        existing = current.get("resources") or []
    by_key = {}
    for resource in existing:
        if resource.get("catalog_name"):  # ours; resources added by hand are never touched
            by_key.setdefault(resource["catalog_name"], resource)
    specs = resource_specs(folder, descriptor)
    for spec in specs:
        if not datastore:  # a portal without the DataStore still gets every file
            spec.pop("datastore", None)
        steps += _resource_steps(name, spec, by_key.get(spec["key"]))
    wanted = {spec["key"] for spec in specs}
    for resource in existing:
        key = resource.get("catalog_name")
        if key and key not in wanted:  # only resources this tool uploaded are ever removed
            label = f"{name}/{key}"
            if prune:
                steps.append(Step(PRUNE, "resource", label, "no longer in the package", target=resource["id"],
                                  dataset=name, key=key))
            else:
                steps.append(Step(KEEP, "resource", label, "no longer in the package; --prune removes it",
                                  target=resource["id"], dataset=name, key=key))
    return steps


def _resource_steps(dataset: str, spec: dict, current: dict | None) -> list[Step]:
    label = f"{dataset}/{spec['key']}"
    table = spec.get("datastore")
    fields = dict(spec["fields"], catalog_name=spec["key"])
    common = {"path": spec["path"], "dataset": dataset, "key": spec["key"]}
    size = spec["path"].stat().st_size
    # A table's hash is only written once its DataStore rows are in (see the module docstring).
    final = {"hash": spec["hash"], "hash_algorithm": SHA256,
             **({"schema_hash": table["schema_hash"]} if table else {})}
    steps = []
    if current is None:
        upload = dict(fields, **({} if table else final))
        steps.append(Step(CREATE, "resource", label, f"new file, {size:,} bytes", data=upload, **common))
        file_changed = True
    else:
        file_changed = plain_hash(current.get("hash")) != spec["hash"]
        meta = [k for k, v in fields.items() if _differs(current.get(k), v)]
        if not file_changed and (not table or current.get("schema_hash") == table["schema_hash"]):
            # Published by an older version (`sha256:` prefix, no algorithm): the same file, re-labelled.
            meta += [k for k in ("hash", "hash_algorithm") if _differs(current.get(k), final[k])]
        if file_changed:
            upload = dict(fields, **({} if table else final))
            steps.append(Step(UPDATE, "resource", label, f"file changed, {size:,} bytes", data=upload,
                              target=current["id"], **common))
        elif meta:
            steps.append(Step(UPDATE, "resource", label, ", ".join(meta) + " changed",
                              data={k: {**fields, **final}[k] for k in meta}, target=current["id"], **{**common, "path": None}))
        else:
            steps.append(Step(UNCHANGED, "resource", label, target=current["id"], **{**common, "path": None}))
    if table:
        rows = f"{spec['rows']:,} rows" if spec.get("rows") is not None else "rows"
        load = {**table, "final": final, "rows": spec.get("rows")}
        if current is None:
            steps.append(Step(CREATE, "datastore", label, rows, data=load, **common))
        elif file_changed or current.get("schema_hash") != table["schema_hash"] or not current.get("datastore_active"):
            why = ("file changed" if file_changed else "table missing" if not current.get("datastore_active")
                   else "columns changed")
            steps.append(Step(UPDATE, "datastore", label, f"{why}; {rows}", data=load, target=current["id"], **common))
        else:
            steps.append(Step(UNCHANGED, "datastore", label, target=current["id"], **{**common, "path": None}))
    return steps
