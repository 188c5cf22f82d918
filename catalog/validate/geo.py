"""Geography: coordinates that are WGS84, plausible, and not swapped.

Two entry points: `LatLonCheck`, a chunk check for latitude/longitude columns
(and Table Schema `geopoint` fields) of tables, and `catalog.validate.geojson.check_geojson`
for GeoJSON files. Both classify points the same way (`classify`): out of
range, projected (Lambert-93 and friends, recognised by reprojecting a sample),
swapped, or outside the declared coverage.

numpy and Arrow are imported by the functions that compute with them: a table without
coordinate columns, read as text in plain Python (text_table.py), never loads them.
"""
from __future__ import annotations

import re
import unicodedata

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
REPROJECT = ("Reproject to WGS84 longitude/latitude, e.g. `ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson` "
             "or in QGIS: Export > Save Features As… with CRS EPSG:4326")


# ---------------------------------------------------------------- classifying points

def in_bboxes(lon, lat, bboxes):
    import numpy as np
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    inside = np.zeros(lon.shape, dtype=bool)
    for west, south, east, north in bboxes:
        inside |= (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
    return inside


def classify(lon, lat, bboxes):
    """OK, OUT_OF_RANGE, SWAPPED or OUTSIDE for each point (NaN counts as OK: not a coordinate)."""
    import numpy as np
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
    import numpy as np
    from pyproj import Transformer

    for code, label in PROJECTIONS:
        lon, lat = Transformer.from_crs(code, "EPSG:4326", always_xy=True).transform(x, y)
        if np.isfinite(lon) and np.isfinite(lat) and in_bboxes([lon], [lat], bboxes)[0]:
            return label
    return None


def coverage(bboxes, default):
    if default:
        return "France (mainland, Corsica and overseas départements)"
    return "the dataset's declared area, " + " or ".join(
        f"longitude {w:.2f} to {e:.2f} and latitude {s:.2f} to {n:.2f}" for w, s, e, n in bboxes)


def coverage_fix(default):
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
    """'lat', 'lon' or None for a column name: stop_lat, Ylat, Ylatitude (IRVE v1), Latitude (WGS84),
    coordonnees_x…"""
    plain = _plain(name)
    tokens = [t for t in re.split(r"[^a-z0-9]+", plain) if t]
    if plain.replace(" ", "_") in LAT_WORDS or any(t in LAT_WORDS or t.startswith("latitude")
                                                    or t in ("ylatitude", "ylat") for t in tokens):
        return "lat"
    if plain.replace(" ", "_") in LON_WORDS or any(t in LON_WORDS or t.startswith("longitude")
                                                    or t in ("xlongitude", "xlong", "xlon") for t in tokens):
        return "lon"
    return None


CRS_WORDS = {"epsg", "crs", "srid", "srs", "projection", "code_epsg", "systeme_coordonnees", "systeme_de_coordonnees"}


def _is_crs_column(name: str) -> bool:
    return _plain(name).replace(" ", "_") in CRS_WORDS


def crs_code(value) -> str | None:
    """'EPSG:2154' for 'EPSG:2154', '2154', 'epsg 2154', 'urn:ogc:def:crs:EPSG::2154'; None otherwise."""
    match = re.search(r"(\d{4,6})\s*$", str(value or "").strip())
    return f"EPSG:{match.group(1)}" if match else None


def to_wgs84(lon, lat, crs: str):
    """Points written in `crs` as WGS84 longitude/latitude (NaN where they cannot be)."""
    import numpy as np
    from pyproj import Transformer
    from pyproj.exceptions import CRSError

    try:
        transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    except CRSError:
        return np.full(len(lon), np.nan), np.full(len(lat), np.nan)
    x, y = transformer.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    bad = ~np.isfinite(x) | ~np.isfinite(y)
    x[bad], y[bad] = np.nan, np.nan
    return x, y


def _lettered(name) -> bool:
    """Named by an axis letter (x, y, coordonnee_X), not by a degree word (lat, longitude): in France,
    where such columns usually hold the legal projection's metres (Lambert-93)."""
    return not re.search(r"lat|lon|lng", _plain(name))


def _partner(lat_name, lon_names):
    """The longitude column that goes with a latitude column: named the same way (an axis letter
    with an axis letter, a degree word with a degree word: "lat" goes with "long ", not with "X"),
    then the one whose name differs only by the axis word."""
    alike = [lon for lon in lon_names if _lettered(lon) == _lettered(lat_name)] or lon_names
    if len(alike) == 1:
        return alike[0]

    def stem(name, axis):
        return re.sub(r"[^a-z0-9]", "", re.sub(axis, "", _plain(name)))

    for lon in alike:
        if stem(lon, r"lon(gitude|g)?|lng|x") == stem(lat_name, r"lat(itude)?|y"):
            return lon
    return None


DEGREES = r"[-+]?[\d.]+(?:[eE][-+]?\d+)?"
GEOPOINT = {  # Table Schema geopoint formats: "lon, lat" (default) and "[lon, lat]" (array)
    "default": re.compile(rf"^\s*(?P<lon>{DEGREES})\s*,\s*(?P<lat>{DEGREES})\s*$"),
    "array": re.compile(rf"^\s*\[\s*(?P<lon>{DEGREES})\s*,\s*(?P<lat>{DEGREES})\s*\]\s*$"),
}


PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")  # ASCII digits only
# What `pandas.to_numeric` reads in a stripped cell, for RE2: a plain number, an infinity, a NaN.
NUMBER_TEXT = r"(?i)^(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:e[+-]?[0-9]+)?|[+-]?(?:inf|infinity|nan))$"
ASCII_SPACE = " \t\n\r\x0b\x0c"
ARROW_FROM = 10_000  # cells: from there Arrow parses a column faster than Python (and is worth its import)


def _numbers(cells):
    """Each cell as a number, NaN where it is none. A decimal comma is a declared format, not a
    coordinate problem: 46,6 is read as 46.6 here."""
    return _as_numbers([str(c).strip().replace(",", ".") for c in cells])


def _as_numbers(texts):
    """Texts as numbers the way `pandas.to_numeric(errors="coerce")` reads them (NaN
    where a text is no number): a short column of plain decimal numbers (what coordinates are)
    by Python's float, which gives the same value; a long column, or any other text, by Arrow's
    parser (the same values as pandas, checked in tests/test_geo.py) for the texts NUMBER_TEXT
    accepts, without importing pandas."""
    import numpy as np

    if len(texts) < ARROW_FROM and all(not t or PLAIN_NUMBER.fullmatch(t) for t in texts):
        return np.array([float(t) if t else np.nan for t in texts], dtype=float)
    import pyarrow as pa
    import pyarrow.compute as pc

    from catalog.arrow_values import numpy_of, scalar, strings

    cells = pc.utf8_trim(strings(texts), ASCII_SPACE)  # pandas reads " 4 " as 4, "4\xa0" as no number
    readable = pc.match_substring_regex(cells, NUMBER_TEXT)
    return numpy_of(pc.cast(pc.if_else(readable, cells, scalar("nan")), pa.float64())).copy()


class _Tally:
    def __init__(self):
        self.count, self.row, self.value, self.sample = 0, None, None, None

    def add(self, positions, first_row, value_of, sample_of):
        if len(positions):
            if self.row is None:
                self.row = first_row + int(positions[0])
                self.value, self.sample = value_of(positions[0]), sample_of(positions[0])
            self.count += len(positions)


def _declared_projected(field) -> bool:
    """A column the descriptor declares in another coordinate system (`"catalog": {"crs":
    "EPSG:2154"}`): its metres are what it says they are, not misplaced degrees."""
    hub = field.get("catalog") if isinstance(field, dict) else None
    crs = str(hub.get("crs") or "") if isinstance(hub, dict) else ""
    return bool(crs) and crs.upper() not in ("EPSG:4326", "WGS84", "CRS84")


class LatLonCheck:
    """Latitude/longitude columns and geopoint fields: in range, in WGS84, not
    swapped, inside the dataset's declared area."""

    def __init__(self, table: TableContext):
        self.table = table
        self.pairs: list[tuple] | None = None  # (kind, lat column, lon column or field, format)
        self.tallies: dict[tuple, dict[int, _Tally]] = {}
        self.crs_column: str | None = None  # a column saying each row's coordinate system (EPSG code)
        self.fractions: dict[tuple, bool] = {}  # pairs whose every value lies in [0, 1] so far
        self.declared = set()  # pairs read in a declared coordinate system other than WGS84
        self.degrees: dict[tuple, int] = {}  # rows of each pair that hold WGS84 degrees

    def _find_pairs(self, columns):
        pairs = []
        for name in columns:
            field = self.table.fields.get(name) or {}
            if field.get("type") == "geopoint":
                pairs.append(("geopoint", name, name, field.get("format", "default")))
        typed = {n for n in columns if (self.table.fields.get(n) or {}).get("type") in
                 (None, "number", "string", "any") and not _declared_projected(self.table.fields.get(n))}
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
        """A pandas DataFrame of strings."""
        names = [str(c) for c in chunk.columns]
        used = self._used(names)
        if used:
            self._feed({n: chunk[c].tolist() for n, c in zip(names, chunk.columns) if n in used}, len(chunk),
                       first_row)

    def feed_columns(self, names, columns, first_row: int) -> None:
        """Plain lists of strings (a small table read as text, text_table.py)."""
        used = self._used(names)
        if used:
            self._feed({n: c for n, c in zip(names, columns) if n in used}, len(columns[0]) if columns else 0,
                       first_row)

    def feed_arrow(self, names, arrays, first_row: int) -> None:
        """Arrow string columns: only the coordinate columns are read into Python."""
        used = self._used(names)
        if used:
            self._feed({n: a.to_pylist() for n, a in zip(names, arrays) if n in used},
                       len(arrays[0]) if arrays else 0, first_row)

    def _used(self, names) -> set:
        """The columns the checks read: coordinates and a column of coordinate systems."""
        if self.pairs is None:
            self.pairs = self._find_pairs(list(names))
            self.crs_column = next((str(n) for n in names if _is_crs_column(str(n))), None)
        return {n for pair in self.pairs for n in pair[1:3] if n} | ({self.crs_column} if self.crs_column else set())

    def _feed(self, columns: dict, count: int, first_row: int) -> None:
        """`columns`: the coordinate columns' cells (lists of strings), `count` cells each."""
        import numpy as np
        for pair in self.pairs:
            kind, lat_name, lon_name, fmt = pair
            if kind == "geopoint":
                lon, lat = self._geopoint(columns[lat_name], fmt)
            else:
                lat = _numbers(columns[lat_name]) if lat_name else np.full(count, np.nan)
                lon = _numbers(columns[lon_name]) if lon_name else np.full(count, np.nan)
            known = ~(np.isnan(lon) & np.isnan(lat))
            # Fractions of an image or a page (bounding boxes in [0, 1]) are not places on Earth.
            self.fractions[pair] = self.fractions.get(pair, True) and bool(np.all(
                ~known | ((np.nan_to_num(lon, nan=0.5) >= 0) & (np.nan_to_num(lon, nan=0.5) <= 1)
                          & (np.nan_to_num(lat, nan=0.5) >= 0) & (np.nan_to_num(lat, nan=0.5) <= 1))))
            if kind == "columns" and lat_name and lon_name:
                lon, lat = self._declared_crs(columns, count, pair, lon, lat)
            if lat_name is None or lon_name is None:
                # A lone axis can only be checked for its range.
                values = lon if lat_name is None else lat
                limit = 180 if lat_name is None else 90
                codes = np.where(np.abs(values) > limit, OUT_OF_RANGE, OK)
                lon = lon if lat_name else values
                lat = lat if lon_name else values
            else:
                codes = classify(lon, lat, self.table.bboxes)
            # (0, 0) is a placeholder for "no position", not a point in degrees.
            self.degrees[pair] = self.degrees.get(pair, 0) + int(np.count_nonzero(
                known & (codes != OUT_OF_RANGE) & ((np.nan_to_num(lon) != 0) | (np.nan_to_num(lat) != 0))))
            tallies = self.tallies.setdefault(pair, {})
            for code in (OUT_OF_RANGE, SWAPPED, OUTSIDE):
                positions = np.flatnonzero(codes == code)
                tallies.setdefault(code, _Tally()).add(
                    positions, first_row,
                    lambda p: self._shown(columns, pair, p),
                    lambda p: (float(lon[p]), float(lat[p])))

    def _field_crs(self, pair):
        """The coordinate system the pair's own fields declare (`"catalog": {"crs": …}` on them)."""
        for name in pair[1:3]:
            hub = (self.table.fields.get(name) or {}).get("catalog") if name else None
            if isinstance(hub, dict) and isinstance(hub.get("crs"), str):
                return hub["crs"]
        return None

    def _declared_crs(self, columns, count, pair, lon, lat):
        """The points in WGS84 when a coordinate system is declared for them: on their fields or
        the resource (`"catalog": {"crs": "EPSG:2154"}`), or by a column of EPSG codes beside
        them (a row of Lambert-93 declared EPSG:2154 is not an error); as they are otherwise."""
        import numpy as np
        codes = None
        declared = self._field_crs(pair) or self.table.crs
        if self.crs_column is not None and self.crs_column in columns:
            codes = [crs_code(v) for v in columns[self.crs_column]]
        elif declared and crs_code(declared) not in (None, "EPSG:4326"):
            codes = [crs_code(declared)] * count
        if codes is None:
            return lon, lat
        lon, lat = lon.copy(), lat.copy()
        # Only points that are not degrees: a table may hold the same places twice, in metres
        # (the declared system) and in WGS84 latitude/longitude.
        metres = (np.abs(lon) > 180) | (np.abs(lat) > 90)
        for code in dict.fromkeys(c for c in codes if c is not None):
            if code == "EPSG:4326":
                continue
            where = np.array([c == code for c in codes], dtype=bool) & metres
            lon[where], lat[where] = to_wgs84(lon[where], lat[where], code)
            self.declared.add(pair)
        return lon, lat

    @staticmethod
    def _geopoint(cells, fmt):
        if fmt == "object":
            found = [(re.search(r'"lon"\s*:\s*([-+]?[\d.eE+-]+)', str(c)), re.search(r'"lat"\s*:\s*([-+]?[\d.eE+-]+)',
                                                                                  str(c))) for c in cells]
            lon = [m.group(1) if m else "" for m, _ in found]
            lat = [m.group(1) if m else "" for _, m in found]
        else:
            pattern = GEOPOINT["array" if fmt == "array" else "default"]
            found = [pattern.search(str(c)) for c in cells]
            lon = [m.group("lon") if m else "" for m in found]
            lat = [m.group("lat") if m else "" for m in found]
        return _as_numbers(lon), _as_numbers(lat)

    @staticmethod
    def _shown(columns, pair, p):
        kind, lat_name, lon_name, _ = pair
        if kind == "geopoint":
            return str(columns[lat_name][p])
        return ", ".join(f"{n}={columns[n][p]}" for n in (lat_name, lon_name) if n)

    def findings(self) -> list[Finding]:
        found = []
        default = self.table.bboxes == FRANCE_BBOXES
        for pair, tallies in self.tallies.items():
            kind, lat_name, lon_name, fmt = pair
            if self.fractions.get(pair):
                continue  # every value within [0, 1]: fractions, not coordinates
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
                if projected and _lettered(lat_name) and _lettered(lon_name) and not self.degrees.get(pair):
                    # X/Y columns in the legal projection are no mistake (the Base Adresse Nationale
                    # writes them beside lon/lat): only their system is undeclared, so the hub cannot map
                    # them. Metres on some rows and degrees on others in the same columns are an error.
                    code = projected.split(" ")[0]
                    make("coordinates-projected",
                         f"{names} hold projected coordinates in metres, apparently {projected}; the "
                         "coordinate system is not declared, so the hub cannot place them on a map.",
                         f'Declare it: "catalog": {{"crs": "{code}"}} on the two fields or on the resource '
                         "(describe does it); or convert the columns to WGS84 with pyproj "
                         f'(Transformer.from_crs("{code}", "EPSG:4326", always_xy=True)).', out, WARNING)
                elif projected:
                    mixed = (f", while {self.degrees[pair]:,} other rows hold WGS84 degrees: one column holds one "
                             "coordinate system" if _lettered(lat_name) and _lettered(lon_name) else
                             ", not WGS84 longitude/latitude in degrees")
                    make("coordinates-projected",
                         f"{names} hold projected coordinates in metres, apparently {projected}{mixed}.",
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
                     f"round, the points fall inside {coverage(self.table.bboxes, default)}.", fix, swapped)
            outside = tallies.get(OUTSIDE)
            if outside and outside.count:
                make("coordinates-implausible",
                     f"{names} put the point outside {coverage(self.table.bboxes, default)}.",
                     coverage_fix(default), outside,
                     WARNING if default else ERROR)
        return found
