"""What a data package should look like on CKAN, and what it takes to get there.

What a package becomes on CKAN is ckan_fields'; `plan()` compares that with what the portal holds (read by name: organization_show,
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
from dataclasses import dataclass, field
from pathlib import Path

from catalog.publish.ckan_fields import SHA256, dataset_fields, plain_hash, resource_specs, theme_groups
from catalog.publish.ckan_licences import LicenceChooser

CREATE, UPDATE, UNCHANGED, PRUNE, KEEP = "create", "update", "unchanged", "prune", "keep"
ORPHAN, CONFLICT = "orphan", "conflict"  # listed, never written (--prune, --force decide)
HIDDEN = "unknown"  # a dataset the portal does not show to this token (private)
# Shared with the portal's staff: written from the descriptor when the descriptor changes
# them, but an edit made on the portal is kept (see README, "who owns what").
SHARED = ("title", "notes", "license_id")

# The extras this tool writes (on organisations and datasets); any other extra is the portal's own.
OWNED_EXTRAS = {"homepage", "email", "siren", "kind", "catalog_id", "theme", "frequency", "spatial", "spatial_text",
                "spatial_insee", "temporal_start", "temporal_end", "quality_score", "profile", "derived_from",
                "identifier", "modified", "conforms_to", "catalog_theme", "catalog_frequency",
                "catalog_sync", "catalog_pruned", "logo_hash", "source"}

# The resource fields this tool writes only when they apply (ckan_fields.resource_specs).
OPTIONAL_RESOURCE_FIELDS = ("schema", "conforms_to")


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
    portal_url: str = ""             # the portal's address (links between its datasets)
    groups: bool = False             # put datasets in groups of their EU themes (a sysadmin's token)
    known_groups: dict = field(default_factory=dict)  # group name -> exists on the portal
    xloader: bool = False            # the portal runs ckanext-xloader: tables are COPYed by it
    aliases: dict = field(default_factory=dict)  # alias -> table it names now ("" key: the map was read)
    warnings: list = field(default_factory=list)  # what the plan foresees going wrong


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
        elif key == "groups":
            have = sorted(g.get("name") for g in have or [])
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
    if "groups" in data:
        data["groups"] = [{"name": group} for group in data["groups"]]
    if "extras" in data:
        data["extras"] = [{"key": k, "value": v} for k, v in sorted(data["extras"].items())]
    return data


def organisation_step(fields: dict, current: dict | None, logo: Path | None = None) -> Step:
    """`logo`: the logo file, uploaded as the organisation's image when new or changed."""
    name = fields["name"]
    if current is None:
        return Step(CREATE, "organisation", name, "new", data=to_ckan(fields), path=logo)
    desired = dict(fields, state="active")
    changed = changed_fields(desired, current)
    if not changed:
        return Step(UNCHANGED, "organisation", name, target=current["id"])
    patch = {k: desired[k] for k in changed}
    if "extras" in patch:
        patch["extras"] = merged_extras(current, desired["extras"])
    logo_changed = logo and _extras(current).get("logo_hash") != fields["extras"].get("logo_hash")
    return Step(UPDATE, "organisation", name, ", ".join(changed) + " changed", data=to_ckan(patch),
                target=current["id"], path=logo if logo_changed else None)


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
    fields = dataset_fields(descriptor, options.licences, options.hub_url, options.portal_url)
    name = fields["name"]
    if options.groups:  # ours added, the portal's kept
        have = sorted(g["name"] for g in (current or {}).get("groups") or [])
        fields["groups"] = sorted(set(have) | set(theme_groups(descriptor)))
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
        # The bookkeeping of shared fields (catalog_sync) is not news on its own.
        shown = [c for c in changed if c != "extras" or
                 changed_fields({"extras": {k: v for k, v in fields["extras"].items() if k != "catalog_sync"}},
                                {"extras": [e for e in current.get("extras") or [] if e["key"] != "catalog_sync"]})]
        steps.append(Step(UPDATE if changed else UNCHANGED, "dataset", name,
                          ", ".join(shown) + " changed" if changed else "", data=to_ckan(patch),
                          target=current["id"], dataset=name))
        existing = current.get("resources") or []
    specs = resource_specs(folder, descriptor)
    by_key, leftovers = _ours(existing, {spec["key"]: spec["hash"] for spec in specs})
    for resource, why in leftovers:  # what an interrupted reload left behind
        steps.append(Step(PRUNE, "resource", f"{name}/{resource.get('catalog_name') or resource['catalog_staging']}",
                          why, target=resource["id"], dataset=name))
    for spec in specs:
        if not datastore:  # a portal without the DataStore still gets every file
            spec.pop("datastore", None)
        steps += _resource_steps(name, spec, by_key.get(spec["key"]), options)
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


def _ours(existing: list[dict], hashes: dict) -> tuple[dict, list]:
    """Our resources by package name, and the leftovers of interrupted reloads (to remove).

    Resources added by hand (no `catalog_name`) are never touched. A reload creates its new
    resource beside the live one; a crash can leave that one unfinished (`catalog_staging`)
    or, finished, beside the old copy: the copy holding the wanted file wins, else the newest."""
    copies, leftovers = {}, []
    for resource in existing:
        if resource.get("catalog_staging") and not resource.get("catalog_name"):
            leftovers.append((resource, "unfinished reload left by an interrupted run"))
        elif resource.get("catalog_name"):
            copies.setdefault(resource["catalog_name"], []).append(resource)
    by_key = {}
    for key, found in copies.items():
        found.sort(key=lambda r: (plain_hash(r.get("hash")) == hashes.get(key), r.get("created") or ""), reverse=True)
        by_key[key] = found[0]
        leftovers += [(r, "older copy of a reloaded table") for r in found[1:]]
    return by_key, leftovers


def _resource_steps(dataset: str, spec: dict, current: dict | None, options: Options) -> list[Step]:
    label = f"{dataset}/{spec['key']}"
    table = spec.get("datastore")
    # A field this tool writes only when it applies is emptied once it no longer does: a file that
    # stopped referring to a national schema must not go on claiming it on the portal.
    cleared = {k: "" for k in OPTIONAL_RESOURCE_FIELDS if current and current.get(k) and k not in spec["fields"]}
    fields = dict(cleared, **spec["fields"], catalog_name=spec["key"])
    common = {"path": spec["path"], "dataset": dataset, "key": spec["key"]}
    size = spec["path"].stat().st_size
    # A table's hash is only written once its DataStore rows are in (see the module docstring).
    final = {"hash": spec["hash"], "hash_algorithm": SHA256,
             **({"schema_hash": table["schema_hash"]} if table else {})}
    if table:
        # Its format is only set with the hash: a portal's xloader starts by itself on a new
        # CSV upload and would load (and drop) the table before we do (see ckan_datastore).
        final["format"] = fields.pop("format")
    steps = []
    if current is None:
        upload = dict(fields, **({} if table else final))
        steps.append(Step(CREATE, "resource", label, f"new file, {size:,} bytes", data=upload, **common))
        if table:
            steps.append(Step(CREATE, "datastore", label, _rows(spec), data=_load(spec, final), **common))
        return steps
    file_changed = plain_hash(current.get("hash")) != spec["hash"]
    # A table is only ever read once complete (its hash written): an unfinished one is redone in place.
    complete = bool(table and current.get("datastore_active") and current.get("hash"))
    if complete and (file_changed or current.get("schema_hash") != table["schema_hash"]):
        # A new table beside the live one, swapped in when complete (ckan_tables).
        why = "file changed" if file_changed else "columns changed"
        staging = dict(fields, name=f"{fields['name']} (loading)", catalog_name="", catalog_staging=spec["key"])
        final.update(fields, catalog_staging="")
        steps.append(Step(UPDATE, "datastore", label, f"{why}, {size:,} bytes; {_rows(spec)} into a new table, "
                          "swapped in when complete", data={**_load(spec, final), "staging": staging},
                          target=current["id"], **common))
        return steps
    meta = [k for k, v in {**fields, **(final if table else {})}.items()
            if k != "hash" and _differs(current.get(k), v)]
    if not file_changed and (not table or current.get("schema_hash") == table["schema_hash"]):
        # Published by an older version (`sha256:` prefix, no algorithm): the same file, re-labelled.
        meta += [k for k in ("hash", "hash_algorithm") if _differs(current.get(k), final[k]) and k not in meta]
    if file_changed:  # a file without a table, or whose table is missing: replaced in place
        upload = dict(fields, **({} if table else final))
        steps.append(Step(UPDATE, "resource", label, f"file changed, {size:,} bytes", data=upload,
                          target=current["id"], **common))
    elif meta and not (table and not complete):
        steps.append(Step(UPDATE, "resource", label, ", ".join(meta) + " changed",
                          data={k: {**fields, **final}[k] for k in meta}, target=current["id"],
                          **{**common, "path": None}))
    else:
        steps.append(Step(UNCHANGED, "resource", label, target=current["id"], **{**common, "path": None}))
    if table and not complete:
        why = "table missing" if not current.get("datastore_active") else "unfinished load"
        steps.append(Step(UPDATE, "datastore", label, f"{why}; {_rows(spec)}", data=_load(spec, final),
                          target=current["id"], **common))
    elif table:
        steps.append(_alias_step(label, table, current, options, common))
    return steps


def _rows(spec) -> str:
    rows = spec.get("rows")
    return f"{rows:,} row{'s' if rows != 1 else ''}" if rows is not None else "rows"


def _load(spec, final) -> dict:
    return {**spec["datastore"], "final": final, "rows": spec.get("rows")}


def _alias_step(label, table, current, options: Options, common) -> Step:
    """A complete table whose alias is missing or names another table (left by a crash or a purge)."""
    alias = (table["aliases"] or [None])[0]
    holder = options.aliases.get(alias) if alias else None
    if alias is None or options.aliases.get("") is None or holder == current["id"]:
        return Step(UNCHANGED, "datastore", label, target=current["id"], **{**common, "path": None})
    why = f"alias {alias} missing" if not holder else f"alias {alias} named another table"
    return Step(UPDATE, "alias", label, why, data={"alias": alias, "holder": holder}, target=current["id"],
                **{**common, "path": None})
