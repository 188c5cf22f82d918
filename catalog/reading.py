"""How one table file is read, decided once, for every step that reads it.

`validate` (Frictionless' structure, type and key checks, then the cell checks) and
`package` (the normaliser writing `data/<name>.csv`, which the hub loads) all open a
table through `open_table`, so a cell is checked and written from the same text:

- the dialect is read in either Frictionless form (v1 `{"delimiter": ";"}`, or v5
  `{"csv": {"delimiter": ";"}}` / `{"excel": {"sheet": "..."}}` as `frictionless describe`
  writes it);
- a spreadsheet sheet (chosen with `dialect.sheet`, or `--sheet` for a bare file) becomes
  the text its cells show (`catalog.sheets`), written to a temporary UTF-8 CSV that every
  reader then reads like any CSV file;
- a table without a schema is read as text: every column a `string` field named by its
  header (guessed types would call `2A` a bad integer, and lose it in the package).

The cells themselves, as text, come from `catalog.delimited` (`text_batches`), for every check
that reads every cell and for `describe`.
"""
from __future__ import annotations

import contextlib
import copy
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from catalog.findings import Finding
from catalog.sheets import SPREADSHEET_FORMATS, SheetError, SheetText, sheets_with_data, write_sheet

# Frictionless v5 groups format options under the format's name; v1 keeps them at the top.
DIALECT_GROUPS = ("csv", "excel", "json", "ods", "inline", "sql")


def flat_dialect(dialect) -> dict:
    """A resource's dialect as one flat dict of v1-style keys, whichever form it was written in."""
    if not isinstance(dialect, dict):
        return {}
    flat = {k: v for k, v in dialect.items() if k not in DIALECT_GROUPS and k != "$schema"}
    for group in DIALECT_GROUPS:
        if isinstance(dialect.get(group), dict):
            flat.update(dialect[group])
    return flat


def resource_format(resource: dict) -> str:
    fmt = str(resource.get("format") or "").lower()
    path = resource.get("path")
    if not fmt and isinstance(path, str) and "." in path:
        fmt = path.rsplit(".", 1)[1].lower()
    return fmt


def is_spreadsheet(resource: dict) -> bool:
    return resource_format(resource) in SPREADSHEET_FORMATS


@dataclass
class Reading:
    """One table, ready to read: the Frictionless descriptor and base path to read it with
    (a sheet's text CSV in place of the workbook), and what the reading itself found."""

    display: str  # the file as the user knows it; a workbook's sheet is named: `f.xlsx [sheet "S"]`
    path: Path  # the bytes the readers read
    format: str  # "csv" or "tsv" once a sheet is text; else the resource's own format
    encoding: str | None
    delimiter: str | None
    descriptor: dict  # for frictionless.Resource(descriptor, basepath=basepath)
    basepath: str
    sheet: SheetText | None = None
    findings: list[Finding] = field(default_factory=list)
    source: Path | None = None  # the file itself (the workbook a sheet's text comes from)
    file: str = ""  # the file as the user knows it, without the sheet

    @property
    def layout(self) -> tuple[int, frozenset]:
        """(the header's row, the comment rows) the dialect declares (`headerRows`, `commentRows`):
        a raw export's title above its header and totals or notes below are not records."""
        dialect = flat_dialect(self.descriptor.get("dialect"))
        rows = dialect.get("headerRows")
        header = rows[-1] if isinstance(rows, list) and rows and all(isinstance(r, int) and r >= 1 for r in rows) else 1
        comments = dialect.get("commentRows")
        return header, frozenset(r for r in comments if isinstance(r, int)) if isinstance(comments, list) else frozenset()

    @property
    def readable(self) -> bool:
        """False when the reading itself failed (an unreadable workbook, a missing sheet)."""
        return not any(f.code in ("format-error", "empty-sheet") for f in self.findings)


def sheet_display(display: str, sheet: SheetText) -> str:
    """The file as findings name it: the workbook and the sheet read."""
    return f'{display} [sheet "{sheet.name}"]'


@contextlib.contextmanager
def open_table(descriptor: dict, source: Path, basepath: str, display: str, sheet=None, text_schema=True,
               sample: int | None = None):
    """Yield the `Reading` of a table resource whose data is at `source`; temporary files
    (a sheet's text) are removed on exit. `sheet` overrides the dialect's (`--sheet`).
    `text_schema=False` leaves a table without a schema without one: for readers that read
    its text only (text_table.py, the gate on a workbook's other sheets), which need no
    Frictionless to name its fields. `sample`: a sheet's text stops after that many rows below
    its header."""
    descriptor = copy.deepcopy(descriptor)
    if isinstance(descriptor.get("schema"), dict):
        descriptor["schema"] = with_national_rules(descriptor["schema"])
    dialect = flat_dialect(descriptor.get("dialect"))
    fmt = resource_format(descriptor)
    if fmt not in SPREADSHEET_FORMATS:
        if fmt in ("csv", "tsv", "txt") and (descriptor.get("dialect") is None or isinstance(descriptor["dialect"], dict)):
            # Declared, never guessed: Frictionless would sniff a delimiter the declaration did not give.
            dialect.setdefault("delimiter", "\t" if fmt == "tsv" else ",")
            descriptor["dialect"] = {k: v for k, v in dialect.items() if k != "sheet"}
            if fmt == "txt":  # GTFS's .txt files are CSV: Frictionless would take them for plain text
                descriptor["format"] = fmt = "csv"
        if not descriptor.get("schema") and text_schema:
            _set_text_schema(descriptor, basepath)
        yield Reading(display, source, fmt, descriptor.get("encoding"), dialect.get("delimiter"), descriptor, basepath)
        return
    work = Path(tempfile.mkdtemp(prefix="catalog-sheet-"))
    try:
        target = work / "sheet.csv"
        wanted = sheet if sheet is not None else dialect.get("sheet")
        try:
            seen = write_sheet(source, fmt, wanted, target, sample)
        except SheetError as error:
            yield Reading(display, source, fmt, None, None, descriptor, basepath,
                          findings=[Finding("format-error", f"{error.message}", error.fix or _RESAVE, file=display)])
            return
        shown = sheet_display(display, seen)
        readable = {k: v for k, v in descriptor.items() if k not in ("path", "format", "mediatype", "encoding",
                                                                    "dialect", "scheme", "compression", "bytes",
                                                                    "hash", "innerpath", "type")}
        readable.update({"path": target.name, "format": "csv", "encoding": "utf-8"})
        header = {k: v for k, v in dialect.items() if k in ("header", "headerRows", "headerJoin", "commentChar", "commentRows")}
        # The sheet's text is written with ",": said, so that cells holding ";" (a CSV pasted into
        # column A) are not split on a delimiter Frictionless would guess.
        readable["dialect"] = {"delimiter": ",", **header}
        if not readable.get("schema") and text_schema:
            _set_text_schema(readable, str(work))
        reading = Reading(shown, target, "csv", "utf-8", ",", readable, str(work), seen, source=Path(source),
                          file=display)
        reading.findings += _sheet_findings(source, fmt, seen, shown, wanted is not None,
                                            set(dialect.get("commentRows") or ()))
        yield reading
    finally:
        shutil.rmtree(work, ignore_errors=True)


_RESAVE = ("Open it in Excel or LibreOffice Calc and save it again as .xlsx (Excel workbook), or export the "
           "sheet as CSV (UTF-8) and use that file instead.")


def _sheet_findings(source, fmt, seen: SheetText, shown, chosen: bool, comments=frozenset()) -> list[Finding]:
    found = []
    if seen.empty:
        others = [n for n in sheets_with_data(source, fmt) if n != seen.name]
        if others:
            listed = ", ".join(f'"{n}"' for n in others)
            found.append(Finding(
                "empty-sheet", f'the sheet "{seen.name}" is empty; the data is on the sheet {listed}.',
                f'Name the sheet to read: "dialect": {{"sheet": "{others[0]}"}} on the resource (or '
                f'`--sheet "{others[0]}"` for a file on its own), or move the data to the first sheet.',
                file=shown))
        else:
            found.append(Finding("empty-sheet", f'the sheet "{seen.name}" is empty: the workbook holds no table.',
                                 "Export the table again, with its header row naming the columns.", file=shown))
    if seen.merged_header:
        cells = ", ".join(seen.merged_header[:5])
        found.append(Finding(
            "merged-header", f"header cells are merged ({cells}): a merged cell is one label over several "
            "columns, so the columns after its first have no name.",
            "Unmerge the header cells and give every column its own one-line label in row 1 (a second header "
            "row of sub-labels belongs in each column's own label).", file=shown, row=1))
    # A totals row declared a comment row is no data: its formulas' values are not read.
    uncomputed = [ref for ref in seen.uncomputed if _row_of(ref) not in comments]
    if uncomputed:
        cells = ", ".join(uncomputed[:5]) + (f" and {len(uncomputed) - 5} more" if len(uncomputed) > 5 else "")
        found.append(Finding(
            "formula-not-computed", f"formula cells have no computed value stored in the file ({cells}): the "
            "workbook was written by a program that does not calculate, so their values are unknown.",
            "Open the workbook in Excel or LibreOffice Calc and save it (that stores every formula's value), "
            "or write the values instead of formulas.", file=shown, row=_row_of(uncomputed[0])))
    return found


# schema.data.gouv.fr schemas state some rules as "custom_checks" (Validata's) rather than as Table
# Schema constraints; those that are a pattern are checked as one.
CUSTOM_PATTERNS = {"french-siret-value": r"^\d{14}$", "french-siren-value": r"^\d{9}$"}


def with_national_rules(schema: dict) -> dict:
    """The schema with its pattern-like `custom_checks` as `pattern` constraints on their fields."""
    checks = schema.get("custom_checks")
    if not isinstance(checks, list):
        return schema
    patterns = {}
    for check in checks:
        if isinstance(check, dict) and check.get("name") in CUSTOM_PATTERNS and isinstance(check.get("params"), dict):
            patterns[check["params"].get("column")] = CUSTOM_PATTERNS[check["name"]]
    fields = schema.get("fields") if isinstance(schema.get("fields"), list) else []
    for spec in fields:
        if isinstance(spec, dict) and spec.get("name") in patterns and spec.get("type", "string") == "string":
            constraints = spec.setdefault("constraints", {})
            if isinstance(constraints, dict):
                constraints.setdefault("pattern", patterns[spec["name"]])
    return schema


def _row_of(ref: str) -> int | None:
    digits = "".join(c for c in ref if c.isdigit())
    return int(digits) if digits else None


def _set_text_schema(descriptor, basepath):
    schema = text_schema(descriptor, basepath)
    if schema is None:
        descriptor.pop("schema", None)
    else:
        descriptor["schema"] = schema


def text_schema(descriptor: dict, basepath: str) -> dict | None:
    """A schema of `string` fields named by the file's header: nothing declares a type, so
    every cell is read as the text it is. None when the header cannot be read (Frictionless
    then reports why)."""
    import frictionless

    probe = {k: v for k, v in descriptor.items() if k not in ("schema",)}
    dialect = descriptor.get("dialect") if isinstance(descriptor.get("dialect"), dict) else {}
    rows = dialect.get("headerRows") if isinstance(dialect.get("headerRows"), list) else []
    # The sample must reach the header: below a title block (headerRows [7]), a one-row sample
    # holds no header, no field is named, and Frictionless would guess every column's type.
    sample = max([r for r in rows if isinstance(r, int)] or [0]) + 1
    try:
        resource = frictionless.Resource(probe, basepath=basepath,
                                         detector=frictionless.Detector(field_type="string", sample_size=sample))
        resource.infer()
        fields = resource.schema.to_descriptor().get("fields") or []
    except Exception:  # noqa: BLE001 - the validation that follows reports the unreadable file
        return None
    return {"fields": [{"name": f["name"], "type": "string"} for f in fields]} if fields else None


@contextlib.contextmanager
def zip_tables(path: Path, display: str):
    """Yield [(file name, path of its bytes unpacked aside, display)] for every table (`.txt`
    member) of a GTFS zip, in name order: each is then read like a loose file (open_table), by the
    package and by any check that reads cells. The archive is sized and its member paths checked
    before anything is unpacked (catalog.safety.open_zip); the files are removed on exit."""
    from catalog.safety import open_zip
    from catalog.validate.gtfs.feed import zip_members

    work = Path(tempfile.mkdtemp(prefix="catalog-zip-"))
    try:
        tables = []
        with open_zip(Path(path), display) as archive:
            members, _ = zip_members(archive, display)
            for name, member in sorted(members.items()):
                target = work / name
                with archive.open(member) as source, open(target, "wb") as sink:
                    shutil.copyfileobj(source, sink, 1 << 20)
                tables.append((name, target, f"{display}/{member}"))
        yield tables
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextlib.contextmanager
def every_sheet(path: Path, display: str, skip: str | None = None):
    """Yield the `Reading` of every sheet of a workbook (but `skip`), hidden ones and hidden rows
    and columns included, each read as text like the sheet a resource names: for the checks
    that must see the whole file (personal data), not only the sheet published as a table."""
    from catalog.sheets import sheet_names

    fmt = resource_format({"path": str(path)})
    with contextlib.ExitStack() as stack:
        readings = []
        for name in sheet_names(path, fmt):
            if name == skip:
                continue
            descriptor = {"name": "sheet", "path": Path(path).name, "format": fmt}
            readings.append(stack.enter_context(open_table(descriptor, Path(path), str(Path(path).parent),
                                                           display, sheet=name, text_schema=False)))
        yield readings
