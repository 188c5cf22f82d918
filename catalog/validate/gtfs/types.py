"""The types GTFS's reference gives its fields, as a Table Schema for a GTFS file without one.

A GTFS file published without a schema is read with these types instead of guessed ones:
times past 24:00:00 are times of a service day, not errors; identifiers, dates (YYYYMMDD),
colours and phone numbers stay text; coordinates are numbers; enumerations and counts are
integers. Columns the reference does not define are text.
"""
from __future__ import annotations

GTFS_TIME = r"^\d{1,3}:[0-5]\d:[0-5]\d$"  # a service day's time: 25:10:00 is 1:10 the next morning
GTFS_DATE = r"^\d{8}$"
GTFS_COLOUR = r"^[0-9A-Fa-f]{6}$"

NUMBER = {"stop_lat", "stop_lon", "shape_pt_lat", "shape_pt_lon", "shape_dist_traveled", "price"}
INTEGER = {"location_type", "wheelchair_boarding", "route_type", "route_sort_order", "direction_id",
           "wheelchair_accessible", "bikes_allowed", "stop_sequence", "pickup_type", "drop_off_type",
           "continuous_pickup", "continuous_drop_off", "shape_pt_sequence", "monday", "tuesday", "wednesday",
           "thursday", "friday", "saturday", "sunday", "exception_type", "headway_secs", "exact_times",
           "transfer_type", "payment_method", "transfers", "transfer_duration", "timepoint",
           "min_transfer_time"}
PATTERNS = {"arrival_time": GTFS_TIME, "departure_time": GTFS_TIME, "start_time": GTFS_TIME,
            "end_time": GTFS_TIME, "date": GTFS_DATE, "start_date": GTFS_DATE, "end_date": GTFS_DATE,
            "feed_start_date": GTFS_DATE, "feed_end_date": GTFS_DATE, "route_color": GTFS_COLOUR,
            "route_text_color": GTFS_COLOUR}


def field(name: str) -> dict:
    spec = {"name": name, "type": "string"}
    if name in NUMBER:
        spec["type"] = "number"
    elif name in INTEGER:
        spec["type"] = "integer"
    elif name in PATTERNS:
        spec["constraints"] = {"pattern": PATTERNS[name]}
    return spec


def schema_for(header: list[str]) -> dict:
    return {"fields": [field(name) for name in header]}


def reference_schema(name: str, path) -> dict | None:
    """The reference schema of the loose GTFS file at `path` (its header, as the one reader reads
    it, decides the fields)."""
    from catalog.delimited import Unsplittable, text_records

    records = text_records(path, "utf-8-sig", ",")
    try:
        header = next(records, None)
    except Unsplittable:
        header = None
    finally:
        records.close()
    return schema_for(header) if header else None
