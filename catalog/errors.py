"""Typed errors. The CLI turns them into one clear message and an exit code.

Exit codes (documented in README): 0 valid or done, 1 invalid data,
2 unusable input or usage, 3 publication partly done.
"""

import os


def fail_loudly() -> bool:
    """True under the test suite (or with CATALOG_STRICT set): a bug in a fast path is raised
    there instead of hidden by falling back to the slow path, where it would only cost time."""
    return "PYTEST_CURRENT_TEST" in os.environ or bool(os.environ.get("CATALOG_STRICT"))


class CatalogError(Exception):
    """Base class: a message for agency staff and, when we know it, the fix."""

    exit_code = 2

    def __init__(self, message, fix=None):
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self):
        return self.message if not self.fix else f"{self.message}\n  How to fix: {self.fix}"


class UnusableInput(CatalogError):
    """The input cannot be read at all: missing file, unreadable archive, unsafe path."""

    exit_code = 2


class InvalidData(CatalogError):
    """The input was read but does not pass validation."""

    exit_code = 1


class PartialPublication(CatalogError):
    """A publication stopped midway; running it again completes it."""

    exit_code = 3
