"""A small table's rows checked against its Table Schema in plain Python: types, constraints,
missing values, unique fields and the primary key, with the errors Frictionless would report.

The table is read as text (text_table.py) and each distinct cell of a field is read once:
integers and numbers through int() and Decimal() as Frictionless' readers read them, the
rules of cell_rules.py the other common cells (booleans, ISO or dd/mm/yyyy dates, times,
date-times, years, points, strings; e-mails, URIs and UUIDs through the libraries
Frictionless checks them with), the constraints are then checked on the value as
Frictionless' checks do. A cell no rule settles (NaN, an infinity, 24:00:00, a date written
otherwise...) goes to Frictionless' own cell reader, imported only then: it stays the
reference for type decisions. The rows' errors are then put together as Frictionless' row
stream does (frictionless/table/row.py: the unique and key fields' cells first, the others,
extra then missing cells, a blank row alone; then repeated values and keys).

Only for a descriptor plain_descriptor.py accepts, whose header is the schema's field names:
anything else raises `StepAside`, and Frictionless validates the table itself.
"""
from __future__ import annotations

import codecs
import datetime
import json
import operator
import re
from decimal import Decimal

from catalog.validate import cell_rules
from catalog.validate.table_report import TableError, TableReport, TaskReport
from catalog.validate.text_table import StepAside, TextTable

ROW_NOTE = "the same as in the row at position %s"  # table_checks.py words them alike
ALL_NONE = 'cells composing the primary keys are all "None"'
DEFAULT_TRUE = ["true", "True", "TRUE", "1"]  # Frictionless' defaults (Table Schema's)
DEFAULT_FALSE = ["false", "False", "FALSE", "0"]
TIME_RE = re.compile(r"^([0-9]{2}):([0-9]{2}):([0-9]{2})$")
DATETIME_RE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(Z|[+-][0-9]{2}:?[0-9]{2})?$")
YEAR_RE = re.compile(r"^[0-9]{4}$")
_DECIMAL = r"(-?[0-9]{1,3}(?:\.[0-9]{1,15})?)"
_JSON_DECIMAL = r"(?:-?(?:0|[1-9][0-9]{0,2})(?:\.[0-9]{1,15})?)"  # a JSON number: no leading zero
POINT_RE = re.compile(rf"^ *{_DECIMAL} *, *{_DECIMAL} *$")
POINT_ARRAY_RE = re.compile(rf"^\[ *{_JSON_DECIMAL} *, *{_JSON_DECIMAL} *\]$")
UNSURE = object()  # no rule settles the cell: Frictionless' reader does
NOT = object()  # surely no value of the field's type: a type error
COMPARE = {"minimum": operator.ge, "maximum": operator.le, "exclusiveMinimum": operator.gt,
           "exclusiveMaximum": operator.lt}


class FieldRule:
    """One field's cells: `read(cell)` gives (value, verdict) as Frictionless' cell reader
    would, verdict being ((error type, note), ...), empty when the cell is fine."""

    def __init__(self, field: dict, missing: list, fallback):
        self.field = field
        self.name = field["name"]
        self.kind = field.get("type", "string")
        self.format = field.get("format", "default")
        self.missing = set(field["missingValues"]) if "missingValues" in field else set(missing)
        self.constraints = field.get("constraints", {})
        self.fallback = fallback  # Frictionless' reader for this field, built when first needed
        self.sure = self.kind != "string" or self.format in STRING_FORMATS
        self.value_of = value_reader(field)
        self.checks = []
        for name in cell_rules.constraint_order(self.kind):
            if name not in self.constraints:
                continue
            constraint = self.constraints[name]
            if name in cell_rules.BOUNDS:
                constraint = descriptor_value(field, constraint)
            elif name == "enum":
                constraint = [descriptor_value(field, v) for v in constraint]
            elif name == "pattern":
                constraint = re.compile("^{0}$".format(constraint))
            self.checks.append((name, constraint, cell_rules.constraint_note(name, self.constraints[name])))
        self.cache: dict = {}

    def read(self, cell):
        found = self.cache.get(cell)
        if found is None:
            found = self.read_uncached(cell)
            if found[0] == found[0]:  # a NaN is a new value on every row (NaN != NaN): keys never match it
                self.cache[cell] = found
        return found

    def read_uncached(self, cell):
        if not self.sure:  # another string format: Frictionless' reader reads every cell
            value = UNSURE
        else:
            value = None if cell is None or cell in self.missing else self.value_of(cell)
        if value is UNSURE:
            try:
                value, notes = self.fallback()(cell)
            except (TypeError, ValueError, ArithmeticError) as error:
                # Frictionless raises on a constraint it cannot apply (a naive bound, zoned
                # cells): the full path turns that into a finding on the schema.
                raise StepAside(f"Frictionless' reader raised: {error}") from None
            return value, cell_rules.verdict(notes)
        if value is NOT:
            return None, (("type-error", cell_rules.type_note(self.kind, self.format)),)
        return value, tuple(("constraint-error", note) for name, constraint, note in self.checks
                            if not _holds(name, constraint, value))



def _holds(name, constraint, value) -> bool:
    """Frictionless' constraint checks (frictionless/schema/field.py), on a value read as it reads it."""
    if name == "required":
        return not (constraint and value is None)
    if value is None:
        return True
    if name == "minLength":
        return len(value) >= constraint
    if name == "maxLength":
        return len(value) <= constraint
    if name == "pattern":
        return bool(constraint.match(value))
    if name == "enum":
        return value in constraint
    if value != value:
        return False
    return COMPARE[name](value, constraint)


def value_reader(field: dict):
    """A function reading one cell's text of this field: its value, `NOT` (surely no value of
    the type) or `UNSURE` (Frictionless' reader decides)."""
    kind, fmt = field.get("type", "string"), field.get("format", "default")
    if kind == "string":
        return STRING_FORMATS[fmt]() if fmt in STRING_FORMATS else (lambda cell: UNSURE)
    if kind == "boolean":
        mapping = {v: True for v in field.get("trueValues", DEFAULT_TRUE)}
        mapping.update({v: False for v in field.get("falseValues", DEFAULT_FALSE)})
        return lambda cell: mapping.get(cell, NOT)
    if kind == "integer":
        return _integer
    if kind == "number":
        decimal, group = field.get("decimalChar", "."), field.get("groupChar", "")

        def number(cell):
            # As Frictionless reads it (frictionless/fields/number.py): stripped, group
            # characters removed, a "." refused beside another decimal character.
            text = cell.strip().replace(group, "") if group else cell.strip()
            if decimal != "." and "." in text:
                return NOT
            try:
                value = Decimal(text.replace(decimal, "."))
            except ArithmeticError:
                return NOT
            return value if value.is_finite() else UNSURE  # NaN and infinities: its constraints' business
        return number
    if kind == "date":
        shape, order, separators = cell_rules.date_pattern("%Y-%m-%d" if fmt == "default" else fmt)
        shape = re.compile(shape)

        def date(cell):
            match = shape.match(cell)
            if match:
                parts = dict(zip(order, map(int, match.groups())))
                try:
                    return datetime.date(parts["%Y"], parts["%m"], parts["%d"])
                except ValueError:  # 2020-02-30: strptime refuses it too
                    return NOT
            return NOT if cell_rules.surely_not_date(cell, separators) else UNSURE
        return date
    if kind == "time":
        return lambda cell: _clock(TIME_RE, cell, lambda h, m, s: datetime.time(int(h), int(m), int(s)))
    if kind == "datetime":
        # A zone is read as dateutil reads it (the same instant, the same text), but a bound or an
        # enum of naive date-times does not compare with it: Frictionless' reader says what then.
        compared = bool(set(field.get("constraints", {})) & (set(cell_rules.BOUNDS) | {"enum"}))
        return lambda cell: _clock(DATETIME_RE, cell, _datetime, compared)
    if kind == "year":
        return lambda cell: int(cell) if YEAR_RE.match(cell) else (NOT if len(cell) != 4 else UNSURE)
    if kind == "geopoint":
        return lambda cell: _point(cell, fmt)
    raise StepAside(f"no plain reader for {kind}")  # plain_descriptor.py lets none through


def _integer(cell):
    try:  # as Frictionless reads it (frictionless/fields/integer.py): "-", "+1", " 7", "1_000"...
        return int(cell.strip())
    except ValueError:
        return NOT


def _clock(shape, cell, make, compared=False):
    """A time or date-time: the value, or Frictionless' reader (dateutil reads 24:00:00 as
    midnight) for whatever the plain shape does not build."""
    match = shape.match(cell)
    if not match or (compared and match.groups()[-1]):
        return UNSURE
    try:
        return make(*match.groups())
    except ValueError:
        return UNSURE


def _datetime(year, month, day, hour, minute, second, zone=None):
    zone = None if zone is None else datetime.timezone.utc if zone == "Z" else datetime.timezone(
        (1 if zone[0] == "+" else -1) * datetime.timedelta(hours=int(zone[1:3]), minutes=int(zone[-2:])))
    return datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=zone)


def _point(cell, fmt):
    """A "lon, lat" (default) or "[lon, lat]" (array) point of plain decimals, read as Frictionless
    reads it (each number through Decimal; a JSON number first for an array), NOT when off the
    globe; any other writing is Frictionless' reader's."""
    match = (POINT_RE if fmt == "default" else POINT_ARRAY_RE).match(cell)
    if not match:
        return UNSURE
    lon, lat = match.groups() if fmt == "default" else json.loads(cell)
    lon, lat = Decimal(lon), Decimal(lat)
    return (lon, lat) if -180 <= lon <= 180 and -90 <= lat <= 90 else NOT


def _email():
    import validators  # what Frictionless checks an e-mail with (validators.email)

    return lambda cell: cell if validators.email(cell) else NOT


def _uuid():
    import validators

    return lambda cell: cell if validators.uuid(cell) else NOT


def _uri():
    import rfc3986  # what Frictionless checks a URI with: a reference with a scheme

    def uri(cell):
        checker = rfc3986.validators.Validator()
        checker.require_presence_of("scheme")
        try:
            checker.validate(rfc3986.uri_reference(cell))
        except rfc3986.exceptions.ValidationError:
            return NOT
        return cell
    return uri


STRING_FORMATS = {"default": lambda: (lambda cell: cell), "email": _email, "uuid": _uuid, "uri": _uri}


def descriptor_value(field: dict, value):
    """A bound or enum value of the descriptor as Frictionless' value reader reads it, or None
    when the plain reader cannot say (the descriptor is then Frictionless' to check)."""
    kind = field.get("type", "string")
    if isinstance(value, str):
        try:
            read = value_reader(field)(value)
        except StepAside:
            return None
        return None if read is NOT or read is UNSURE else read
    if kind == "boolean" and isinstance(value, bool):
        return value
    if isinstance(value, bool):
        return None
    if kind in ("integer", "year") and isinstance(value, int):
        return value if kind == "integer" or 0 <= value <= 9999 else None
    if kind == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    if kind == "number" and isinstance(value, int):
        return value
    if kind == "number" and isinstance(value, float) and value == value:
        return Decimal(str(value))
    return None


def typed_report(table: TextTable, schema: dict, name: str, limit: int, encoding: str = "utf-8") -> TableReport:
    """Frictionless' errors on this table against `schema` (a plain one: plain_descriptor.py),
    its text decoded with `encoding`. A header other than the field names, or reaching `limit`,
    steps aside."""
    fields = schema["fields"]
    names = [f["name"] for f in fields]
    labels = list(table.labels)
    if labels and labels[0].startswith("\ufeff") and codecs.lookup(encoding).name == "utf-8":
        labels[0] = labels[0][1:]  # Frictionless reads a declared UTF-8 with a BOM as utf-8-sig
    if labels != names:
        raise StepAside("a header that is not the schema's field names: Frictionless says how")
    fallback = FrictionlessReaders(schema)
    rules = [FieldRule(f, schema.get("missingValues", [""]), fallback.reader(f["name"])) for f in fields]
    unique = [(i, {}) for i, f in enumerate(fields) if f.get("constraints", {}).get("unique")]
    key = schema.get("primaryKey", [])
    key = [names.index(k) for k in ([key] if isinstance(key, str) else key)]
    primary: dict = {}
    errors = []
    for row_number, cells in enumerate(table.rows, start=2):
        row = _Row(cells, rules, row_number)
        # Frictionless reads a row's unique and key fields first, when it looks their values
        # up, and its other cells when it first lists the row's errors: its errors come in that order.
        for index, seen in unique:
            value = row.value(index)
            if value is not None:
                earlier = seen.get(value)
                seen[value] = row_number
                if earlier:
                    row.errors().append(TableError("unique-error", ROW_NOTE % earlier, row_number, str(value),
                                                   names[index], index + 1))
        if key:
            cells_key = tuple(row.value(i) for i in key)
            if set(cells_key) == {None}:
                row.errors().append(TableError("primary-key", ALL_NONE, row_number))
            else:
                earlier = primary.get(cells_key)
                primary[cells_key] = row_number
                if earlier:
                    row.errors().append(TableError("primary-key", ROW_NOTE % earlier, row_number))
        errors += row.errors()
        if len(errors) >= limit:
            raise StepAside("the error limit")
    return TableReport([TaskReport(name, errors)])


class _Row:
    """One row read as Frictionless' Row reads it (frictionless/table/row.py): a field's cell
    when its value is asked for, the others, the extra and missing cells and the blank row when
    its errors are."""

    def __init__(self, cells: list, rules: list, number: int):
        self.cells, self.rules, self.number = cells, rules, number
        self.values: dict = {}
        self.found: list = []
        self.blank = 0
        self.complete = False

    def value(self, index: int):
        if index not in self.values:
            self._read(index)
        return self.values[index]

    def _read(self, index: int):
        rule = self.rules[index]
        source = self.cells[index] if index < len(self.cells) else None
        value, verdict = rule.read(source)
        self.values[index] = value
        if value is None and not (verdict and verdict[0][0] == "type-error"):
            self.blank += 1
        shown = "None" if source is None else source  # Frictionless' str() of a missing cell
        self.found += [TableError(kind, note, self.number, shown, rule.name, index + 1) for kind, note in verdict]

    def errors(self) -> list:
        if self.complete:
            return self.found
        width = len(self.rules)
        for index in range(width):
            if index not in self.values:
                self._read(index)
        self.found += [TableError("extra-cell", "", self.number, cell, "", number)
                       for number, cell in enumerate(self.cells[width:], start=width + 1)]
        self.found += [TableError("missing-cell", "", self.number, "", self.rules[number - 1].name, number)
                       for number in range(len(self.cells) + 1, width + 1)]
        if self.blank == width:
            self.found = [TableError("blank-row", "", self.number)]
        self.complete = True
        return self.found


class FrictionlessReaders:
    """Frictionless' cell readers for this schema, built at the first cell no rule settles."""

    def __init__(self, schema: dict):
        self.descriptor = schema
        self.schema = None
        self.readers: dict = {}

    def reader(self, name: str):
        def get():
            if name not in self.readers:
                if self.schema is None:
                    import frictionless

                    self.schema = frictionless.Schema.from_descriptor(self.descriptor)
                self.readers[name] = self.schema.get_field(name).create_cell_reader()
            return self.readers[name]
        return get
