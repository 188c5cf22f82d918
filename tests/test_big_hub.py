"""A hub of many datasets (the seeded generator of the scale benchmark): the landing page groups
them by theme and publisher, each group a paginated search; a changed dataset is published alone."""
import re
import sqlite3

import pytest

from catalog.publish.datasette import publish_datasette
from tests.benchmarks.big_hub import change_one, make_big_hub
from tests.servers import running_hub

DATASETS, PUBLISHERS = 70, 4


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    root = tmp_path_factory.mktemp("big")
    ids = make_big_hub(root, DATASETS, PUBLISHERS)
    result = publish_datasette((), root, root / "build" / "hub.db", root / "build" / "packages")
    assert not result.refused and len(result.ids("load")) == DATASETS
    return root, ids


def test_the_generator_is_seeded(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    make_big_hub(one, 12, 3)
    make_big_hub(two, 12, 3)
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert files and all((one / f).read_bytes() == (two / f).read_bytes() for f in files)


def test_landing_groups_a_large_hub_and_searches_paginate(big):
    root, ids = big
    with running_hub(root, root / "build" / "hub.db", root / "build" / "packages") as hub:
        page = hub.get("/")
        assert page.status_code == 200
        assert 'class="hub-card"' not in page.text  # not 70 cards
        publishers = re.findall(r'href="(/-/search\?publisher=[^"]+)"', page.text)
        themes = re.findall(r'href="(/-/search\?theme=[^"]+)"', page.text)
        assert len(publishers) == PUBLISHERS and themes
        counts = [int(n) for n in re.findall(r'<li id="publisher-[^"]+"><a [^>]+>[^<]+</a> '
                                             r'<span class="hub-count">\((\d+)\)</span>', page.text)]
        assert sum(counts) == DATASETS
        listed = set()
        url = publishers[0].replace("&amp;", "&")
        while url:
            found = hub.get(url.replace("/-/search", "/-/search.json", 1)).json()
            assert len(found["results"]) <= found["per_page"]
            listed |= {r["id"] for r in found["results"]}
            url = found["next"]
        assert len(listed) == counts[0]
        assert all(i.startswith("editeur-00/") for i in listed)


def test_one_changed_dataset_is_the_only_one_reloaded(big, tmp_path):
    root, ids = big
    db = root / "build" / "hub.db"
    with sqlite3.connect(db) as conn:
        before = dict(conn.execute("SELECT id, content_hash FROM catalog_datasets").fetchall())
    change_one(root, ids[0], 1)
    result = publish_datasette((), root, db, root / "build" / "packages")
    assert result.ids("load") == [ids[0]]
    assert len(result.ids("keep")) == DATASETS - 1
    with sqlite3.connect(db) as conn:
        after = dict(conn.execute("SELECT id, content_hash FROM catalog_datasets").fetchall())
        searched = conn.execute("SELECT COUNT(*) FROM catalog_search_docs WHERE kind = 'dataset'").fetchone()[0]
    assert {k for k in after if after[k] != before[k]} == {ids[0]}
    assert searched == DATASETS
