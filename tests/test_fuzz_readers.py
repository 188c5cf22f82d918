"""Fuzzing the readers (hypothesis): whatever bytes a CSV, a descriptor, a GeoJSON file, a GTFS
zip, a YAML profile or an xlsx workbook holds, `catalog validate` answers with findings and a
documented exit code (0, 1 or 2), never a traceback. About a minute in all; a longer run:
`HYPOTHESIS_PROFILE=long pytest tests/test_fuzz_readers.py` (README, Security)."""
import io
import json
import os
import string
import zipfile

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.cli import main
from tests.hub import make_hub

settings.register_profile("ci", max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.register_profile("long", max_examples=500, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

TEXT = st.text(alphabet=string.printable + "éèàç€;\u00a0\ufeff", max_size=60)
JSON = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                              st.floats(allow_nan=False, allow_infinity=False), TEXT),
                    lambda children: st.one_of(st.lists(children, max_size=4),
                                               st.dictionaries(TEXT, children, max_size=4)), max_leaves=20)


def validate(path):
    result = CliRunner().invoke(main, ["validate", str(path), "--json"])
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1, 2), result.output
    json.loads(result.output)  # the report is whole
    return result


@given(data=st.one_of(st.binary(max_size=400), st.lists(st.lists(TEXT, max_size=5), max_size=6).map(
    lambda rows: "\n".join(st_join(r) for r in rows).encode(st_enc(rows)))))
def test_csv(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("csv") / "table.csv"
    path.write_bytes(data)
    validate(path)


def st_join(row):
    return ";".join(row) if len(row) % 2 else ",".join(f'"{c}"' if c else c for c in row)


def st_enc(rows):
    return "cp1252" if all(all(ch.encode("cp1252", "ignore").decode("cp1252") == ch for c in r for ch in c)
                           for r in rows) and len(rows) % 2 else "utf-8"


@given(descriptor=st.one_of(JSON, st.dictionaries(st.sampled_from(
    ["name", "title", "resources", "licenses", "catalog", "sources", "keywords", "profile"]), JSON, max_size=5)))
def test_descriptor(tmp_path_factory, descriptor):
    folder = make_hub(tmp_path_factory.mktemp("descriptor"))
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    validate(folder)


POSITION = st.lists(st.floats(-200, 200, allow_nan=False), min_size=0, max_size=3)
GEOMETRY = st.fixed_dictionaries({"type": st.sampled_from(["Point", "LineString", "Polygon", "MultiPolygon", "x"]),
                                  "coordinates": st.recursive(POSITION, lambda c: st.lists(c, max_size=4),
                                                              max_leaves=12)})


@given(collection=st.one_of(JSON, st.fixed_dictionaries({
    "type": st.sampled_from(["FeatureCollection", "Feature", "Polygon"]),
    "features": st.lists(st.fixed_dictionaries({"type": st.just("Feature"), "geometry": st.one_of(st.none(), GEOMETRY),
                                                "properties": st.one_of(st.none(), JSON)}), max_size=3)})))
def test_geojson(tmp_path_factory, collection):
    path = tmp_path_factory.mktemp("geo") / "layer.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    validate(path)


GTFS_FILES = ["agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt", "calendar.txt", "x.txt",
              "../evil.txt", "dir/stops.txt"]


@given(members=st.dictionaries(st.sampled_from(GTFS_FILES), st.one_of(
    st.binary(max_size=200), st.lists(st.lists(TEXT, max_size=4), max_size=4).map(
        lambda rows: "\n".join(",".join(r) for r in rows).encode())), max_size=6))
def test_gtfs_zip(tmp_path_factory, members):
    path = tmp_path_factory.mktemp("gtfs") / "feed.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    validate(path)


@given(text=st.one_of(TEXT, st.lists(st.tuples(TEXT, TEXT), max_size=6).map(
    lambda pairs: "\n".join(f"{k}: {v}" for k, v in pairs)), st.sampled_from(
    ["a: &a [1, 2]\nb: *a\n", "title: [\n", "title: 'x\n", "{{{", "- - - -", "title: !!python/object:os.system x"])))
def test_yaml_profile(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("yaml") / "publishers"
    folder.mkdir()
    (folder / "ville.yml").write_text(text, encoding="utf-8")
    validate(folder / "ville.yml")


@given(cells=st.lists(st.lists(st.one_of(st.none(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                                         TEXT.map(lambda t: "".join(c for c in t if c.isprintable()))),
                               min_size=1, max_size=4), max_size=5),
       damage=st.one_of(st.none(), st.integers(0, 3000)))
def test_xlsx(tmp_path_factory, cells, damage):
    import openpyxl

    path = tmp_path_factory.mktemp("xlsx") / "classeur.xlsx"
    book = openpyxl.Workbook()
    for row in cells:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    if damage is not None:  # a byte changed somewhere: a damaged workbook
        position = damage % len(data)
        data = data[:position] + bytes([data[position] ^ 0x55]) + data[position + 1:]
    path.write_bytes(data)
    validate(path)
