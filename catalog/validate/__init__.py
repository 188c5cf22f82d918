"""Validation: `validate(paths)` returns a Report; nothing is ever written."""
from catalog.validate.pipeline import validate

__all__ = ["validate"]
