"""Load one data package (as `catalog package` wrote it) into the hub SQLite database.

Tables are typed from the inlined Table Schema, declare their primary and foreign
keys (Datasette then links rows), get indexes on key and filter columns and
full-text search on fields marked `"catalog": {"searchable": true}`. GeoJSON
resources become a table of features: their properties plus a `geometry` column
holding GeoJSON text, which datasette-leaflet-geojson draws.

Speed: the normalised CSV is already clean (UTF-8, `,`, `.` decimals, ISO dates,
`true`/`false`), so typing is done in the INSERT statement — column affinity turns
'12' into an INTEGER, `catalog_real(?)` a number cell into the double nearest to it
(SQLite's own reading before 3.43 misrounds some long decimals), `NULLIF(?, '')` empty
cells into NULL (in fields that can hold one) — and the csv reader's rows go straight to
`executemany` without a Python loop per cell; a large file is inserted by two processes
(catalog/split_load.py). Indexes and full-text search are built once the rows are in.
"""
from __future__ import annotations

import csv
import itertools
import json
import re
import sqlite3
from pathlib import Path

import sqlite_utils

from catalog.errors import UnusableInput
from catalog.naming import table_name
from catalog.safety import inside
from catalog.split_load import SecondHalf, csv_field_limit, register

CHUNK_ROWS = 100_000
SEARCH_TOKENIZE = "porter unicode61 remove_diacritics 2"

# Table Schema type -> SQLite column type. Dates, times, durations stay ISO text;
# objects, arrays and geometries stay JSON text.
SQL_TYPES = {"integer": int, "year": int, "number": float, "boolean": int}

# Names that make a column worth an index: keys other tables or users filter on.
KEY_SUFFIXES = ("_id", "_code", "_insee", "_siren", "_siret")
KEY_NAMES = {"id", "code", "insee", "code_insee", "code_commune", "siren", "siret"}


def tune_for_build(db: sqlite_utils.Database):
    """Fast settings for a database file being built aside: a crash only loses the temp file."""
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    # A larger cache or in-memory temp store made CREATE INDEX three times slower here: keep defaults.


def table_fields(resource: dict) -> list[dict]:
    schema = resource.get("schema")
    return [f for f in (schema or {}).get("fields", []) if isinstance(f, dict) and f.get("name")]


def is_geojson(resource: dict) -> bool:
    fmt = str(resource.get("format") or "").lower()
    return fmt == "geojson" or str(resource.get("path", "")).lower().endswith(".geojson")


def is_table(resource: dict) -> bool:
    return resource.get("format") == "csv" and bool(table_fields(resource))


def field_hub(field: dict) -> dict:
    value = field.get("catalog")
    return value if isinstance(value, dict) else {}


def as_list(value):
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def index_columns(resource: dict) -> list[str]:
    """Columns users filter or join on: foreign keys, id and code columns, `"catalog": {"index": true}`."""
    fields = table_fields(resource)
    schema = resource.get("schema") or {}
    primary = as_list(schema.get("primaryKey"))
    wanted = []
    for fk in schema.get("foreignKeys") or []:
        columns = as_list(fk.get("fields"))
        if columns:
            wanted.append(columns[0])
    for field in fields:
        name = field["name"]
        low = name.lower()
        # Not enums and booleans: few distinct values, so an index barely narrows a scan.
        if field_hub(field).get("index") or low in KEY_NAMES or low.endswith(KEY_SUFFIXES):
            wanted.append(name)
    # A single-column primary key is already the rowid or has its own index.
    single_pk = primary[0] if len(primary) == 1 else None
    if len(primary) > 1:
        wanted = [c for c in wanted if c != primary[0]]  # the composite key's index starts with it
    return [c for c in dict.fromkeys(wanted) if c != single_pk]


def _foreign_keys(dataset: str, resource: dict, tables: dict[str, str], fields_of: dict[str, list[str]]):
    """Single-column foreign keys to tables of this package, as sqlite-utils tuples."""
    keys = []
    for fk in (resource.get("schema") or {}).get("foreignKeys") or []:
        columns = as_list(fk.get("fields"))
        reference = fk.get("reference") or {}
        target_columns = as_list(reference.get("fields"))
        target = reference.get("resource") or resource.get("name")  # "" means this same resource
        if len(columns) != 1 or len(target_columns) != 1 or target not in tables:
            continue  # composite keys: Datasette only links single columns
        if target_columns[0] not in fields_of.get(target, []):
            continue
        keys.append((columns[0], tables[target], target_columns[0]))
    return keys


def has_table(db: sqlite_utils.Database, name: str) -> bool:
    """`name in db.table_names()`, without listing a hub of 1,000 tables into Python each time."""
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]).fetchone() is not None


def _drop(db: sqlite_utils.Database, name: str):
    if has_table(db, name):
        table = db[name]
        if table.detect_fts():
            table.disable_fts()
        table.drop()


def _order(resources: list[dict]) -> list[dict]:
    """Referenced resources first, so a foreign key always points at an existing table."""
    by_name = {r.get("name"): r for r in resources}
    done, ordered = set(), []

    def visit(resource, path=()):
        name = resource.get("name")
        if name in done or name in path:
            return
        for fk in (resource.get("schema") or {}).get("foreignKeys") or []:
            target = (fk.get("reference") or {}).get("resource")
            if target and target in by_name:
                visit(by_name[target], path + (name,))
        done.add(name)
        ordered.append(resource)

    for resource in resources:
        visit(resource)
    return ordered


def load_package(db: sqlite_utils.Database, package_folder: Path, progress=None, rows_in=None) -> list[str]:
    """Load every table of one package; return the hub table names, in load order.

    Existing tables of the same names are replaced. `progress(table, rows)` is called
    every CHUNK_ROWS rows when given; `rows_in()` once a table's rows are in, before its
    indexes are built (SQLite builds them without holding the GIL: other work can overlap).
    """
    package_folder = Path(package_folder)
    descriptor_path = package_folder / "datapackage.json"
    try:
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UnusableInput(f"{descriptor_path}: cannot read the package descriptor ({error}).",
                            "Run `catalog package` first, then publish the folder it wrote.")
    dataset = descriptor.get("name") or package_folder.name
    resources = [r for r in descriptor.get("resources") or [] if isinstance(r, dict)]
    loadable = [r for r in resources if is_table(r) or is_geojson(r)]
    tables = {r.get("name"): table_name(dataset, r.get("name")) for r in loadable}
    fields_of = {r.get("name"): [f["name"] for f in table_fields(r)] for r in loadable}
    previous = csv_field_limit()
    try:  # the csv module's limit is the whole process's: a library call puts it back
        register(db.conn)
        loaded = []
        for resource in _order(loadable):
            name = tables[resource.get("name")]
            path = inside(package_folder, resource.get("path"))
            if path is None:
                raise UnusableInput(f"{package_folder}: resource {resource.get('name')!r} has a path outside the package.",
                                    "Re-run `catalog package` to rewrite the package.")
            _drop(db, name)
            if is_geojson(resource):
                _load_geojson(db, name, path, rows_in)
            else:
                _load_csv(db, name, path, resource, _foreign_keys(dataset, resource, tables, fields_of), progress,
                          rows_in)
            loaded.append(name)
    finally:
        csv.field_size_limit(previous)
    return loaded


def columns_of(resource: dict) -> dict[str, type]:
    """Hub columns of a tabular resource, with the geopoint-derived latitude/longitude."""
    fields = table_fields(resource)
    columns = {f["name"]: SQL_TYPES.get(f.get("type"), str) for f in fields}
    for extra in geopoint_columns(fields):
        columns[extra[0]] = float
    return columns


def geopoint_columns(fields: list[dict]):
    """(column, source field, part) for the latitude/longitude split out of the first geopoint."""
    names = {f["name"].lower() for f in fields}
    geopoints = [f["name"] for f in fields if f.get("type") == "geopoint"]
    if not geopoints or "latitude" in names or "longitude" in names:
        return []
    return [("latitude", geopoints[0], 1), ("longitude", geopoints[0], 0)]


def never_empty(field: dict) -> bool:
    """Whether a validated package can hold no empty cell in this field: it is required, and an
    empty text is not a value of its type (a string may be empty when the source's missing values
    leave "" out, unless its constraints rule "" out). Geopoints keep the general rule."""
    constraints = field.get("constraints") if isinstance(field.get("constraints"), dict) else {}
    if constraints.get("required") is not True or field.get("type") == "geopoint":
        return False
    if field.get("type") not in ("string", "any", None):
        return True
    if isinstance(constraints.get("minLength"), int) and constraints["minLength"] >= 1:
        return True
    if isinstance(constraints.get("enum"), list) and "" not in [str(v) for v in constraints["enum"]]:
        return True
    try:
        return isinstance(constraints.get("pattern"), str) and re.fullmatch(constraints["pattern"], "") is None
    except re.error:
        return False


def _load_csv(db, name, path: Path, resource: dict, foreign_keys, progress, rows_in=None):
    fields = table_fields(resource)
    schema = resource.get("schema") or {}
    primary = as_list(schema.get("primaryKey"))
    db[name].create(columns_of(resource), pk=primary[0] if len(primary) == 1 else (primary or None),
                    foreign_keys=foreign_keys or None)
    columns, values = [], []
    geopoints = geopoint_columns(fields)
    # Numbered parameters only when a cell is read twice: plain `?` binds measurably faster.
    for i, field in enumerate(fields, start=1):
        columns.append(field["name"])
        param = f"?{i}" if geopoints else "?"
        if field.get("type") == "boolean":
            values.append(f"CASE {param} WHEN 'true' THEN 1 WHEN 'false' THEN 0 END")
        elif field.get("type") == "number":
            values.append(f"catalog_real({param})")  # SQLite's own reading misrounds some decimals
        elif never_empty(field):
            values.append(param)  # NULLIF costs ~0.04 s per million cells: spared where it cannot fire
        else:
            values.append(f"NULLIF({param}, '')")  # column affinity types the rest
    position = {f["name"]: i for i, f in enumerate(fields, start=1)}
    for column, source, part in geopoints:
        columns.append(column)
        values.append(f"catalog_geopoint(?{position[source]}, {part})")
    sql = 'INSERT INTO "{}" ({}) VALUES ({})'.format(
        name, ", ".join(f'"{c}"' for c in columns), ", ".join(values))
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header != [f["name"] for f in fields]:
            raise UnusableInput(f"{path}: the header {header} does not match the schema's fields.",
                                "Re-run `catalog package` to rewrite the package.")

        def insert(rows):
            # One transaction. Chunks are lazy slices of the reader: building lists of rows
            # cost more than the insert itself (allocation and garbage collection).
            with db.conn:
                while True:
                    try:
                        count = db.conn.executemany(sql, itertools.islice(rows, CHUNK_ROWS)).rowcount
                    except (sqlite3.Error, csv.Error) as error:
                        raise UnusableInput(f"{path}, near row {reader.line_num}: cannot load into table {name} "
                                            f"({error}).", "Check that the package passes `catalog validate`, "
                                            "then re-run `catalog package`.")
                    if count <= 0:
                        break
                    if progress:
                        progress(name, count)

        second = SecondHalf(db.conn, name, path, sql)  # a large file: a child inserts its second half
        try:
            if second.lines_before:
                insert(itertools.islice(reader, second.lines_before - 1))  # the header is read
                appended = second.append()
                if appended is None:  # the child failed: the rows after the cut are read here
                    insert(reader)
                elif progress:
                    progress(name, appended)
            else:
                insert(reader)
        finally:
            second.close()
    if rows_in:
        rows_in()
    for column in index_columns(resource):
        db[name].create_index([column], if_not_exists=True)
    searchable = [f["name"] for f in fields if field_hub(f).get("searchable") and SQL_TYPES.get(f.get("type"), str) is str]
    if searchable:
        # Accents and case folded, plurals stripped: `?_search=velo` finds "Vélos" (as the hub's search).
        db[name].enable_fts(searchable, create_triggers=False, replace=True, tokenize=SEARCH_TOKENIZE)


# GeoJSON column kinds (catalog.geojson_rows) as SQLite column types; booleans are 0 and 1.
SQLITE_KINDS = {"boolean": int, "integer": int, "number": float, "object": str, "string": str}


def _load_geojson(db, name, path: Path, rows_in=None):
    """A FeatureCollection (or one Feature/geometry) -> one row per feature, geometry as GeoJSON
    text; rows and column kinds as catalog.geojson_rows decides them for every target."""
    from catalog import geojson_rows

    try:
        found = geojson_rows.features(geojson_rows.load(path))
    except (OSError, ValueError) as error:
        raise UnusableInput(f"{path}: not readable GeoJSON ({error}).", "Re-run `catalog package`.")
    rows = [geojson_rows.row(feature) for feature in found]
    kinds = geojson_rows.column_kinds(rows)
    as_text = [key for key, kind in kinds.items() if kind in ("object", "string")]
    for values in rows:
        for key in as_text:
            value = values.get(key)
            if value is not None and not isinstance(value, str):
                values[key] = geojson_rows.cell_text(value)
        values["geometry"] = json.dumps(values["geometry"], ensure_ascii=False, separators=(",", ":"))
    spec = {key: SQLITE_KINDS[kind] for key, kind in kinds.items()}
    spec["geometry"] = str
    db[name].create(spec, pk="id" if "id" in spec and len({r.get("id") for r in rows}) == len(rows) else None)
    with db.conn:
        db[name].insert_all(rows, batch_size=1000)
    if rows_in:
        rows_in()
    for column in [c for c in spec if c.lower() in KEY_NAMES or c.lower().endswith(KEY_SUFFIXES)]:
        if column != "id":
            db[name].create_index([column], if_not_exists=True)
