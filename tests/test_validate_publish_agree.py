"""What `validate` accepts, `publish` publishes; what it refuses, `publish` refuses with the same
exit code; and neither ends in a traceback, whatever the shape of the descriptor.

Wrong shapes named by the issue (`"temporal": "2025"`, deep nesting, a non-UTF-8 token file),
then a property test (hypothesis): generated descriptors and tables, with validate's verdict
and publish's outcome compared.
"""
import json
import string

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.cli import main
from tests.hub import make_hub


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def verdicts(root, tmp):
    validated = invoke("validate", "--root", root, root / "datasets" / "testville" / "equipements")
    published = invoke("publish", "datasette", "--root", root, "--db", tmp / "hub.db", "--out", tmp / "packages")
    return validated.exit_code, published.exit_code, published.output


@pytest.mark.parametrize("change", [
    {"catalog": {"temporal": "2025"}}, {"catalog": {"spatial": "Testville"}}, {"catalog": ["x"]},
    {"catalog": {"spatial": {"bbox": "2.3,46.5,2.5,46.7"}}}, {"catalog": {"keywords": "bus"}},
    {"catalog": {"reuse": "budget"}}, {"licenses": "etalab-2.0"}, {"licenses": ["etalab-2.0"]},
    {"sources": "INSEE"}, {"contributors": ["x"]}, {"title": 5}, {"catalog": {"modified": 2025}},
])
def test_wrong_shapes_are_findings_and_both_commands_agree(tmp_path, change):
    make_hub(tmp_path / "hub", descriptor=change)
    validated, published, output = verdicts(tmp_path / "hub", tmp_path)
    assert validated == published == 1, output
    key = next(iter(change))
    report = invoke("validate", tmp_path / "hub" / "datasets" / "testville" / "equipements", "--json")
    columns = [f["column"] for t in json.loads(report.output)["targets"] for f in t["findings"]
               if f["code"] == "descriptor-error"]
    assert any(c.startswith(key) for c in columns), columns


@pytest.mark.parametrize("title", ["", "   ", None])
def test_a_dataset_without_a_title_is_refused_by_both_commands(tmp_path, title):
    folder = make_hub(tmp_path / "hub")
    path = folder / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    if title is None:
        descriptor.pop("title", None)
    else:
        descriptor["title"] = title
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    validated, published, output = verdicts(tmp_path / "hub", tmp_path)
    assert validated == published == 1, output
    report = json.loads(invoke("validate", folder, "--json").output)
    assert [f["column"] for t in report["targets"] for f in t["findings"] if f["code"] == "missing-title"] == ["title"]
    # People read where it is: a key of the descriptor, not a column of a table.
    assert 'key "title"' in invoke("validate", folder).output


def test_deep_nesting_is_a_broken_descriptor_for_every_command(tmp_path):
    folder = make_hub(tmp_path / "hub")
    path = folder / "datapackage.json"
    path.write_text(path.read_text()[:-1] + ', "deep": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    validated, published, output = verdicts(tmp_path / "hub", tmp_path)
    assert validated == published == 2, output
    assert "nested too deeply" in invoke("validate", folder).output
    assert invoke("package", "--root", tmp_path / "hub", "--out", tmp_path / "p").exit_code == 2


def test_a_token_file_that_is_not_utf8(tmp_path):
    token = tmp_path / "token.txt"
    token.write_bytes(b"\xff\xfesecret-\xe9\n")
    make_hub(tmp_path / "hub")
    result = invoke("publish", "ckan", "--url", "http://127.0.0.1:9", "--api-key-file", token,
                    "--root", tmp_path / "hub", "--out", tmp_path / "packages")
    assert result.exit_code == 2
    assert "not UTF-8" in result.output and "secret" not in result.output


VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(string.printable, max_size=8),
                   st.lists(st.text(string.ascii_lowercase, max_size=4), max_size=3),
                   st.dictionaries(st.sampled_from(["start", "end", "label", "bbox", "x"]),
                                   st.one_of(st.text(max_size=5), st.integers()), max_size=2))
CHANGES = st.dictionaries(st.sampled_from(["title", "description", "version", "keywords", "licenses", "sources",
                                           "contributors", "catalog.temporal", "catalog.spatial", "catalog.keywords",
                                           "catalog.theme", "catalog.modified", "catalog.frequency"]),
                          VALUES, max_size=3)
CELLS = st.one_of(st.integers(0, 99).map(str), st.sampled_from(["", "x", "1,5", "46.6", "é", '"']))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=CHANGES, rows=st.lists(st.tuples(CELLS, CELLS), min_size=1, max_size=4))
def test_validate_verdict_and_publish_outcome_agree(tmp_path_factory, changes, rows):
    tmp = tmp_path_factory.mktemp("agree")
    descriptor, hub_keys = {}, {}
    for key, value in changes.items():
        if key.startswith("catalog."):
            hub_keys[key.split(".", 1)[1]] = value
        else:
            descriptor[key] = value
    if hub_keys:
        descriptor["catalog"] = {"theme": "facilities", "frequency": "annual", **hub_keys}
    data = "id,nom,latitude,longitude\n" + "".join(
        f'{i},"{nom.replace(chr(34), chr(34) * 2)}",46.6,2.4\n' if number != "x" else f"{number},{nom},46.6,2.4\n"
        for i, (number, nom) in enumerate(rows, start=1))
    make_hub(tmp / "hub", descriptor=descriptor, data=data)
    validated, published, output = verdicts(tmp / "hub", tmp)
    assert validated == published, (validated, published, output)
    if validated == 0:
        assert "testville/equipements: loaded (new)" in output
    else:
        assert "testville/equipements was not published" in output


@pytest.mark.parametrize("errno, words", [(28, "No space left on device"), (30, "Read-only file system"),
                                          (13, "Permission denied")])
def test_a_full_disk_or_read_only_folder_is_one_line(tmp_path, monkeypatch, errno, words):
    """A fake, only to inject the failure (the tests run as root, to whom no folder is read-only)."""
    import os
    import shutil

    make_hub(tmp_path / "hub")
    real = shutil.copyfile

    def failing(source, target, *args, **kwargs):
        if "packages" in str(target):
            raise OSError(errno, os.strerror(errno), str(target))
        return real(source, target, *args, **kwargs)

    monkeypatch.setattr(shutil, "copyfile", failing)
    for command in (["package", "--out"], ["publish", "datasette", "--db", tmp_path / "hub.db", "--out"]):
        result = invoke(*command, tmp_path / "packages", "--root", tmp_path / "hub")
        assert result.exit_code == 2, result.output
        assert words in result.output and "How to fix" in result.output
    assert not (tmp_path / "hub.db").exists()
    assert not list((tmp_path / "packages").rglob("datapackage.json"))
