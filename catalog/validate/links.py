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


class PopupLinkCheck:
    """A `popup` column is what datasette-cluster-map shows in a marker's bubble: a JSON object whose
    `link` becomes an anchor and `image` an image. Their schemes are checked like the descriptor's,
    on the cells the one reader gives every cell check (catalog.validate.cells)."""

    LIMIT = 10

    def __init__(self, table):
        self.table = table
        self.found: list[Finding] = []

    def feed_arrow(self, names, arrays, first_row: int) -> None:
        if "popup" in names:
            self.feed_columns(names, [None] * len(names), first_row, arrays[list(names).index("popup")].to_pylist())

    def feed_columns(self, names, columns, first_row: int, popups=None) -> None:
        """The same as `feed_arrow`, from plain lists of text (a small table, catalog.validate.text_table)."""
        import json

        if "popup" not in names or len(self.found) >= self.LIMIT:
            return
        column = popups if popups is not None else columns[list(names).index("popup")]
        for offset, cell in enumerate(column):
            try:
                popup = json.loads(cell) if cell.lstrip().startswith("{") else None
            except (ValueError, RecursionError):
                continue
            for key in ("link", "image"):
                if isinstance(popup, dict) and refused(popup.get(key)):
                    self.found.append(Finding(
                        "unsafe-link", f"the map bubble's `{key}` is {str(popup[key])[:80]!r}: only http(s) "
                        "addresses become links on the hub; this one could run code in a visitor's browser.",
                        f"Give an address starting with https:// in the `{key}` of this `popup` cell.",
                        file=self.table.file, row=first_row + offset, column="popup", value=str(popup[key])[:200]))
            if len(self.found) >= self.LIMIT:
                return

    def findings(self) -> list[Finding]:
        return list(self.found)
