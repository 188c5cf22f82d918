"""Placeholders: the values `catalog describe` cannot know, written so nobody mistakes them for data.

A placeholder is a string starting with PREFIX. `validate` reports each one (`placeholder`) and
the quality score counts it as missing; `publish` never publishes a dataset that still has one.
"""
from __future__ import annotations

PREFIX = "TODO:"


def make(what: str) -> str:
    return f"{PREFIX} {what}"


def is_placeholder(value) -> bool:
    return isinstance(value, str) and value.lstrip().startswith(PREFIX)


def filled(value):
    """The value, or None when it is a placeholder (what the quality criteria see)."""
    return None if is_placeholder(value) else value


def find(descriptor, path: str = "") -> list[tuple[str, str]]:
    """(dotted key, placeholder text) for every placeholder left in a descriptor."""
    found = []
    if isinstance(descriptor, dict):
        for key, value in descriptor.items():
            found += find(value, f"{path}.{key}" if path else str(key))
    elif isinstance(descriptor, list):
        for index, value in enumerate(descriptor):
            found += find(value, f"{path}[{index}]")
    elif is_placeholder(descriptor):
        found.append((path, descriptor))
    return found
