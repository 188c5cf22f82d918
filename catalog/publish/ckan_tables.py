"""Publishing a DataStore table so that readers never see it half-loaded.

A table is filled where nobody reads it yet (ckan_datastore.load), then made visible:
- first publication: on its new resource; the alias and the hash come last;
- reload: on a new resource beside the live one (`catalog_staging`, named "… (loading)").
  Only once every row is in does the alias move to it, the new resource take the old
  one's name, place, views and hash, and the old resource (with its table) go (ckan_revise).
  Readers of the alias see the old rows, then the new ones, never a mix. A crash leaves the
  old table live and an unfinished resource that the next run removes.

The alias is missing for the one API call that moves it: no sequence of DataStore calls
avoids it, since datastore_create refuses an alias that another table holds, only replaces
the aliases of the table it is given, and a table's name is its resource id (no call renames
one). tests/ckan/alias_window.py measures it (about 80 ms, see the README).

For the same reason a reloaded table's resource id changes: the alias is the table's stable
name for API clients. (Giving the old id to the new table as an alias would mean replacing the
new table's aliases once more after the old table is dropped: a second moment for readers.)

The alias map (which table each alias names) is read from the DataStore's own
`_table_metadata`, so an alias left pointing at an orphan table is seen and moved back.
"""
from __future__ import annotations

from catalog.publish import ckan_datastore
from catalog.publish.ckan_client import Client, NotFound, PortalFailure, ValidationError


def read_aliases(client: Client, names: list[str]) -> dict:
    """{alias: table it names} for these aliases; {"": ""} marks that the map was read.

    Empty when the portal does not let this token read it (an anonymous dry run)."""
    found = {"": ""}
    names = sorted(set(names))
    for start in range(0, len(names), 500):
        try:
            answer = client.call("datastore_search", resource_id="_table_metadata",
                                 filters={"name": names[start:start + 500]}, limit=1000)
        except (NotFound, ValidationError):
            return {}
        except PortalFailure as error:
            if error.auth:
                return {}
            raise
        found.update({r["name"]: r["alias_of"] for r in answer.get("records") or [] if r.get("alias_of")})
    return found


def holder_kind(client: Client, holder: str, package_id: str | None) -> str:
    """Whose table holds an alias: "ours" (this dataset's: an older copy, an unfinished reload),
    "orphan" (its resource was purged), or "taken" (another dataset's live table)."""
    try:
        resource = client.call("resource_show", id=holder)
    except NotFound:
        return "orphan"
    if resource.get("state", "active") != "active" or resource.get("package_id") == package_id:
        return "ours"
    return "taken"


def alias_taken(client: Client, holder: str, package_id: str | None) -> bool:
    return holder_kind(client, holder, package_id) == "taken"


def move_alias(client: Client, alias: str, resource_id: str, package_id: str, warn, label: str):
    """Point `alias` at the table of `resource_id`, taking it from one of ours or an orphan
    table; another dataset's live table keeps it (with a warning). Whether it is ours now."""
    holder = read_aliases(client, [alias]).get(alias)
    if holder == resource_id:
        return True
    kind = holder_kind(client, holder, package_id) if holder else None
    if kind == "taken":
        warn(f"{label}: the DataStore alias {alias} already names another dataset's table; "
             "this one is reachable by its resource id only")
        return False
    if kind == "orphan":
        # A table whose resource was purged: CKAN's API only reaches a table through its
        # resource, so one is made again under the table's id, then dropped with its table.
        client.call("resource_create", package_id=package_id, id=holder, url="",
                    name="orphan DataStore table (being removed)")
        client.call("datastore_delete", resource_id=holder, force=True)
        client.call("resource_delete", id=holder)
    elif kind == "ours":
        try:
            client.call("datastore_create", resource_id=holder, aliases=[], force=True)
        except NotFound:
            pass  # its table went in the meantime, and the alias with it
    client.call("datastore_create", resource_id=resource_id, aliases=[alias], force=True)
    return True


def load_table(client: Client, step, resource_id: str, package_id: str, progress, warn, xloader: bool,
               timeout: float) -> int:
    """Fill the table of `step` on `resource_id` (a new resource, or a reload's new one beside the
    live one), then point its alias at it; returns the rows. Its completion mark (the hash) is
    written afterwards, with the dataset's other changes (ckan_revise)."""
    data = step.data
    rows = ckan_datastore.load(client, resource_id, data, step.path, data.get("rows"), progress, step.name,
                               xloader=xloader, timeout=timeout)
    alias = (data.get("aliases") or [None])[0]
    if alias:
        move_alias(client, alias, resource_id, package_id, warn, step.name)
    return rows


# What makes a view, as resource_view_list shows it; the rest is its configuration.
VIEW_KEYS = ("id", "resource_id", "package_id", "position")


def copy_views(client: Client, source: str, target: str):
    """Give a reload's new resource the views of the one it replaces, in their order, as the
    portal's staff left them (a view they removed stays removed, one they added or titled is kept)."""
    for view in client.call("resource_view_list", id=source):
        client.call("resource_view_create", resource_id=target,
                    **{k: v for k, v in view.items() if k not in VIEW_KEYS})


def default_views(client: Client, resource: dict):
    """The views the portal itself configures as defaults (ckan.views.default_views):
    datatables for a DataStore table, a map where it has a map viewer. CKAN creates
    them on upload, but the DataStore ones only once the table exists, and a table's format
    is only set once it is complete; never doubled. CKAN makes either the views that need the
    DataStore or the others, so it is asked for both."""
    for datastore in (False, True):
        client.call("resource_create_default_resource_views", resource=resource, create_datastore_views=datastore)
