"""Where a dataset lies: coordinate columns (and their system), INSEE codes, the bounding box of
a table, a GeoJSON layer or a GTFS feed."""
from __future__ import annotations

import math
import re
from pathlib import Path

from catalog.describe import folder as folders
from catalog.describe.infer import Column, words
from catalog import geojson_rows
from catalog.describe.read import DEFAULT_SAMPLE_ROWS, Sample
from catalog.errors import UnusableInput
from catalog.delimited import Unsplittable, text_batches

INSEE = re.compile(r"\d{5}|2[AB]\d{3}")
INSEE_WORDS = {"insee", "depcom", "codgeo", "cog"}
MAX_GEOJSON_BYTES = 512 * 1024**2


def title(stem: str) -> str:
    text = re.sub(r"[_\-.]+", " ", stem).strip()
    text = re.sub(r"\s+", " ", text)
    return (text[:1].upper() + text[1:]) if text else stem


def _number(text: str) -> float | None:
    try:
        value = float(text.replace("\u00a0", "").replace(" ", "").replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def coordinates(sample: Sample, fields: list[dict]) -> list[tuple]:
    """Every latitude/longitude pair of a table: (lat, lon, crs or None, WGS84 bbox or None),
    those in WGS84 degrees first."""
    from catalog.validate.geo import _axis, _partner

    numeric = [f["name"] for f in fields if f["type"] in ("number", "integer")]
    lats = [n for n in numeric if _axis(n) == "lat"]
    lons = [n for n in numeric if _axis(n) == "lon"]
    index = {name: i for i, name in enumerate(sample.header)}
    declared = _declared_epsg(sample)
    pairs = []
    for lat in lats:
        lon = _partner(lat, lons)
        if lon is None:
            continue
        points = [(_number(a), _number(b)) for a, b in zip(sample.column(index[lat]), sample.column(index[lon]))]
        # (0, 0) stands for "no position" in many exports: it says nothing of the system.
        points = [(y, x) for y, x in points if y is not None and x is not None and (y, x) != (0, 0)]
        if not points:
            continue
        ys, xs = [p[0] for p in points], [p[1] for p in points]
        if all(-90 <= y <= 90 for y in ys) and all(-180 <= x <= 180 for x in xs):
            pairs.append((lat, lon, "EPSG:4326", [min(xs), min(ys), max(xs), max(ys)]))
        elif declared:
            pairs.append((lat, lon, declared, None))
        elif all(0 <= x <= 1_300_000 for x in xs) and all(6_000_000 <= y <= 7_200_000 for y in ys):
            pairs.append((lat, lon, "EPSG:2154", None))  # Lambert-93, metropolitan France's official projection
        else:
            pairs.append((lat, lon, None, None))
    return sorted(pairs, key=lambda p: p[2] != "EPSG:4326")


def _declared_epsg(sample: Sample) -> str | None:
    """The coordinate system an `epsg`/`crs` column states, when it states one for every row."""
    for index, name in enumerate(sample.header):
        if words(name) in (["epsg"], ["crs"], ["srid"], ["code", "epsg"]):
            values = {v.strip().upper().removeprefix("EPSG:") for v in sample.column(index) if v.strip()}
            if len(values) == 1 and (value := values.pop()).isdigit() and value != "4326":
                return f"EPSG:{value}"
    return None


def insee_codes(columns: list[Column], fields: list[dict]) -> set[str]:
    codes = set()
    for column, item in zip(columns, fields):
        tokens = set(words(item["name"]))
        if item["type"] == "string" and (tokens & INSEE_WORDS or {"code", "commune"} <= tokens):
            if column.values and all(INSEE.fullmatch(v) for v in column.values):
                codes |= set(column.values)
    return codes


def geojson(path: Path, name: str, notes: list[str]):
    if path.stat().st_size > MAX_GEOJSON_BYTES:
        raise UnusableInput(f"{path.name}: larger than {MAX_GEOJSON_BYTES:,} bytes.", "Split the file.")
    try:
        data = geojson_rows.load(path)
    except ValueError as error:
        raise UnusableInput(f"{path.name}: not valid JSON ({error}).", "Export the layer again as GeoJSON.") from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise UnusableInput(f"{path.name}: not a GeoJSON FeatureCollection.", "Export the layer as GeoJSON.")
    xs, ys, codes = [], [], set()

    def walk(coordinates):
        if isinstance(coordinates, list) and len(coordinates) >= 2 and all(
                isinstance(v, (int, float)) for v in coordinates[:2]):
            xs.append(coordinates[0])
            ys.append(coordinates[1])
        elif isinstance(coordinates, list):
            for item in coordinates:
                walk(item)

    for feature in features:
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if isinstance(geometry, dict):
            walk(geometry.get("coordinates"))
        for key, value in geojson_rows.row(feature).items():
            if set(words(key)) & (INSEE_WORDS | {"code"}) and isinstance(value, str) and INSEE.fullmatch(value):
                codes.add(value)
    notes.append(f"{path.name}: GeoJSON, {len(features):,} features")
    bbox = [min(xs), min(ys), max(xs), max(ys)] if xs and all(-180 <= x <= 180 for x in xs) and all(
        -90 <= y <= 90 for y in ys) else None
    resource = {"name": folders.slug(path.stem), "title": title(path.stem), "path": name, "format": "geojson",
                "mediatype": "application/geo+json"}
    return resource, bbox, codes


def gtfs_zip(path: Path, name: str, notes: list[str]):
    from catalog.safety import open_zip

    with open_zip(path, path.name) as archive:
        members = {Path(n).name: n for n in archive.namelist()}
        if "stops.txt" not in members:
            raise UnusableInput(f"{path.name}: a zip without stops.txt is not a GTFS feed.",
                                "Describe the files inside it instead.")
        bbox = None
        lats, lons = [], []
        batches = text_batches(lambda: archive.open(members["stops.txt"]), "utf-8-sig", ",", rows=DEFAULT_SAMPLE_ROWS)
        try:
            batch = next(batches, None)
        except Unsplittable:
            batch = None
        finally:
            batches.close()
        names = [n.strip() for n in batch.names] if batch else []
        if "stop_lat" in names and "stop_lon" in names:
            for lat, lon in zip(batch.columns[names.index("stop_lat")].to_pylist(),
                                batch.columns[names.index("stop_lon")].to_pylist()):
                lat, lon = _number(lat), _number(lon)
                if lat is not None and lon is not None:
                    lats.append(lat)
                    lons.append(lon)
        if lats:
            bbox = [min(lons), min(lats), max(lons), max(lats)]
    notes.append(f"{path.name}: GTFS feed ({len(members)} files)")
    resource = {"name": folders.slug(path.stem), "title": title(path.stem), "path": name, "format": "zip",
                "mediatype": "application/zip"}
    return resource, bbox


def padded(bbox):
    west, south, east, north = bbox
    pad = 0.005
    return [round(west - pad, 4), round(south - pad, 4), round(east + pad, 4), round(north + pad, 4)]


def merge(boxes):
    boxes = [b for b in boxes if b]
    if not boxes:
        return None
    return [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]
