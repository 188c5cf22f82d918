"""Geography: coordinates that are WGS84, plausible, and not swapped.

Two entry points: `LatLonCheck`, a chunk check for latitude/longitude columns
(and Table Schema `geopoint` fields) of tables, and `check_geojson` for GeoJSON
files. Both classify points the same way (`classify`): out of range, projected
(Lambert-93 and friends, recognised by reprojecting a sample), swapped, or
outside the declared coverage.
"""
from __future__ import annotations

import json
import os
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from catalog.findings import ERROR, WARNING, Finding
from catalog.validate.context import FRANCE_BBOXES, TableContext

OK, OUT_OF_RANGE, SWAPPED, OUTSIDE = 0, 1, 2, 3
# Projections French data is commonly exported in by mistake, tried in this order.
PROJECTIONS = [
    ("EPSG:2154", "Lambert-93 (EPSG:2154), the French official projection"),
    ("EPSG:27572", "Lambert II étendu (EPSG:27572), an older French projection"),
    ("EPSG:3857", "Web Mercator (EPSG:3857), the projection of web maps"),
    ("EPSG:5490", "UTM 20N (EPSG:5490), used in Guadeloupe and Martinique"),
    ("EPSG:2972", "UTM 22N (EPSG:2972), used in Guyane"),
    ("EPSG:2975", "UTM 40S (EPSG:2975), used in La Réunion"),
    ("EPSG:4471", "UTM 38S (EPSG:4471), used in Mayotte"),
]
WGS84_NAMES = {"urn:ogc:def:crs:ogc:1.3:crs84", "urn:ogc:def:crs:ogc::crs84", "urn:ogc:def:crs:epsg::4326",
               "urn:ogc:def:crs:epsg:4326", "epsg:4326", "crs84", "wgs84", "http://www.opengis.net/def/crs/ogc/1.3/crs84",
               "http://www.opengis.net/def/crs/epsg/0/4326"}
REPROJECT = ("Reproject to WGS84 longitude/latitude, e.g. `ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson` "
             "or in QGIS: Export > Save Features As… with CRS EPSG:4326")
# A GeoJSON object is parsed whole: the hub's boundary files are a few MB (all
# French communes at full resolution are ~500 MB, which nobody publishes as one
# file). Python needs ~10 times a file's size in memory to hold it parsed, so
# past this size we refuse with a message rather than let the machine swap.
MAX_GEOJSON_BYTES = int(os.environ.get("CATALOG_MAX_GEOJSON_BYTES", 256 * 1024**2))
LIMIT = 20  # per-feature findings listed for one problem; the rest are counted


# ---------------------------------------------------------------- classifying points

def in_bboxes(lon, lat, bboxes) -> np.ndarray:
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    inside = np.zeros(lon.shape, dtype=bool)
    for west, south, east, north in bboxes:
        inside |= (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
    return inside


def classify(lon, lat, bboxes) -> np.ndarray:
    """OK, OUT_OF_RANGE, SWAPPED or OUTSIDE for each point (NaN counts as OK: not a coordinate)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    result = np.full(lon.shape, OK, dtype=np.int8)
    known = ~(np.isnan(lon) | np.isnan(lat))
    out = known & ((np.abs(lat) > 90) | (np.abs(lon) > 180))
    inside = in_bboxes(lon, lat, bboxes)
    swapped = known & ~out & ~inside & in_bboxes(lat, lon, bboxes)
    result[known & ~out & ~inside] = OUTSIDE
    result[swapped] = SWAPPED
    result[out] = OUT_OF_RANGE
    return result


def projection_of(x: float, y: float, bboxes) -> str | None:
    """The projection a point out of the degree range was most likely written in:
    the first one whose inverse puts it inside the expected area."""
    from pyproj import Transformer

    for code, label in PROJECTIONS:
        lon, lat = Transformer.from_crs(code, "EPSG:4326", always_xy=True).transform(x, y)
        if np.isfinite(lon) and np.isfinite(lat) and in_bboxes([lon], [lat], bboxes)[0]:
            return label
    return None


def _coverage(bboxes, default):
    if default:
        return "France (mainland, Corsica and overseas départements)"
    return "the dataset's declared area, " + " or ".join(
        f"longitude {w:.2f} to {e:.2f} and latitude {s:.2f} to {n:.2f}" for w, s, e, n in bboxes)


def _coverage_fix(default):
    if default:
        return "Correct the coordinates; if the data really lies outside France, this is only a warning."
    return ("Correct the coordinates, or widen the dataset's \"catalog\": {\"spatial\": {\"bbox\": […]}} "
            "if the data really covers a larger area.")


def _plain(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", str(name))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", plain).lower()


# ---------------------------------------------------------------- columns of tables

LAT_WORDS = {"lat", "latitude", "ylat", "y", "wgs84_lat", "lat_wgs84", "coord_y", "coordy"}
LON_WORDS = {"lon", "long", "lng", "longitude", "xlong", "xlon", "x", "wgs84_lon", "lon_wgs84", "coord_x", "coordx"}


def _axis(name: str) -> str | None:
    """'lat', 'lon' or None for a column name: stop_lat, Ylat, Latitude (WGS84), coordonnee_x…"""
    plain = _plain(name)
    tokens = [t for t in re.split(r"[^a-z0-9]+", plain) if t]
    if plain.replace(" ", "_") in LAT_WORDS or any(t in LAT_WORDS or t.startswith("latitude") for t in tokens):
        return "lat"
    if plain.replace(" ", "_") in LON_WORDS or any(t in LON_WORDS or t.startswith("longitude") for t in tokens):
        return "lon"
    return None


def _partner(lat_name, lon_names):
    """The longitude column that goes with a latitude column: the one whose name differs only by the axis word."""
    if len(lon_names) == 1:
        return lon_names[0]
    stem = re.sub(r"lat(itude)?|y", "", _plain(lat_name))
    for lon in lon_names:
        if re.sub(r"lon(gitude|g)?|lng|x", "", _plain(lon)) == stem:
            return lon
    return None


DEGREES = r"[-+]?[\d.]+(?:[eE][-+]?\d+)?"
GEOPOINT = {  # Table Schema geopoint formats: "lon, lat" (default) and "[lon, lat]" (array)
    "default": re.compile(rf"^\s*(?P<lon>{DEGREES})\s*,\s*(?P<lat>{DEGREES})\s*$"),
    "array": re.compile(rf"^\s*\[\s*(?P<lon>{DEGREES})\s*,\s*(?P<lat>{DEGREES})\s*\]\s*$"),
}


def _numbers(series) -> np.ndarray:
    # A decimal comma is a declared format, not a coordinate problem: read 46,6 as 46.6 here.
    text = series.astype(str).str.strip().str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)


class _Tally:
    def __init__(self):
        self.count, self.row, self.value, self.sample = 0, None, None, None

    def add(self, positions, first_row, value_of, sample_of):
        if len(positions):
            if self.row is None:
                self.row = first_row + int(positions[0])
                self.value, self.sample = value_of(positions[0]), sample_of(positions[0])
            self.count += len(positions)


class LatLonCheck:
    """Latitude/longitude columns and geopoint fields: in range, in WGS84, not
    swapped, inside the dataset's declared area."""

    def __init__(self, table: TableContext):
        self.table = table
        self.pairs: list[tuple] | None = None  # (kind, lat column, lon column or field, format)
        self.tallies: dict[tuple, dict[int, _Tally]] = {}

    def _find_pairs(self, columns):
        pairs = []
        for name in columns:
            field = self.table.fields.get(name) or {}
            if field.get("type") == "geopoint":
                pairs.append(("geopoint", name, name, field.get("format", "default")))
        typed = {n for n in columns if (self.table.fields.get(n) or {}).get("type") in
                 (None, "number", "string", "any")}
        lats = [n for n in columns if n in typed and _axis(n) == "lat"]
        lons = [n for n in columns if n in typed and _axis(n) == "lon"]
        for lat in lats:
            lon = _partner(lat, lons)
            pairs.append(("columns", lat, lon, None))
        for lon in lons:
            if not any(p[2] == lon for p in pairs):
                pairs.append(("columns", None, lon, None))
        return pairs

    def feed(self, chunk, first_row: int) -> None:
        if self.pairs is None:
            self.pairs = self._find_pairs([str(c) for c in chunk.columns])
        for pair in self.pairs:
            kind, lat_name, lon_name, fmt = pair
            if kind == "geopoint":
                lon, lat = self._geopoint(chunk[lat_name], fmt)
            else:
                lat = _numbers(chunk[lat_name]) if lat_name else np.full(len(chunk), np.nan)
                lon = _numbers(chunk[lon_name]) if lon_name else np.full(len(chunk), np.nan)
            if lat_name is None or lon_name is None:
                # A lone axis can only be checked for its range.
                values = lon if lat_name is None else lat
                limit = 180 if lat_name is None else 90
                codes = np.where(np.abs(values) > limit, OUT_OF_RANGE, OK)
                lon = lon if lat_name else values
                lat = lat if lon_name else values
            else:
                codes = classify(lon, lat, self.table.bboxes)
            tallies = self.tallies.setdefault(pair, {})
            for code in (OUT_OF_RANGE, SWAPPED, OUTSIDE):
                positions = np.flatnonzero(codes == code)
                tallies.setdefault(code, _Tally()).add(
                    positions, first_row,
                    lambda p: self._shown(chunk, pair, p),
                    lambda p: (float(lon[p]), float(lat[p])))

    @staticmethod
    def _geopoint(series, fmt):
        text = series.astype(str)
        if fmt == "object":
            lon = text.str.extract(r'"lon"\s*:\s*([-+]?[\d.eE+-]+)')[0]
            lat = text.str.extract(r'"lat"\s*:\s*([-+]?[\d.eE+-]+)')[0]
        else:
            parts = text.str.extract(GEOPOINT["array" if fmt == "array" else "default"])
            lon, lat = parts["lon"], parts["lat"]
        return (pd.to_numeric(lon, errors="coerce").to_numpy(dtype=float),
                pd.to_numeric(lat, errors="coerce").to_numpy(dtype=float))

    @staticmethod
    def _shown(chunk, pair, p):
        kind, lat_name, lon_name, _ = pair
        if kind == "geopoint":
            return str(chunk[lat_name].iat[p])
        return ", ".join(f"{n}={chunk[n].iat[p]}" for n in (lat_name, lon_name) if n)

    def findings(self) -> list[Finding]:
        found = []
        default = self.table.bboxes == FRANCE_BBOXES
        for pair, tallies in self.tallies.items():
            kind, lat_name, lon_name, fmt = pair
            names = (f'"{lat_name}"' if kind == "geopoint" else
                     " and ".join(f'"{n}"' for n in (lat_name, lon_name) if n))
            column = lat_name or lon_name

            def make(code, message, fix, tally, severity=ERROR):
                count = f"{tally.count:,} rows (first at row {tally.row})" if tally.count > 1 else "1 row"
                found.append(Finding(code, f"{count}: {message}", fix,
                                     file=self.table.file, row=tally.row, column=column, value=tally.value,
                                     severity=severity))

            out = tallies.get(OUT_OF_RANGE)
            if out and out.count:
                x, y = out.sample
                projected = projection_of(x, y, self.table.bboxes) if lat_name and lon_name else None
                if projected:
                    make("coordinates-projected",
                         f"{names} hold projected coordinates in metres, apparently {projected}, "
                         "not WGS84 longitude/latitude in degrees.",
                         f"{REPROJECT}; or convert the columns with pyproj (Transformer.from_crs(\"EPSG:2154\", "
                         "\"EPSG:4326\", always_xy=True)).", out)
                else:
                    make("coordinates-out-of-range",
                         f"{names}: latitude must lie between -90 and 90 and longitude between -180 and 180 "
                         "(WGS84 degrees).", "Correct the coordinates; they must be WGS84 decimal degrees, "
                         "e.g. latitude 46.6, longitude 2.4.", out)
            swapped = tallies.get(SWAPPED)
            if swapped and swapped.count:
                fix = (f'Exchange the values of "{lat_name}" and "{lon_name}" on these rows (or the two column '
                       "headers if every row is swapped)." if kind == "columns" else
                       f'Write the points of "{lat_name}" in the order the schema says ({fmt} format: longitude '
                       "first), or correct the field's format.")
                make("coordinates-swapped",
                     f"the values of {names} are swapped (latitude given as longitude): read the other way "
                     f"round, the points fall inside {_coverage(self.table.bboxes, default)}.", fix, swapped)
            outside = tallies.get(OUTSIDE)
            if outside and outside.count:
                make("coordinates-implausible",
                     f"{names} put the point outside {_coverage(self.table.bboxes, default)}.",
                     _coverage_fix(default), outside,
                     WARNING if default else ERROR)
        return found


# ---------------------------------------------------------------- GeoJSON files

GEOMETRY_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
                  "GeometryCollection"}


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
        return [finding("geojson-syntax", f"the file is not valid JSON: {error.msg} at line {error.lineno}, "
                        f"column {error.colno}.", "Correct the file there, or export the layer again as "
                        "GeoJSON; a truncated file usually means the export or download stopped midway.")]
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
    personal-data and formula checks as a CSV, counted per property, located by feature."""
    from catalog.validate.formulas import FormulaInjectionCheck
    from catalog.validate.personal import PersonalDataCheck

    table = TableContext(display, None, record="feature")
    checks = [PersonalDataCheck(table), FormulaInjectionCheck(table)]
    step = 100_000
    for start in range(0, len(features), step):
        rows = [{key: _text(value) for key, value in feature["properties"].items()}
                if isinstance(feature, dict) and isinstance(feature.get("properties"), dict) else {}
                for feature in features[start:start + step]]
        frame = pd.DataFrame.from_records(rows).fillna("")
        if frame.empty:
            continue
        frame.columns = [str(c) for c in frame.columns]
        for check in checks:
            check.feed(frame.astype(str), start + 1)
    found = [f for check in checks for f in check.findings()]
    for finding in found:
        finding.row = None  # the feature number is in the message; `row` is for lines of text files
    return found


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else str(value)


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

    count, first = summary(OUT_OF_RANGE)
    if count:
        projected = projection_of(lon[first], lat[first], bboxes)
        sample = f"[{lon[first]:.2f}, {lat[first]:.2f}]"
        if projected:
            found.append(Finding(
                "geojson-not-wgs84",
                f"{count:,} of {total:,} features (first: {owners[first]}, position {sample}) have coordinates "
                f"in metres, apparently {projected}; GeoJSON must be WGS84 longitude/latitude (RFC 7946).",
                REPROJECT + " (add -s_srs EPSG:2154 if the source file does not declare its system).",
                file=display, value=sample))
        else:
            found.append(Finding(
                "geojson-not-wgs84",
                f"{count:,} of {total:,} features (first: {owners[first]}, position {sample}) have coordinates "
                "beyond ±180° longitude or ±90° latitude: they are not WGS84 degrees.",
                REPROJECT + ".", file=display, value=sample))
    count, first = summary(SWAPPED)
    if count:
        sample = f"[{lon[first]:.5f}, {lat[first]:.5f}]"
        found.append(Finding(
            "geojson-swapped-coordinates",
            f"{count:,} of {total:,} features (first: {owners[first]}, position {sample}) have latitude and "
            f"longitude swapped: GeoJSON positions are [longitude, latitude], and read that way round the "
            f"points fall inside {_coverage(bboxes, default)}.",
            "Write every position as [longitude, latitude] (longitude first), e.g. re-export with "
            "`ogr2ogr -t_srs EPSG:4326` from the source, or swap the two numbers of each position.",
            file=display, value=sample))
    count, first = summary(OUTSIDE)
    if count:
        sample = f"[{lon[first]:.5f}, {lat[first]:.5f}]"
        found.append(Finding(
            "geojson-implausible-coordinates",
            f"{count:,} of {total:,} features (first: {owners[first]}, position {sample}) lie outside "
            f"{_coverage(bboxes, default)}.", _coverage_fix(default),
            file=display, value=sample, severity=WARNING if default else ERROR))
    return found
