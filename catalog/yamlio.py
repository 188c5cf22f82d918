"""Reading descriptors and profiles (JSON or YAML) with errors that say where."""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from catalog.errors import UnusableInput


# The json module's messages, said for someone editing the file by hand.
JSON_PROBLEMS = {
    "Expecting value": "a value is missing or is not JSON (text goes in double quotes)",
    "Expecting property name enclosed in double quotes":
        "a name is not in double quotes, or a comma is left before a closing }",
    "Expecting ':' delimiter": "a colon (:) is missing after a name",
    "Expecting ',' delimiter": "a comma is missing between two items",
    "Unterminated string starting at": "a text value opened here is never closed by a double quote",
    "Invalid control character at": "a control character (a tab, line break or invisible character) is inside "
                                    "a text value",
    "Invalid \\escape": "a backslash (\\) starts an invalid escape (write \\\\ for a backslash)",
    "Invalid \\uXXXX escape": "a backslash (\\) starts an invalid escape (write \\\\ for a backslash)",
    "Extra data": "more text follows the end of the JSON document",
}


def json_problem(error: json.JSONDecodeError) -> str:
    """What is wrong and where, in plain words: "a comma is missing … at line 3, column 5"."""
    if error.pos >= len(error.doc.rstrip()):
        what = "the file ends too early (it was cut short, or a closing } or ] is missing)"
    else:
        what = next((plain for start, plain in JSON_PROBLEMS.items() if error.msg.startswith(start)),
                    error.msg.removesuffix(" at"))
    return f"{what} at line {error.lineno}, column {error.colno}"


def _yaml_problem(error: yaml.YAMLError) -> tuple[str, str, str]:
    """Where the mistake is, what it is and the fix. A quote never closed is found only at the
    end of the file (or at a later quote): the place to fix is where the quoted value starts."""
    problem_mark = getattr(error, "problem_mark", None)
    context_mark = getattr(error, "context_mark", None)
    context = getattr(error, "context", None) or ""
    quote_fix = "Add the closing quote at the end of that value (or remove the opening one)."
    if "quoted scalar" in context and context_mark:
        return _at(context_mark), "the quote opened here is never closed", quote_fix
    stray = _unclosed_quote(problem_mark)
    if stray:
        return stray, "the quote opened here is not closed on its line", quote_fix
    brackets = {"flow sequence": ("[", "]"), "flow mapping": ("{", "}")}
    for name, (opening, closing) in brackets.items():
        if name in context and context_mark:
            return (_at(context_mark), f"the {opening} opened here is not closed properly",
                    f"Close it with {closing}, with a comma between items (quote items holding , or :).")
    problem = getattr(error, "problem", None) or str(error)
    if "alias" in problem:
        return _at(problem_mark), problem, "Write the value out in full instead of the `*name` alias."
    return (_at(problem_mark) if problem_mark else ""), problem, "Fix the indentation or quoting there."


def _at(mark) -> str:
    return f", line {mark.line + 1}, column {mark.column + 1}"


def _unclosed_quote(problem_mark) -> str | None:
    """A value opened with a quote and not closed on its line, before the reported place:
    a later quote closed it, so the parser only fails further down."""
    text = getattr(problem_mark, "buffer", None)
    if not problem_mark or not isinstance(text, str):
        return None
    for number, line in enumerate(text.split("\n")[: problem_mark.line + 1]):
        key, colon, value = line.partition(": ")
        stripped = value.strip()
        if colon and stripped[:1] in ('"', "'") and not key.lstrip().startswith("#") and \
                (len(stripped) == 1 or stripped.count(stripped[0]) % 2 == 1):
            return f", line {number + 1}, column {len(key) + 3 + len(value) - len(value.lstrip())}"
    return None


class _NoAliases(yaml.SafeLoader):
    """YAML without aliases: profiles and descriptors never need `*name`, and nine nested aliases of
    nine items each expand to a billion values (2.9 GB read from a 300-byte file)."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "an alias (*name) is used: aliases are not allowed here",
                                              self.peek_event().start_mark)
        return super().compose_node(parent, index)


MAX_DEPTH = 64  # descriptors are a few levels deep; deeper ones break readers that recurse


def _depth(value, display):
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise UnusableInput(f"{display}: nested more than {MAX_DEPTH} levels deep.",
                                "A descriptor is a few levels deep: check the brackets of the file.")
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))


MAX_BYTES = 16 * 1024**2  # a descriptor or a profile; a larger one is not one


def load(path: Path, display: str | None = None):
    display = display or str(path)
    try:
        if Path(path).stat().st_size > MAX_BYTES:
            raise UnusableInput(f"{display}: {Path(path).stat().st_size:,} bytes, more than the {MAX_BYTES:,} "
                                "a descriptor, schema or profile may hold.", "Keep data in data files, not in "
                                "the descriptor.")
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UnusableInput(f"{display}: file not found.", "Check the path.") from None
    except UnicodeDecodeError as error:
        line = error.object[:error.start].count(b"\n") + 1
        raise UnusableInput(
            f"{display}, line {line}: not UTF-8 text (an accented letter saved in another encoding, "
            "probably Windows-1252).",
            "Save the file as UTF-8 in your editor (Notepad: Save as, Encoding UTF-8).",
        ) from None
    except OSError as error:
        raise UnusableInput(f"{display}: cannot be read ({error.strerror}).") from None
    try:
        if Path(path).suffix.lower() == ".json":
            value = json.loads(text)
        else:
            value = yaml.load(text, Loader=_NoAliases)
        _depth(value, display)
        return value
    except RecursionError:
        raise UnusableInput(f"{display}: nested too deeply to be read.", "A descriptor is a few levels deep: "
                            "check the brackets of the file.") from None
    except json.JSONDecodeError as error:
        raise UnusableInput(
            f"{display}: invalid JSON: {json_problem(error)}.",
            "Fix the syntax there (a missing comma or quote is the usual cause).",
        ) from None
    except yaml.YAMLError as error:
        where, problem, fix = _yaml_problem(error)
        raise UnusableInput(f"{display}{where}: invalid YAML: {problem}.", fix) from None
