"""The descriptor `describe` writes, built from the files' samples."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from catalog import licences, placeholders
from catalog.describe import folder as folders
from catalog.describe import spatial
from catalog.describe.infer import Column, infer_column, primary_key
from catalog.describe.read import DEFAULT_SAMPLE_ROWS, Sample, read_csv, read_excel
from catalog.errors import UnusableInput
from catalog.validate.metadata import FREQUENCIES

GTFS_NAMES = {"agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt", "calendar.txt",
              "calendar_dates.txt", "shapes.txt", "frequencies.txt", "transfers.txt", "feed_info.txt",
              "fare_attributes.txt", "fare_rules.txt", "pathways.txt", "levels.txt", "attributions.txt",
              "translations.txt"}
TABLES = {".csv", ".tsv", ".txt"}
SPREADSHEETS = {".xlsx", ".xlsm", ".xls", ".ods"}
GEOJSON = {".geojson", ".json"}
CONTACT = re.compile(r"(\+33 ?|0)[1-9]([ .-]?\d{2}){4}|[^@\s]+@[^@\s]+\.[a-z]{2,}", re.IGNORECASE)
MAX_INSEE = 100
THEMES = ("transport", "energy", "budget", "facilities", "boundaries", "mobility", "population", "environment",
          "health", "education", "culture", "economy", "housing", "tourism", "agriculture", "society")


@dataclass
class Described:
    folder: Path
    dataset_id: str
    descriptor: dict
    written: list[str]
    notes: list[str] = field(default_factory=list)  # what was detected and declared, in words
    suggestions: list[str] = field(default_factory=list)  # national schemas the headers match
    placeholders: list[str] = field(default_factory=list)  # keys still to fill in


def _location(root: Path, files: list[Path]):
    """(publisher, dataset) when every file already lies in the hub's datasets/<publisher>/<dataset>/."""
    base = (Path(root) / "datasets").resolve()
    parents = {f.resolve().parent for f in files}
    if len(parents) == 1:
        parent = parents.pop()
        if parent.parent.parent == base:
            return parent.parent.name, parent.name
    return None, None


def _default_publisher(root: Path) -> str:
    profiles = sorted(p.stem for p in (Path(root) / "publishers").glob("*.yml"))
    if len(profiles) == 1:
        return profiles[0]
    raise UnusableInput("which publisher? " + (f"the hub has {len(profiles)} profiles ({', '.join(profiles)})."
                                              if profiles else "the hub has no publisher profile (publishers/*.yml)."),
                        "Pass --publisher SLUG (its profile is publishers/SLUG.yml; README, \"Publisher profiles\").")


def _table(path: Path, name: str, sample: Sample, gtfs: bool, notes: list[str], public=()):
    """The resource of one table, its schema inferred; (resource, bbox, insee codes)."""
    # Frictionless reads a header cell without its surrounding spaces ("long " is the column "long"):
    # a field named with them would not match the file it was described from.
    sample.header = [header.strip() for header in sample.header]
    columns = [Column.of(header, sample.column(i)) for i, header in enumerate(sample.header)]
    for index in sample.numeric:
        if index < len(columns):
            columns[index].spreadsheet_numbers = True
    inferred = [infer_column(c, gtfs=gtfs, complete=sample.complete) for c in columns]
    fields = [i.field for i in inferred]
    seen = {}
    for number, item in enumerate(fields, 1):
        if not item["name"].strip():
            raise UnusableInput(f"{path.name}: column {number} has no name in the header row.",
                                "Give every column a name in the first row (or delete the empty column).")
        if item["name"] in seen:
            raise UnusableInput(f"{path.name}: columns {seen[item['name']]} and {number} are both named "
                                f"{item['name']!r}.", "Give each column its own name in the first row.")
        seen[item["name"]] = number
    for column, item in zip(columns, fields):
        contacts = sum(n for value, n in column.values.items() if CONTACT.fullmatch(value))
        if item["name"] in public:
            item["catalog"] = {"public": True}
        elif item["type"] == "string" and column.values and contacts >= 0.8 * (column.rows - column.empty):
            # Phones and e-mails: a service's public contact, or personal data. Only a person can tell.
            item["catalog"] = {"public": placeholders.make(
                "true if these are public contacts (a service's phone or e-mail); if they are private persons', "
                "remove the column before publishing")}
    schema = {"fields": fields}
    # Frictionless reports an empty row's key as missing (primary-key): no key over a table holding one.
    key = primary_key(columns, fields) if sample.complete and not sample.layout.blank_rows else []
    if key:
        schema["primaryKey"] = key
    habits = {}
    for item in inferred:
        for habit in item.habits:
            habits.setdefault(habit, []).append(item.field["name"])
        if placeholders.is_placeholder(item.field.get("catalog", {}).get("public")):
            habits.setdefault("phones or e-mails (public contacts? to decide)", []).append(item.field["name"])
        elif item.field.get("catalog", {}).get("public") is True:
            habits.setdefault("public contacts (--public)", []).append(item.field["name"])
    rows = f"{len(sample.rows):,} rows" + ("" if sample.complete else f" (the first {len(sample.rows):,}: a sample)")
    said = [f"{path.name}: {len(fields)} columns, {rows}"]
    if sample.encoding:
        said.append(f"encoding {sample.encoding}, delimiter {sample.delimiter!r}")
    if sample.sheet:
        others = [s for s in sample.sheets if s != sample.sheet]
        said.append(f"sheet {sample.sheet!r}" + (f" (others: {', '.join(others)}; --sheet to choose)" if others else ""))
    notes.append("; ".join(said))
    for habit, names in habits.items():
        notes.append(f"  {habit}: {', '.join(names[:6])}" + (f" and {len(names) - 6} more" if len(names) > 6 else ""))
    if key:
        notes.append(f"  primary key: {key[0]}")
    resource = {"name": folders.slug(path.stem), "title": spatial.title(path.stem), "path": name}
    suffix = path.suffix.lower()
    layout = sample.layout.dialect()
    if suffix in SPREADSHEETS:
        resource.update({"format": suffix.lstrip("."), "dialect": {"excel": {"sheet": sample.sheet}, **layout}})
    else:
        resource.update({"format": "csv", "mediatype": "text/csv", "encoding": sample.encoding})
        if sample.delimiter != "," or layout:
            resource["dialect"] = {"delimiter": sample.delimiter, **layout}
    if layout:
        notes.append(f"  layout: {'; '.join(sample.layout.notes)}: declared in the dialect so that only the "
                     f"table is read ({', '.join(f'{k} {v}' for k, v in layout.items())})")
    resource["schema"] = schema
    bbox = None
    pairs = spatial.coordinates(sample, fields)
    by_name = {item["name"]: item for item in fields}
    for lat, lon, crs, box in pairs:
        notes.append(f"  coordinates: latitude {lat}, longitude {lon}" + (f" ({crs})" if crs else
                                                                           " (unknown coordinate system)"))
        if crs and crs != "EPSG:4326":  # declared, so validate reads them as what they are
            for name in (lat, lon):
                by_name[name]["catalog"] = {**by_name[name].get("catalog", {}), "crs": crs}
    if pairs:
        lat, lon, crs, bbox = pairs[0]
        resource["catalog"] = {"coordinates": {"latitude": lat, "longitude": lon, **({"crs": crs} if crs else {})}}
    return resource, bbox, spatial.insee_codes(columns, fields), sample.header


def describe(files, root: Path = Path("."), publisher: str | None = None, dataset: str | None = None,
             schema: str | None = None, force: bool = False, sheet: str | None = None,
             sample_rows: int = DEFAULT_SAMPLE_ROWS, title: str | None = None, description: str | None = None,
             frequency: str | None = None, theme: str | None = None, coverage: str | None = None,
             public=()) -> Described:
    """Describe data files as one dataset of the hub under `root`; see the module docstring."""
    root = Path(root)
    paths = [Path(f) for f in files]
    if not paths:
        raise UnusableInput("no file to describe.", "Name the data files: catalog describe toilettes.csv")
    for path in paths:
        if not path.is_file():
            raise UnusableInput(f"{path}: no such file.", "Check the path (describe takes data files).")
    if sample_rows < 1:
        raise UnusableInput("--sample-rows must be at least 1.", "Give a positive number of rows.")
    if frequency is not None and frequency not in FREQUENCIES:
        raise UnusableInput(f"--frequency {frequency!r} is not known.", "Use one of: " + ", ".join(FREQUENCIES) + ".")
    here_publisher, here_dataset = _location(root, paths)
    publisher = folders.check_name(publisher or here_publisher or _default_publisher(root), "publisher")
    dataset = folders.check_name(dataset or here_dataset or folders.slug(paths[0].stem), "dataset")
    target = folders.target_folder(root, publisher, dataset)
    national = None
    if schema:
        from catalog.schemas import resolve
        national = resolve(schema, "--schema")

    names = {}
    for path in paths:
        name = path.name if path.resolve().parent == target else folders.file_name(path)
        if name in names:
            raise UnusableInput(f"two files would be named {name!r} in the dataset folder.", "Rename one of them.")
        names[name] = path
    gtfs = any(p.suffix.lower() == ".zip" for p in paths) or (
        "stops.txt" in {p.name for p in paths} and all(p.name in GTFS_NAMES for p in paths))
    notes, suggestions, resources, boxes, codes = [], [], [], [], set()
    tables = [n for n, p in names.items() if p.suffix.lower() in TABLES | SPREADSHEETS]
    if national and len(tables) != 1:
        raise UnusableInput("--schema applies to one table, and there are " + str(len(tables)) + ".",
                            "Describe the table that follows the national schema on its own.")
    for name, path in names.items():
        suffix = path.suffix.lower()
        if suffix in TABLES or suffix in SPREADSHEETS:
            sample = read_excel(path, sheet, sample_rows) if suffix in SPREADSHEETS else read_csv(path, sample_rows)
            resource, bbox, found_codes, header = _table(path, name, sample, gtfs, notes, set(public))
            unknown = set(public) - set(header)
            if unknown and len(tables) == 1:
                raise UnusableInput(f"--public {', '.join(sorted(unknown))}: no such column in {path.name}.",
                                    f"Name columns of its header: {', '.join(header[:8])}…")
            if national:
                resource["schema"] = str(national.reference)
                if public:  # a national schema is not edited: its public columns are declared beside it
                    resource["catalog"] = {**resource.get("catalog", {}), "public": sorted(set(public))}
                missing = [f["name"] for f in national.schema["fields"] if f.get("name") not in header]
                notes.append(f"  refers to the national schema {national.label} ({national.reference})"
                             + (f"; the file lacks {len(missing)} of its columns: {', '.join(missing[:5])}"
                                if missing else ""))
            elif not gtfs:
                from catalog.schemas.match import matches
                for match in matches(header)[:1]:
                    suggestions.append(f"{path.name}: its headers match the national schema {match.label} "
                                       f"({match.shared} of its {match.fields} columns). To check it against that "
                                       f"schema, describe it again with --schema {match.reference} --force.")
            resources.append(resource)
            boxes.append(bbox)
            codes |= found_codes
        elif suffix in GEOJSON:
            resource, bbox, found_codes = spatial.geojson(path, name, notes)
            resources.append(resource)
            boxes.append(bbox)
            codes |= found_codes
        elif suffix == ".zip":
            resource, bbox = spatial.gtfs_zip(path, name, notes)
            resources.append(resource)
            boxes.append(bbox)
        else:
            raise UnusableInput(f"{path.name}: describe reads CSV, TSV, Excel (.xlsx, .xls), OpenDocument (.ods), GeoJSON and GTFS "
                                f"zips, not {suffix or 'files without an extension'}.",
                                "Export the data as CSV (or GeoJSON for a map layer).")

    profile = _profile(root, publisher)
    descriptor = {
        "name": dataset,
        "title": title or (spatial.title(paths[0].stem) if len(paths) == 1 else spatial.title(dataset)),
        "description": description or placeholders.make(
            "describe the data in at least 100 characters: what it is, who produces it, how it is collected, "
            "its limits."),
        "licenses": [licences.descriptor(profile.licence)] if profile else [{"name": placeholders.make(
            "the licence: etalab-2.0, ODbL-1.0, CC-BY-4.0, CC0-1.0 or ODC-PDDL-1.0")}],
    }
    hub = {"theme": theme or placeholders.make("one of " + ", ".join(THEMES)),
           "frequency": frequency or placeholders.make("how often the data changes: " + ", ".join(FREQUENCIES))}
    bbox = spatial.merge(boxes)
    if bbox or codes or coverage:
        area = {"label": coverage or placeholders.make("the area covered, e.g. the town's name")}
        if codes and len(codes) <= MAX_INSEE:
            area["insee"] = sorted(codes)
        if bbox:
            area["bbox"] = spatial.padded(bbox)
        hub["spatial"] = area
    if gtfs:
        hub["profile"] = "gtfs"
    descriptor["catalog"] = hub
    descriptor["resources"] = resources
    if not profile:
        notes.append(f"no profile publishers/{publisher}.yml: create it before publishing (README, "
                     "\"Publisher profiles\").")
    text = json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"
    written = folders.write(target, names, text, force)
    return Described(target, f"{publisher}/{dataset}", descriptor, written, notes, suggestions,
                     [_said(descriptor, key) for key, _ in placeholders.find(descriptor)])


def _said(descriptor, key):
    """`resources[0].schema.fields[2].catalog.public` as a person reads it."""
    from catalog.validate.metadata import FIELD_KEY

    match = FIELD_KEY.fullmatch(key)
    if not match:
        return key
    resource = descriptor["resources"][int(match.group(1))]
    name = resource["schema"]["fields"][int(match.group(2))]["name"]
    return f"{match.group(3)} of column {name!r} ({resource['path']})"


def _profile(root: Path, publisher: str):
    from catalog.publishers import check_profile

    path = Path(root) / "publishers" / f"{publisher}.yml"
    return check_profile(path)[0] if path.is_file() else None
