"""Validation: `validate(paths)` returns a Report; nothing is ever written."""
from __future__ import annotations

__all__ = ["validate"]


def __getattr__(name):
    # Imported on first use: the pipeline pulls in Frictionless, pandas and every check, which
    # importing one submodule (catalog.validate.context, .formulas...) should not pay for.
    if name == "validate":
        from catalog.validate.pipeline import validate
        return validate
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
