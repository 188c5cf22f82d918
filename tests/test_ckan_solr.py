"""The Solr stand-in of the test CKAN answers the queries CKAN itself writes (tests/ckan/solr_standin.py)."""
import json
import threading
import urllib.parse
import urllib.request
from http.server import ThreadingHTTPServer

import pytest

from tests.ckan.solr_standin import Index, handler_for, matches

DOC = {"id": "d1", "name": "ville-budget", "entity_type": "package", "site_id": "default", "state": "active",
       "owner_org": "org-1", "capacity": "public", "tags": ["budget", "finances"]}


@pytest.mark.parametrize("query, expected", [
    ("*:*", True),
    ('+entity_type:package AND +(id:"d1" OR name:"d1") AND +site_id:"default"', True),  # CKAN's delete query
    ('+entity_type:package AND +(id:"x" OR name:"x") AND +site_id:"default"', False),
    ('+site_id:"default" +state:active', True),
    ("owner_org:org-1 tags:finances", True),
    ("owner_org:org-2", False),
    ("-capacity:private", True),
    ("+capacity:public -tags:budget", False),
    ("name:ville-*", True),
    ("{!q.op=AND}owner_org:org-1", True),
])
def test_queries_ckan_writes(query, expected):
    assert matches(query, DOC) is expected


def test_over_http_update_select_delete():
    index = Index()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(index, b'<schema name="ckan-2.12"/>'))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/solr/ckan"

    def post(path, body, content_type):
        request = urllib.request.Request(base + path, data=body, headers={"Content-Type": content_type})
        with urllib.request.urlopen(request) as response:
            return json.loads(response.read())

    def select(**params):
        query = urllib.parse.urlencode(params, doseq=True)
        with urllib.request.urlopen(f"{base}/select/?{query}") as response:
            return json.loads(response.read())

    try:
        with urllib.request.urlopen(f"{base}/schema?wt=schema.xml") as response:
            assert b'name="ckan-2.12"' in response.read()
        assert post("/update/?commit=true", json.dumps([DOC, {**DOC, "id": "d2", "owner_org": "org-2"}]).encode(),
                    "application/json")["responseHeader"]["status"] == 0
        found = select(q="*:*", fq=["+owner_org:org-1"], rows=10, facet="true", **{"facet.field": "tags"})
        assert found["response"]["numFound"] == 1 and found["response"]["docs"][0]["id"] == "d1"
        assert found["facet_counts"]["facet_fields"]["tags"] == ["budget", 1, "finances", 1]
        post("/update/", b"<delete><query>+entity_type:package AND +(id:\"d1\" OR name:\"d1\")</query></delete>",
             "text/xml")
        assert [d["id"] for d in select(q="*:*")["response"]["docs"]] == ["d2"]
    finally:
        server.shutdown()
        server.server_close()
