"""GeoJSON files: they parse, hold a FeatureCollection of valid geometries in
WGS84 longitude/latitude, plausible for the dataset's area, not swapped; their
properties pass the same personal-data and formula checks as table columns."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from catalog.findings import ERROR, WARNING, Finding
from catalog.geojson_rows import GEOMETRY_TYPES
from catalog.validate.context import FRANCE_BBOXES, TableContext
from catalog.validate.geo import (
    OK, OUT_OF_RANGE, OUTSIDE, REPROJECT, SWAPPED, coverage, coverage_fix, classify, projection_of,
)
from catalog.yamlio import json_problem

WGS84_NAMES = {"urn:ogc:def:crs:ogc:1.3:crs84", "urn:ogc:def:crs:ogc::crs84", "urn:ogc:def:crs:epsg::4326",
               "urn:ogc:def:crs:epsg:4326", "epsg:4326", "crs84", "wgs84", "http://www.opengis.net/def/crs/ogc/1.3/crs84",
               "http://www.opengis.net/def/crs/epsg/0/4326"}
# A GeoJSON object is parsed whole: the hub's boundary files are a few MB (all
# French communes at full resolution are ~500 MB, which nobody publishes as one
# file). Python needs ~10 times a file's size in memory to hold it parsed, so
# past this size we refuse with a message rather than let the machine swap.
MAX_GEOJSON_BYTES = int(os.environ.get("CATALOG_MAX_GEOJSON_BYTES", 256 * 1024**2))
LIMIT = 20  # per-feature findings listed for one problem; the rest are counted


def _label(feature, number):
    properties = feature.get("properties") if isinstance(feature, dict) else None
    if isinstance(properties, dict):
        for key in ("nom", "name", "code", "id", "libelle", "insee"):
            if properties.get(key) not in (None, ""):
                return f"feature #{number} ({key} {properties[key]!r})"
    if isinstance(feature, dict) and feature.get("id") is not None:
        return f"feature #{number} (id {feature['id']!r})"
    return f"feature #{number}"


def _positions(coordinates, out: list):
    """Flatten nested GeoJSON coordinates into out; False when a position is malformed."""
    if isinstance(coordinates, list) and coordinates and all(isinstance(c, (int, float)) and not isinstance(c, bool)
                                                              for c in coordinates):
        if len(coordinates) < 2:
            return False
        out.append((float(coordinates[0]), float(coordinates[1])))
        return True
    if not isinstance(coordinates, list):
        return False
    return all(_positions(c, out) for c in coordinates)


def _ring_problem(geometry) -> str | None:
    """RFC 7946 rings: closed (last position = first) with at least 4 positions.
    shapely closes rings silently, so this is checked on the GeoJSON itself."""
    kind = geometry.get("type")
    polygons = ([geometry["coordinates"]] if kind == "Polygon" else
                geometry["coordinates"] if kind == "MultiPolygon" else [])
    for polygon in polygons:
        for ring in polygon if isinstance(polygon, list) else []:
            if not isinstance(ring, list) or len(ring) < 4:
                return "a polygon ring has fewer than 4 positions"
            if ring[0] != ring[-1]:
                return "a polygon ring is not closed (its last position must repeat the first)"
    return None


def _crs_name(crs):
    if isinstance(crs, dict):
        properties = crs.get("properties") if isinstance(crs.get("properties"), dict) else {}
        return str(properties.get("name") or properties.get("href") or crs.get("type") or "")
    return str(crs)


class _List:
    """Findings of one problem on many features: the first LIMIT, then a count."""

    def __init__(self):
        self.items, self.count = [], 0

    def add(self, finding):
        self.count += 1
        if len(self.items) < LIMIT:
            self.items.append(finding)


def check_geojson(path: Path, display: str, bboxes=None) -> list[Finding]:
    """Check a GeoJSON file: it parses, is a FeatureCollection of valid features
    with valid geometries, in WGS84 longitude/latitude, inside `bboxes`
    (France when None), with no swapped coordinates."""
    default = bboxes is None
    bboxes = list(FRANCE_BBOXES) if default else bboxes
    path = Path(path)

    def finding(code, message, fix, severity=ERROR, value=None):
        return Finding(code, message, fix, file=display, value=value, severity=severity)

    size = path.stat().st_size
    if size > MAX_GEOJSON_BYTES:
        return [finding("geojson-too-large", f"the file is {size:,} bytes, more than the {MAX_GEOJSON_BYTES:,} "
                        "the validator reads at once.", "Split it (e.g. one file per département) or raise "
                        "CATALOG_MAX_GEOJSON_BYTES on a machine with enough memory.")]
    if size == 0:
        return [finding("geojson-syntax", "the file is empty.", "Export the layer again as GeoJSON.")]
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return [finding("geojson-encoding", f"the file is not UTF-8 (byte {error.start:,} cannot be read), "
                        "as GeoJSON requires (RFC 7946).", "Export it again as GeoJSON in UTF-8 "
                        "(ogr2ogr -lco ENCODING=UTF-8, or QGIS's encoding option).")]
    del raw
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return [finding("geojson-syntax", f"the file is not valid JSON: {json_problem(error)}.",
                        "Correct the file there, or export the layer again as GeoJSON; a truncated file "
                        "usually means the export or download stopped midway.")]
    except RecursionError:
        return [finding("geojson-syntax", "the file nests arrays too deeply to be GeoJSON.",
                        "Export the layer again as GeoJSON.")]
    del text
    found = []
    if not isinstance(document, dict) or "type" not in document:
        fix = 'A GeoJSON file is an object {"type": "FeatureCollection", "features": [...]}.'
        if isinstance(document, dict) and "fields" in document:
            fix = "This looks like a Table Schema: give it to --schema with the CSV it describes."
        elif isinstance(document, dict) and "resources" in document:
            fix = "This looks like a data package descriptor: name it datapackage.json, or validate its folder."
        return [finding("geojson-structure", "the file is JSON but not GeoJSON: it has no \"type\" member at the top.",
                        fix)]
    kind = document.get("type")
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list):
            return [finding("geojson-structure", 'the FeatureCollection has no "features" list.',
                            'Add "features": [...] holding the features.')]
    elif kind == "Feature":
        features = [document]
        found.append(finding("geojson-structure", "the file holds a single Feature, not a FeatureCollection.",
                             'Wrap it: {"type": "FeatureCollection", "features": [ ...the feature... ]}.', WARNING))
    elif kind in GEOMETRY_TYPES:
        features = [{"type": "Feature", "geometry": document, "properties": {}}]
        found.append(finding("geojson-structure", f"the file holds a bare {kind} geometry, not a FeatureCollection.",
                             'Wrap it in a Feature inside a FeatureCollection so it can carry properties.', WARNING))
    else:
        return [finding("geojson-structure", f"the top-level \"type\" is {kind!r}, not a GeoJSON type.",
                        'Use "type": "FeatureCollection" with a "features" list.', value=str(kind))]
    if "crs" in document and _crs_name(document["crs"]).lower() not in WGS84_NAMES:
        name = _crs_name(document["crs"])
        lambert = "2154" in name
        found.append(finding(
            "geojson-crs",
            f"the file declares the coordinate system {name!r}"
            f"{' (Lambert-93)' if lambert else ''}; GeoJSON coordinates must be WGS84 longitude/latitude "
            "(RFC 7946).", REPROJECT + " (ogr2ogr reads the declared system and drops the crs member).",
            value=name))
    found += _check_features(features, bboxes, default, display)
    return found


def _check_features(features, bboxes, default, display) -> list[Finding]:
    import shapely
    from shapely.geometry import shape

    structure, geometry_errors, invalid = _List(), _List(), _List()
    points_lon, points_lat, owners = [], [], []
    for number, feature in enumerate(features, start=1):
        label = _label(feature, number)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            structure.add(Finding("geojson-structure", f"{label} is not a Feature object.",
                                  'Each item of "features" must be {"type": "Feature", "geometry": …, '
                                  '"properties": {…}}.', file=display))
            continue
        if "properties" not in feature or not isinstance(feature.get("properties"), (dict, type(None))):
            structure.add(Finding("geojson-structure", f"{label} has no \"properties\" object.",
                                  'Give every feature "properties": {…} (or null).', file=display))
        geometry = feature.get("geometry")
        if geometry is None:
            continue  # allowed by RFC 7946: a feature without location
        if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
            geometry_errors.add(Finding("geojson-geometry", f"{label} has no valid geometry type.",
                                        "Use one of " + ", ".join(sorted(GEOMETRY_TYPES)) + ".", file=display))
            continue
        positions = []
        parts = geometry.get("geometries") if geometry["type"] == "GeometryCollection" else [geometry]
        if not isinstance(parts, list) or not all(isinstance(g, dict) and _positions(g.get("coordinates"), positions)
                                                  for g in parts):
            geometry_errors.add(Finding("geojson-geometry", f"{label} has malformed coordinates (each position "
                                        "must be [longitude, latitude]).", "Export the layer again as GeoJSON.",
                                        file=display))
            continue
        parts_problem = next((p for p in map(_ring_problem, parts) if p), None)
        try:
            shaped = shape(geometry)
            reason = parts_problem or (None if shapely.is_valid(shaped) else shapely.is_valid_reason(shaped))
        except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.ShapelyError) as error:
            reason = parts_problem or str(error) or type(error).__name__
        if reason:
            invalid.add(Finding(
                "geojson-invalid-geometry", f"{label}: the {geometry['type']} geometry is not valid ({reason}).",
                "Repair it, e.g. QGIS Processing > Fix geometries, `ogr2ogr -makevalid`, or shapely's make_valid; "
                "polygons need closed rings of at least 4 positions that do not cross themselves.",
                file=display, value=reason))
        if positions:
            array = np.asarray(positions, dtype=float)
            # One representative position per feature is enough to tell a CRS or a swap,
            # but a single stray vertex must not pass: take the feature's worst position.
            codes = classify(array[:, 0], array[:, 1], bboxes)
            worst = int(np.argmax(codes != OK)) if (codes != OK).any() else 0
            points_lon.append(array[worst, 0])
            points_lat.append(array[worst, 1])
            owners.append(label)
    found = []
    for tally, what in ((structure, "structure problems"), (geometry_errors, "malformed geometries"),
                        (invalid, "invalid geometries")):
        found += tally.items
        if tally.count > LIMIT:
            first = tally.items[0]
            found.append(Finding(first.code, f"{tally.count:,} features in all have {what}; only the first "
                                 f"{LIMIT} are listed.", first.fix, file=display))
    found += _coordinate_findings(np.asarray(points_lon), np.asarray(points_lat), owners, bboxes, default, display)
    found += _property_findings(features, display)
    return found


def _property_findings(features, display) -> list[Finding]:
    """Feature properties become the columns of a table on the hub: they pass the same
    personal-data and formula checks as a CSV, counted per property, located by feature,
    read as the hub reads them (catalog.geojson_rows)."""
    from catalog.geojson_rows import text_batches
    from catalog.validate.formulas import FormulaInjectionCheck
    from catalog.validate.personal import PersonalDataCheck

    table = TableContext(display, None, record="feature")
    checks = [PersonalDataCheck(table), FormulaInjectionCheck(table)]
    for batch in text_batches(features):
        for check in checks:
            check.feed_arrow(batch.names, batch.columns, batch.first_row)
    found = [f for check in checks for f in check.findings()]
    for finding in found:
        finding.row = None  # the feature number is in the message; `row` is for lines of text files
    return found


def _coordinate_findings(lon, lat, owners, bboxes, default, display) -> list[Finding]:
    if not len(lon):
        return []
    codes = classify(lon, lat, bboxes)
    found = []
    total = len(lon)

    def summary(code):
        positions = np.flatnonzero(codes == code)
        first = positions[0] if len(positions) else None
        return len(positions), first

    def where(count, first, digits=5):
        """The sample position, and the opening every coordinate message shares."""
        sample = f"[{lon[first]:.{digits}f}, {lat[first]:.{digits}f}]"
        return sample, f"{count:,} of {total:,} features (first: {owners[first]}, position {sample})"

    count, first = summary(OUT_OF_RANGE)
    if count:
        projected = projection_of(lon[first], lat[first], bboxes)
        sample, head = where(count, first, 2)
        if projected:
            found.append(Finding(
                "geojson-not-wgs84",
                f"{head} have coordinates in metres, apparently {projected}; GeoJSON must be WGS84 longitude/latitude (RFC 7946).",
                REPROJECT + " (add -s_srs EPSG:2154 if the source file does not declare its system).",
                file=display, value=sample))
        else:
            found.append(Finding(
                "geojson-not-wgs84",
                f"{head} have coordinates "
                "beyond ±180° longitude or ±90° latitude: they are not WGS84 degrees.",
                REPROJECT + ".", file=display, value=sample))
    count, first = summary(SWAPPED)
    if count:
        sample, head = where(count, first)
        found.append(Finding(
            "geojson-swapped-coordinates",
            f"{head} have latitude and "
            f"longitude swapped: GeoJSON positions are [longitude, latitude], and read that way round the "
            f"points fall inside {coverage(bboxes, default)}.",
            "Write every position as [longitude, latitude] (longitude first), e.g. re-export with "
            "`ogr2ogr -t_srs EPSG:4326` from the source, or swap the two numbers of each position.",
            file=display, value=sample))
    count, first = summary(OUTSIDE)
    if count:
        sample, head = where(count, first)
        found.append(Finding(
            "geojson-implausible-coordinates",
            f"{head} lie outside "
            f"{coverage(bboxes, default)}.", coverage_fix(default),
            file=display, value=sample, severity=WARNING if default else ERROR))
    return found
