"""How the hub shows a table's values to a reader: labels, formats, commune names, column order.

What each column needs is decided once, when the metadata is written (`column_display`), from
the Table Schema the package carries, and stored in the table's metadata under
`plugins.catalog-hub`:

- `labels`: `{column: {value: label}}`, for enums and codes. A field gives them under its
  `catalog` key, `"catalog": {"labels": {"0": "inconnu", "1": "accessible"}}`, each label
  either one string or one per language (`{"fr": "accessible", "en": "accessible"}`).
  Booleans (stored 0/1) are shown as the publisher's own words (`trueValues`/`falseValues`
  kept by the package as `catalog.labels`), or yes/no in the reader's language when the
  words are only a spelling of yes/no;
- `formats`: `{column: "number" | "integer" | "currency:EUR" | "date"}` from the field's type
  (a year stays as written) and its unit (`"catalog": {"unit": "EUR"}`, or `€` in its name);
- `communes`: `{column: reference table}`, for columns of INSEE codes when the hub has a
  table keyed by the commune code with a name column (see `commune_reference`);
- `technical`: columns a reader need not see first (identifiers, composite keys).

At serve time `render_cell` and the table templates read this back for the reader's locale.
"""
from __future__ import annotations

import re

from markupsafe import Markup, escape

from catalog.hub import i18n
from catalog.hub.i18n import N_

GENERIC_TRUE = {"true", "1", "oui", "o", "yes", "y", "vrai", "t", "x"}
GENERIC_FALSE = {"false", "0", "non", "n", "no", "faux", "f", ""}
YES, NO = N_("yes"), N_("no")
INSEE = re.compile(r"(^|[^a-z])(insee|code_?commune|codgeo|com_?code)([^a-z]|$)", re.IGNORECASE)
CURRENCY_HINTS = (("€", "EUR"), ("(eur)", "EUR"), ("euros", "EUR"))
YEAR_NAMES = re.compile(r"^(year|annee|année|exercice|millesime|millésime)\b", re.IGNORECASE)

# Datasette's filter operators, by their key, in the reader's language.
LOOKUPS = {"exact": "=", "not": "≠", "contains": N_("contains"), "endswith": N_("ends with"),
           "startswith": N_("starts with"), "gt": ">", "gte": "≥", "lt": "<", "lte": "≤", "like": "like",
           "notlike": "not like", "glob": "glob", "in": N_("is one of"), "notin": N_("is none of"),
           "arraycontains": N_("array contains"), "arraynotcontains": N_("array does not contain"),
           "date": N_("is on date"), "isnull": N_("is null"), "notnull": N_("is not null"),
           "isblank": N_("is blank"), "notblank": N_("is not blank")}


def _field_hub(field: dict) -> dict:
    value = field.get("catalog")
    return value if isinstance(value, dict) else {}


def _key(value) -> str:
    """Values as they are keyed in `labels`: what SQLite gives back, as text (1.0 and 1 alike)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _word(label, generic: set, translated: str):
    """The publisher's word, unless it only spells yes or no: then yes/no in the reader's language."""
    if isinstance(label, str) and label.strip().lower() not in generic:
        return label
    return label if isinstance(label, dict) else translated


def boolean_labels(field: dict) -> dict:
    words = _field_hub(field).get("labels")
    if not (isinstance(words, dict) and words):
        words = {"true": (field.get("trueValues") or [None])[0], "false": (field.get("falseValues") or [None])[0]}
    found = {"1": YES, "0": NO}
    for raw, label in words.items():
        lowered = str(raw).lower()
        if lowered in GENERIC_TRUE:
            found["1"] = _word(label, GENERIC_TRUE, YES)
        elif lowered in GENERIC_FALSE:
            found["0"] = _word(label, GENERIC_FALSE, NO)
    return found


def _currency(field: dict) -> str | None:
    unit = _field_hub(field).get("unit")
    if isinstance(unit, str) and re.fullmatch(r"[A-Z]{3}", unit):
        return unit
    text = f"{field.get('name') or ''} {field.get('title') or ''}".lower()
    return next((code for hint, code in CURRENCY_HINTS if hint in text), None)


def column_display(fields: list[dict], primary: list[str]) -> dict:
    """What the hub needs to show one table's columns readably (see the module's docstring)."""
    labels, formats, technical = {}, {}, []
    for field in fields:
        name, kind = field.get("name"), field.get("type")
        if not isinstance(name, str):
            continue
        declared = _field_hub(field).get("labels")
        if kind == "boolean":
            labels[name] = boolean_labels(field)
        elif isinstance(declared, dict) and declared:
            labels[name] = {_key(k): v for k, v in declared.items() if isinstance(v, (str, dict))}
        if kind == "number":
            currency = _currency(field)
            formats[name] = f"currency:{currency}" if currency else "number"
        elif kind == "integer" and name not in labels and not YEAR_NAMES.match(name) \
                and "enum" not in (field.get("constraints") or {}) \
                and not name.lower().endswith(("_id", "id", "_code", "code", "_sequence")):
            formats[name] = "integer"
        elif kind in ("date", "datetime"):
            formats[name] = kind
    if len(primary) != 1:
        technical.append("Link")  # Datasette's column of composite keys (or rowids)
    return {"labels": labels, "formats": formats, "technical": technical}


def commune_columns(fields: list[dict], reference: str | None, own_table: str) -> dict:
    """Columns holding INSEE commune codes, pointed at the hub's commune table (not itself)."""
    if not reference or reference == own_table:
        return {}
    return {f["name"]: reference for f in fields if isinstance(f.get("name"), str)
            and f.get("type") in (None, "string") and INSEE.search(f["name"])}


def commune_reference(tables: list[dict]) -> dict | None:
    """The hub's table of communes: keyed by one INSEE code column, with a name column.

    `tables` are {"name", "primary": [...], "columns": [...], "label": column or None}; when
    several qualify, the one with a plain name column (`nom`) and the shortest name wins, so
    the choice does not depend on load order."""
    found = []
    for table in tables:
        primary = table.get("primary") or []
        if len(primary) == 1 and INSEE.search(primary[0]) and table.get("label"):
            found.append((table.get("label") != "nom", len(table["name"]), table["name"], primary[0], table["label"]))
    if not found:
        return None
    _, _, name, key, label = min(found)
    return {"table": name, "key": key, "label": label}


def label_for(labels: dict | None, value) -> str | None:
    """The label of a value in the reader's language, or None."""
    if not labels or value is None:
        return None
    label = labels.get(_key(value))
    if isinstance(label, dict):
        label = label.get(i18n.current()) or label.get(i18n.DEFAULT) or next(iter(label.values()), None)
    if label in (YES, NO):
        return i18n.gettext(label)
    return label if isinstance(label, str) else None


def formatted(kind: str | None, value) -> str | None:
    if value is None or value == "" or not kind:
        return None
    if kind.startswith("currency:") and isinstance(value, (int, float)):
        return i18n.format_currency(value, kind.split(":", 1)[1])
    if kind in ("number", "integer") and isinstance(value, (int, float)) and not isinstance(value, bool):
        return i18n.format_number(value)
    if kind == "date":
        return i18n.format_date(value, "long")
    return None


def cell_html(config: dict, column: str, value, commune_name=None, commune_url=None):
    """What `render_cell` returns for one cell, or None to let Datasette show the value as it is."""
    label = label_for((config.get("labels") or {}).get(column), value)
    if label is not None:
        return Markup('<span class="hub-label" title="{raw}">{label}</span>').format(raw=value, label=label)
    if commune_name and commune_url:
        return Markup('<a href="{url}">{name}</a> <span class="hub-code">({code})</span>').format(
            url=commune_url, name=commune_name, code=value)
    if commune_name:
        return Markup('{name} <span class="hub-code">({code})</span>').format(name=commune_name, code=value)
    shown = formatted((config.get("formats") or {}).get(column), value)
    if shown is not None:
        return Markup('<span class="hub-number">{}</span>').format(shown) if shown[:1].isdigit() or \
            shown[:1] in "-−€" else escape(shown)
    return None


def query_cell(column: str, value):
    """A cell of a SQL or canned query's results (no schema): decimals and amounts formatted."""
    if not isinstance(value, float):
        return None
    lowered = column.lower()
    kind = "currency:EUR" if lowered.endswith(("_eur", "_euros")) or "€" in column else "number"
    return Markup('<span class="hub-number">{}</span>').format(formatted(kind, value))


def column_order(columns: list[dict], technical: list[str]) -> list[int]:
    """Display order of Datasette's columns: technical ones (composite keys, rowid) last."""
    names = [c.get("name") for c in columns]
    back = {i for i, n in enumerate(names) if n in technical or n in ("Link", "rowid")}
    return [i for i in range(len(names)) if i not in back] + sorted(back)


def lookup_label(key: str, fallback: str) -> str:
    word = LOOKUPS.get(key)
    return i18n.gettext(word) if word else fallback
