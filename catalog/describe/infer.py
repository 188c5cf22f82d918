"""A Table Schema inferred from the cells of a table, French habits declared, never converted.

Each column is looked at as text (the distinct values of a bounded sample), and given the
narrowest Table Schema type that reads every value, with what the file needs declared:
`decimalChar`/`groupChar`, a date `format`, `trueValues`/`falseValues`. Codes that look like
numbers but identify something (INSEE, postal codes, SIREN/SIRET, phones, anything with leading
zeros) stay strings: typing them integer loses `00001`'s zeros on the way out.
"""
from __future__ import annotations

import datetime
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

# Name words that make a numeric-looking column an identifier (a code is never summed).
IDENTIFIER_WORDS = {"insee", "siren", "siret", "postal", "cp", "tel", "telephone", "phone", "fax", "mobile",
                    "portable", "code", "cog", "pdl", "uai", "finess", "rna", "naf", "ape", "nic", "iban", "nir",
                    "fonction", "nature", "chapitre", "compte", "article", "numero", "num", "ref", "reference",
                    "identifiant", "matricule", "uuid", "zip", "postcode", "depcom", "codgeo"}
ID_WORDS = {"id", "ident", "identifier"}
YEAR_WORDS = {"annee", "year", "exercice", "millesime", "an"}
GEO_WORDS = {"geo", "point", "coord", "coords", "coordonnees", "coordinates", "xy", "position", "localisation",
             "geopoint", "location"}
BOOLEANS = [  # (true spellings, false spellings), compared in lower case
    ({"oui", "o"}, {"non", "n"}), ({"true", "vrai", "yes", "y"}, {"false", "faux", "no"}),
]
DEFAULT_TRUE, DEFAULT_FALSE = {"true", "True", "TRUE", "1"}, {"false", "False", "FALSE", "0"}
SPACES = " \u00a0\u202f"
MAX_ENUM = 10
MAX_ENUM_LENGTH = 60

INTEGER = re.compile(r"[-+]?(0|[1-9]\d*)")
DIGITS = re.compile(r"\d+")
DOT_NUMBER = re.compile(r"[-+]?\d+(\.\d+)?([eE][-+]?\d+)?|[-+]?\.\d+")
COMMA_NUMBER = re.compile(r"[-+]?\d+(,\d+)?")
GROUPED = re.compile(r"[-+]?\d{1,3}(?P<group>[ \u00a0\u202f.'])\d{3}((?P=group)\d{3})*(?P<decimal>[.,]\d+)?")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
FR_DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")
ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")
SPACE_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
FR_DATETIME = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}(:\d{2})?")
TIME = re.compile(r"\d{2}:\d{2}(:\d{2})?")
COMMUNE_CODE = re.compile(r"([0-9]{2}|2[AB])[0-9]{3}")
COMMUNE_WORDS = {"insee", "codgeo", "depcom", "cog"}


def _commune_codes(tokens, values) -> bool:
    """INSEE commune codes (01004, 2A004, 97411) under a header naming them."""
    named = COMMUNE_WORDS & set(tokens) or {"code", "commune"} <= set(tokens)
    return bool(named) and _all(values, COMMUNE_CODE)
ARRAY_POINT = re.compile(r"\[\s*[-+]?\d+(\.\d+)?\s*,\s*[-+]?\d+(\.\d+)?\s*\]")


def words(name: str) -> list[str]:
    """`Code INSEE` -> [code, insee]; `coordonneesXY` -> [coordonnees, xy]; `stop_id` -> [stop, id]."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", str(name)) if not unicodedata.combining(c))
    plain = re.sub(r"([a-z])([A-Z])", r"\1 \2", plain).lower()
    return [w for w in re.split(r"[^a-z0-9]+", plain) if w]


@dataclass
class Column:
    name: str
    values: Counter  # distinct non-empty values (stripped) -> count
    empty: int = 0
    rows: int = 0
    # Numbers in spreadsheet cells: the workbook already lost any leading zero, and a reader
    # gives numbers, which a string field refuses: they stay numbers.
    spreadsheet_numbers: bool = False
    # Some cells hold spaces around their value (" Piéton"): Frictionless checks a string's enum on
    # the cell as it is, so a list of stripped values would refuse them.
    padded: bool = False

    @classmethod
    def of(cls, name, cells):
        # A cell of spaces alone stays a value: Frictionless reads it as one (no missing value), which
        # no number, date or boolean accepts.
        values = Counter(cell.strip() or cell for cell in cells)
        empty = values.pop("", 0)
        padded = any(cell != cell.strip() for cell in cells if cell)  # " " too: no missing value to Frictionless
        return cls(name, values, empty, len(cells), padded=padded)


@dataclass
class Inferred:
    field: dict
    identifier: bool = False  # numeric-looking, kept a string
    habits: list[str] = field(default_factory=list)  # what was declared, in words, for the summary


def _all(values, pattern) -> bool:
    return all(pattern.fullmatch(v) for v in values)


def _dates(values, fmt) -> bool:
    try:
        for value in values:
            datetime.datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True


def _is_identifier(column: Column, tokens, gtfs: bool) -> bool:
    values = list(column.values)
    if not values or not all(DIGITS.fullmatch(v.lstrip("-+")) for v in values):
        return False
    if any(len(v) > 1 and v.startswith("0") for v in values):
        return True  # leading zeros: 00001, 01000, 0261910100
    if IDENTIFIER_WORDS & set(tokens):
        return True
    if ID_WORDS & set(tokens) or (gtfs and tokens and tokens[-1] == "id"):
        # direction_id (0/1) is a small enumeration of numbers, not a code
        return not (len(values) <= MAX_ENUM and max(int(v) for v in values) <= MAX_ENUM)
    lengths = {len(v.lstrip("-+")) for v in values}
    if max(lengths) > 15:
        return True  # past 2**53 a number is not exact in JSON, nor past 2**63 in SQLite: a code anyway
    return len(lengths) == 1 and lengths.pop() >= 9  # SIREN, SIRET, delivery points: fixed-width codes


def _boolean(values) -> dict | None:
    lowered = {v.lower() for v in values}
    for trues, falses in BOOLEANS:
        if lowered <= trues | falses:
            true_seen = sorted(v for v in values if v.lower() in trues)
            false_seen = sorted(v for v in values if v.lower() in falses)
            if set(true_seen) <= DEFAULT_TRUE and set(false_seen) <= DEFAULT_FALSE:
                return {"type": "boolean"}
            # Declare the spellings seen, plus the usual counterpart of a column holding only one side.
            style = (lambda word: word.upper()) if all(v.isupper() for v in values) else \
                (lambda word: word.capitalize()) if all(v[:1].isupper() for v in values) else (lambda word: word)
            base_true, base_false = ("oui", "non") if "oui" in trues else ("true", "false")
            return {"type": "boolean", "trueValues": true_seen or [style(base_true)],
                    "falseValues": false_seen or [style(base_false)]}
    return None


# A unit written in every cell ("1 234,50 €", "12,5 %"): Table Schema reads the number with
# `bareNumber: false`, which lets the characters around it be.
UNIT = re.compile(r"(?P<number>.*?\d)[ \u00a0\u202f]?(?P<unit>€|%|EUR|eur|euros?)")


def _number(values) -> tuple[dict, str] | None:
    """A number or integer field reading every value, with its decimal and group characters."""
    units = [UNIT.fullmatch(v) for v in values]
    if values and all(units):
        kinds = {"%" if m.group("unit") == "%" else "€" for m in units}
        bare = _bare_number([m.group("number") for m in units]) if len(kinds) == 1 else None
        if bare:
            described, habit = bare
            unit = kinds.pop()
            return {**described, "bareNumber": False}, ", ".join(filter(None, [habit, f"unit {unit} in the cells"]))
        return None
    return _bare_number(values)


def _bare_number(values) -> tuple[dict, str] | None:
    if _all(values, INTEGER):
        return {"type": "integer"}, ""
    if _all(values, DOT_NUMBER):
        return {"type": "number"}, ""
    if _all(values, COMMA_NUMBER):
        return {"type": "number", "decimalChar": ","}, "decimal comma"
    groups, decimals = set(), set()
    for value in values:
        match = GROUPED.fullmatch(value)
        if match:
            groups.add(match.group("group"))
            if match.group("decimal"):
                decimals.add(match.group("decimal")[0])
        elif COMMA_NUMBER.fullmatch(value):
            decimals.add("," if "," in value else "")
        elif INTEGER.fullmatch(value.lstrip("-+")):
            continue
        else:
            return None
    decimals.discard("")
    if len(groups) != 1 or len(decimals) > 1 or decimals & groups:
        return None
    group = groups.pop()
    decimal = decimals.pop() if decimals else ("," if group in SPACES + "." else ".")
    # Table Schema's integer has no groupChar: grouped whole numbers are numbers.
    field = {"type": "number", "groupChar": group}
    if decimal == ",":
        field["decimalChar"] = ","
    return field, ("decimal comma, " if decimal == "," else "") + f"thousands separator {group!r}"


def _temporal(values) -> tuple[dict, str] | None:
    if _all(values, ISO_DATE) and _dates(values, "%Y-%m-%d"):
        return {"type": "date"}, ""
    if _all(values, FR_DATE) and _dates(values, "%d/%m/%Y"):
        return {"type": "date", "format": "%d/%m/%Y"}, "dates dd/mm/yyyy"
    if _all(values, ISO_DATETIME):
        return {"type": "datetime"}, ""
    if _all(values, SPACE_DATETIME) and _dates(values, "%Y-%m-%d %H:%M:%S"):
        return {"type": "datetime", "format": "%Y-%m-%d %H:%M:%S"}, ""
    if _all(values, FR_DATETIME):
        fmt = "%d/%m/%Y %H:%M:%S" if all(v.count(":") == 2 for v in values) else "%d/%m/%Y %H:%M"
        if _dates(values, fmt):
            return {"type": "datetime", "format": fmt}, "dates dd/mm/yyyy hh:mm"
    if _all(values, TIME):
        fmt = "%H:%M:%S" if all(len(v) == 8 for v in values) else "%H:%M"
        if _dates(values, fmt):
            return {"type": "time", "format": fmt} if fmt != "%H:%M:%S" else {"type": "time"}, ""
    return None


def infer_column(column: Column, gtfs: bool = False, complete: bool = True) -> Inferred:
    """The field of one column. `gtfs`: GTFS' own rules (ids, YYYYMMDD dates and times past
    24:00 are text); `complete`: the sample is the whole file, so value lists can become enums."""
    tokens = words(column.name)
    values = list(column.values)
    field = {"name": column.name}
    if not values:
        return Inferred({**field, "type": "string"})
    if gtfs and (tokens[-1:] in (["id"], ["date"], ["time"], ["color"]) or column.name == "date"):
        return Inferred({**field, "type": "string"})
    if not column.spreadsheet_numbers and _is_identifier(column, tokens, gtfs):
        if not column.padded and _commune_codes(tokens, values):
            return Inferred({**field, "type": "string", "constraints": {"pattern": COMMUNE_CODE.pattern}},
                            identifier=True, habits=["commune codes (INSEE)"])
        return Inferred({**field, "type": "string"}, identifier=True, habits=["identifier kept as text"])
    boolean = _boolean(values)
    if boolean:
        return Inferred({**field, **boolean},
                        habits=[f"booleans {boolean['trueValues'][0]}/{boolean['falseValues'][0]}"]
                        if "trueValues" in boolean else [])
    if YEAR_WORDS & set(tokens) and _all(values, DIGITS) and all(1800 <= int(v) <= 2100 for v in values):
        return Inferred({**field, "type": "year"})
    number = _number(values)
    if number:
        described, habit = number
        return Inferred({**field, **described}, habits=[habit] if habit else [])
    temporal = _temporal(values)
    if temporal:
        described, habit = temporal
        return Inferred({**field, **described}, habits=[habit] if habit else [])
    if _all(values, ARRAY_POINT):
        return Inferred({**field, "type": "geopoint", "format": "array"})
    field["type"] = "string"
    if not column.padded and _commune_codes(tokens, values):
        # Next year's file holds other communes: the code's shape is the rule, not this year's list.
        field["constraints"] = {"pattern": COMMUNE_CODE.pattern}
        return Inferred(field, identifier=True, habits=["commune codes (INSEE)"])
    if (complete and not column.padded and 2 <= len(values) <= MAX_ENUM and not IDENTIFIER_WORDS & set(tokens)
            and column.rows >= 2 * len(values)
            and all(len(v) <= MAX_ENUM_LENGTH for v in values) and not (ID_WORDS & set(tokens))):
        field["constraints"] = {"enum": sorted(values)}
        return Inferred(field, habits=["short list of values"])
    return Inferred(field)


def primary_key(columns: list[Column], fields: list[dict]) -> list[str]:
    """A column whose values are all present and distinct, preferring one named like an identifier."""
    candidates = [(c, f) for c, f in zip(columns, fields)
                  if f["type"] in ("string", "integer") and c.rows and not c.empty and len(c.values) == c.rows]
    for column, _ in candidates:
        if (ID_WORDS | IDENTIFIER_WORDS) & set(words(column.name)):
            return [column.name]
    return [candidates[0][0].name] if candidates else []
