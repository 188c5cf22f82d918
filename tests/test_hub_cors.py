"""CORS on the hub's API: any origin by default (GET, it is open data), a list when configured."""
import asyncio
import sqlite3

import pytest

from catalog.errors import UnusableInput
from catalog.serve import CORS_ORIGINS, cors_config, make_datasette


@pytest.fixture()
def hub_db(tmp_path):
    db = tmp_path / "hub.db"
    with sqlite3.connect(db) as conn:
        conn.execute("create table stops (stop_id text primary key, stop_name text)")
        conn.execute("insert into stops values ('S1', 'Gare')")
    return db


def _get(ds, path, origin):
    async def go():
        return await ds.client.get(path, headers={"Origin": origin})

    return asyncio.run(go())


def test_any_origin_by_default(hub_db, tmp_path, monkeypatch):
    monkeypatch.delenv(CORS_ORIGINS, raising=False)
    ds = make_datasette(hub_db, tmp_path / "packages")
    response = _get(ds, "/hub/stops.json?_shape=array", "https://carte.example.org")
    assert response.status_code == 200 and response.json() == [{"stop_id": "S1", "stop_name": "Gare"}]
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-methods"] == "GET"


def test_configured_origins_only(hub_db, tmp_path, monkeypatch):
    monkeypatch.setenv(CORS_ORIGINS, "https://carte.example.org, http://localhost:3000")
    ds = make_datasette(hub_db, tmp_path / "packages")
    allowed = _get(ds, "/hub/stops.json", "https://carte.example.org")
    assert allowed.headers["access-control-allow-origin"] == "https://carte.example.org"
    other = _get(ds, "/hub/stops.json", "https://evil.example")
    assert "access-control-allow-origin" not in other.headers


@pytest.mark.parametrize("value", ["carte.example.org", "https://carte.example.org/", "https://a.example/path",
                                   "javascript:alert(1)", " , "])
def test_a_bad_origin_is_refused_with_a_fix(value):
    with pytest.raises(UnusableInput) as error:
        cors_config(value)
    assert "CATALOG_CORS_ORIGINS" in str(error.value)
