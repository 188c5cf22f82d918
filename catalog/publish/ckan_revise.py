"""One dataset's writes, in as few revisions as CKAN's API allows.

A portal's activity stream (CKAN 2.12's `activity` plugin) records one activity per write
that changes a dataset: each package_create and package_update, including the one every
resource_create, resource_patch and resource_delete makes underneath and the one the
DataStore makes to set a resource's `datastore_active` flag, and one per view created.
Written one resource at a time, a first publication of 4 files (3 tables) took 15.
So a dataset's steps (ckan_plan) are carried out as:

1. `package_create` with every resource's metadata (a new dataset), or one `package_revise`
   adding the resources tables are loaded into (a new table of an existing dataset, the new
   resource of a reload). A table's resource is created with `datastore_active` already set,
   so that the DataStore has no flag to set (one revision less per table). Files are sent
   later, except tables' on a portal running xloader: its job reads the file, and a file
   uploaded together with a CSV format would start a job of its own that drops our table.
2. The tables are loaded and their aliases moved (ckan_tables): no revision.
3. One `package_revise` with everything else: the dataset's fields, the files, each table's
   completion mark (hash, format: see ckan_plan), the resources' order (a reload's new
   resource takes its old copy's place, name and views).
4. The old copy of each reloaded table is deleted (resource_delete drops its table), and
   new tables get the portal's default views: one activity each, which no API call avoids.

A first publication is then 2 activities plus one per view, a reload 3 plus one per view,
a change of metadata 1, an unchanged re-publication none.
"""
from __future__ import annotations

from catalog.publish import ckan_tables
from catalog.publish.ckan_plan import CREATE, PRUNE, UPDATE, Step


class Tracker:
    """Which step the run is at (a failure is reported against it) and which are done."""

    def __init__(self, on_done):
        self.step: Step | None = None
        self._on_done = on_done

    def at(self, step: Step | None):
        if step is not None:
            self.step = step

    def done(self, *steps: Step | None):
        for step in steps:
            if step is not None:
                self._on_done(step)


def write_dataset(client, steps: list[Step], ids: dict, tracker: Tracker, options, progress, warn) -> int:
    """Carry out the writing steps of one dataset; returns the DataStore rows loaded."""
    name = steps[0].dataset
    dataset = next((s for s in steps if s.kind == "dataset" and s.writes), None)
    files = [s for s in steps if s.kind == "resource" and s.action in (CREATE, UPDATE)]
    tables = [s for s in steps if s.kind == "datastore" and s.writes]
    table_keys = {s.key for s in tables}
    rows = 0
    for step in steps:  # leftovers of interrupted runs, files no longer in the package (--prune)
        if step.kind == "resource" and step.action == PRUNE:
            tracker.at(step)
            client.call("resource_delete", id=step.target)
            tracker.done(step)

    # 1. The dataset and the resources tables are loaded into.
    def new_resource(step):
        # No hash yet: it says the file is there, and the file comes later.
        fields = {**{k: v for k, v in step.data.items() if k != "hash"}, "url": ""}
        if step.key in table_keys:
            fields["datastore_active"] = True  # set by us, so that the DataStore's own update is not needed
        return fields

    early = {}  # resource id or extended index -> file, sent before the tables are loaded (xloader)
    if dataset is not None and dataset.action == CREATE:
        tracker.at(dataset)
        created = [s for s in files if s.action == CREATE]
        answer = client.call("package_create", **dataset.data, resources=[new_resource(s) for s in created])
        ids[("dataset", name)] = answer["id"]
        for step, resource in zip(created, answer["resources"]):  # in the order they were given
            ids[("resource", name, step.key)] = resource["id"]
        tracker.done(dataset)
        added = []
    else:
        added = [s for s in files if s.action == CREATE and s.key in table_keys]
    package_id = ids[("dataset", name)]
    staging = [s for s in tables if "staging" in s.data]
    extend = [new_resource(s) for s in added] + [{**s.data["staging"], "url": "", "datastore_active": True}
                                                 for s in staging]
    if options.xloader:
        for step in files:
            if step.key in table_keys and step.path is not None and step not in added:
                early[ids[("resource", name, step.key)]] = step.path
        for index, step in enumerate(added + staging):
            early[index - len(extend)] = step.path  # negative: counted from the end, after `extend`
    new_ids = {}
    if extend or early:
        tracker.at((added + tables)[0])
        answer = _revise(client, package_id, {}, early, extend=extend)
        appended = answer["package"]["resources"][len(answer["package"]["resources"]) - len(extend):]
        for step, resource in zip(added + staging, appended):  # `extend` adds them last, in order
            if step in staging:
                new_ids[step.key] = resource["id"]
            else:
                ids[("resource", name, step.key)] = resource["id"]

    # 2. The tables, each on its resource (a reload: on its new one), then their aliases.
    for step in tables:
        tracker.at(step)
        resource_id = new_ids.get(step.key) or ids[("resource", name, step.key)]
        xloader = options.xloader and step.data["fields"] is not None
        # A reload's new resource gets the views of the old one once loaded (no preview of a half
        # table), or before with xloader, whose job gives a table without views its default ones.
        if step.key in new_ids and xloader:
            ckan_tables.copy_views(client, step.target, resource_id)
        rows += ckan_tables.load_table(client, step, resource_id, package_id, progress, warn,
                                       xloader=xloader, timeout=client.timeout)
        if step.key in new_ids and not xloader:
            ckan_tables.copy_views(client, step.target, resource_id)
    for step in steps:
        if step.kind == "alias" and step.writes:
            tracker.at(step)
            ckan_tables.move_alias(client, step.data["alias"], step.target, package_id, warn, step.name)
            tracker.done(step)

    # 3. Everything else in one revision.
    if (dataset is not None and dataset.action == UPDATE) or files or tables:
        tracker.at(dataset if dataset is not None and dataset.action == UPDATE else (files + tables)[0])
        changes, uploads = {}, {}
        for step in files:
            resource_id = ids[("resource", name, step.key)]
            changes.setdefault(resource_id, {}).update(step.data)
            if step.path is not None and resource_id not in early and step not in added:
                uploads[resource_id] = step.path
        current = client.call("package_show", id=package_id)["resources"]
        by_id = {r["id"]: r for r in current}
        replaced = {}
        for step in tables:
            resource_id = new_ids.get(step.key) or ids[("resource", name, step.key)]
            changes.setdefault(resource_id, {}).update(step.data["final"])
            if step.key in new_ids:
                replaced[step.target] = resource_id
                if not options.xloader:
                    uploads[resource_id] = step.path
        for step in added:
            if not options.xloader:
                uploads[ids[("resource", name, step.key)]] = step.path
        order = []
        for resource in current:
            if resource["id"] in replaced.values():
                continue  # placed where the copy it replaces was
            resource = by_id[replaced.get(resource["id"], resource["id"])]
            order.append({**resource, **changes.get(resource["id"], {})})
        # The replaced copies last, until they are deleted just after (a crash leaves them to the next run).
        order += [by_id[old] for old in replaced]
        fields = dict(dataset.data) if dataset is not None and dataset.action == UPDATE else {}
        final = _revise(client, package_id, {**fields, "resources": order}, uploads)["package"]
        tracker.done(dataset if dataset is not None and dataset.action == UPDATE else None, *files)

        # 4. The replaced copies go (with their tables); new tables get the portal's default views.
        resources = {r["id"]: r for r in final["resources"]}
        for step in tables:
            tracker.at(step)
            if step.key in new_ids:
                client.call("resource_delete", id=step.target)
                ids[("resource", name, step.key)] = new_ids[step.key]
            else:
                ckan_tables.default_views(client, resources[ids[("resource", name, step.key)]])
            tracker.done(step)
    return rows


def _revise(client, package_id: str, update: dict, uploads: dict, extend: list | None = None) -> dict:
    """package_revise: the top-level keys of `update` replace the dataset's (lists whole, not merged
    item by item); `uploads` {resource id, or index in the list: file} become those resources' files."""
    # The dataset's groups are left out unless they change: CKAN checks the rights on every group
    # a revision lists, and an editor of the organisation may not manage its EU-theme groups.
    data = {"match": {"id": package_id},
            "filter": [f"-{key}" for key, value in update.items() if isinstance(value, list)] +
                      ([] if "groups" in update else ["-groups"])}
    if update:
        data["update"] = update
    if extend:
        data["update__resources__extend"] = extend
    if not uploads:
        return client.call("package_revise", **data)
    files = {f"update__resources__{where}__upload": path for where, path in uploads.items()}
    return client.upload_files("package_revise", files, **data)
