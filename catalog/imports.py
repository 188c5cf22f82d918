"""Third-party imports that would otherwise drag in much more than we use.

`sqlite_utils.db` imports pandas (about a third of a second) only to map `pandas.Timestamp`
to a TEXT column when one is inserted. The hub never hands sqlite-utils a pandas value: its
rows come from JSON descriptors and GeoJSON, and derived reuse tables go through CSV text. So
sqlite-utils is imported with pandas hidden, and a `catalog publish` that never needs pandas
does not pay for it. Once pandas is loaded anyway, hiding it saves nothing: plain import.
"""
from __future__ import annotations

import importlib
import sys


def without_pandas(module: str):
    """Import `module` as if pandas were not installed; afterwards pandas imports as usual again."""
    if module in sys.modules or "pandas" in sys.modules:
        return importlib.import_module(module)
    sys.modules["pandas"] = None  # `import pandas` raises ImportError while this is set
    try:
        return importlib.import_module(module)
    finally:
        if sys.modules.get("pandas", False) is None:
            del sys.modules["pandas"]


sqlite_utils = without_pandas("sqlite_utils")
