"""The files and columns the GTFS Schedule reference asks for, and the checks
that the feed holds them before anything is read."""
from __future__ import annotations

from catalog.findings import WARNING, Finding

REQUIRED_FILES = ("agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
CALENDAR_FILES = ("calendar.txt", "calendar_dates.txt")
REQUIRED_COLUMNS = {
    "agency.txt": ("agency_name", "agency_url", "agency_timezone"),
    "stops.txt": ("stop_id",),
    "routes.txt": ("route_id", "route_type"),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"),
    "calendar.txt": ("service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                     "sunday", "start_date", "end_date"),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
    "shapes.txt": ("shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"),
}
# Every file the GTFS Schedule reference defines; other .txt files are reported as a warning.
KNOWN_FILES = set(REQUIRED_FILES) | set(CALENDAR_FILES) | {
    "shapes.txt", "frequencies.txt", "transfers.txt", "pathways.txt", "levels.txt", "feed_info.txt",
    "translations.txt", "attributions.txt", "fare_attributes.txt", "fare_rules.txt", "timeframes.txt",
    "fare_media.txt", "fare_products.txt", "fare_leg_rules.txt", "fare_leg_join_rules.txt",
    "fare_transfer_rules.txt", "rider_categories.txt", "areas.txt", "stop_areas.txt", "networks.txt",
    "route_networks.txt", "location_groups.txt", "location_group_stops.txt", "booking_rules.txt",
}
# The files whose contents are checked, in the order they are read.
CHECKED_FILES = (*REQUIRED_FILES, *CALENDAR_FILES, "shapes.txt")


def check_files(feed) -> list[Finding]:
    """Files that journey planners would ignore, and required files that are absent."""
    found: list[Finding] = []
    for name in sorted(feed.openers):
        if name not in KNOWN_FILES:
            found.append(Finding(
                "gtfs-unknown-file", f"{name} is not a GTFS file: journey planners will ignore it.",
                "Remove it from the feed, or check its name against the GTFS reference "
                "(gtfs.org/schedule/reference).", file=feed.display(name), severity=WARNING))
    for name in REQUIRED_FILES:
        if name not in feed:
            found.append(Finding(
                "gtfs-missing-file", f"the required file {name} is missing from the feed.",
                f"Add {name} to the feed (GTFS needs agency, stops, routes, trips, stop_times "
                "and calendar or calendar_dates).", file=feed.display(name)))
    if not any(name in feed for name in CALENDAR_FILES):
        found.append(Finding(
            "gtfs-missing-file",
            "neither calendar.txt nor calendar_dates.txt is in the feed: no day of service is known.",
            "Add calendar.txt (weekly pattern) and/or calendar_dates.txt (dates of service).",
            file=feed.where))
    return found
