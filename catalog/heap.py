"""Keep the garbage collector off the libraries' own objects, in a command's own process.

Frictionless, pandas, pyarrow and pydantic leave about a million objects behind once
imported. Every full collection walks them all again, and validating a large file
allocates thousands of error objects, so full collections come often: on a
million-row file with 14,000 bad cells they took a quarter of a second, a sixth of
the run, with the final collection at exit. Objects that live as long as the process
are best frozen out of the collector's sight (`gc.freeze`, made for this). Collections
of what remains are then made rarer (every 100,000 new objects rather than 700): cycles
are still freed, a few megabytes later, and 14,000 errors cost 0.07 s less.

Only a process that is one command (the `catalog` executable, `python -m catalog.cli`)
freezes: a frozen object is never collected, which a long-lived caller running many
commands (a test session, a notebook) must not be subjected to.
"""
from __future__ import annotations

import gc

_OWN_PROCESS = False


def own_process() -> None:
    """Declare that this process runs one command and ends."""
    global _OWN_PROCESS
    _OWN_PROCESS = True


def freeze_imports() -> None:
    """Call once the heavy imports are done, before the work starts."""
    if _OWN_PROCESS:
        gc.freeze()
        gc.set_threshold(100_000, 50, 100)
