"""Whole-table CSV exports written off the event loop give Datasette's very bytes and headers.

Each table of a published hub (primary key, composite key, rowid tables, full-text tables,
blobs, quotes and line breaks) is exported both ways: through `catalog.hub.exports` and
through Datasette's own streaming (any extra parameter, here `_labels=off`, leaves the request
to Datasette). The p99 of short queries while four exports stream is measured by
`python -m tests.benchmarks.streaming` (README, Security).
"""
import asyncio
import sqlite3

import pytest
from click.testing import CliRunner

from catalog.cli import main
from catalog.hub import exports
from catalog.serve import make_datasette
from tests.servers import make_two_publisher_hub


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    root = make_two_publisher_hub(tmp_path_factory.mktemp("exports"))
    db, packages = root / "build" / "hub.db", root / "build" / "packages"
    result = CliRunner().invoke(main, ["publish", "datasette", "--root", str(root), "--db", str(db),
                                       "--out", str(packages)])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(db) as conn:  # odd values no publish writes, but a hub database may hold
        conn.execute("CREATE TABLE odd (a TEXT, b BLOB, c REAL)")
        conn.executemany("INSERT INTO odd VALUES (?, ?, ?)", [
            ('quote " and, comma', b"\x00\x01binary", 1.5), ("line\nbreak", None, -0.0), ("é ü 中", b"x", 1e300)])
    conn.close()
    return db, packages


def both(db, packages, path):
    datasette = make_datasette(db, packages, "https://hub.example.fr")

    async def fetch():
        await datasette.invoke_startup()
        return await datasette.client.get(path), await datasette.client.get(path + "&_labels=off")

    return asyncio.run(fetch())


def tables(db):
    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                           "AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name")]


@pytest.mark.parametrize("query", ["_stream=on", "_stream=1&_dl=1", "_stream=on&_header=off&_size=max"])
def test_same_bytes_as_datasette(hub, query):
    db, packages = hub
    names = tables(db)
    assert {"arrets_stops", "arrets_stop_times", "equipements_equipements", "odd"} <= set(names)
    for table in names:
        ours, theirs = both(db, packages, f"/hub/{table}.csv?{query}")
        assert ours.status_code == theirs.status_code == 200, table
        assert ours.content == theirs.content, table
        for header in ("content-type", "content-disposition"):
            assert ours.headers.get(header) == theirs.headers.get(header), (table, header)


def test_only_plain_exports_are_taken_over(hub):
    db, packages = hub
    datasette = make_datasette(db, packages)
    database = datasette.databases["hub"]
    plain = lambda path, query: exports.plain_export(datasette, database, {
        "method": "GET", "path": path, "query_string": query})
    assert plain("/hub/arrets_stops.csv", b"_stream=on") == "arrets_stops"
    assert plain("/hub/arrets_stops.csv", b"_stream=on&_dl=1&_size=max") == "arrets_stops"
    for path, query in [("/hub/arrets_stops.csv", b""), ("/hub/arrets_stops.csv", b"_stream=on&stop_id=S1"),
                        ("/hub/arrets_stops.csv", b"_stream=on&_sort=stop_name"), ("/hub.csv", b"_stream=on&sql=x"),
                        ("/hub/arrets_stops.json", b"_stream=on"), ("/other/arrets_stops.csv", b"_stream=on")]:
        assert plain(path, query) is None, (path, query)
