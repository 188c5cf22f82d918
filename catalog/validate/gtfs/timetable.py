"""stop_times.txt, the timetable itself: times and stop_sequence along each trip.

It can hold millions of rows, so it is read in chunks with only the columns we
check, kept as compact arrays (trip codes, stop_sequence, times in seconds,
file row numbers) and the per-trip checks run vectorised on all rows at once,
sorted by trip then stop_sequence.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from catalog.findings import Finding
from catalog.validate.gtfs.columns import arrow, bools, isin
from catalog.validate.gtfs.reading import Reader
from catalog.validate.gtfs.references import reference_tally, references
from catalog.validate.gtfs.tally import Tally, positions

TIME_PATTERN = r"^\d{1,2}:[0-5]\d:[0-5]\d$"  # RE2: \d is ASCII digits only
INT32_MAX = np.iinfo(np.int32).max

TIME_FIX = ("Write times as HH:MM:SS (or H:MM:SS), e.g. 08:05:00; trips running after midnight "
            "continue past 24:00:00, e.g. 25:10:00 for 1:10 the next morning.")


def _seconds(values) -> tuple[np.ndarray, np.ndarray]:
    """Times as int32 seconds, -1 where empty, -2 where invalid; and the invalid mask."""
    text = pc.utf8_trim_whitespace(arrow(values))
    empty = bools(pc.equal(text, ""))
    ok = pc.match_substring_regex(text, TIME_PATTERN)
    padded = pc.if_else(ok, pc.utf8_lpad(text, width=8, padding="0"), "00:00:00")

    def part(start):
        return pc.cast(pc.utf8_slice_codeunits(padded, start, start + 2), pa.int32()).to_numpy()

    out = part(0) * 3600 + part(3) * 60 + part(6)
    ok = bools(ok)
    out[~ok] = -1
    invalid = ~ok & ~empty
    out[invalid] = -2
    return out.astype(np.int32), invalid


def _clock(seconds) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def check_stop_times(reader, trips, stops, found):
    if reader is None:
        return
    if reader.has("trip_id") and reader.has("stop_sequence"):
        def process(r):
            return StopTimes(r, trips, stops).run()
    else:
        # Without trips and order there is no timetable to check; references still can be.
        def process(r):
            tally = reference_tally(r, "stop_id", "stops.txt", "stop_id")
            for chunk in r.chunks(["stop_id"]):
                references(r, chunk, "stop_id", stops, "stops.txt", "stop_id", tally)
            return tally.findings()

    found += reader.run(process) or []


class StopTimes:
    """stop_times.txt read chunk by chunk into compact arrays, then checked per trip."""

    def __init__(self, reader: Reader, trips: pa.Array | None, stops: pa.Array | None):
        self.r, self.trips, self.stops = reader, trips, stops
        file = reader.file
        self.tallies = {
            "trip_ref": Tally("gtfs-invalid-reference", file, "a trip_id not found in trips.txt",
                              "Add the missing trip to trips.txt, or correct the trip_id in stop_times.txt."),
            "stop_ref": reference_tally(reader, "stop_id", "stops.txt", "stop_id"),
            "empty": Tally("gtfs-missing-value", file, "an empty trip_id or stop_id",
                           "Give every row of stop_times.txt a trip_id and a stop_id."),
            "seq": Tally("gtfs-invalid-stop-sequence", file, "a stop_sequence that is not a whole number",
                         "Number the stops of each trip with whole numbers 0 or more, increasing along "
                         "the trip (e.g. 1, 2, 3)."),
            "time": Tally("gtfs-invalid-time", file, "an invalid or missing arrival_time or departure_time",
                          TIME_FIX),
            "dup": Tally("gtfs-duplicate-stop-sequence", file, "a stop_sequence repeated within its trip",
                         "Give each stop of a trip its own stop_sequence, increasing along the trip "
                         "(e.g. 1, 2, 3)."),
            "order": Tally("gtfs-time-decreasing", file, "a time earlier than the one before it on the trip",
                           "Correct the times so they never go backwards along a trip; a trip running "
                           "past midnight continues past 24:00:00 (e.g. 25:10:00)."),
        }
        # Trip ids seen so far, the trips of trips.txt first: a code >= known is a trip
        # that trips.txt does not list.
        self.trip_values = trips if trips is not None else pa.array([], pa.large_string())
        self.known = len(self.trip_values)

    def run(self) -> list[Finding]:
        parts = [self._chunk(chunk) for chunk in self.r.chunks(
            ["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence", "timepoint"])]
        if parts:
            self._per_trip(parts)
        return [f for t in self.tallies.values() for f in t.findings()]

    def _codes(self, trip: pa.Array) -> np.ndarray:
        """Trip ids as int32 codes shared across chunks."""
        index = pc.index_in(trip, value_set=self.trip_values)
        if index.null_count:
            new = pc.unique(trip.filter(index.is_null()))
            self.trip_values = pa.concat_arrays([self.trip_values, new])
            index = pc.index_in(trip, value_set=self.trip_values)
        return index.to_numpy(zero_copy_only=False).astype(np.int32)

    def _chunk(self, chunk: pd.DataFrame):
        t = self.tallies
        rows = chunk["__row__"].to_numpy()
        n = len(chunk)
        trip = chunk["trip_id"]
        stop = chunk["stop_id"] if "stop_id" in chunk else None
        trip_array = arrow(trip)

        empty_trip = bools(pc.equal(trip_array, ""))
        empty_stop = (stop == "").to_numpy() if stop is not None else np.zeros(n, bool)
        t["empty"].add(positions(empty_trip | empty_stop), lambda p: t["empty"].finding(
            f"{'trip_id' if empty_trip[p] else 'stop_id'} is empty: every row needs a trip and a stop.",
            int(rows[p]), "trip_id" if empty_trip[p] else "stop_id", ""))
        codes = self._codes(trip_array)
        if self.trips is not None:
            bad = ~empty_trip & (codes >= self.known)
            t["trip_ref"].add(positions(bad), lambda p: t["trip_ref"].finding(
                f"trip_id {trip.iat[p]!r} does not exist in trips.txt: these times belong to no known trip.",
                int(rows[p]), "trip_id", trip.iat[p]))
        if self.stops is not None and stop is not None:
            bad = ~empty_stop & ~isin(stop, self.stops)
            t["stop_ref"].add(positions(bad), lambda p: t["stop_ref"].finding(
                f"stop_id {stop.iat[p]!r} does not exist in stops.txt: the vehicle would call at an "
                "unknown stop.", int(rows[p]), "stop_id", stop.iat[p]))

        raw = chunk["stop_sequence"]
        text = pc.utf8_trim_whitespace(arrow(raw))
        digits = pc.match_substring_regex(text, r"^\d{1,10}$")
        seq = pc.cast(pc.if_else(digits, text, "-1"), pa.int64()).to_numpy()
        seq_ok = bools(digits) & (seq <= INT32_MAX)
        t["seq"].add(positions(~seq_ok), lambda p: t["seq"].finding(
            "stop_sequence is empty: every stop of a trip needs its position in the trip."
            if not raw.iat[p].strip() else
            f"stop_sequence {raw.iat[p]!r} is not a whole number of 0 or more.",
            int(rows[p]), "stop_sequence", raw.iat[p]))

        times = []
        for column in ("arrival_time", "departure_time"):
            if column not in chunk:
                times.append(np.full(n, -1, dtype=np.int32))
                continue
            values = chunk[column]
            seconds, invalid = _seconds(values)
            t["time"].add(positions(invalid), lambda p, column=column, values=values: t["time"].finding(
                f"{column} {values.iat[p]!r} is not a valid time: write HH:MM:SS with minutes and "
                "seconds below 60 (hours may pass 24 after midnight).",
                int(rows[p]), column, values.iat[p]))
            times.append(seconds)

        exact = (bools(pc.equal(pc.utf8_trim_whitespace(arrow(chunk["timepoint"])), "1"))
                 if "timepoint" in chunk else np.zeros(n, bool))
        keep = ~empty_trip & seq_ok
        return [codes[keep], seq[keep].astype(np.int32), times[0][keep], times[1][keep],
                rows[keep].astype(np.int32), exact[keep]]

    def _per_trip(self, parts: list):
        """The checks along each trip, on all rows at once: sorted by trip then
        stop_sequence (file order breaking ties), each row compared with the one before."""
        t = self.tallies
        columns = []
        for index in range(len(parts[0])):  # one column at a time, freeing its chunks
            columns.append(np.concatenate([part[index] for part in parts]))
            for part in parts:
                part[index] = None
        parts.clear()
        key = (columns[0].astype(np.int64) << 32) | columns[1].astype(np.int64)  # trip, stop_sequence >= 0
        order = np.argsort(key, kind="stable")
        del key
        for index, values in enumerate(columns):
            columns[index] = values[order]  # one array at a time: the unsorted one is freed as we go
        del order
        trip, seq, arrival, departure, rows, exact = columns
        del columns
        n = len(trip)
        first = np.empty(n, dtype=bool)  # first stop of its trip
        first[0] = True
        np.not_equal(trip[1:], trip[:-1], out=first[1:])
        last = np.empty(n, dtype=bool)
        last[-1] = True
        last[:-1] = first[1:]
        names = self.trip_values

        def name(p):
            return names[int(trip[p])].as_py()

        # A repeated stop_sequence leaves the order of the trip's stops ambiguous.
        dup = np.zeros(n, dtype=bool)
        np.equal(seq[1:], seq[:-1], out=dup[1:])
        dup &= ~first
        t["dup"].add(positions(dup, rows), lambda p: t["dup"].finding(
            f"trip {name(p)!r} has stop_sequence {seq[p]} twice (rows {rows[p - 1]} and {rows[p]}): "
            "the order of its stops is ambiguous.", int(rows[p]), "stop_sequence", seq[p]))
        del dup

        # Times the first and last stop (and timepoints) must have; invalid ones were reported already.
        need = first | last | exact
        for column, values in (("arrival_time", arrival), ("departure_time", departure)):
            missing = need & (values == -1)
            t["time"].add(positions(missing, rows), lambda p, column=column: t["time"].finding(
                f"{column} is empty on the {'first' if first[p] else 'last' if last[p] else 'timepoint'} "
                f"stop of trip {name(p)!r}: the first and last stops of a trip, and timepoints, need times.",
                int(rows[p]), column, ""))
        del need, missing

        # A vehicle cannot leave a stop before it reaches it.
        early = (arrival >= 0) & (departure >= 0) & (departure < arrival)
        t["order"].add(positions(early, rows), lambda p: t["order"].finding(
            f"departure_time {_clock(departure[p])} is before arrival_time {_clock(arrival[p])} "
            f"at the same stop (trip {name(p)!r}, stop_sequence {seq[p]}).",
            int(rows[p]), "departure_time", _clock(departure[p])))
        del early

        # Stops without times are passed over: each time is compared with the last
        # earlier stop of the trip that has one.
        leave = np.where(departure >= 0, departure, arrival)  # last known time at each stop, -1/-2 if none
        reach = np.where(arrival >= 0, arrival, departure)  # first known time at each stop
        known = leave >= 0
        # For each row, the last row of its trip so far with a time (or the trip's first row):
        # a running maximum of positions that restarts at each trip.
        latest = np.where(known | first, np.arange(n, dtype=np.int32), np.int32(0))
        np.maximum.accumulate(latest, out=latest)
        previous = np.zeros(n, dtype=np.int32)
        previous[1:] = latest[:-1]
        del latest
        back = ~first & known[previous] & (reach >= 0) & (reach < leave[previous])
        t["order"].add(positions(back, rows), lambda p: t["order"].finding(
            f"{'arrival_time' if arrival[p] >= 0 else 'departure_time'} {_clock(reach[p])} is earlier than "
            f"the time {_clock(leave[previous[p]])} at the previous stop of trip {name(p)!r} "
            f"(row {rows[previous[p]]}, stop_sequence {seq[previous[p]]}): the timetable goes backwards.",
            int(rows[p]), "arrival_time" if arrival[p] >= 0 else "departure_time", _clock(reach[p])))
