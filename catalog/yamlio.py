"""Reading descriptors and profiles (JSON or YAML) with errors that say where."""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from catalog.errors import UnusableInput


def load(path: Path, display: str | None = None):
    display = display or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UnusableInput(f"{display}: file not found.", "Check the path.") from None
    except UnicodeDecodeError:
        raise UnusableInput(
            f"{display}: not UTF-8 text.", "Save the file as UTF-8 in your editor."
        ) from None
    except OSError as error:
        raise UnusableInput(f"{display}: cannot be read ({error.strerror}).") from None
    try:
        if Path(path).suffix.lower() == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except json.JSONDecodeError as error:
        raise UnusableInput(
            f"{display}, line {error.lineno}, column {error.colno}: invalid JSON ({error.msg}).",
            "Fix the syntax there (a missing comma or quote is the usual cause).",
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise UnusableInput(
            f"{display}{where}: invalid YAML ({problem}).",
            "Fix the indentation or quoting there.",
        ) from None
