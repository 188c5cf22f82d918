"""The landing page and the search are rendered once per published hub (catalog/hub/page_cache.py):
over HTTP against `catalog serve`, a kept page is never one of an older hub, never in another
language, always gets its own CSP nonce, and answers If-None-Match with a 304."""
from __future__ import annotations

import json
import re
import time

import httpx
import pytest

from catalog.hub.page_cache import Pages
from catalog.publish.datasette import publish_datasette
from tests.servers import make_two_publisher_hub, running_hub

PAGES = ["/", "/-/search?q=bus", "/-/search.json?q=arrets"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = make_two_publisher_hub(tmp_path_factory.mktemp("cached"))
    db, out = root / "build" / "hub.db", root / "build" / "packages"
    publish_datasette((), root, db, out)
    with running_hub(root, db, out, workers=1) as hub:
        yield root, hub


def nonce(response) -> str:
    return re.search(r"'nonce-([^']+)'", response.headers["content-security-policy"]).group(1)


@pytest.mark.parametrize("path", PAGES)
def test_a_page_is_rendered_once_then_kept(served, path):
    _, hub = served
    first, second = hub.get(path), hub.get(path)
    assert first.status_code == second.status_code == 200
    assert second.headers["x-cache"] == "hit"
    assert second.content.replace(nonce(second).encode(), b"") == first.content.replace(nonce(first).encode(), b"")
    assert second.headers["etag"] == first.headers["etag"] and second.headers["etag"].startswith('W/"')
    assert "max-age=" in second.headers["cache-control"]


def test_every_kept_page_gets_its_own_nonce(served):
    _, hub = served
    pages = [hub.get("/") for _ in range(3)]
    nonces = {nonce(p) for p in pages}
    assert len(nonces) == 3
    for page in pages:  # every script tag of the kept page carries this response's nonce, none an older one
        tags = re.findall(r"<script[^>]*>", page.text)
        assert tags and all(f'nonce="{nonce(page)}"' in tag for tag in tags), tags


@pytest.mark.parametrize("path", PAGES)
def test_if_none_match_gets_a_bodiless_304_that_keeps_the_stored_policy(served, path):
    _, hub = served
    page = hub.get(path)
    again = hub.get(path, headers={"If-None-Match": page.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == page.headers["etag"]
    # The 304's headers would replace the stored page's: a new nonce there would block its scripts.
    assert "content-security-policy" not in again.headers
    other = hub.get(path, headers={"If-None-Match": 'W/"another"'})
    assert other.status_code == 200 and other.content


def test_languages_are_never_mixed(served):
    _, hub = served
    asked = [("en", {"Accept-Language": "en"}), ("fr", {"Accept-Language": "fr"}),
             ("en", {"Cookie": "catalog_lang=en", "Accept-Language": "fr"}),
             ("fr", {"Cookie": "catalog_lang=fr", "Accept-Language": "en"})]
    for _ in range(2):  # the second round is served from memory
        for language, headers in asked:
            for path in ("/", "/-/search?q=bus"):
                page = hub.get(path, headers=headers)
                assert f'<html lang="{language}">' in page.text, (path, headers, page.headers.get("x-cache"))
    english, french = (hub.get("/-/search?q=bus", headers={"Accept-Language": lang}) for lang in ("en", "fr"))
    assert english.headers["x-cache"] == french.headers["x-cache"] == "hit"
    assert english.headers["etag"] != french.headers["etag"]
    assert "Accept-Language" in english.headers["vary"] and "Cookie" in english.headers["vary"]


def test_signed_in_or_other_cookies_are_rendered_every_time(served):
    _, hub = served
    for headers in ({"Cookie": "ds_actor=someone"}, {"Cookie": "catalog_lang=en; other=1"},
                    {"Authorization": "Bearer x"}):
        hub.get("/", headers=headers)
        page = hub.get("/", headers=headers)
        assert page.status_code == 200 and "x-cache" not in page.headers, headers


def test_other_pages_are_not_kept(served):
    _, hub = served
    for path in ("/hub", "/hub/arrets_stops", "/-/dataset/transports-testville/arrets", "/hub/arrets_stops.json"):
        hub.get(path)
        assert "x-cache" not in hub.get(path).headers, path


def test_a_publish_is_seen_at_once_never_a_page_of_the_old_hub(tmp_path):
    root = make_two_publisher_hub(tmp_path)
    db, out = root / "build" / "hub.db", root / "build" / "packages"
    publish_datasette((), root, db, out)
    with running_hub(root, db, out, workers=2) as hub:
        with httpx.Client(timeout=10) as client:  # one connection: these requests go to one worker
            for path in PAGES:
                client.get(hub.url + path)
                assert client.get(hub.url + path).headers["x-cache"] == "hit"
            descriptor_path = root / "datasets/transports-testville/arrets/datapackage.json"
            descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
            descriptor["title"] = "Arrêts de car renommés"
            descriptor_path.write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
            assert publish_datasette((), root, db, out).ids("load") == ["transports-testville/arrets"]
            deadline = time.monotonic() + 15
            while "Arrêts de car renommés" not in client.get(hub.url + "/").text and time.monotonic() < deadline:
                time.sleep(0.2)
            # Once a worker has the new hub, none of its kept pages is the old one.
            landing = client.get(hub.url + "/")
            assert "Arrêts de car renommés" in landing.text and "Arrêts de bus (exemple)" not in landing.text
            found = client.get(hub.url + "/-/search.json?q=arrets").json()
            assert [r["title"] for r in found["results"] if r["id"] == "transports-testville/arrets"] \
                == ["Arrêts de car renommés"]
            assert "Arrêts de car renommés" in client.get(hub.url + "/-/search?q=bus").text
        for _ in range(10):  # every worker (new connections land on either), not just the first
            with httpx.Client(timeout=10) as fresh:
                deadline = time.monotonic() + 15
                while "Arrêts de car renommés" not in (text := fresh.get(hub.url + "/").text) \
                        and time.monotonic() < deadline:
                    time.sleep(0.2)
                assert "Arrêts de bus (exemple)" not in text


def test_memory_is_bounded_least_recently_used_first():
    pages = Pages(max_bytes=10_000)
    for i in range(100):
        pages.put((1, "/", str(i).encode(), "fr", "http", b"h"), (200, [], b"x" * 1000, b"e"))
        if i == 50:
            assert pages.get((1, "/", b"45", "fr", "http", b"h")) is not None  # used: kept longer
    assert pages.size <= 10_000 and len(pages.entries) < 10
    assert pages.get((1, "/", b"99", "fr", "http", b"h")) is not None
    pages.put((1, "/", b"big", "fr", "http", b"h"), (200, [], b"x" * 20_000, b"e"))  # larger than the bound
    assert pages.get((1, "/", b"big", "fr", "http", b"h")) is None and pages.size <= 10_000
    pages.put((2, "/", b"", "fr", "http", b"h"), (200, [], b"new hub", b"e"))
    assert list(pages.entries) == [(2, "/", b"", "fr", "http", b"h")]  # the old hub's pages are gone
