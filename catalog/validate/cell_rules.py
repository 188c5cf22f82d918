"""When a Table Schema cell is surely read as Frictionless reads it: the rules both readers of
typed cells apply, the vectorised one over a column (field_checks.py, with Arrow) and the
plain-Python one over a small table's cells (typed_rows.py). Pure Python: importing it costs
nothing.

Each rule only says "surely this value" (or, for a few, "surely no value of this type"); a
cell no rule settles goes to Frictionless' own cell reader, the reference for every type
decision.
"""
from __future__ import annotations

import re

INT_RE = r"^-?[0-9]{1,18}$"  # Python's int() accepts these, and they fit in int64
BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
# Frictionless checks a field's constraints in this order, and words each broken one so.
CONSTRAINT_ORDER = {
    "string": ("required", "minLength", "maxLength", "pattern", "enum"),
    "boolean": ("required", "enum"),
}
NUMERIC_ORDER = ("required",) + BOUNDS + ("enum",)
DATE_PARTS = {"%Y": r"([0-9]{4})", "%m": r"([0-9]{2})", "%d": r"([0-9]{2})"}


def constraint_order(kind: str) -> tuple:
    return CONSTRAINT_ORDER.get(kind, NUMERIC_ORDER)


def constraint_note(name: str, value) -> str:
    """Frictionless' note for a broken constraint: the value as the descriptor gives it."""
    return f'constraint "{name}" is "{value}"'


def verdict(notes) -> tuple:
    """Frictionless' cell reader's notes as ((error type, note), ...): a type error alone, or
    each broken constraint; empty when the cell is fine."""
    notes = dict(notes or {})
    kind = notes.pop("type", None)
    return (("type-error", kind),) if kind else tuple(("constraint-error", note) for note in notes.values())


def type_note(kind: str, fmt: str) -> str:
    return f'type is "{kind}/{fmt}"'


def number_pattern(decimal: str, group: str) -> str | None:
    """The regex a number cell, its `group` characters removed, surely reads by when it matches
    (a plain decimal with at most 15 digits on each side, which float and Decimal both read);
    None for decimal or group characters that could be read as part of a number. A cell that
    matches must also hold no "." when `decimal` is another character (Frictionless refuses
    those): see `number_refuses_dot`."""
    if len(decimal) != 1 or decimal.isalnum() or decimal in "-+_" or (
            group and (any(c.isalnum() or c in "-+_" for c in group) or decimal in group)):
        return None
    return r"^-?[0-9]{1,15}(" + re.escape(decimal) + r"[0-9]{1,15})?$"


def number_refuses_dot(decimal: str, group: str) -> bool:
    return decimal != "." and group != "."


def date_pattern(fmt: str) -> tuple[str, tuple, str] | None:
    """For a date format made of %Y, %m, %d and separators (the default `%Y-%m-%d`, French
    `%d/%m/%Y`...), a regex whose groups give year, month and day in the format's order; a cell
    that matches is that date if the calendar has it (strptime then reads the same) and no date
    at all otherwise. None for any other format: Frictionless reads it."""
    parts, seen, rest = [], [], fmt
    while rest:
        if rest[:2] in DATE_PARTS and rest[:2] not in seen:
            parts.append(DATE_PARTS[rest[:2]])
            seen.append(rest[:2])
            rest = rest[2:]
        elif rest[0] in "-/.":
            parts.append(re.escape(rest[0]))
            rest = rest[1:]
        else:
            return None
    if sorted(seen) != ["%Y", "%d", "%m"]:
        return None
    return "^" + "".join(parts) + "$", tuple(seen), "".join(sorted(set(fmt) & set("-/.")))


def surely_not_date(cell: str, separators: str = "-") -> bool:
    """True when no reading of `cell` as a date of a `date_pattern` format can succeed: it holds
    a character that strptime's digits, spaces and the format's `separators` never match."""
    return any(not (c.isdecimal() or c.isspace() or c in separators) for c in cell)
