"""The errors of a table's structure, types and keys in the project's own terms, in the shape
of Frictionless' report (the vectorised checks, table_checks.py, and the plain-Python reading
of small text tables, text_table.py, both give one; tables.findings_of words it for people)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TableError:
    """One error of a table in the project's own terms: Frictionless' error type and note (its
    cell parser decides them), the row and the field. `tables.findings_of` words it for people,
    as it words Frictionless' own errors (the same attribute names)."""

    type: str
    note: str = ""
    row_number: int | None = None
    cell: str | None = None
    field_name: str | None = None
    field_number: int | None = None
    field_names: list | None = None  # a foreign key's fields
    label: str | None = None
    title: str = ""
    message: str = ""

    def to_descriptor(self) -> dict:
        return {"type": self.type, "rowNumber": self.row_number, "fieldName": self.field_name,
                "cell": self.cell, "note": self.note}


@dataclass
class TaskReport:
    name: str
    errors: list
    warnings: list = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass
class TableReport:
    """What validating resources gave: errors of the descriptor itself, then one task a resource
    (Frictionless' own report has the same shape where it validated a resource itself)."""

    tasks: list
    errors: list = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors and all(t.valid for t in self.tasks)
