"""Names are names: a hostile descriptor cannot make `catalog` write outside its output folder.

Each attack names a place outside the packages folder (a path made of `..` climbing to the
root, then down into this test's own temporary folder) and checks that nothing lands there,
that the dataset is refused with the documented exit code, and that `validate` names the key.
"""
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from catalog.cli import main
from catalog.errors import UnusableInput
from tests.hub import make_hub


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def climbing_to(target: Path) -> str:
    """A relative path that climbs to / from any folder, then goes down to `target`."""
    return "../" * 40 + str(target).lstrip("/")


def findings(result):
    report = json.loads(result.output)
    return [f for t in report["targets"] for f in t["findings"]]


def test_resource_name_cannot_write_outside_the_packages(tmp_path):
    victim = tmp_path / "outside"
    victim.mkdir()
    folder = make_hub(tmp_path / "hub", resource={"name": climbing_to(victim / "pwned")})
    result = invoke("package", "--root", tmp_path / "hub", "--out", tmp_path / "packages", "--zip")
    assert result.exit_code == 1, result.output
    assert list(victim.iterdir()) == []
    assert not (tmp_path / "packages" / "testville" / "equipements").exists()

    report = invoke("validate", folder, "--json")
    assert report.exit_code == 1
    bad = [f for f in findings(report) if f["code"] == "unsafe-name"]
    assert [f["column"] for f in bad] == ["resources[0].name"]
    assert bad[0]["file"] == "datapackage.json" and "pwned" in bad[0]["value"]


def test_dataset_name_cannot_replace_a_folder_outside_the_packages(tmp_path):
    """`./../../x` as a dataset name used to swap out a folder two levels above --packages/<publisher>."""
    packages = tmp_path / "build" / "packages"
    victim = tmp_path / "build" / "x"
    victim.mkdir(parents=True)
    (victim / "precious.txt").write_text("keep me", encoding="utf-8")
    folder = make_hub(tmp_path / "hub", descriptor={"name": "./../../x"})
    result = invoke("package", "--root", tmp_path / "hub", "--out", packages)
    assert result.exit_code == 1, result.output
    assert [p.name for p in victim.iterdir()] == ["precious.txt"]
    assert (victim / "precious.txt").read_text(encoding="utf-8") == "keep me"

    report = invoke("validate", folder, "--json")
    assert [f["column"] for f in findings(report) if f["code"] == "unsafe-name"] == ["name"]


def test_publish_datasette_refuses_the_same_names(tmp_path):
    victim = tmp_path / "outside"
    victim.mkdir()
    make_hub(tmp_path / "hub", resource={"name": climbing_to(victim / "module")})
    result = invoke("publish", "datasette", "--root", tmp_path / "hub", "--db", tmp_path / "build" / "hub.db",
                    "--out", tmp_path / "build" / "packages")
    assert result.exit_code == 1, result.output
    assert "testville/equipements was not published" in result.output
    assert list(victim.iterdir()) == []


def test_ckan_dry_run_writes_nothing_outside_its_scratch_folder(tmp_path):
    """The dry run packages into a scratch folder first: the name must not climb out of it."""
    victim = tmp_path / "outside"
    victim.mkdir()
    make_hub(tmp_path / "hub", resource={"name": climbing_to(victim / "pwned")})
    closed = "http://127.0.0.1:9"  # nothing listens there: the packaging happens before any request
    result = invoke("publish", "ckan", "--url", closed, "--dry-run", "--timeout", "2", "--root", tmp_path / "hub",
                    "--out", tmp_path / "packages")
    assert result.exit_code != 0
    assert list(victim.iterdir()) == []


def test_folder_names_are_names_too(tmp_path):
    make_hub(tmp_path)
    folder = tmp_path / "datasets" / "testville" / "equipements"
    renamed = folder.with_name("Équipements Publics")
    folder.rename(renamed)
    descriptor = json.loads((renamed / "datapackage.json").read_text(encoding="utf-8"))
    del descriptor["name"]
    (renamed / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    report = invoke("validate", renamed, "--json")
    assert report.exit_code == 1
    bad = [f for f in findings(report) if f["code"] == "unsafe-name"]
    assert [f["column"] for f in bad] == ["dataset folder"]
    assert "equipements-publics" in bad[0]["fix"]


@pytest.mark.parametrize("name, ok", [
    ("reseau-bus", True), ("budget_2025", True), ("stops.v2", True), ("a", True), ("0", True),
    ("", False), ("..", False), ("a..b", False), ("../x", False), ("a/b", False), ("A", False),
    (".hidden", False), ("-rf", False), ("é", False), ("a b", False), ("a\\b", False), ("x" * 129, False),
    ("a\nb", False), (None, False), (5, False),
])
def test_the_name_rule(name, ok):
    from catalog.safety import as_name, is_name

    assert is_name(name) is ok
    if isinstance(name, str):
        assert is_name(as_name(name))


def test_output_path_stays_inside(tmp_path):
    from catalog.safety import output_path

    base = tmp_path / "out"
    base.mkdir()
    assert output_path(base, "pub", "ds.zip") == base / "pub" / "ds.zip"
    for parts in [("..", "x"), ("pub", "../../x"), ("/etc/passwd",), (".",), ("pub", "..")]:
        with pytest.raises(UnusableInput):
            output_path(base, *parts)
    os.symlink(tmp_path, base / "link")  # a symlink inside pointing out of the folder
    with pytest.raises(UnusableInput):
        output_path(base, "link", "file")
