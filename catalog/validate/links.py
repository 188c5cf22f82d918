"""Links in a descriptor: a licence, source or contributor `path`, a `homepage`… that names a
scheme the hub never links to (`javascript:`, `data:`, `file:`…) is an error, before it is
published anywhere (catalog.weblinks decides what becomes a link)."""
from __future__ import annotations

from catalog.findings import Finding
from catalog.weblinks import refused

# Keys whose value the Data Package specifications (or the hub) treat as a URL or a path.
LINK_KEYS = {"path", "homepage", "url", "href", "link", "image", "email"}
MAX_DEPTH = 64  # descriptors are a few levels deep; deeper is not walked (and reported elsewhere)


def link_findings(descriptor: dict, file: str) -> list[Finding]:
    found = []
    stack = [("", descriptor, 0)]
    while stack:
        where, value, depth = stack.pop()
        if depth > MAX_DEPTH:
            continue
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for key, item in items:
            here = f"{where}[{key}]" if isinstance(key, int) else (f"{where}.{key}" if where else str(key))
            if isinstance(item, (dict, list)):
                stack.append((here, item, depth + 1))
            elif isinstance(key, str) and key in LINK_KEYS and refused(item):
                found.append(Finding(
                    "unsafe-link", f"`{here}` is {item!r}: only http(s) addresses (and mailto: for e-mail) "
                    "become links on the hub; this one could run code in a visitor's browser.",
                    f"Give an address starting with https:// in `{here}`, or remove it.",
                    file=file, column=here, value=str(item)[:200]))
    return sorted(found, key=lambda f: f.column)


def popup_findings(path, display: str, resource: dict, limit: int = 10) -> list[Finding]:
    """A `popup` column is what datasette-cluster-map shows in a marker's bubble: a JSON object whose
    `link` becomes an anchor and `image` an image. Their schemes are checked like the descriptor's."""
    import csv
    import json

    dialect = resource.get("dialect") if isinstance(resource.get("dialect"), dict) else {}
    delimiter = dialect.get("delimiter") if isinstance(dialect.get("delimiter"), str) else ","
    found = []
    try:
        with open(path, encoding=str(resource.get("encoding") or "utf-8"), errors="replace", newline="") as handle:
            rows = csv.reader(handle, delimiter=delimiter[:1] or ",")
            header = next(rows, [])
            if "popup" not in header:
                return []
            column = header.index("popup")
            for number, row in enumerate(rows, start=2):
                cell = row[column] if column < len(row) else ""
                try:
                    popup = json.loads(cell) if cell.lstrip().startswith("{") else None
                except ValueError:
                    continue
                for key in ("link", "image"):
                    if isinstance(popup, dict) and refused(popup.get(key)):
                        found.append(Finding(
                            "unsafe-link", f"the map bubble's `{key}` is {str(popup[key])[:80]!r}: only http(s) "
                            "addresses become links on the hub; this one could run code in a visitor's browser.",
                            f"Give an address starting with https:// in the `{key}` of this `popup` cell.",
                            file=display, row=number, column="popup", value=str(popup[key])[:200]))
                if len(found) >= limit:
                    break
    except (OSError, LookupError, csv.Error):
        return found  # the table checks report what makes the file unreadable
    return found
