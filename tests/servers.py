"""Real `catalog serve` processes for tests, and the small hubs they serve.

`running_hub(...)` starts the CLI itself on a free loopback port, waits until it
answers, and stops it (by its own process id) when the block ends.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.hub import make_hub

TRANSPORT_PROFILE = """title: Transports de Testville
kind: transport-operator
homepage: https://www.transports-testville.example.fr
email: donnees@transports-testville.example.fr
siren: "900000001"
licence: ODbL-1.0
description: Exploitant fictif des bus de Testville (données de test).
"""

STOPS = [
    # stop_id, stop_name, stop_lat, stop_lon, code_insee, shelter
    ("S1", "Gare routière", 46.601, 2.401, "00001", "true"),
    ("S2", "Mairie", 46.602, 2.402, "00001", "false"),
    ("S3", "Collège Jean Moulin", 46.65, 2.45, "00002", "true"),
    ("S4", "Les Tilleuls", 46.66, 2.46, "00002", "false"),
]
STOP_TIMES = [("T1", "S1", 1, "08:00:00"), ("T1", "S2", 2, "08:05:00"), ("T2", "S3", 1, "09:00:00"),
              ("T2", "S4", 2, "09:07:00")]
FACILITIES = [  # id, nom, latitude, longitude, code_insee
    (1, "Mairie", 46.6, 2.4, "00001"), (2, "Gymnase Jean Moulin", 46.61, 2.41, "00001"),
    (3, "Médiathèque", 46.62, 2.42, "00002"),
]
TRANSPORT_DESCRIPTION = ("Arrêts et horaires de passage des bus de Testville, jeu de données d'exemple fictif "
                         "construit pour les tests : nom, position et commune de chaque arrêt, heures de passage.")


def make_two_publisher_hub(root: Path) -> Path:
    """Testville's facilities and a transport operator's stops: two publishers sharing INSEE codes."""
    make_hub(root, rows=[list(r) for r in FACILITIES], schema={
        "fields": [
            {"name": "id", "type": "integer", "description": "Identifiant de l'équipement"},
            {"name": "nom", "type": "string", "description": "Nom de l'équipement"},
            {"name": "latitude", "type": "number", "description": "Latitude WGS84"},
            {"name": "longitude", "type": "number", "description": "Longitude WGS84"},
            {"name": "code_insee", "type": "string", "description": "Code INSEE de la commune"},
        ],
        "primaryKey": ["id"],
    })
    (root / "publishers" / "transports-testville.yml").write_text(TRANSPORT_PROFILE, encoding="utf-8")
    folder = root / "datasets" / "transports-testville" / "arrets"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "stops.csv").write_text(
        "stop_id,stop_name,stop_lat,stop_lon,code_insee,abri\n"
        + "".join(",".join(str(v) for v in row) + "\n" for row in STOPS), encoding="utf-8")
    (folder / "stop_times.csv").write_text(
        "trip_id,stop_id,stop_sequence,arrival_time\n"
        + "".join(",".join(str(v) for v in row) + "\n" for row in STOP_TIMES), encoding="utf-8")
    descriptor = {
        "name": "arrets", "title": "Arrêts de bus (exemple)", "description": TRANSPORT_DESCRIPTION,
        "version": "2.1.0", "licenses": [{"name": "ODbL-1.0"}],
        "catalog": {"theme": "transport", "frequency": "monthly",
                    "spatial": {"label": "Testville", "insee": ["00001", "00002"], "bbox": [2.3, 46.5, 2.5, 46.7]},
                    "temporal": {"start": "2025-01-01", "end": "2025-06-30"}, "keywords": ["bus", "arrêts"],
                    "modified": "2025-07-02"},
        "resources": [
            {"name": "stops", "title": "Arrêts", "path": "stops.csv", "format": "csv", "schema": {
                "fields": [
                    {"name": "stop_id", "type": "string", "description": "Identifiant de l'arrêt"},
                    {"name": "stop_name", "type": "string", "description": "Nom de l'arrêt",
                     "catalog": {"searchable": True}},
                    {"name": "stop_lat", "type": "number", "description": "Latitude WGS84"},
                    {"name": "stop_lon", "type": "number", "description": "Longitude WGS84"},
                    {"name": "code_insee", "type": "string", "description": "Code INSEE de la commune"},
                    {"name": "abri", "type": "boolean", "description": "Arrêt équipé d'un abri"},
                ], "primaryKey": ["stop_id"]}},
            {"name": "stop_times", "title": "Horaires de passage", "path": "stop_times.csv", "format": "csv",
             "schema": {
                 "fields": [
                     {"name": "trip_id", "type": "string", "description": "Identifiant de la course"},
                     {"name": "stop_id", "type": "string", "description": "Arrêt desservi"},
                     {"name": "stop_sequence", "type": "integer", "description": "Rang de l'arrêt dans la course"},
                     {"name": "arrival_time", "type": "string", "description": "Heure de passage"},
                 ], "primaryKey": ["trip_id", "stop_sequence"],
                 "foreignKeys": [{"fields": "stop_id", "reference": {"resource": "stops", "fields": "stop_id"}}]}},
        ],
    }
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8")
    return root


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Hub:
    def __init__(self, url: str, db: Path, packages: Path, process: subprocess.Popen, log: Path):
        self.url, self.db, self.packages, self.process, self.log = url, db, packages, process, log

    def get(self, path: str, **kwargs) -> httpx.Response:
        return httpx.get(self.url + path, timeout=30, **kwargs)


@contextlib.contextmanager
def running_hub(root: Path, db: Path, packages: Path, cwd: Path | None = None, timeout: float = 120,
                workers: int | None = None):
    """`catalog serve` on a free port; yields a Hub once it answers; stops it afterwards."""
    port = free_port()
    log = Path(db).parent / f"serve-{port}.log"
    Path(db).parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "catalog.cli", "serve", "--db", str(db), "--packages", str(packages),
             "--root", str(root), "--host", "127.0.0.1", "--port", str(port),
             *(["--workers", str(workers)] if workers else [])],
            cwd=cwd or root, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"catalog serve exited ({process.returncode}):\n{log.read_text()}")
            try:
                if httpx.get(url + "/-/versions.json", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"catalog serve did not answer within {timeout}s:\n{log.read_text()}")
            time.sleep(0.2)
        yield Hub(url, Path(db), Path(packages), process, log)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
