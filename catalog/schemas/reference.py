"""A schema reference: `<owner>/<name>@<version>`, as schema.data.gouv.fr names its schemas."""
from __future__ import annotations

import re
from dataclasses import dataclass

from catalog.errors import UnusableInput

NAME = r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}/[A-Za-z0-9][A-Za-z0-9._-]{0,99}"
VERSION = r"v?[0-9][A-Za-z0-9.+-]{0,39}|latest"
PATTERN = re.compile(rf"(?P<name>{NAME})(?:@(?P<version>{VERSION}))?")
FILE_SUFFIXES = (".json", ".yaml", ".yml")


@dataclass(frozen=True)
class Reference:
    name: str  # etalab/schema-irve-statique
    version: str | None  # 2.3.1 (no leading "v"), "latest", or None when not given

    def __str__(self):
        return f"{self.name}@{self.version}" if self.version else self.name


def is_reference(value) -> bool:
    """Whether a resource's `schema` string names a national schema rather than a file: it has
    an `@version`, or is `owner/name` without a file suffix."""
    if not isinstance(value, str) or value.lower().endswith(FILE_SUFFIXES) or "://" in value:
        return False
    return "@" in value or PATTERN.fullmatch(value) is not None


def version_key(version: str):
    """Sortable form of a version: 2.10.0 after 2.9.1; non-numeric parts sort first."""
    parts = re.split(r"[.+-]", version.lstrip("v"))
    return tuple((1, int(p), "") if p.isdigit() else (0, 0, p) for p in parts)


def parse(value: str, where: str = "") -> Reference:
    match = PATTERN.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise UnusableInput(
            f"{where + ': ' if where else ''}{value!r} is not a schema reference.",
            'Write it as <owner>/<name>@<version>, e.g. "etalab/schema-irve-statique@2.3.1" '
            "(`catalog schemas list` shows the known ones).")
    version = match.group("version")
    return Reference(match.group("name"), version.lstrip("v") if version and version != "latest" else version)
