"""A Solr stand-in for the test CKAN: just enough of Solr's HTTP API for CKAN 2.12.

Apache Solr cannot be installed here, and CKAN refuses every write without a search
backend (it indexes inside each write). This server keeps the documents CKAN sends
in memory and answers selects with them, filtered by the simple clauses CKAN writes
(`+name:"x"`, `owner_org:...`, `(id:"a" OR name:"a")`, `-field:v`). Everything else in
the test portal is the real CKAN. Standard library only, so any Python runs it.

    python3 solr_standin.py --port PORT --schema /path/to/ckan/config/solr/schema.xml
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import re
import threading
import xml.etree.ElementTree as ElementTree
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

TOKEN = re.compile(r'\s*(?:(AND|OR|NOT)\b|([+-]?)\(|\)|([+-]?)([\w.]+|\*):("(?:[^"\\]|\\.)*"|\[[^\]]*\]|[^\s()]+))')


class Index:
    """Documents by id; a lock because the HTTP server answers in threads."""

    def __init__(self):
        self.docs: dict[str, dict] = {}
        self.lock = threading.Lock()

    def add(self, docs):
        with self.lock:
            for doc in docs:
                self.docs[str(doc.get("id") or doc.get("index_id"))] = doc

    def delete(self, ids=(), queries=()):
        with self.lock:
            for doc_id in ids:
                self.docs.pop(doc_id, None)
            for query in queries:
                for key, doc in list(self.docs.items()):
                    if matches(query, doc):
                        del self.docs[key]

    def select(self, queries):
        with self.lock:
            return [doc for doc in self.docs.values() if all(matches(q, doc) for q in queries)]


def _parse(text, pos=0):
    """Clauses of one group: list of (prefix, ('term', field, value) | ('group', clauses, has_or)).

    A tiny subset of the Lucene syntax: enough for the queries CKAN itself writes."""
    clauses, has_or = [], False
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if not match:  # anything we do not understand is skipped, not an error
            pos += 1
            continue
        pos = match.end()
        word, group_prefix, prefix, field, value = match.groups()
        token = match.group(0).strip()
        if word == "OR":
            has_or = True
        elif word:
            continue
        elif token == ")":
            return clauses, has_or, pos
        elif token.endswith("("):
            inner, inner_or, pos = _parse(text, pos)
            clauses.append((group_prefix, ("group", inner, inner_or)))
        else:
            clauses.append((prefix, ("term", field, value)))
    return clauses, has_or, pos


def _value_matches(field, value, doc):
    if field == "*" or value.startswith("["):  # *:* and ranges: not filtered here
        return True
    if field not in doc:
        return False
    wanted = value[1:-1].replace('\\"', '"') if value.startswith('"') else value.replace("\\", "")
    values = doc[field] if isinstance(doc[field], list) else [doc[field]]
    if wanted == "*":
        return True
    return any(fnmatch.fnmatchcase(str(v), wanted) if "*" in wanted else str(v) == wanted for v in values)


def _group_matches(clauses, has_or, doc):
    optional = []
    for prefix, clause in clauses:
        hit = (_value_matches(clause[1], clause[2], doc) if clause[0] == "term"
               else _group_matches(clause[1], clause[2], doc))
        if prefix == "-" and hit:
            return False
        if prefix == "+" and not hit:
            return False
        if not prefix:
            optional.append(hit)
    if not optional:
        return True
    return any(optional) if has_or else all(optional)


def matches(query, doc):
    query = re.sub(r"^\{![^}]*\}", "", (query or "").strip())
    if not query or query == "*:*":
        return True
    clauses, has_or, _ = _parse(query)
    return _group_matches(clauses, has_or, doc)


def facets(docs, fields):
    result = {}
    for field in fields:
        counts = {}
        for doc in docs:
            values = doc.get(field)
            for value in values if isinstance(values, list) else ([values] if values is not None else []):
                counts[str(value)] = counts.get(str(value), 0) + 1
        flat = []
        for value, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            flat += [value, count]
        result[field] = flat
    return result


def handler_for(index: Index, schema_xml: bytes):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # CKAN's own log says enough
            pass

        def _send(self, status, body, content_type="application/json"):
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _params(self):
            parts = urlsplit(self.path)
            params = parse_qs(parts.query, keep_blank_values=True)
            body = b""
            if self.command == "POST":
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if "x-www-form-urlencoded" in (self.headers.get("Content-Type") or ""):
                    for key, values in parse_qs(body.decode(), keep_blank_values=True).items():
                        params.setdefault(key, []).extend(values)
            return parts.path.rstrip("/"), params, body

        def do_GET(self):
            self._route()

        def do_POST(self):
            self._route()

        def _route(self):
            path, params, body = self._params()
            header = {"status": 0, "QTime": 0}
            if path.endswith("/admin/ping"):
                return self._send(200, {"responseHeader": header, "status": "OK"})
            if path.endswith("/schema") or path.endswith("/admin/file"):
                return self._send(200, schema_xml, "application/xml")
            if path.endswith("/update"):
                self._update(body)
                return self._send(200, {"responseHeader": header})
            if path.endswith("/select"):
                return self._send(200, self._select(params, header))
            return self._send(404, {"responseHeader": {"status": 404}, "error": {"msg": f"no handler {path}"}})

        def _update(self, body):
            text = body.strip()
            if not text:
                return
            if text[:1] in (b"[", b"{"):
                docs = json.loads(text)
                index.add(docs if isinstance(docs, list) else [docs])
                return
            root = ElementTree.fromstring(text)
            if root.tag == "delete":
                index.delete([e.text or "" for e in root.iter("id")], [e.text or "" for e in root.iter("query")])
            elif root.tag == "add":
                docs = []
                for element in root.iter("doc"):
                    doc = {}
                    for field in element.iter("field"):
                        name = field.get("name")
                        if name in doc:
                            doc[name] = (doc[name] if isinstance(doc[name], list) else [doc[name]]) + [field.text]
                        else:
                            doc[name] = field.text
                    docs.append(doc)
                index.add(docs)

        def _select(self, params, header):
            queries = params.get("q", ["*:*"]) + params.get("fq", [])
            found = index.select(queries)
            start = int((params.get("start") or ["0"])[0] or 0)
            rows = int((params.get("rows") or ["10"])[0] or 10)
            answer = {"responseHeader": header,
                      "response": {"numFound": len(found), "start": start, "docs": found[start:start + rows]}}
            if (params.get("facet") or ["false"])[0] == "true":
                answer["facet_counts"] = {"facet_fields": facets(found, params.get("facet.field", []))}
            return answer

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--schema", required=True, help="CKAN's ckan/config/solr/schema.xml")
    args = parser.parse_args()
    with open(args.schema, "rb") as handle:
        schema_xml = handle.read()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler_for(Index(), schema_xml))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
