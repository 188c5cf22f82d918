"""Structure, types, constraints and keys, checked by Frictionless, told plainly.

Frictionless decides; we translate its errors into messages agency staff can act on,
adding the fix that French exports usually need (decimal comma, dd/mm/yyyy dates).
"""
from __future__ import annotations

import json
import re

from catalog.findings import ERROR, WARNING, Finding
from catalog.validate import cell_rules

LIMIT_ERRORS = 1000
# Errors whose finding depends on nothing but their type, field, cell and note, and their row.
ROW_ALONE_DIFFERS = {"type-error", "constraint-error", "unique-error", "primary-key", "foreign-key", "blank-row"}

TYPE_HINTS = {
    "integer": "whole numbers without spaces or decimals, e.g. 1250",
    "number": "numbers with a dot as decimal separator, e.g. 12.5",
    "date": "ISO dates, e.g. 2025-03-31",
    "datetime": "ISO date-times, e.g. 2025-03-31T14:00:00",
    "time": "times, e.g. 14:00:00",
    "boolean": "true or false",
    "year": "years, e.g. 2025",
    "geopoint": "points as \"lon, lat\"",
}


def _plain_number(cell):
    """ "-1 000,5" or "1.000,5" as the number a schema without decimalChar reads: -1000.5."""
    return re.sub(r"[\s\u00a0\u202f.]", "", cell).replace(",", ".")


def _type_fix(field_type, cell, field_name):
    cell = cell or ""
    if field_type == "integer" and re.fullmatch(r"-?[\d\s\u00a0\u202f.]*\d,\d+", cell):
        # An integer field has no decimalChar: a value with decimals is a number.
        return (f'Values have decimals: type field "{field_name}" as "number" with "decimalChar": "," '
                f'(and "groupChar": " " if thousands are separated by spaces), or write {_plain_number(cell)}.')
    if field_type == "integer" and re.fullmatch(r"-?\d{1,3}([\s\u00a0\u202f.,]\d{3})+", cell):
        # Table Schema's integer has no groupChar (only number has): advising it would fail again.
        return (f'Values group thousands ({cell!r}): type field "{field_name}" as "number" with "groupChar" '
                f'(e.g. " "), or write {re.sub(r"[^0-9-]", "", cell)}.')
    if field_type in ("number", "integer") and re.fullmatch(r"-?[\d\s\u00a0\u202f.]*\d,\d+", cell):
        return (f'Values use a decimal comma: declare "decimalChar": "," on field "{field_name}" '
                f'(and "groupChar": " " if thousands are separated by spaces), or write {_plain_number(cell)}.')
    if field_type in ("number", "integer") and re.fullmatch(r"-?\d{1,3}([\s\u00a0\u202f.]\d{3})+", cell):
        return f'Values group thousands: declare "groupChar" (e.g. " ") on field "{field_name}".'
    french_date = re.fullmatch(r"(\d{2})([/.-])(\d{2})\2(\d{4})", cell)
    if field_type == "date" and french_date:
        day, sep, month, year = french_date.groups()
        return (f'Dates are written dd{sep}mm{sep}yyyy: declare "format": "%d{sep}%m{sep}%Y" on field "{field_name}", '
                f"or write ISO dates ({year}-{month}-{day}) if the schema is a national one.")
    if field_type == "boolean" and cell.lower() in ("oui", "non", "yes", "no", "o", "n", "vrai", "faux"):
        return (f'Declare "trueValues" and "falseValues" on field "{field_name}" '
                f'(e.g. ["oui"] and ["non"]), or write true/false.')
    hint = TYPE_HINTS.get(field_type, f"values of type {field_type}")
    return f'Field "{field_name}" expects {hint}: correct the value or change the field type in the schema.'


SPREADSHEETS = {".xlsx": "Excel workbook", ".xls": "Excel workbook", ".ods": "OpenDocument spreadsheet"}
READ_ERRORS = {"encoding-error", "source-error", "scheme-error", "format-error", "io-error"}


def _spreadsheet(file) -> str | None:
    suffix = "." + str(file or "").rsplit(".", 1)[-1].lower() if "." in str(file or "") else ""
    return SPREADSHEETS.get(suffix) and suffix


def _unreadable_spreadsheet(suffix, note) -> tuple[str, str]:
    """Said in the words of a spreadsheet user, not of the reader library that failed."""
    if suffix == ".ods" and "install" in note:
        return ("OpenDocument spreadsheets (.ods) cannot be read by this installation.",
                "Save it from LibreOffice Calc as .xlsx (Excel workbook), or export the sheet as CSV (UTF-8).")
    return (f"the file is not a readable {SPREADSHEETS[suffix]}: it is damaged (a truncated download or copy) "
            f"or another kind of file renamed {suffix}.",
            "Open it in Excel or LibreOffice Calc and save it again as .xlsx (Excel workbook), or export the "
            f"sheet as CSV (UTF-8) and use that file instead. A CSV file renamed {suffix} only needs its real "
            "extension, .csv.")


def _constraint(note):
    match = re.match(r'constraint "(\w+)" is "(.*)"$', note or "", re.S)
    return (match.group(1), match.group(2)) if match else (None, None)


def translate(error, file) -> Finding:
    """One table error (a TableError, or Frictionless' own where it validated) as a Finding."""
    kind = error.type
    row = getattr(error, "row_number", None)
    column = getattr(error, "field_name", None) or getattr(error, "label", None)
    cell = getattr(error, "cell", None)
    note = getattr(error, "note", "") or ""
    value = None if cell is None else str(cell)

    def made(message, fix, severity=ERROR):
        return Finding(kind, message, fix, file=file, row=row, column=column, value=value, severity=severity)

    if kind == "type-error":
        field_type = note.split('"')[1].split("/")[0] if '"' in note else "?"
        return made(f'"{cell}" is not a valid {field_type}.', _type_fix(field_type, value, column))
    if kind == "constraint-error":
        name, expected = _constraint(note)
        if name == "required":
            return made("this required cell is empty.", f'Fill in "{column}" on this row, or drop the "required" constraint.')
        if name == "enum":
            return made(f'"{cell}" is not one of the allowed values {expected}.', "Use one of the allowed values (spelling and case matter).")
        if name == "pattern":
            return made(f'"{cell}" does not match the expected pattern {expected}.', "Correct the value to the documented format.")
        if name in ("minimum", "maximum", "minLength", "maxLength", "exclusiveMinimum", "exclusiveMaximum"):
            return made(f'"{cell}" breaks the constraint {name} = {expected}.', "Correct the value, or the constraint if it is wrong.")
        if name == "unique":
            return made(f'"{cell}" appears more than once but must be unique.', "Remove the duplicate row or correct its value.")
        return made(f"the value breaks a constraint: {note}.", "Correct the value.")
    if kind == "unique-error":
        return made(f'"{cell}" appears more than once but must be unique ({note}).', "Remove the duplicate row or correct its value.")
    if kind == "primary-key":
        return made(f"the primary key repeats an earlier row ({note}).", "Each row needs a distinct key: remove the duplicate or correct its key.")
    if kind == "foreign-key":
        return made(f"this row points to a record that does not exist ({note}).",
                    "Add the missing record to the referenced table, or correct the reference.")
    if kind in ("missing-cell", "extra-cell"):
        what = "fewer" if kind == "missing-cell" else "more"
        column = column if kind == "missing-cell" else None  # an extra cell has no column name
        return made(f"this row has {what} cells than the header.",
                    "Check for a missing or extra delimiter, or an unquoted delimiter inside a value.")
    if kind == "blank-row":
        return made("this row is empty.", "Delete the empty row.", severity=WARNING)
    if kind in ("missing-label", "extra-label", "incorrect-label", "blank-label", "duplicate-label"):
        label = getattr(error, "label", None)
        messages = {
            "missing-label": f'the schema expects a column "{column}" that the file does not have.',
            "extra-label": f'the file has a column "{label}" that the schema does not describe.',
            "incorrect-label": f'the column header "{label}" does not match the schema field "{column}" at that position.',
            "blank-label": "a column header is empty.",
            "duplicate-label": f'the column header "{label}" appears twice.',
        }
        return made(messages[kind], "Make the header row match the schema's fields, in the same order, or fix the schema.")
    if kind == "source-error" and "empty" in note:
        return made("the file is empty: it has no header row and no data.",
                    "Export the table again, with its header row naming the columns.")
    if _spreadsheet(file) and (kind in READ_ERRORS or kind == "error"):
        return made(*_unreadable_spreadsheet(_spreadsheet(file), note or error.message))
    if kind in READ_ERRORS:
        return made(f"the file cannot be read: {note or error.message}.", "Check the file's format, encoding and path.")
    if kind in ("schema-error", "field-error", "package-error", "resource-error", "dialect-error", "checklist-error"):
        return made(f"the descriptor has a problem: {note or error.message}.",
                    "Correct the descriptor; the Table Schema and Data Package specifications at specs.frictionlessdata.io say what is allowed.")
    return made(f"{error.title}: {note or error.message}.", "Correct the file.")


def lint_schema(schema, file) -> list[Finding]:
    """Descriptor mistakes of real national schemas, named field by field
    (Frictionless only says "field is not valid", once per field, without the name)."""
    found = []
    fields = schema.get("fields") if isinstance(schema, dict) else None
    for index, field in enumerate(fields if isinstance(fields, list) else [], start=1):
        if not isinstance(field, dict):
            continue
        name = field.get("name") or f"#{index}"
        if "required" in field:
            found.append(Finding(
                "field-error",
                f'field "{name}" has "required" at the top of its descriptor; the Table Schema specification '
                'puts it in "constraints", so validators reject the schema.',
                f'Write "constraints": {{"required": {json.dumps(field["required"])}}} on field "{name}" '
                'instead of "required".', file=file, column=name))
        constraints = field.get("constraints") if isinstance(field.get("constraints"), dict) else {}
        pattern = constraints.get("pattern")
        if isinstance(pattern, str):
            try:
                re.compile(pattern)
            except re.error as error:
                found.append(Finding(
                    "field-error", f'field "{name}" has the pattern {json.dumps(pattern)}, which is not a regular '
                    f"expression ({error}).",
                    f'Correct the pattern of field "{name}" (for example "[0-9]{{5}}" for five digits; a bracket '
                    'or parenthesis opened must be closed, and a literal one written \\[ or \\().',
                    file=file, column=name, value=pattern))
        for key in cell_rules.BOUNDS:
            if key in constraints and not _readable(field, constraints[key]):
                kind = str(field.get("type", "string"))
                a = "an" if kind[:1] in "aeiou" else "a"
                found.append(Finding(
                    "field-error", f'field "{name}" has {key} {json.dumps(constraints[key])}, which is not '
                    f"{a} {kind} value: it cannot be compared with the cells.",
                    f'Write {key} of field "{name}" as {a} {kind}, as its cells are written (a number without quotes '
                    'for a number; a decimal comma only with "decimalChar": ",").',
                    file=file, column=name, value=str(constraints[key])))
    return found


# What Frictionless raises, instead of reporting, on constraints it cannot apply to the cells.
CRASHES = (TypeError, ValueError, ArithmeticError, re.error)


def _readable(field: dict, bound) -> bool:
    """True unless the field's own reader reads `bound` as no value (Frictionless then
    compares the cells with None and fails)."""
    import frictionless

    try:
        reader = frictionless.Field.from_descriptor({k: v for k, v in field.items() if k != "constraints"})
        value, notes = reader.read_cell(bound)
    except Exception:  # a descriptor Frictionless refuses is reported as such elsewhere
        return True
    return value is not None or bound is None


def crash_findings(error: Exception, file, schemas=()) -> list[Finding]:
    """The findings of a table whose constraints Frictionless could not apply (it raised
    `error` instead of reporting): the schema's mistakes named field by field, or the reason."""
    found = [f for shown, schema in schemas for f in lint_schema(schema, shown)]
    if found:
        return found
    return [Finding("schema-error", f"the cells cannot be checked against the schema's constraints: {error}.",
                    "Check that each constraint (minimum, maximum, enum, pattern) is written in its field's "
                    "type; dates and times whose cells carry a time zone need bounds with one too "
                    '(for example "2020-01-01T00:00:00Z").', file=file)]


def translate_exception(error, file, schemas=()) -> list[Finding]:
    """A FrictionlessException raised while opening a resource: its reasons, said
    once each; `schemas` are the (file, Table Schema) pairs involved, linted first."""
    found = [f for shown, schema in schemas for f in lint_schema(schema, shown)]
    linted = {"field-error"} if found else set()
    seen = set()
    for reason in getattr(error, "reasons", None) or [error.error]:
        key = (reason.type, getattr(reason, "note", ""))
        if key in seen or reason.type in linted:
            continue
        seen.add(key)
        found.append(translate(reason, file))
    return found


def _one_per_row(found: list[Finding]) -> list[Finding]:
    """Frictionless reports each extra (or missing) cell of a row; people need the row once."""
    merged, seen = [], []
    for finding in found:
        last = merged[-1] if merged else None
        if (last is not None and finding.code in ("extra-cell", "missing-cell") and finding.code == last.code
                and (finding.file, finding.row) == (last.file, last.row)):
            seen[-1].append(finding)
            if finding.code == "extra-cell":
                last.value = ", ".join(v for v in (last.value, finding.value) if v)
                last.message = f"this row has {len(seen[-1])} more cells than the header."
            else:  # `column` stays the first missing one; the message names them all
                names = ", ".join(f'"{f.column}"' for f in seen[-1] if f.column)
                last.message = f"this row has {len(seen[-1])} fewer cells than the header (no {names})."
            continue
        merged.append(finding)
        seen.append([finding])
    return merged


def findings_of(report, file_for_task) -> list[Finding]:
    """All errors of a Frictionless report; `file_for_task` names a task's file for the user."""
    found = []
    for error in getattr(report, "errors", []):
        found.append(translate(error, None))
    for task in report.tasks:
        file = file_for_task(task)
        said = {}  # a repeated bad value is said the same way on every row: worded once
        for error in task.errors:
            if error.type not in ROW_ALONE_DIFFERS:
                found.append(translate(error, file))
                continue
            key = (error.type, getattr(error, "field_name", None), getattr(error, "cell", None), error.note)
            if key not in said:
                first = translate(error, file)
                said[key] = (first.code, first.message, first.fix, first.file, first.column, first.value, first.severity)
            code, message, fix, shown, column, value, severity = said[key]
            found.append(Finding(code, message, fix, shown, error.row_number, column, value, severity))
        if len(task.errors) >= LIMIT_ERRORS:
            found.append(Finding("too-many-errors", f"stopped after {LIMIT_ERRORS} errors in this file.",
                                 "Fix the errors above (often one cause repeated) and validate again.",
                                 file=file, severity=WARNING))
    return _one_per_row(found)
