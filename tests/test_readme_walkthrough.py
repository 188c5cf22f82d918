"""README, "Publish your first file": its code block is run as written, on a raw cp1252 `;` export
of public toilets, in a fresh hub folder, and the toilets end up on the hub with a map."""
from __future__ import annotations

import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.servers import running_hub
from tests.test_describe import toilets_csv

README = (ROOT / "README.md").read_text(encoding="utf-8")


def walkthrough() -> list[list[str]]:
    section = README.split("## Publish your first file", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [shlex.split(line, comments=True) for line in block.replace("\\\n", " ").splitlines() if line.strip()]


def test_the_walkthrough_has_five_or_six_commands():
    commands = walkthrough()
    assert 5 <= len(commands) <= 6
    assert all(command[0] == "catalog" for command in commands)
    assert commands[0][1] == "describe" and commands[-1][1] == "serve"


def test_the_walkthrough_takes_a_raw_export_to_the_hub_with_a_map(tmp_path):
    hub = tmp_path / "hub"
    shutil.copytree(ROOT / "publishers", hub / "publishers")
    raw = toilets_csv(hub / "toilettes-publiques.csv")
    raw_bytes = raw.read_bytes()
    outputs = []
    *steps, serve = walkthrough()
    for number, command in enumerate(steps, 1):
        done = subprocess.run([sys.executable, "-m", "catalog.cli", *command[1:]], cwd=hub, capture_output=True,
                              text=True, timeout=600)
        outputs.append(done)
        assert done.returncode == 0, (number, command, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
    first_validation = outputs[1].stdout
    assert "[placeholder]" in first_validation and "0 error(s)" in first_validation
    assert "[placeholder]" not in outputs[3].stdout and "0 error(s)" in outputs[3].stdout
    folder = hub / "datasets/ville-de-sampleville/toilettes-publiques"
    assert (folder / "toilettes-publiques.csv").read_bytes() == raw_bytes  # declared, not converted
    with sqlite3.connect(hub / "build/hub.db") as db:
        rows = db.execute('select "Code INSEE", "Accessible PMR", "Tarif (€)", latitude, longitude '
                          "from toilettes_publiques_toilettes_publiques order by Identifiant").fetchall()
        table = db.execute("select latitude_column, longitude_column from catalog_tables "
                           "where name = 'toilettes_publiques_toilettes_publiques'").fetchone()
    assert len(rows) == 24
    assert rows[0] == ("01053", 1, 0.0, 46.200137, 5.220091)  # leading zeros kept, oui -> 1, 0,50 -> 0.5
    assert {r[0] for r in rows} == {"01001", "01053", "2A004", "01004"} and 0.5 in {r[2] for r in rows}
    assert table == ("Latitude", "Longitude")
    assert serve == ["catalog", "serve"]
    with running_hub(hub, hub / "build/hub.db", hub / "build/packages", cwd=hub) as server:
        page = server.get("/hub/toilettes_publiques_toilettes_publiques")
        landing = server.get("/").text
        dataset = server.get("/-/dataset/ville-de-sampleville/toilettes-publiques")
    assert page.status_code == 200 and "datasette-cluster-map.js" in page.text
    assert "Toilettes publiques" in landing
    assert dataset.status_code == 200 and "Sampleville" in dataset.text
