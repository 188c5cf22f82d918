"""Hostile inputs of issue #10, item 4: each is built here, given to `catalog validate`, and its
peak memory (kernel's ru_maxrss of the process), time, exit code and first error are printed.

    python -m tests.benchmarks.hostile [--keep DIR] [--only NAME ...]

Every input must be refused, or processed with a clear finding, under 500 MB.
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import zipfile
from pathlib import Path

from tests.benchmarks import measure
from tests.benchmarks.__init__ import _env, _python
from tests.hub import make_hub

MiB = 1024 * 1024
BLOCK = b"0" * MiB


def zip_bomb(folder: Path) -> list[str]:
    """A GTFS zip of a few MB whose stop_times.txt unpacks to 2 GB."""
    path = folder / "gtfs-bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("stops.txt", "stop_id,stop_name,stop_lat,stop_lon\nS1,A,46.6,2.4\n")
        with archive.open("stop_times.txt", "w", force_zip64=True) as member:
            member.write(b"trip_id,arrival_time,departure_time,stop_id,stop_sequence\n")
            for _ in range(2048):
                member.write(BLOCK)
    return ["validate", str(path)]


def gzip_bomb(folder: Path) -> list[str]:
    """A dataset whose CSV resource is gzip-compressed (declared) and unpacks to 2 GB."""
    dataset = make_hub(folder / "gzip", resource={"path": "data.csv.gz", "compression": "gz"})
    with gzip.open(dataset / "data.csv.gz", "wb", compresslevel=9) as stream:
        stream.write(b"id,nom,latitude,longitude\n")
        for _ in range(2048):
            stream.write(BLOCK)
    return ["validate", str(dataset)]


def xlsx_shared_strings(folder: Path, text_mib: int = 1024) -> list[str]:
    """A workbook of one cell whose shared string unpacks to 1 GB."""
    path = folder / "shared.xlsx"
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
        '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
        'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet '
        'name="Feuil1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
        'Target="sharedStrings.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as member:
            member.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                         b'main" count="1" uniqueCount="1"><si><t>')
            for _ in range(text_mib):
                member.write(b"a" * MiB)
            member.write(b"</t></si></sst>")
    return ["validate", str(path)]


def long_line(folder: Path) -> list[str]:
    """A CSV whose second line is one 200 MB cell."""
    path = folder / "long-line.csv"
    with open(path, "wb") as handle:
        handle.write(b"id,texte\n1,")
        for _ in range(200):
            handle.write(b"x" * MiB)
        handle.write(b"\n")
    return ["validate", str(path)]


def quoted_lines(folder: Path) -> list[str]:
    """A CSV whose second record holds one quoted value of 200 MB, in lines of 40 bytes."""
    path = folder / "quoted-lines.csv"
    with open(path, "wb") as handle:
        handle.write(b'id,texte\n1,"')
        for _ in range(200):
            handle.write(b"une ligne de texte, longue de 40 octets\n" * (MiB // 40))
        handle.write(b'"\n')
    return ["validate", str(path)]


def many_columns(folder: Path) -> list[str]:
    """A CSV of 20,000 columns and 100 rows."""
    path = folder / "columns.csv"
    header = ",".join(f"c{i}" for i in range(20_000))
    row = ",".join("1" for _ in range(20_000))
    path.write_text(header + "\n" + (row + "\n") * 100, encoding="utf-8")
    return ["validate", str(path)]


def geojson_vertices(folder: Path) -> list[str]:
    """One polygon of 10,000,000 vertices (about 230 MB, under the file size limit)."""
    path = folder / "vertices.geojson"
    ring = b"[2.4000001,46.6000001],"
    with open(path, "wb") as handle:
        handle.write(b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
                     b'"geometry":{"type":"Polygon","coordinates":[[')
        for _ in range(100):
            handle.write(ring * 100_000)
        handle.write(b'[2.4000001,46.6000001]]]}}]}')
    return ["validate", str(path)]


def yaml_aliases(folder: Path) -> list[str]:
    """A publisher profile with nine levels of nine aliases: a billion values once expanded."""
    root = folder / "yaml"
    (root / "publishers").mkdir(parents=True, exist_ok=True)
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level, name in enumerate("bcdefghi"):
        previous = "abcdefghi"[level]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    lines.append("title: *i")
    (root / "publishers" / "bombe.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ["validate", str(root / "publishers" / "bombe.yml")]


INPUTS = {"zip-bomb": zip_bomb, "gzip-bomb": gzip_bomb, "xlsx-shared-strings": xlsx_shared_strings,
          "long-line": long_line,
          "quoted-lines": quoted_lines, "columns-20000": many_columns, "geojson-10M-vertices": geojson_vertices,
          "yaml-aliases": yaml_aliases}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--only", nargs="*", choices=sorted(INPUTS))
    args = parser.parse_args(argv)
    env, results = _env(), []
    with tempfile.TemporaryDirectory(prefix="catalog-hostile-") as tmp:
        folder = Path(args.keep or tmp)
        for name in args.only or INPUTS:
            work = folder / name
            work.mkdir(parents=True, exist_ok=True)
            command = INPUTS[name](work)
            run = measure.run(_python("catalog.cli", *command), work, env)
            first = next((line.strip() for line in run.stdout.splitlines() if line.strip().startswith("error [")), "")
            results.append({"input": name, "exit": run.returncode, "seconds": round(run.seconds, 2),
                            "peak_mb": round(run.peak_mb, 1), "finding": first[:160]})
            print(f"{name:<22} exit {run.returncode}  {run.seconds:6.2f} s  {run.peak_mb:7.1f} MB  {first[:110]}",
                  flush=True)
    print(json.dumps(results, ensure_ascii=False))
    return 0 if all(r["peak_mb"] < 500 and r["exit"] in (1, 2) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
