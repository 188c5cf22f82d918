"""Amplification is bounded before the work starts: each hostile input is refused with a message
naming the limit and its setting, exit 2, no traceback. Small versions of the inputs of
`python -m tests.benchmarks.hostile` (which measures the full-size ones: peak memory and time);
limits are lowered here, in process, where the full-size input would take too long to build.
"""
import gzip
import json
import random
import zipfile

import pytest
from click.testing import CliRunner

from catalog.cli import main
from tests.benchmarks import hostile
from tests.hub import make_hub

MiB = 1024 * 1024


def validate(*args):
    result = CliRunner().invoke(main, ["validate", *map(str, args), "--json"])
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def refused(result, *words):
    assert result.exit_code == 2, result.output
    messages = [f["message"] + " " + f["fix"] for t in json.loads(result.output)["targets"] for f in t["findings"]
                if f["severity"] == "error"]
    assert any(all(w in m for w in words) for m in messages), messages


def test_zip_bomb(tmp_path):
    path = tmp_path / "feed.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("stops.txt", "stop_id,stop_name,stop_lat,stop_lon\nS1,A,46.6,2.4\n")
        with archive.open("stop_times.txt", "w") as member:
            for _ in range(60):
                member.write(b"0" * MiB)
    refused(validate(path), "times its packed size", "CATALOG_MAX_UNPACKED_BYTES")


def test_declared_gzip_bomb(tmp_path):
    folder = make_hub(tmp_path, resource={"path": "data.csv.gz", "compression": "gz"})
    with gzip.open(folder / "data.csv.gz", "wb") as stream:
        stream.write(b"id,nom,latitude,longitude\n")
        for _ in range(60):
            stream.write(b"1,a,46.6,2.4\n" * (MiB // 13))
    refused(validate(folder), "times its packed size")


def test_gzip_past_the_unpacked_limit(tmp_path, monkeypatch):
    monkeypatch.setattr("catalog.limits.MAX_UNPACKED_BYTES", 4 * MiB)
    folder = make_hub(tmp_path, resource={"path": "data.csv.gz", "compression": "gz"})
    rng = random.Random(1)
    with gzip.open(folder / "data.csv.gz", "wb") as stream:
        stream.write(b"id,nom,latitude,longitude\n")
        for number in range(200_000):
            stream.write(f"{number},{rng.random()},46.6,2.4\n".encode())
    refused(validate(folder), "unpacks to too many bytes", "CATALOG_MAX_UNPACKED_BYTES")


def test_xlsx_shared_strings(tmp_path, monkeypatch):
    """Texts that do not compress much: refused by the shared-strings limit, not the ratio."""
    monkeypatch.setattr("catalog.limits.MAX_SHARED_STRINGS_BYTES", 1 * MiB)
    path = tmp_path / "classeur.xlsx"
    hostile.xlsx_shared_strings(tmp_path, text_mib=60)  # one repeated letter: refused by its ratio
    refused(validate(tmp_path / "shared.xlsx"), "times its packed size")
    rng = random.Random(2)
    text = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(2 * MiB))
    with zipfile.ZipFile(tmp_path / "shared.xlsx") as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename != "xl/sharedStrings.xml":
                out.writestr(info.filename, source.read(info.filename))
        out.writestr("xl/sharedStrings.xml", '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/'
                     f'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>{text}</t></si></sst>')
    refused(validate(path), "shared strings", "CATALOG_MAX_SHARED_STRINGS_BYTES")


def test_long_line(tmp_path, monkeypatch):
    monkeypatch.setattr("catalog.limits.MAX_LINE_BYTES", 256 * 1024)
    path = tmp_path / "ligne.csv"
    path.write_text("id,texte\n1,court\n2," + "x" * 3 * MiB + "\n3,court\n", encoding="utf-8")
    refused(validate(path), "a line is too long", "CATALOG_MAX_LINE_BYTES")


def test_long_line_at_the_default_limit_in_a_dataset(tmp_path):
    folder = make_hub(tmp_path, data="id,nom,latitude,longitude\n1," + "x" * 9 * MiB + ",46.6,2.4\n")
    refused(validate(folder), "a line is too long")


def test_too_many_columns_is_a_finding_not_a_crash(tmp_path):
    hostile.many_columns(tmp_path)
    refused(validate(tmp_path / "columns.csv"), "20,000 columns", "CATALOG_MAX_COLUMNS")


def test_geojson_vertices(tmp_path, monkeypatch):
    monkeypatch.setattr("catalog.limits.MAX_GEOJSON_VERTICES", 1000)
    ring = ",".join(f"[2.4{i:04d},46.6]" for i in range(5000))
    path = tmp_path / "communes.geojson"
    path.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
                    f'"geometry":{{"type":"LineString","coordinates":[{ring}]}}}}]}}', encoding="utf-8")
    refused(validate(path), "too many vertices", "CATALOG_MAX_GEOJSON_VERTICES")


def test_yaml_alias_bomb(tmp_path):
    hostile.yaml_aliases(tmp_path)
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "yaml" / "publishers" / "bombe.yml"), "--json"])
    assert "Traceback" not in result.output
    assert result.exit_code == 2
    assert "aliases are not allowed" in result.output


def test_ordinary_files_pass(tmp_path):
    folder = make_hub(tmp_path)
    assert validate(folder).exit_code == 0


def test_quoted_value_over_many_lines(tmp_path, monkeypatch):
    """Every line is short, but one quoted value spans 3 MB of them: bounded like a line."""
    monkeypatch.setattr("catalog.limits.MAX_LINE_BYTES", 256 * 1024)
    path = tmp_path / "cellule.csv"
    path.write_text('id,texte\n1,court\n2,"' + "x,\n" * MiB + '"\n3,court\n', encoding="utf-8")
    refused(validate(path), "a quoted value runs over too many bytes", "CATALOG_MAX_LINE_BYTES")


def test_quoted_value_over_many_lines_at_the_default_limit(tmp_path):
    lines = '"' + "une ligne d'un texte cité\n" * (9 * MiB // 26) + '"'
    folder = make_hub(tmp_path, data=f'id,nom,latitude,longitude\n1,{lines},46.6,2.4\n')
    refused(validate(folder), "a quoted value runs over too many bytes")


def test_quoted_values_with_line_breaks_pass(tmp_path, monkeypatch):
    """Many short quoted values holding line breaks and quotes, across chunk boundaries."""
    monkeypatch.setattr("catalog.limits.MAX_LINE_BYTES", 4 * 1024)
    monkeypatch.setattr("catalog.limits.CHUNK", 1000)
    path = tmp_path / "adresses.csv"
    rows = "".join(f'{i},"{i} rue de la Paix\n75002 ""Paris""\n",x\n' for i in range(20_000))
    path.write_text("id,adresse,code\n" + rows, encoding="utf-8")
    assert validate(path).exit_code == 0
