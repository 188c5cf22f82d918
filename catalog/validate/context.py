"""What a check is told about the table it looks at, and the shape of a check.

Checks never open files on their own: the pipeline streams each table once in
chunks (pandas, every cell as a string, empty cells as "") and feeds every
chunk to every check, so memory stays flat however large the file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from catalog.findings import Finding

# Mainland France and Corsica, then overseas départements: where French public
# data is expected to lie when a dataset declares no bounding box of its own.
FRANCE_BBOXES = [
    (-5.5, 41.0, 10.0, 51.5),
    (-61.9, 15.8, -60.8, 16.6),  # Guadeloupe
    (-61.3, 14.3, -60.8, 14.95),  # Martinique
    (-54.7, 2.1, -51.5, 5.9),  # Guyane
    (55.2, -21.4, 55.9, -20.8),  # La Réunion
    (44.9, -13.1, 45.4, -12.5),  # Mayotte
]


@dataclass
class TableContext:
    file: str  # the path shown to the user (relative to the dataset folder, or as given)
    path: Path | None  # absolute path on disk; None for a member of an archive
    fields: dict[str, dict] = field(default_factory=dict)  # Table Schema field descriptors by name
    bboxes: list[tuple] = field(default_factory=lambda: list(FRANCE_BBOXES))  # (west, south, east, north)
    record: str = "row"  # what one data line is called in messages: "feature" for GeoJSON properties
    crs: str | None = None  # the coordinate system declared for its coordinates ("EPSG:2154"); None: WGS84
    public: frozenset = frozenset()  # columns named public on the command line (`--public`, bare files)

    def is_public(self, column):
        """A column the descriptor (or `--public`) declares public (e.g. a service's contact address).
        A decision `catalog describe` left as a placeholder is reported as one (and blocks
        publication) instead."""
        from catalog.placeholders import is_placeholder

        if column in self.public:
            return True
        field = self.fields.get(column)
        hub = field.get("catalog") if isinstance(field, dict) else None
        return isinstance(hub, dict) and (hub.get("public") is True or is_placeholder(hub.get("public")))


class ChunkCheck(Protocol):
    def __init__(self, table: TableContext): ...

    def feed(self, chunk, first_row: int) -> None:
        """Look at one pandas DataFrame of strings; `first_row` is the file row
        number of its first record (header = row 1, so the first chunk starts at 2)."""

    def findings(self) -> list[Finding]:
        """Everything found, once all chunks were fed."""
