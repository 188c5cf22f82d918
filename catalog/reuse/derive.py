"""Run a reuse over a database of its sources: an SQL query or a spatial join.

Spatial joins run with geopandas in Lambert-93 (EPSG:2154), where distances are metres.

Border rule for `within`: a point lying on the border shared by two polygons (within
BORDER_TOLERANCE_M of it) belongs to one polygon only, the one whose key (its first listed
column) sorts first, e.g. the smaller INSEE code. A point inside no polygon is kept with
empty polygon columns, so stops outside the territory show up instead of vanishing. Each point
also gets its polygon's representative point (shapely's point_on_surface, taken in WGS84 where
the map draws it: always inside the polygon, where a concave commune's centroid may not be).
`nearest` keeps the points that have a target at most `distance` metres away, with the
nearest one (ties: the smaller target key) and the distance rounded to 0.1 m.
"""
from __future__ import annotations

import json
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

from catalog.errors import InvalidData
from catalog.reuse.spec import Layer, Spec
from catalog.reuse.sql import run_sql

METRIC_CRS = "EPSG:2154"  # Lambert-93, the French national projection
BORDER_TOLERANCE_M = 0.001  # projection rounding is far below a millimetre


def run(spec: Spec, db) -> tuple[list[str], list[list]]:
    """The derived table: column names and rows of Python values."""
    if spec.method == "sql":
        return run_sql(db.conn, spec.sql, spec.parameters)
    if spec.method == "within":
        return within(spec, db)
    return nearest(spec, db)


def _frame(db, layer: Layer) -> pd.DataFrame:
    columns = ", ".join(f'"{c}"' for c in layer.read)
    # dtype=object keeps integers as integers when a column has empty cells.
    return pd.read_sql_query(f'SELECT {columns} FROM "{layer.table}" ORDER BY rowid', db.conn, dtype=object)


def _points(db, layer: Layer) -> gpd.GeoDataFrame:
    frame = _frame(db, layer)
    lon = pd.to_numeric(frame[layer.lon], errors="coerce")
    lat = pd.to_numeric(frame[layer.lat], errors="coerce")
    keep = lon.notna() & lat.notna()  # a point without coordinates cannot be placed
    frame = frame[keep].reset_index(drop=True)
    lon, lat = lon[keep].astype(float).to_numpy(), lat[keep].astype(float).to_numpy()
    kept = frame[layer.columns].copy()
    for name, values in zip(layer.carried, (lat, lon)):
        kept[name] = values
    return gpd.GeoDataFrame(kept, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(METRIC_CRS)


def _polygons(db, layer: Layer) -> gpd.GeoDataFrame:
    frame = _frame(db, layer)
    shapes = []
    for number, text in enumerate(frame[layer.geometry], start=1):
        try:
            shapes.append(shape(json.loads(text)))
        except (TypeError, ValueError, AttributeError, shapely.errors.GeometryTypeError) as error:
            raise InvalidData(f"row {number} of table {layer.table} has no readable geometry ({error}).",
                              "Fix the source's GeoJSON; `catalog validate` names the feature.")
    polygons = gpd.GeoDataFrame(frame[layer.columns], geometry=shapes, crs="EPSG:4326")
    inside = shapely.point_on_surface(polygons.geometry.values)
    for name, values in zip(layer.carried, (shapely.get_y(inside), shapely.get_x(inside))):
        polygons[name] = np.round(values, 6)  # WGS84 degrees to about 0.1 m, as the sources are written
    polygons = polygons.to_crs(METRIC_CRS)
    # Rank by key: the border rule gives a shared point to the first in this order.
    polygons["__rank"] = polygons[layer.columns[0]].astype(str).rank(method="first").astype(int)
    return polygons


def _clean(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _rows(frame: pd.DataFrame, columns: list[str]) -> list[list]:
    return [[_clean(v) for v in row] for row in frame[columns].itertuples(index=False, name=None)]


def within(spec: Spec, db):
    points, polygons = _points(db, spec.points), _polygons(db, spec.polygons)
    points["__point"] = range(len(points))
    pairs = gpd.sjoin(points, polygons, how="inner", predicate="dwithin", distance=BORDER_TOLERANCE_M)
    if len(pairs):
        geometry = polygons.geometry.values[pairs["index_right"].to_numpy()]
        boundary = shapely.distance(shapely.boundary(geometry), pairs.geometry.values)
        # Clearly inside beats on-the-border; then the smaller key wins.
        pairs["__border"] = boundary <= BORDER_TOLERANCE_M
        pairs = pairs.sort_values(["__point", "__border", "__rank"]).drop_duplicates("__point")
    chosen = pairs.set_index("__point")
    result = points.drop(columns="geometry").copy()
    for column in spec.polygons.output:
        result[column] = result["__point"].map(chosen[column]) if len(chosen) else None
    result = result.astype(object).where(result.notna(), None)
    return spec.spatial_columns(), _rows(result, spec.spatial_columns())


def nearest(spec: Spec, db):
    points, targets = _points(db, spec.points), _points(db, spec.targets)
    points["__point"] = range(len(points))
    targets["__rank"] = targets[spec.targets.columns[0]].astype(str).rank(method="first").astype(int)
    pairs = gpd.sjoin_nearest(points, targets, how="inner", max_distance=spec.distance, distance_col="__distance")
    pairs = pairs[pairs["__distance"] <= spec.distance]
    pairs = pairs.sort_values(["__point", "__distance", "__rank"]).drop_duplicates("__point").sort_values("__point")
    pairs[spec.distance_column] = pairs["__distance"].round(1)
    return spec.spatial_columns(), _rows(pairs, spec.spatial_columns())
