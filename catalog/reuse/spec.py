"""The `catalog.reuse` key of a derived dataset, read into a typed spec.

    "reuse": {"sources": ["<publisher>/<dataset>", ...], "method": "sql" | "within" | "nearest", ...}

- sql: `sql` (one SELECT over hub table names) and optional `parameters` ({name: default}).
- within: `points` and `polygons` layers; each point gets the columns of the polygon it lies in.
- nearest: `points`, `targets` and `distance` (metres); each point gets its nearest target within
  that distance, and `distance_column` (default `distance_m`).

A layer is {"table": hub table, "columns": [...]} plus "lon" and "lat" for points and targets,
or "geometry" (default "geometry", GeoJSON text) for polygons.

A spatial method carries the coordinates of each layer, so that the derived table shows both
sides on a map: a layer whose columns do not already hold its "lat" and "lon" gets
`point_latitude`/`point_longitude` (points) or `target_latitude`/`target_longitude` (targets),
WGS84 degrees, right after its columns; a polygon layer gets `polygon_latitude`/`polygon_longitude`,
a representative point of the polygon (one that lies inside it, unlike a centroid), empty for a
point inside no polygon. The reuse's schema may list them or leave them out (the
packager then adds them).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

METHODS = ("sql", "within", "nearest")
SIDES = {"points": "point", "targets": "target", "polygons": "polygon"}  # the prefix of the coordinates a layer carries
SOURCE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*/[^/\s]+$")


class SpecError(Exception):
    """A malformed `catalog.reuse` key: which key, what is wrong, how to fix it."""

    def __init__(self, key, message, fix):
        super().__init__(message)
        self.key, self.message, self.fix = key, message, fix


@dataclass
class Layer:
    role: str  # points | polygons | targets: named in messages
    table: str
    columns: list[str]
    lon: str | None = None
    lat: str | None = None
    geometry: str | None = None

    @property
    def read(self) -> list[str]:
        """Every column the derivation reads from the table."""
        extra = [self.geometry] if self.geometry else [self.lon, self.lat]
        return list(dict.fromkeys(self.columns + extra))

    @property
    def carried(self) -> list[str]:
        """The coordinate columns the derived table gets for this layer (latitude, longitude)."""
        if not self.geometry and self.lat in self.columns and self.lon in self.columns:
            return []
        side = SIDES[self.role]
        return [f"{side}_latitude", f"{side}_longitude"]

    @property
    def output(self) -> list[str]:
        return self.columns + self.carried

    def carried_fields(self) -> list[dict]:
        """Table Schema fields of the carried coordinates."""
        words = (("latitude", "Latitude"), ("longitude", "Longitude"))
        if self.geometry:
            return [{"name": name, "type": "number",
                     "description": f"{word} WGS84 d'un point représentatif (intérieur) du polygone de {self.table} "
                                  f"(colonne {self.geometry})."}
                    for name, (_, word) in zip(self.carried, words)]
        return [{"name": name, "type": "number",
                 "description": f"{word} WGS84 du point de {self.table} (colonne {getattr(self, key[:3])})."}
                for name, (key, word) in zip(self.carried, words)]


@dataclass
class Spec:
    sources: list[str]
    method: str
    sql: str | None = None
    parameters: dict = field(default_factory=dict)
    points: Layer | None = None
    polygons: Layer | None = None
    targets: Layer | None = None
    distance: float | None = None
    distance_column: str = "distance_m"

    def carried_fields(self) -> list[dict]:
        return [f for layer in self.layers for f in layer.carried_fields()]

    @property
    def layers(self) -> list[Layer]:
        return [layer for layer in (self.points, self.polygons, self.targets) if layer]

    def spatial_columns(self) -> list[str]:
        """The derived table's columns for a spatial method, in order."""
        other = self.polygons or self.targets
        columns = self.points.output + other.output
        return columns + [self.distance_column] if self.method == "nearest" else columns


def _layer(reuse, role, kind) -> Layer:
    value = reuse.get(role)
    example = ('{"table": "reseau_bus_stops", "lon": "stop_lon", "lat": "stop_lat", "columns": ["stop_id"]}'
               if kind == "points" else '{"table": "communes_communes", "columns": ["code_insee", "nom"]}')
    if not isinstance(value, dict):
        raise SpecError(role, f"`{role}` is missing: the {reuse.get('method')!r} method needs it.",
                        f'Add "{role}": {example}.')
    table, columns = value.get("table"), value.get("columns")
    if not isinstance(table, str) or not table:
        raise SpecError(f"{role}.table", f"`{role}.table` must name a hub table.",
                        "Use the table name of a source resource: <dataset>_<resource>, e.g. reseau_bus_stops.")
    if not (isinstance(columns, list) and columns and all(isinstance(c, str) for c in columns)):
        raise SpecError(f"{role}.columns", f"`{role}.columns` must list the columns to keep.",
                        f'Add "columns": [...] to `{role}`; the first one is its key.')
    if kind == "points":
        lon, lat = value.get("lon"), value.get("lat")
        if not (isinstance(lon, str) and isinstance(lat, str)):
            raise SpecError(role, f"`{role}` must name its longitude and latitude columns.",
                            f'Add "lon": "<column>", "lat": "<column>" to `{role}` (WGS84 degrees).')
        return Layer(role, table, columns, lon=lon, lat=lat)
    geometry = value.get("geometry", "geometry")
    if not isinstance(geometry, str):
        raise SpecError(f"{role}.geometry", f"`{role}.geometry` must name a column.",
                        "Name the column holding GeoJSON geometries (a GeoJSON resource's is `geometry`).")
    return Layer(role, table, columns, geometry=geometry)


def parse(reuse) -> Spec:
    """Read and check the shape of a `catalog.reuse` value; raises SpecError."""
    if not isinstance(reuse, dict):
        raise SpecError(None, "`catalog.reuse` must be an object.",
                        'Write "reuse": {"sources": [...], "method": "sql", "sql": "select ..."}.')
    sources = reuse.get("sources")
    if not (isinstance(sources, list) and sources and all(isinstance(s, str) for s in sources)):
        raise SpecError("sources", "`sources` must list the datasets the reuse is made from.",
                        'Write "sources": ["<publisher>/<dataset>", ...].')
    for source in sources:
        if not SOURCE.match(source):
            raise SpecError("sources", f"source {source!r} is not of the form <publisher>/<dataset>.",
                            "Name each source by its publisher slug and dataset name, e.g. sample-mobilites/reseau-bus.")
    method = reuse.get("method")
    if method not in METHODS:
        raise SpecError("method", f"`method` is {method!r}, not one the hub runs.",
                        "Use one of: " + ", ".join(METHODS) + ".")
    spec = Spec(sources=list(dict.fromkeys(sources)), method=method)
    if method == "sql":
        if not isinstance(reuse.get("sql"), str) or not reuse["sql"].strip():
            raise SpecError("sql", "`sql` is missing: the sql method needs a query.",
                            'Add "sql": "select ... from <dataset>_<resource> ..." (hub table names).')
        parameters = reuse.get("parameters", {})
        if not isinstance(parameters, dict) or not all(isinstance(k, str) for k in parameters):
            raise SpecError("parameters", "`parameters` must map each :name of the query to its default.",
                            'Write "parameters": {"insee": "00001"}.')
        spec.sql, spec.parameters = reuse["sql"], dict(parameters)
        return spec
    spec.points = _layer(reuse, "points", "points")
    if method == "within":
        spec.polygons = _layer(reuse, "polygons", "polygons")
    else:
        spec.targets = _layer(reuse, "targets", "points")
        distance = reuse.get("distance")
        if isinstance(distance, bool) or not isinstance(distance, (int, float)) or distance <= 0:
            raise SpecError("distance", f"`distance` is {distance!r}: the nearest method needs a distance in metres.",
                            'Add "distance": 300 (metres, measured in Lambert-93).')
        spec.distance = float(distance)
        spec.distance_column = str(reuse.get("distance_column") or "distance_m")
    names = spec.spatial_columns()
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SpecError("columns", f"the derived table would have the column(s) {duplicates} twice.",
                        "Keep each column from one layer only (the key of the other layer is enough).")
    return spec
