"""The files that describe the network — agencies, stops, routes, calendars,
shapes and trips — each read whole (they are small next to stop_times.txt),
checked, and reduced to the identifiers the files after it refer to."""
from __future__ import annotations

import pandas as pd
import pyarrow as pa

from catalog.findings import Finding
from catalog.validate.gtfs.columns import ids
from catalog.validate.gtfs.reading import Reader
from catalog.validate.gtfs.references import check_ids, missing_values, references
from catalog.validate.gtfs.tally import Tally, positions


def _table(reader: Reader | None, columns: list[str], key: str | None = None) -> pd.DataFrame | None:
    """The file's `columns` as one frame; None when the file is absent, lacks
    `key` (already reported as a missing column) or is not a readable table."""
    if reader is None or (key is not None and not reader.has(key)):
        return None
    return reader.run(lambda r: r.table(columns))


def _distinct(reader: Reader, column: str) -> set[str] | None:
    """The non-empty values of one column, read chunk by chunk; None when unreadable."""
    def process(r):
        values = set()
        for chunk in r.chunks([column]):
            values.update(ids(chunk[column]).to_pylist())
        return values

    return reader.run(process)


def _id_array(values: set[str]) -> pa.Array:
    return ids(pa.array(sorted(values), pa.large_string()))


def agency(reader, found):
    """Agency ids (None when agency.txt is unusable), and how many agencies there are."""
    frame = _table(reader, ["agency_id", "agency_name", "agency_url", "agency_timezone"])
    if frame is None:
        return None
    if len(frame) == 0:
        found.append(Finding("gtfs-empty-file", "agency.txt lists no agency.",
                             "Add one row per transport agency of the feed.", file=reader.file))
    if "agency_id" not in frame:
        if len(frame) > 1:
            found.append(Finding(
                "gtfs-missing-column",
                f"agency.txt lists {len(frame)} agencies but has no agency_id column: routes cannot "
                "say which agency runs them.",
                "Add an agency_id column to agency.txt and fill routes.txt agency_id.",
                file=reader.file, row=1, column="agency_id"))
        return {"ids": pa.array([], pa.large_string()), "count": len(frame)}
    # A feed of one agency may leave agency_id empty.
    check_ids(reader, frame, "agency_id", found, required=len(frame) > 1)
    return {"ids": ids(frame["agency_id"]), "count": len(frame)}


def stops(reader, found):
    frame = _table(reader, ["stop_id", "stop_lat", "stop_lon", "location_type", "parent_station"], "stop_id")
    if frame is None:
        return None
    check_ids(reader, frame, "stop_id", found)
    stop_ids = ids(frame["stop_id"])
    rows = frame["__row__"].to_numpy()

    # Stops, stations and entrances (location_type 0, 1, 2 or empty) need coordinates;
    # generic nodes (3) and boarding areas (4) do not.
    kind = frame["location_type"].str.strip() if "location_type" in frame else pd.Series("", index=frame.index)
    unknown = (~kind.isin(["", "0", "1", "2", "3", "4"])).to_numpy()
    tally = Tally("gtfs-invalid-value", reader.file, "an unknown location_type",
                  "Use location_type 0 (or empty) for a stop, 1 station, 2 entrance, 3 generic node, "
                  "4 boarding area.")
    tally.add(positions(unknown), lambda p: tally.finding(
        f"location_type {kind.iat[p]!r} is not one of 0, 1, 2, 3, 4 (or empty).",
        int(rows[p]), "location_type", kind.iat[p]))
    found += tally.findings()
    needs = ~kind.isin(["3", "4"]).to_numpy()
    for column, low, high in (("stop_lat", -90, 90), ("stop_lon", -180, 180)):
        if column not in frame:
            if needs.any():
                found.append(Finding(
                    "gtfs-missing-column",
                    f"the column {column} is missing: stops, stations and entrances need coordinates.",
                    f"Add {column} to stops.txt with each stop's position (WGS84 decimal degrees).",
                    file=reader.file, row=1, column=column))
            continue
        text = frame[column].str.strip()
        number = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
        empty = (text == "").to_numpy()
        bad = needs & ~empty & ~((number >= low) & (number <= high))
        tally = Tally("gtfs-invalid-coordinate", reader.file, f"a missing or invalid {column}",
                      f"Write {column} in decimal degrees with a dot, between {low} and {high} "
                      "(e.g. 43.6045 for latitude, 1.4440 for longitude).")
        missing = needs & empty
        tally.add(positions(missing | bad), lambda p: tally.finding(
            f"{column} is empty: stops, stations and entrances need a position."
            if missing[p] else
            f"{column} {text.iat[p]!r} is not a number between {low} and {high}.",
            int(rows[p]), column, text.iat[p]))
        found += tally.findings()

    if "parent_station" in frame:
        found += references(reader, frame, "parent_station", stop_ids, "stops.txt", "stop_id").findings()
    return stop_ids


def routes(reader, agency, found):
    frame = _table(reader, ["route_id", "agency_id", "route_type"], "route_id")
    if frame is None:
        return None
    check_ids(reader, frame, "route_id", found)
    if agency is not None:
        if "agency_id" in frame:
            found += references(reader, frame, "agency_id", agency["ids"], "agency.txt", "agency_id").findings()
        if agency["count"] > 1:
            # Without the column every route lacks its agency_id.
            values = frame["agency_id"] if "agency_id" in frame else pd.Series("", index=frame.index)
            found += missing_values(
                reader.file, frame["__row__"].to_numpy(), values, "agency_id",
                "Fill agency_id on every route: agency.txt lists several agencies.",
                "agency_id is empty, but agency.txt lists several agencies: "
                "it is not known which one runs this route.")
    return ids(frame["route_id"])


def services(readers):
    """Service ids of calendar.txt and calendar_dates.txt (None if neither is usable)."""
    service_ids = None
    for reader in readers:
        if reader is None or not reader.has("service_id"):
            continue
        values = _distinct(reader, "service_id")
        if values is not None:
            service_ids = (service_ids or set()) | values
    return None if service_ids is None else _id_array(service_ids)


def shapes(reader):
    if reader is None or not reader.has("shape_id"):
        return None
    values = _distinct(reader, "shape_id")
    return None if values is None else _id_array(values)


def trips(reader, routes, services, shapes, found):
    frame = _table(reader, ["route_id", "service_id", "trip_id", "shape_id"], "trip_id")
    if frame is None:
        return None
    check_ids(reader, frame, "trip_id", found)
    rows = frame["__row__"].to_numpy()
    for column in ("route_id", "service_id"):
        if column in frame:
            found += missing_values(reader.file, rows, frame[column], column,
                                    f"Give every trip a {column}.", f"{column} is empty: every trip needs one.")
    found += references(reader, frame, "route_id", routes, "routes.txt", "route_id").findings()
    calendars = "calendar.txt or calendar_dates.txt"
    found += references(reader, frame, "service_id", services, calendars, "service_id").findings()
    if shapes is not None:
        found += references(reader, frame, "shape_id", shapes, "shapes.txt", "shape_id").findings()
    return ids(frame["trip_id"])
