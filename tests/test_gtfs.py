"""GTFS checks: the published error feeds, real feeds, and one crafted feed per rule."""
from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest

import catalog.safety
import catalog.validate.gtfs as gtfs
from catalog.errors import UnusableInput
from catalog.findings import ERROR, WARNING
from catalog.validate.gtfs import check_gtfs_files, check_gtfs_zip

# ---------------------------------------------------------------- a small valid feed

BASE = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\n"
                  "A1,Agence de test,https://example.fr,Europe/Paris\n",
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
                 "S1,Gare,43.6045,1.4440,,\n"
                 "S2,Mairie,43.6100,1.4500,,\n"
                 "S3,Lycée,43.6200,1.4600,,\n",
    "routes.txt": "route_id,agency_id,route_short_name,route_type\n"
                  "R1,A1,1,3\n",
    "trips.txt": "route_id,service_id,trip_id,shape_id\n"
                 "R1,WK,T1,\n"
                 "R1,WK,T2,\n",
    "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
                    "WK,1,1,1,1,1,0,0,20250101,20251231\n",
    "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                      "T1,08:00:00,08:00:00,S1,1\n"
                      "T1,08:10:00,08:11:00,S2,2\n"
                      "T1,08:20:00,08:20:00,S3,3\n"
                      "T2,07:00:00,07:00:00,S3,1\n"
                      "T2,07:10:00,07:10:00,S2,2\n"
                      "T2,07:20:00,07:20:00,S1,3\n",
}

T1_HEADER = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"


def write_zip(path: Path, files: dict[str, str | bytes], folder: str = "") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(folder + name, text.encode("utf-8") if isinstance(text, str) else text)
    return path


def feed(tmp_path, name="feed.zip", folder="", **changes) -> Path:
    """The base feed with files replaced (`stops_txt="..."`) or removed (`stops_txt=None`)."""
    files = dict(BASE)
    for key, text in changes.items():
        file = key.replace("_txt", ".txt")
        if text is None:
            files.pop(file, None)
        else:
            files[file] = text
    return write_zip(tmp_path / name, files, folder)


def stop_times(*rows: str, header: str = T1_HEADER) -> str:
    return header + "".join(row + "\n" for row in rows)


def errors(findings):
    return [f for f in findings if f.severity == ERROR]


def codes(findings):
    return sorted({f.code for f in errors(findings)})


def only(findings, code):
    return [f for f in findings if f.code == code]


# ---------------------------------------------------------------- the published error feeds

def test_base_feed_is_valid(tmp_path):
    assert check_gtfs_zip(feed(tmp_path), "feed.zip") == []


def test_errors_invalid_references(shared_data):
    found = check_gtfs_zip(shared_data / "gtfs" / "errors-invalid_references.zip", "refs.zip")
    refs = {(f.file, f.row, f.column, f.value) for f in only(found, "gtfs-invalid-reference")}
    assert refs == {
        ("refs.zip/stop_times.txt", 30, "stop_id", "unknown_stop"),
        ("refs.zip/stop_times.txt", 31, "trip_id", "unknown_trip"),
        ("refs.zip/trips.txt", 13, "service_id", "unknown_service"),
        ("refs.zip/trips.txt", 14, "route_id", "unkown_route"),
        ("refs.zip/routes.txt", 8, "agency_id", "unknown_agency"),
        ("refs.zip/stops.txt", 10, "parent_station", "unknown_parent"),
    }
    dup = only(found, "gtfs-duplicate-id")
    assert [(f.file, f.row, f.column, f.value) for f in dup] == [("refs.zip/routes.txt", 7, "route_id", "AAMV")]
    # AAMV4 also lists stop_sequence 2 twice (rows 29 and 30).
    seq = only(found, "gtfs-duplicate-stop-sequence")
    assert [(f.row, f.value) for f in seq] == [(30, "2")]
    assert all(f.fix and f.message for f in found)


def test_errors_duplicate_stop_sequence(shared_data):
    found = check_gtfs_zip(shared_data / "gtfs" / "errors-duplicate_stop_sequence.zip", "dup.zip")
    seq = only(found, "gtfs-duplicate-stop-sequence")
    assert [(f.file, f.row, f.column, f.value) for f in seq] == [
        ("dup.zip/stop_times.txt", 6, "stop_sequence", "10"),  # trip2: stopB and stopC both 10
        ("dup.zip/stop_times.txt", 8, "stop_sequence", "0"),  # trip3: stopA and stopB both 0
    ]
    assert "trip2" in seq[0].message and "rows 5 and 6" in seq[0].message
    # The feed also has two agencies without agency_id, and a route naming agency 848.
    assert {(f.code, f.column) for f in errors(found)} == {
        ("gtfs-duplicate-stop-sequence", "stop_sequence"),
        ("gtfs-missing-column", "agency_id"),
        ("gtfs-invalid-reference", "agency_id"),
    }


def test_errors_stop_times_increase(shared_data):
    found = check_gtfs_zip(shared_data / "gtfs" / "errors-stop_times_increase.zip", "itb.zip")
    # ITB1 at Waldkirchen: arrives 08:29:00, leaves 08:21:00.
    assert [(f.code, f.file, f.row, f.column, f.value) for f in found] == [
        ("gtfs-time-decreasing", "itb.zip/stop_times.txt", 9, "departure_time", "08:21:00"),
    ]
    assert "08:29:00" in found[0].message and "ITB1" in found[0].message


def test_errors_missing_mandatory_files(shared_data):
    found = check_gtfs_zip(shared_data / "gtfs" / "errors-missing_mandatory_files.zip", "miss.zip")
    missing = only(found, "gtfs-missing-file")
    assert [(f.file, f.severity) for f in missing] == [("miss.zip/stop_times.txt", ERROR)]
    assert "stop_times.txt" in missing[0].message
    # invalid_file.txt is not part of GTFS: a warning, not an error.
    unknown = only(found, "gtfs-unknown-file")
    assert [(f.file, f.severity) for f in unknown] == [("miss.zip/invalid_file.txt", WARNING)]
    # The last route has no route_id, so the AAMV trips point to nothing.
    assert [(f.file, f.row, f.column) for f in only(found, "gtfs-missing-value")] == [
        ("miss.zip/routes.txt", 6, "route_id")]
    assert {f.row for f in only(found, "gtfs-invalid-reference") if f.column == "route_id"} == {9, 10, 11, 12}


@pytest.mark.parametrize("name", ["libellus-castres-mazamet.zip", "frioul-if-express-marseille.zip",
                                  "google-sample-feed-1.zip"])
def test_real_feeds_pass(shared_data, name):
    found = check_gtfs_zip(shared_data / "gtfs" / name, name)
    assert errors(found) == []


def test_real_feed_with_bom_and_extra_file(shared_data):
    path = shared_data / "gtfs" / "frioul-if-express-marseille.zip"
    with zipfile.ZipFile(path) as archive:
        assert archive.read("agency.txt").startswith(b"\xef\xbb\xbf")  # the BOM is really there
    assert check_gtfs_zip(path, "frioul.zip") == []


def test_benchmark_castres(shared_data):
    path = shared_data / "gtfs" / "libellus-castres-mazamet.zip"
    start = time.perf_counter()
    found = check_gtfs_zip(path, "castres.zip")
    elapsed = time.perf_counter() - start
    print(f"\nGTFS check of libellus-castres-mazamet.zip (18,852 stop_times): {elapsed:.3f} s")
    assert errors(found) == []


# ---------------------------------------------------------------- files and columns

def test_missing_required_file(tmp_path):
    found = check_gtfs_zip(feed(tmp_path, stops_txt=None), "feed.zip")
    assert [(f.code, f.file) for f in errors(found)] == [("gtfs-missing-file", "feed.zip/stops.txt")]


def test_calendar_dates_alone_is_enough(tmp_path):
    path = feed(tmp_path, calendar_txt=None, calendar_dates_txt="service_id,date,exception_type\nWK,20250102,1\n")
    assert check_gtfs_zip(path, "feed.zip") == []


def test_no_calendar_at_all(tmp_path):
    found = check_gtfs_zip(feed(tmp_path, calendar_txt=None), "feed.zip")
    missing = only(found, "gtfs-missing-file")
    assert len(missing) == 1 and "calendar_dates.txt" in missing[0].message
    # Without any calendar, service_id cannot be checked: no spurious reference errors.
    assert codes(found) == ["gtfs-missing-file"]


def test_missing_column(tmp_path):
    trips = "route_id,trip_id\nR1,T1\nR1,T2\n"
    found = check_gtfs_zip(feed(tmp_path, trips_txt=trips), "feed.zip")
    assert [(f.code, f.file, f.row, f.column) for f in errors(found)] == [
        ("gtfs-missing-column", "feed.zip/trips.txt", 1, "service_id")]


def test_semicolon_separated_file_is_explained(tmp_path):
    routes = "route_id;agency_id;route_short_name;route_type\nR1;A1;1;3\n"
    found = check_gtfs_zip(feed(tmp_path, routes_txt=routes), "feed.zip")
    missing = only(found, "gtfs-missing-column")
    assert {f.column for f in missing} == {"route_id", "route_type"}
    assert all("';'" in f.fix for f in missing)


def test_unknown_file_is_a_warning(tmp_path):
    path = write_zip(tmp_path / "feed.zip", {**BASE, "notes.txt": "hello\n", "checksum.md5": "x"})
    found = check_gtfs_zip(path, "feed.zip")
    assert [(f.code, f.severity, f.file) for f in found] == [
        ("gtfs-unknown-file", WARNING, "feed.zip/notes.txt")]


def test_feed_in_a_sub_folder(tmp_path):
    path = feed(tmp_path, folder="export/", stop_times_txt=stop_times("T1,08:00:00,08:00:00,NOPE,1"))
    found = check_gtfs_zip(path, "feed.zip")
    assert [(f.code, f.file, f.row) for f in errors(found)] == [
        ("gtfs-invalid-reference", "feed.zip/export/stop_times.txt", 2)]


def test_feed_in_several_folders_is_refused(tmp_path):
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for folder in ("a/", "b/"):
            for name, text in BASE.items():
                archive.writestr(folder + name, text)
    found = check_gtfs_zip(path, "two.zip")
    assert "gtfs-missing-file" in codes(found)
    assert any("several folders" in f.message for f in found)


def test_bom_and_crlf_are_accepted(tmp_path):
    files = {name: b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode() for name, text in BASE.items()}
    assert check_gtfs_zip(write_zip(tmp_path / "feed.zip", files), "feed.zip") == []


def test_blank_lines_keep_row_numbers(tmp_path):
    text = stop_times("T1,08:00:00,08:00:00,S1,1", "", "T1,08:10:00,08:10:00,NOPE,2", "") + "\n"
    found = check_gtfs_zip(feed(tmp_path, stop_times_txt=text), "feed.zip")
    assert [(f.code, f.row, f.value) for f in errors(found)] == [("gtfs-invalid-reference", 4, "NOPE")]


def test_not_utf8_is_reported_and_checks_go_on(tmp_path):
    stops = BASE["stops.txt"].replace("S3,Lycée", "S3,Lycée Écluse").encode("latin-1")
    found = check_gtfs_zip(feed(tmp_path, stops_txt=stops), "feed.zip")
    assert [(f.code, f.file) for f in errors(found)] == [("gtfs-encoding", "feed.zip/stops.txt")]
    # stops.txt was still read: a broken reference to it is still found.
    found = check_gtfs_zip(feed(tmp_path, stops_txt=stops, stop_times_txt=stop_times(
        "T1,08:00:00,08:00:00,S1,1", "T1,08:10:00,08:10:00,S9,2")), "feed.zip")
    assert codes(found) == ["gtfs-encoding", "gtfs-invalid-reference"]


def test_malformed_csv(tmp_path):
    stops = 'stop_id,stop_name,stop_lat,stop_lon\nS1,"Gare,43.6,1.44\nS2,Mairie,43.6,1.45\n'
    found = check_gtfs_zip(feed(tmp_path, stops_txt=stops), "feed.zip")
    # The unclosed quote swallows the rest of stops.txt: reported once; nothing is checked against it.
    assert [(f.code, f.file) for f in errors(found)] == [("gtfs-malformed-file", "feed.zip/stops.txt")]
    assert "quotes" in errors(found)[0].fix


def test_row_with_an_extra_field(tmp_path):
    # An unquoted comma in a name shifts the row: its latitude is then not a number.
    stops = BASE["stops.txt"] + "S4,Gare, quai 2,43.6,1.44,,\n"
    found = check_gtfs_zip(feed(tmp_path, stops_txt=stops), "feed.zip")
    assert [(f.code, f.row, f.column, f.value) for f in errors(found)] == [
        ("gtfs-invalid-value", 5, "location_type", "1.44"), ("gtfs-invalid-coordinate", 5, "stop_lat", "quai 2")]


def test_empty_required_file(tmp_path):
    found = check_gtfs_zip(feed(tmp_path, agency_txt=""), "feed.zip")
    assert [(f.code, f.file) for f in errors(found)] == [("gtfs-empty-file", "feed.zip/agency.txt")]


# ---------------------------------------------------------------- references and identifiers

@pytest.mark.parametrize("change, file, row, column, value", [
    ({"stop_times_txt": stop_times("T1,08:00:00,08:00:00,S1,1", "T1,08:10:00,08:10:00,GHOST,2")},
     "stop_times.txt", 3, "stop_id", "GHOST"),
    ({"stop_times_txt": stop_times("T1,08:00:00,08:00:00,S1,1", "T1,08:10:00,08:10:00,S2,2",
                                   "T9,09:00:00,09:00:00,S1,1")},
     "stop_times.txt", 4, "trip_id", "T9"),
    ({"trips_txt": "route_id,service_id,trip_id\nR1,WK,T1\nR9,WK,T2\n"}, "trips.txt", 3, "route_id", "R9"),
    ({"trips_txt": "route_id,service_id,trip_id\nR1,WK,T1\nR1,SUNDAY,T2\n"}, "trips.txt", 3, "service_id",
     "SUNDAY"),
    ({"routes_txt": "route_id,agency_id,route_type\nR1,A9,3\n"}, "routes.txt", 2, "agency_id", "A9"),
    ({"trips_txt": "route_id,service_id,trip_id,shape_id\nR1,WK,T1,SH1\nR1,WK,T2,SH2\n",
      "shapes_txt": "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\nSH1,43.6,1.44,1\nSH1,43.7,1.45,2\n"},
     "trips.txt", 3, "shape_id", "SH2"),
    ({"stops_txt": BASE["stops.txt"] + "S4,Quai,43.6,1.44,0,STATION\n"}, "stops.txt", 5, "parent_station",
     "STATION"),
])
def test_invalid_reference(tmp_path, change, file, row, column, value):
    found = check_gtfs_zip(feed(tmp_path, **change), "feed.zip")
    assert [(f.code, f.file, f.row, f.column, f.value) for f in errors(found)] == [
        ("gtfs-invalid-reference", f"feed.zip/{file}", row, column, value)]
    assert value in errors(found)[0].message and errors(found)[0].fix


def test_shape_id_without_shapes_file_is_not_checked(tmp_path):
    trips = "route_id,service_id,trip_id,shape_id\nR1,WK,T1,SH1\nR1,WK,T2,SH2\n"
    assert check_gtfs_zip(feed(tmp_path, trips_txt=trips), "feed.zip") == []


def test_references_are_capped_with_a_count(tmp_path):
    rows = [f"T1,08:{i:02d}:00,08:{i:02d}:00,X{i},{i}" for i in range(1, 36)]
    found = check_gtfs_zip(feed(tmp_path, stop_times_txt=stop_times(*rows)), "feed.zip")
    refs = only(found, "gtfs-invalid-reference")
    assert len(refs) == 21
    assert [f.row for f in refs[:20]] == list(range(2, 22))
    assert refs[20].row is None and "35" in refs[20].message


@pytest.mark.parametrize("file, text, row, column, value", [
    ("stops_txt", BASE["stops.txt"] + "S2,Mairie bis,43.61,1.45,,\n", 5, "stop_id", "S2"),
    ("trips_txt", BASE["trips.txt"] + "R1,WK,T1,\n", 4, "trip_id", "T1"),
    ("routes_txt", BASE["routes.txt"] + "R1,A1,1bis,3\n", 3, "route_id", "R1"),
])
def test_duplicate_id(tmp_path, file, text, row, column, value):
    found = check_gtfs_zip(feed(tmp_path, **{file: text}), "feed.zip")
    assert [(f.code, f.row, f.column, f.value) for f in errors(found)] == [
        ("gtfs-duplicate-id", row, column, value)]
    assert "first on row" in errors(found)[0].message


def test_several_agencies_need_agency_id(tmp_path):
    agency = "agency_name,agency_url,agency_timezone\nA,https://a.fr,Europe/Paris\nB,https://b.fr,Europe/Paris\n"
    found = check_gtfs_zip(feed(tmp_path, agency_txt=agency, routes_txt="route_id,route_type\nR1,3\n"), "f.zip")
    assert ("gtfs-missing-column", "f.zip/agency.txt", "agency_id") in {
        (f.code, f.file, f.column) for f in errors(found)}


# ---------------------------------------------------------------- times

@pytest.mark.parametrize("value", ["25:30:00", "8:05:00", "08:05:00", "00:00:00", "47:59:59", " 08:05:00"])
def test_valid_times(tmp_path, value):
    text = stop_times("T1,0:00:00,00:00:00,S1,1", f"T1,{value},{value},S2,2", "T1,48:00:00,48:00:00,S3,3")
    assert check_gtfs_zip(feed(tmp_path, stop_times_txt=text), "feed.zip") == []


@pytest.mark.parametrize("value", ["24:60:00", "08:05:60", "8:5:00", "08:05", "8h05", "123:00:00", "-1:00:00",
                                   "08:05:00.5", "midi"])
def test_invalid_times(tmp_path, value):
    text = stop_times("T1,07:00:00,07:00:00,S1,1", f"T1,{value},09:00:00,S2,2", "T1,10:00:00,10:00:00,S3,3")
    found = check_gtfs_zip(feed(tmp_path, stop_times_txt=text), "feed.zip")
    assert [(f.code, f.file, f.row, f.column, f.value) for f in errors(found)] == [
        ("gtfs-invalid-time", "feed.zip/stop_times.txt", 3, "arrival_time", value)]


def test_empty_times_allowed_between_timed_stops(tmp_path):
    text = stop_times("T1,08:00:00,08:00:00,S1,1", "T1,,,S2,2", "T1,08:20:00,08:20:00,S3,3")
    assert check_gtfs_zip(feed(tmp_path, stop_times_txt=text), "feed.zip") == []


@pytest.mark.parametrize("rows, row, column", [
    (("T1,,08:00:00,S1,1", "T1,08:10:00,08:10:00,S2,2"), 2, "arrival_time"),
    (("T1,08:00:00,08:00:00,S1,1", "T1,08:10:00,,S2,2"), 3, "departure_time"),
    # The file is not in trip order: the last stop of the trip is the one with the highest sequence.
    (("T1,,,S3,3", "T1,08:00:00,08:00:00,S1,1", "T1,08:10:00,08:10:00,S2,2"), 2, "arrival_time"),
])
def test_first_and_last_stop_need_times(tmp_path, rows, row, column):
    found = check_gtfs_zip(feed(tmp_path, stop_times_txt=stop_times(*rows)), "feed.zip")
    bad = [(f.code, f.row, f.column) for f in errors(found)]
    assert ("gtfs-invalid-time", row, column) in bad
    assert {c for c, *_ in bad} == {"gtfs-invalid-time"}


def test_timepoint_needs_times(tmp_path):
    header = "trip_id,arrival_time,departure_time,stop_id,stop_sequence,timepoint\n"
    text = stop_times("T1,08:00:00,08:00:00,S1,1,1", "T1,,,S2,2,1", "T1,08:20:00,08:20:00,S3,3,1",
                      header=header)
    found = check_gtfs_zip(feed(tmp_path, stop_times_txt=text), "feed.zip")
    assert [(f.code, f.row, f.column) for f in errors(found)] == [
        ("gtfs-invalid-time", 3, "arrival_time"), ("gtfs-invalid-time", 3, "departure_time")]
    text = text.replace("T1,,,S2,2,1", "T1,,,S2,2,0")
    assert check_gtfs_zip(feed(tmp_path, stop_times_txt=text), "feed.zip") == []


def test_arrival_before_previous_departure(tmp_path):
    text = stop_times("T1,08:00:00,08:05:00,S1,1", "T1,08:03:00,08:06:00,S2,2", "T1,08:20:00,08:20:00,S3,3")
    found = check_gtfs_zip(feed(tmp_path, stop_times_txt=text), "feed.zip")
    assert [(f.code, f.row, f.column, f.value) for f in errors(found)] == [
        ("gtfs-time-decreasing", 3, "arrival_time", "08:03:00")]
    assert "08:05:00" in errors(found)[0].message and "row 2" in errors(found)[0].message


def test_time_decrease_across_an_untimed_stop(tmp_path):
    text = stop_times("T1,08:00:00,08:00:00,S1,1", "T1,,,S2,2", "T1,07:55:00,07:55:00,S3,3")
    found = check_gtfs_zip(feed(tmp_path, stop_times_txt=text), "feed.zip")
    assert [(f.code, f.row) for f in errors(found)] == [("gtfs-time-decreasing", 4)]


def test_times_follow_stop_sequence_not_file_order(tmp_path):
    # Rows shuffled, sequences with gaps: the trip is fine.
    text = stop_times("T1,08:20:00,08:20:00,S3,30", "T1,08:00:00,08:00:00,S1,10", "T1,08:10:00,08:11:00,S2,20")
    assert check_gtfs_zip(feed(tmp_path, stop_times_txt=text), "feed.zip") == []
    # Same rows, but the sequence says S3 comes first: the times go backwards.
    text = stop_times("T1,08:20:00,08:20:00,S3,5", "T1,08:00:00,08:00:00,S1,10", "T1,08:10:00,08:11:00,S2,20")
    found = check_gtfs_zip(feed(tmp_path, stop_times_txt=text), "feed.zip")
    assert [(f.code, f.row) for f in errors(found)] == [("gtfs-time-decreasing", 3)]


def test_trip_after_midnight(tmp_path):
    text = stop_times("T1,23:50:00,23:50:00,S1,1", "T1,24:05:00,24:05:00,S2,2", "T1,25:10:00,25:10:00,S3,3")
    assert check_gtfs_zip(feed(tmp_path, stop_times_txt=text), "feed.zip") == []
    text = stop_times("T1,23:50:00,23:50:00,S1,1", "T1,00:05:00,00:05:00,S2,2", "T1,01:10:00,01:10:00,S3,3")
    found = check_gtfs_zip(feed(tmp_path, stop_times_txt=text), "feed.zip")
    assert [(f.code, f.row) for f in errors(found)] == [("gtfs-time-decreasing", 3)]
    assert "24:00:00" in errors(found)[0].fix


# ---------------------------------------------------------------- stop_sequence

@pytest.mark.parametrize("value", ["-1", "1.5", "", "deux", "99999999999", "9999999999"])
def test_invalid_stop_sequence(tmp_path, value):
    text = stop_times("T1,08:00:00,08:00:00,S1,1", f"T1,08:10:00,08:10:00,S2,{value}",
                      "T1,08:20:00,08:20:00,S3,3")
    found = check_gtfs_zip(feed(tmp_path, stop_times_txt=text), "feed.zip")
    assert [(f.code, f.row, f.column, f.value) for f in errors(found)] == [
        ("gtfs-invalid-stop-sequence", 3, "stop_sequence", value)]


def test_duplicate_stop_sequence(tmp_path):
    text = stop_times("T1,08:00:00,08:00:00,S1,1", "T1,08:10:00,08:10:00,S2,2", "T1,08:20:00,08:20:00,S3,2",
                      "T2,08:00:00,08:00:00,S1,2")  # the same sequence in another trip is fine
    found = check_gtfs_zip(feed(tmp_path, stop_times_txt=text), "feed.zip")
    assert [(f.code, f.row, f.value) for f in errors(found)] == [("gtfs-duplicate-stop-sequence", 4, "2")]


# ---------------------------------------------------------------- coordinates

@pytest.mark.parametrize("line, column, value", [
    ("S4,Nord,91,1.44,,", "stop_lat", "91"),
    ("S4,Est,43.6,-180.5,0,", "stop_lon", "-180.5"),
    ("S4,Virgule,\"43,6\",1.44,,", "stop_lat", "43,6"),
    ("S4,Vide,,1.44,1,", "stop_lat", ""),
    ("S4,Texte,43.6,abc,2,", "stop_lon", "abc"),
])
def test_invalid_coordinates(tmp_path, line, column, value):
    found = check_gtfs_zip(feed(tmp_path, stops_txt=BASE["stops.txt"] + line + "\n"), "feed.zip")
    assert [(f.code, f.row, f.column, f.value) for f in errors(found)] == [
        ("gtfs-invalid-coordinate", 5, column, value)]


def test_nodes_and_boarding_areas_need_no_coordinates(tmp_path):
    stops = BASE["stops.txt"] + "N1,Couloir,,,3,S1\nB1,Quai,,,4,S1\n"
    assert check_gtfs_zip(feed(tmp_path, stops_txt=stops), "feed.zip") == []


# ---------------------------------------------------------------- archives

def test_not_a_zip(tmp_path):
    path = tmp_path / "feed.zip"
    path.write_bytes(b"this is not a zip archive")
    with pytest.raises(UnusableInput, match="feed.zip"):
        check_gtfs_zip(path, "feed.zip")


def test_missing_zip(tmp_path):
    with pytest.raises(UnusableInput):
        check_gtfs_zip(tmp_path / "nowhere.zip", "nowhere.zip")


def test_damaged_member(tmp_path):
    path = feed(tmp_path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("stop_times.txt")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start, start + info.compress_size):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    with pytest.raises(UnusableInput, match="cannot be unpacked"):
        check_gtfs_zip(path, "feed.zip")


def test_zip_bomb_by_ratio(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in BASE.items():
            archive.writestr(name, text)
        with archive.open("shapes.txt", "w") as member:
            zeros = b"0" * (1 << 20)
            for _ in range(60):
                member.write(zeros)
    assert path.stat().st_size < 1 << 20
    with pytest.raises(UnusableInput, match="unsafe"):
        check_gtfs_zip(path, "bomb.zip")


def test_zip_bomb_by_size(tmp_path, monkeypatch):
    path = feed(tmp_path, shapes_txt="shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n" + "S,1,1,1\n" * 20000)
    monkeypatch.setattr(catalog.safety, "MAX_UNPACKED_BYTES", 100_000)
    with pytest.raises(UnusableInput, match="unsafe"):
        check_gtfs_zip(path, "feed.zip")


def test_password_protected_zip(tmp_path):
    # Set the "encrypted" flag of every entry, as `zip -P` would, without needing the zip command.
    data = bytearray(write_zip(tmp_path / "plain.zip", BASE).read_bytes())
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = data.find(signature)
        while start != -1:
            data[start + flags_at] |= 0x01
            start = data.find(signature, start + 4)
    (tmp_path / "locked.zip").write_bytes(bytes(data))
    with pytest.raises(UnusableInput, match="password"):
        check_gtfs_zip(tmp_path / "locked.zip", "locked.zip")


def test_unsafe_member_path(tmp_path):
    path = write_zip(tmp_path / "evil.zip", {**BASE, "../escape.txt": "x"})
    with pytest.raises(UnusableInput, match="unsafe member"):
        check_gtfs_zip(path, "evil.zip")


# ---------------------------------------------------------------- loose files, chunks

def write_folder(folder: Path, files: dict[str, str]) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
        paths[name] = folder / name
    return paths


def test_loose_files(tmp_path):
    paths = write_folder(tmp_path / "gtfs", BASE)
    assert check_gtfs_files(paths, "transports/gtfs") == []
    paths = write_folder(tmp_path / "bad", {**BASE, "stop_times.txt": stop_times(
        "T1,08:00:00,08:00:00,S1,1", "T1,24:60:00,08:10:00,S2,2")})
    found = check_gtfs_files(paths, "transports/gtfs")
    assert [(f.code, f.file, f.row, f.column) for f in errors(found)] == [
        ("gtfs-invalid-time", "transports/gtfs/stop_times.txt", 3, "arrival_time")]
    found = check_gtfs_files(paths, "")
    assert [f.file for f in errors(found)] == ["stop_times.txt"]


def test_loose_files_missing_one(tmp_path):
    paths = write_folder(tmp_path / "gtfs", {k: v for k, v in BASE.items() if k != "routes.txt"})
    found = check_gtfs_files(paths, "ds")
    assert ("gtfs-missing-file", "ds/routes.txt") in {(f.code, f.file) for f in errors(found)}


def test_loose_files_same_findings_as_zip(shared_data, tmp_path):
    path = shared_data / "gtfs" / "errors-invalid_references.zip"
    with zipfile.ZipFile(path) as archive:
        archive.extractall(tmp_path / "x")
    loose = check_gtfs_files({p.name: p for p in (tmp_path / "x").glob("*.txt")}, "refs.zip")
    assert [f.to_dict() for f in loose] == [f.to_dict() for f in check_gtfs_zip(path, "refs.zip")]


def test_small_chunks_give_the_same_findings(shared_data, monkeypatch):
    """Trips spread over several chunks: codes, rows and per-trip checks must not change."""
    for name in ("errors-invalid_references.zip", "errors-duplicate_stop_sequence.zip",
                 "errors-stop_times_increase.zip", "libellus-castres-mazamet.zip"):
        path = shared_data / "gtfs" / name
        whole = [f.to_dict() for f in check_gtfs_zip(path, name)]
        monkeypatch.setattr(gtfs.reading, "CHUNK_ROWS", 3)
        if name.startswith("libellus"):
            monkeypatch.setattr(gtfs.reading, "CHUNK_ROWS", 1000)
        reads = []
        real_read = gtfs.reading.text_batches
        monkeypatch.setattr(gtfs.reading, "text_batches",
                            lambda *a, **k: reads.append(k.get("rows")) or real_read(*a, **k))
        chunked = [f.to_dict() for f in check_gtfs_zip(path, name)]
        monkeypatch.setattr(gtfs.reading, "text_batches", real_read)
        monkeypatch.setattr(gtfs.reading, "CHUNK_ROWS", 500_000)
        assert (3 if not name.startswith("libellus") else 1000) in reads, reads  # the patch really applied
        assert chunked == whole, name


def test_stop_times_reads_only_the_columns_it_checks(tmp_path, monkeypatch):
    seen = []
    real = gtfs.reading.Reader._frame

    def spy(batches, positions):
        frame = real(batches, positions)
        seen.append((list(frame.columns), sum(count for _, _, count in batches)))
        return frame

    monkeypatch.setattr(gtfs.reading.Reader, "_frame", staticmethod(spy))
    header = "trip_id,arrival_time,departure_time,stop_id,stop_sequence,stop_headsign,shape_dist_traveled\n"
    text = stop_times("T1,08:00:00,08:00:00,S1,1,Centre,0", "T1,08:10:00,08:10:00,S2,2,Centre,1.5",
                      "T1,08:20:00,08:20:00,S3,3,Centre,3", header=header)
    assert check_gtfs_zip(feed(tmp_path, stop_times_txt=text), "feed.zip") == []
    reads = [(cols, size) for cols, size in seen if cols and "stop_sequence" in cols]
    assert reads and all("stop_headsign" not in cols and size for cols, size in reads)
