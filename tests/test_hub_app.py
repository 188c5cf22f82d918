"""The hub's Datasette remembers permission answers, never past a change of metadata."""
import asyncio
import sqlite3

from catalog.hub.app import HubDatasette


def test_table_permissions_follow_the_metadata(tmp_path):
    db = tmp_path / "hub.db"
    with sqlite3.connect(db) as conn:
        conn.execute("create table secret (x)")
        conn.execute("create table open (x)")
    denied = {"databases": {"hub": {"tables": {"secret": {"allow": False}}}}}
    ds = HubDatasette([str(db)], metadata=denied)

    async def allowed(table):
        return await ds.permission_allowed(None, "view-table", ("hub", table), default=True)

    assert asyncio.run(allowed("secret")) is False
    assert asyncio.run(allowed("secret")) is False  # remembered, same answer
    assert asyncio.run(allowed("open")) is True
    ds._metadata_local = {}  # what `catalog serve` does when a new hub is published
    assert asyncio.run(allowed("secret")) is True
