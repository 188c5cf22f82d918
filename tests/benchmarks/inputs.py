"""Seeded synthetic inputs: a GTFS stop_times table and a French-style IRVE table.

Both are written with their Table Schema and a dataset folder around them, so the
same file can be given to `frictionless validate`, `catalog validate`,
`sqlite-utils insert` and `catalog publish datasette`. Bad cells are injected at
seeded random positions; what they are is recorded so runs can be compared.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd

STOP_TIMES_SCHEMA = {
    "fields": [
        {"name": "trip_id", "type": "string", "constraints": {"required": True, "pattern": "T[0-9]{6}"}},
        {"name": "arrival_time", "type": "string",
         "constraints": {"required": True, "pattern": "[0-9]{2}:[0-5][0-9]:[0-5][0-9]"}},
        {"name": "departure_time", "type": "string",
         "constraints": {"required": True, "pattern": "[0-9]{2}:[0-5][0-9]:[0-5][0-9]"}},
        {"name": "stop_id", "type": "string", "constraints": {"required": True, "pattern": "S[0-9]{5}"}},
        {"name": "stop_sequence", "type": "integer", "constraints": {"required": True, "minimum": 0}},
        {"name": "pickup_type", "type": "integer", "constraints": {"enum": [0, 1, 2, 3]}},
        {"name": "drop_off_type", "type": "integer", "constraints": {"enum": [0, 1, 2, 3]}},
    ]
}
# What a bad cell becomes, per column: each breaks that column's type or constraints.
BAD = {
    "trip_id": ["", "trip 12"], "arrival_time": ["", "7h30", "25:61:00"], "departure_time": ["", "8h"],
    "stop_id": ["", "STOP-1"], "stop_sequence": ["-1", "x", ""], "pickup_type": ["9", "oui"],
    "drop_off_type": ["4", "-"],
}


def _clock(seconds):
    seconds = np.asarray(seconds)
    h, m, s = seconds // 3600, seconds // 60 % 60, seconds % 60
    return pd.Series(h).map("{:02d}".format) + ":" + pd.Series(m).map("{:02d}".format) + ":" + pd.Series(s).map("{:02d}".format)


def stop_times(rows: int, seed: int = 6) -> pd.DataFrame:
    """`rows` valid stop_times of 30-stop trips over 5,000 stops."""
    rng = np.random.default_rng(seed)
    per_trip = 30
    index = np.arange(rows)
    trip = index // per_trip
    sequence = index % per_trip + 1
    start = rng.integers(5 * 3600, 22 * 3600, size=trip.max() + 1)
    arrival = start[trip] + sequence * 90
    unique_times = np.unique(np.concatenate([arrival, arrival + 30]))
    labels = dict(zip(unique_times.tolist(), _clock(unique_times).tolist()))
    frame = pd.DataFrame({
        "trip_id": pd.Series(trip).map("T{:06d}".format),
        "arrival_time": pd.Series(arrival).map(labels),
        "departure_time": pd.Series(arrival + 30).map(labels),
        "stop_id": pd.Series(rng.integers(0, 5000, size=rows)).map("S{:05d}".format),
        "stop_sequence": sequence.astype(str),
        "pickup_type": rng.choice(["0", "0", "0", "1", "2", "3"], size=rows),
        "drop_off_type": rng.choice(["0", "0", "0", "1", "2", "3"], size=rows),
    })
    return frame


def spoil(frame: pd.DataFrame, bad: dict, share: float = 0.002, seed: int = 66) -> pd.DataFrame:
    """A copy of `frame` with `share` of all its cells replaced by bad values (seeded positions)."""
    rng = np.random.default_rng(seed)
    frame = frame.copy()
    width = len(frame.columns)
    positions = rng.choice(len(frame) * width, size=int(len(frame) * width * share), replace=False)
    rows, cols = np.divmod(positions, width)
    for col, name in enumerate(frame.columns):
        choices = bad[name]
        choices = np.array([choices] if isinstance(choices, str) else choices, dtype=object)
        values = frame[name].to_numpy(dtype=object, copy=True)
        here = cols == col
        values[rows[here]] = choices[positions[here] % len(choices)]
        frame[name] = values
    return frame


def spread(frame: pd.DataFrame, bad: dict, every: int = 500) -> pd.DataFrame:
    """A copy of `frame` with one bad cell in every `every`-th row (0.2% of the rows for 500), the
    column turning round: bad cells spread evenly, so a tool that stops at its error limit stops
    at the same share of the file whatever the file's length."""
    frame = frame.copy()
    rows = np.arange(every // 2, len(frame), every)
    for col, name in enumerate(frame.columns):
        choices = bad[name]
        choices = np.array([choices] if isinstance(choices, str) else choices, dtype=object)
        here = rows[np.arange(len(rows)) % len(frame.columns) == col]
        values = frame[name].to_numpy(dtype=object, copy=True)
        values[here] = choices[np.arange(len(here)) % len(choices)]
        frame[name] = values
    return frame


IRVE_SCHEMA = {
    "fields": [
        {"name": "id_pdc_itinerance", "type": "string", "constraints": {"required": True, "pattern": "FR[A-Z0-9]{3}P[0-9]{6}"}},
        {"name": "nom_station", "type": "string", "constraints": {"required": True}},
        {"name": "code_insee_commune", "type": "string", "constraints": {"pattern": "[0-9]{5}"}},
        {"name": "puissance_nominale", "type": "number", "decimalChar": ",", "constraints": {"required": True, "minimum": 0}},
        {"name": "nbre_pdc", "type": "integer", "constraints": {"required": True, "minimum": 1}},
        {"name": "consolidated_longitude", "type": "number", "decimalChar": ","},
        {"name": "consolidated_latitude", "type": "number", "decimalChar": ","},
        {"name": "gratuit", "type": "boolean", "trueValues": ["oui"], "falseValues": ["non"]},
        {"name": "date_mise_en_service", "type": "date"},
    ]
}
TOWNS = ["Sampleville", "Bourg-lès-Sample", "Saint-Échantillon", "Montéchant", "Villeneuve-d'Essai"]


def irve(rows: int, seed: int = 7) -> pd.DataFrame:
    """A French-style IRVE table: accented names, decimal commas (written cp1252 with ';')."""
    rng = np.random.default_rng(seed)
    index = np.arange(rows)
    comma = lambda values, digits: pd.Series(np.round(values, digits)).map(("{:.%df}" % digits).format).str.replace(".", ",", regex=False)
    frame = pd.DataFrame({
        "id_pdc_itinerance": pd.Series(index).map("FRSMPP{:06d}".format),
        "nom_station": pd.Series(np.array([f"Parking de la mairie, {t}" for t in TOWNS])[rng.integers(0, len(TOWNS), size=rows)]),
        "code_insee_commune": pd.Series(rng.integers(1, 99, size=rows)).map("000{:02d}".format),
        "puissance_nominale": comma(rng.choice([3.7, 7.4, 22.0, 50.0, 150.0], size=rows), 1),
        "nbre_pdc": rng.integers(1, 8, size=rows).astype(str),
        "consolidated_longitude": comma(rng.uniform(2.2, 2.6, size=rows), 6),
        "consolidated_latitude": comma(rng.uniform(46.5, 46.75, size=rows), 6),
        "gratuit": rng.choice(["oui", "non"], size=rows),
        "date_mise_en_service": (pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3000, size=rows), unit="D")
                                 ).strftime("%Y-%m-%d"),
    })
    return frame


IRVE_BAD = {"puissance_nominale": "22.0", "nbre_pdc": "0", "code_insee_commune": "1234", "gratuit": "peut-être",
           "date_mise_en_service": "31/12/2020", "consolidated_latitude": "46,5,1", "id_pdc_itinerance": "",
           "nom_station": "", "consolidated_longitude": "est"}


def _write(frame, folder, name, schema, options, quoting=csv.QUOTE_MINIMAL):
    data = folder / f"{name}.csv"
    frame.to_csv(data, index=False, sep=(options.get("dialect") or {}).get("delimiter", ","),
                 encoding=options.get("encoding", "utf-8"), lineterminator="\n", quoting=quoting)
    schema_path = folder / f"{name}.schema.json"
    schema_path.write_text(json.dumps(schema, indent=2), encoding="utf-8")
    return {"csv": data, "schema": schema_path, "rows": len(frame), "options": options}


def write_inputs(folder: Path, stop_time_rows: int, irve_rows: int, bad_share: float = 0.002) -> dict:
    """The valid stop_times, the same with bad cells, and the French IRVE table with bad cells."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    valid = stop_times(stop_time_rows)
    french = {"encoding": "cp1252", "dialect": {"delimiter": ";"}}
    return {
        "stop_times": _write(valid, folder, "stop_times", STOP_TIMES_SCHEMA, {}),
        "stop_times_bad": _write(spoil(valid, BAD, bad_share), folder, "stop_times_bad", STOP_TIMES_SCHEMA, {}),
        "stop_times_spread": _write(spread(valid, BAD), folder, "stop_times_spread", STOP_TIMES_SCHEMA, {}),
        # As many exports write it: every cell quoted.
        "stop_times_quoted": _write(valid, folder, "stop_times_quoted", STOP_TIMES_SCHEMA, {}, csv.QUOTE_ALL),
        "irve_bad": _write(spoil(irve(irve_rows), IRVE_BAD, bad_share), folder, "irve_bad", IRVE_SCHEMA, french),
    }
