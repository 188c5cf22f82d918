"""DataStore tables on the real CKAN 2.12: atomic reloads, aliases, and xloader (with its worker)."""
import hashlib
import json
import threading
import time

import ckanapi
import pytest

from catalog.publish import ckan_client
from tests.ckan_portal import ckan_portal, ckan_portal_xloader  # noqa: F401 - the session fixtures
from tests.test_ckan import (EXPECTED, by_key, crafted_hub, datastore_rows, portal_client, run_cli,
                              run_through_proxy)


def many_rows(count, start=1):
    return [[i, f"Équipement {i}", "2020-01-02", "true", "12.5", 46.6, 2.4] for i in range(start, start + count)]


class Reader(threading.Thread):
    """An API client counting the rows behind an alias, over and over, while a reload runs."""

    def __init__(self, portal, alias):
        super().__init__(daemon=True)
        self.ckan = ckanapi.RemoteCKAN(portal.url)
        self.alias, self.seen, self.stop = alias, [], False

    def run(self):
        while not self.stop:
            try:
                self.seen.append(self.ckan.action.datastore_search(resource_id=self.alias, limit=0)["total"])
            except ckanapi.NotFound:
                self.seen.append(None)
            except Exception as error:  # noqa: BLE001 - any other answer is a failure the test shows
                self.seen.append(f"{type(error).__name__}: {str(error)[:300]}")
            time.sleep(0.02)

    def runs(self):
        """What the reader saw, in order, each run of equal answers once: [old, None, new]…"""
        return [value for i, value in enumerate(self.seen) if i == 0 or self.seen[i - 1] != value]


def test_reload_is_atomic_for_readers(tmp_path, ckan_portal):
    folder = crafted_hub(tmp_path, "atom", rows=many_rows(30_000), tarifs=False, geojson=False)
    assert run_cli(tmp_path, ckan_portal).exit_code == 0
    alias = "atom__atom_equipements_equipements"
    ckan = portal_client(ckan_portal)
    assert ckan.action.datastore_search(resource_id=alias, limit=0)["total"] == 30_000
    crafted_hub(tmp_path / "next", "atom", rows=many_rows(45_000), tarifs=False, geojson=False)
    (folder / "data.csv").write_bytes(
        (tmp_path / "next" / "datasets" / "atom" / "atom-equipements" / "data.csv").read_bytes())

    readers = [Reader(ckan_portal, alias)]
    for reader in readers:
        reader.start()
    try:
        result = run_cli(tmp_path, ckan_portal)
        # Two more answers each, begun after the run ended (one in flight may have begun before).
        ends = [len(reader.seen) for reader in readers]
        deadline = time.monotonic() + 30
        while any(len(r.seen) < end + 2 for r, end in zip(readers, ends)) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        for reader in readers:
            reader.stop = True
            reader.join()
    assert result.exit_code == 0, result.output
    assert "into a new table, swapped in when complete" in result.output
    # The old rows, then the new ones, never a mix; missing only at the switch, once (CKAN's
    # API cannot move an alias in one call: see the README). A request caught in the very
    # moment the old table or alias is dropped can fail otherwise than "not found": still the gap.
    for reader in readers:
        runs = reader.runs()
        counts = [value for value in runs if isinstance(value, int)]
        assert len(reader.seen) > 10 and counts == [30_000, 45_000] and runs[0] == 30_000 and runs[-1] == 45_000, \
            (reader.alias, runs)
    resources = ckan.action.package_show(id="atom-atom-equipements")["resources"]
    assert [r["catalog_name"] for r in resources] == ["equipements", "datapackage"]
    # Batches load concurrently, so _id order is not file order: the row is looked up, not taken first.
    first = ckan.action.datastore_search(resource_id=alias, filters={"nom": "Équipement 1"})["records"]
    assert len(first) == 1


def test_crash_during_reload_leaves_the_old_table_live(tmp_path, ckan_portal, monkeypatch):
    folder = crafted_hub(tmp_path, "crash", rows=many_rows(25_000), tarifs=False, geojson=False)
    assert run_cli(tmp_path, ckan_portal).exit_code == 0
    ckan = portal_client(ckan_portal)
    alias = "crash__crash_equipements_equipements"
    live = by_key(ckan.action.package_show(id="crash-crash-equipements"))["equipements"]
    crafted_hub(tmp_path / "next", "crash", rows=many_rows(35_000, start=100), tarifs=False, geojson=False)
    (folder / "data.csv").write_bytes(
        (tmp_path / "next" / "datasets" / "crash" / "crash-equipements" / "data.csv").read_bytes())

    # A fake only to inject the failure: the third batch of the new table never arrives.
    original, sent = ckan_client.Client.call, []

    def failing(self, action, **data):
        if action == "datastore_upsert":
            sent.append(1)
            if len(sent) == 3:
                raise ckan_client.PortalFailure("the portal refused or dropped the connection during "
                                                "`datastore_upsert` (injected)")
        return original(self, action, **data)

    monkeypatch.setattr(ckan_client.Client, "call", failing)
    result = run_cli(tmp_path, ckan_portal)
    monkeypatch.undo()
    assert result.exit_code == 3, result.output
    assert "stopped at update datastore crash-crash-equipements/equipements" in result.stderr
    # The old table is live, whole, under its alias and its resource id.
    assert ckan.action.datastore_search(resource_id=alias, limit=0)["total"] == 25_000
    assert ckan.action.datastore_search(resource_id=live["id"], limit=0)["total"] == 25_000
    assert by_key(ckan.action.package_show(id="crash-crash-equipements"))["equipements"]["id"] == live["id"]

    plan = run_cli(tmp_path, ckan_portal, "--dry-run")
    assert "prune      resource     crash-crash-equipements/equipements  (unfinished reload left by an " \
           "interrupted run)" in plan.output
    again = run_cli(tmp_path, ckan_portal)
    assert again.exit_code == 0, again.output
    resources = ckan.action.package_show(id="crash-crash-equipements")["resources"]
    assert [r["catalog_name"] for r in resources] == ["equipements", "datapackage"]
    assert ckan.action.datastore_search(resource_id=alias, limit=0)["total"] == 35_000


def test_alias_left_on_an_orphan_table_is_moved_back(tmp_path, ckan_portal):
    crafted_hub(tmp_path, "orphtab", tarifs=False, geojson=False)
    assert run_cli(tmp_path, ckan_portal).exit_code == 0
    ckan = portal_client(ckan_portal)
    alias = "orphtab__orphtab_equipements_equipements"
    live = by_key(ckan.action.package_show(id="orphtab-orphtab-equipements"))["equipements"]
    # What a purge and a crash left: the alias on a table whose dataset is gone.
    stray = ckan.action.package_create(name="orphtab-stray", owner_org="orphtab")
    table = ckan.action.resource_create(package_id=stray["id"], name="stray", url="http://example.invalid/x.csv")
    ckan.action.datastore_create(resource_id=live["id"], aliases=[], force=True)
    ckan.action.datastore_create(resource_id=table["id"], fields=[{"id": "x", "type": "int4"}],
                                 records=[{"x": 1}], aliases=[alias], force=True)
    ckan.action.dataset_purge(id=stray["id"])

    plan = run_cli(tmp_path, ckan_portal, "--dry-run")
    assert f"update     alias        orphtab-orphtab-equipements/equipements  (alias {alias}" in plan.output
    result = run_cli(tmp_path, ckan_portal)
    assert result.exit_code == 0, result.output
    answer = ckan.action.datastore_search(resource_id=alias)
    assert answer["resource_id"] == live["id"] and answer["total"] == 3
    assert "alias" not in run_cli(tmp_path, ckan_portal).output


def test_alias_held_by_another_dataset_is_foreseen(tmp_path, ckan_portal):
    ckan = portal_client(ckan_portal)
    ckan.action.organization_create(name="squatter")
    other = ckan.action.package_create(name="squatter-table", owner_org="squatter")
    table = ckan.action.resource_create(package_id=other["id"], name="t", url="http://example.invalid/t.csv")
    ckan.action.datastore_create(resource_id=table["id"], fields=[{"id": "x", "type": "int4"}], records=[{"x": 1}],
                                 aliases=["taken__taken_equipements_equipements"], force=True)
    crafted_hub(tmp_path, "taken", tarifs=False, geojson=False)
    plan = run_cli(tmp_path, ckan_portal, "--dry-run")
    assert "Warning: taken-taken-equipements/equipements: the DataStore alias taken__taken_equipements_equipements " \
           "already names another dataset's table" in plan.stderr, plan.stderr
    result = run_cli(tmp_path, ckan_portal)
    assert result.exit_code == 0 and "already names another dataset's table" in result.stderr
    ours = by_key(ckan.action.package_show(id="taken-taken-equipements"))["equipements"]
    assert datastore_rows(ckan, ours["id"])[0] == EXPECTED
    assert ckan.action.datastore_search(resource_id="taken__taken_equipements_equipements")["resource_id"] == \
        table["id"]


def test_warnings_are_printed_when_a_run_stops(tmp_path, ckan_portal):
    def without_licence_ouverte(action, content):
        if action != "license_list":
            return content
        answer = json.loads(content)
        answer["result"] = [e for e in answer["result"] if e["id"] != "lov2"]
        return json.dumps(answer).encode()

    crafted_hub(tmp_path, "warnstop", tarifs=False, geojson=False)
    result, proxy = run_through_proxy(tmp_path, ckan_portal, fail_on="datastore_upsert", edit=without_licence_ouverte)
    assert result.exit_code == 3, result.output
    assert "Warning: the portal's licence list has no entry for etalab-2.0" in result.stderr


def job_state(ckan, resource_id):
    try:
        return ckan.action.xloader_status(resource_id=resource_id).get("status")
    except ckanapi.NotFound:  # never submitted
        return None


def wait_for_jobs(ckan, resource_ids, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        states = [job_state(ckan, r) for r in resource_ids]
        if all(s in ("complete", "error", None) for s in states):
            return states
        time.sleep(0.5)
    return states


def test_xloader_loads_our_tables_typed_and_leaves_the_hash(tmp_path, ckan_portal_xloader):
    portal = ckan_portal_xloader
    folder = crafted_hub(tmp_path, "xl")
    result = run_cli(tmp_path, portal)
    assert result.exit_code == 0, result.output
    ckan = portal_client(portal)
    resources = by_key(ckan.action.package_show(id="xl-xl-equipements"))
    # xloader's COPY loaded the CSV tables (its job is recorded), into our typed columns.
    assert ckan.action.xloader_status(resource_id=resources["equipements"]["id"])["status"] == "complete"
    time.sleep(5)  # what xloader would do by itself after we exit (it used to drop the table here)
    ids = [r["id"] for r in resources.values()]
    assert all(s in ("complete", None) for s in wait_for_jobs(ckan, ids))
    resources = by_key(ckan.action.package_show(id="xl-xl-equipements"))
    for key, resource in resources.items():
        packaged = tmp_path / "build" / "xl" / "xl-equipements" / ("datapackage.json" if key == "datapackage"
                                                                   else f"data/{key}.{'geojson' if key == 'parcs' else 'csv'}")
        assert resource["hash"] == hashlib.sha256(packaged.read_bytes()).hexdigest(), key
    rows, fields = datastore_rows(ckan, resources["equipements"]["id"])
    assert rows == EXPECTED
    assert {f["id"]: f["type"] for f in fields}["ouverture"] == "date"
    assert {f["id"]: f["type"] for f in fields}["id"] == "int8"
    assert datastore_rows(ckan, resources["tarifs"]["id"])[0][0] == {"code": "A", "libelle": "Plein tarif", "prix": 4.5}
    assert "0 create, 0 update" in run_cli(tmp_path, portal).output
    # xloader 2.6 builds the full-text index on a connection it never commits (CKAN 2.12): the
    # table has one because giving it its alias (our datastore_create) builds it, with the
    # portal's method (GIN on the test portal: tests/ckan/portal.py).
    indexes = portal.psql(f"SELECT indexdef FROM pg_indexes WHERE tablename = '{resources['equipements']['id']}'",
                          database="datastore_default")
    assert "USING gin (_full_text)" in indexes, indexes

    # A reload on the xloader portal is swapped in too, typed.
    (folder / "tarifs.csv").write_text("code,libelle,prix\nA,Plein tarif,5\n")
    result = run_cli(tmp_path, portal)
    assert result.exit_code == 0, result.output
    tarifs = by_key(ckan.action.package_show(id="xl-xl-equipements"))["tarifs"]
    time.sleep(3)
    assert datastore_rows(ckan, "xl__xl_equipements_tarifs")[0] == [{"code": "A", "libelle": "Plein tarif", "prix": 5}]
    assert by_key(ckan.action.package_show(id="xl-xl-equipements"))["tarifs"]["hash"] == tarifs["hash"]
    # Its views are the old copy's, not doubled by the ones xloader's job makes.
    assert [v["view_type"] for v in ckan.action.resource_view_list(id=tarifs["id"])] == ["datatables_view"]


def test_crash_after_the_swap_before_the_old_copy_goes(tmp_path, ckan_portal):
    folder = crafted_hub(tmp_path, "swapcrash", tarifs=False, geojson=False)
    assert run_cli(tmp_path, ckan_portal).exit_code == 0
    ckan = portal_client(ckan_portal)
    name, alias = "swapcrash-swapcrash-equipements", "swapcrash__swapcrash_equipements_equipements"
    (folder / "data.csv").write_text((folder / "data.csv").read_text().replace("Mairie", "Hôtel de ville"))
    # The new table is complete and marked, then the portal fails to delete the old copy.
    result, proxy = run_through_proxy(tmp_path, ckan_portal, fail_on="resource_delete")
    assert result.exit_code == 3, result.output
    assert "stopped at update datastore swapcrash-swapcrash-equipements/equipements" in result.stderr
    assert "Hôtel de ville" in json.dumps(datastore_rows(ckan, alias)[0], ensure_ascii=False)

    plan = run_cli(tmp_path, ckan_portal, "--dry-run")
    assert "prune      resource     swapcrash-swapcrash-equipements/equipements  (older copy of a reloaded table)" \
        in plan.output, plan.output
    again = run_cli(tmp_path, ckan_portal)
    assert again.exit_code == 0, again.output
    resources = ckan.action.package_show(id=name)["resources"]
    assert [r["catalog_name"] for r in resources] == ["equipements", "datapackage"]
    assert "Hôtel de ville" in json.dumps(datastore_rows(ckan, alias)[0], ensure_ascii=False)
    assert "0 create, 0 update" in run_cli(tmp_path, ckan_portal).output
