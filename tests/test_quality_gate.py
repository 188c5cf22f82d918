"""The quality gate of publication: under --min-quality, without a title, or with placeholders
left by `catalog describe`, a dataset is refused by name, with what is missing, and never
reaches the hub; the others are published."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from catalog.cli import main
from tests.hub import make_hub


def run(*args):
    return CliRunner().invoke(main, [*map(str, args)])


def published(db: Path) -> set[str]:
    with sqlite3.connect(db) as connection:
        return {row[0] for row in connection.execute("select id from catalog_datasets")}


def two_datasets(tmp_path: Path, **descriptor) -> Path:
    """testville/equipements as make_hub writes it (quality 100), and testville/poor changed by `descriptor`."""
    root = tmp_path / "hub"
    make_hub(root)
    poor = root / "datasets/testville/poor"
    poor.mkdir()
    source = root / "datasets/testville/equipements"
    (poor / "data.csv").write_bytes((source / "data.csv").read_bytes())
    desc = json.loads((source / "datapackage.json").read_text(encoding="utf-8"))
    desc.update(name="poor", **descriptor)
    desc = {k: v for k, v in desc.items() if v is not None}
    (poor / "datapackage.json").write_text(json.dumps(desc, ensure_ascii=False), encoding="utf-8")
    return root


def publish(root: Path, *extra):
    return run("publish", "datasette", "--root", root, "--db", root / "build/hub.db",
               "--packages", root / "build/packages", *extra)


def test_a_dataset_under_the_minimum_quality_is_refused_with_its_unmet_criteria(tmp_path):
    root = two_datasets(tmp_path, description="Trop court.", licenses=[], catalog={})
    assert run("validate", root / "datasets/testville/poor", "--root", root).exit_code == 0  # valid data
    result = publish(root)
    assert result.exit_code == 1
    assert "testville/poor was not published" in result.output
    assert "quality is 38/100, under --min-quality 60" in result.output
    for criterion in ("licence", "description", "update frequency", "spatial coverage"):
        assert criterion in result.output
    assert published(root / "build/hub.db") == {"testville/equipements"}
    lowered = publish(root, "--min-quality", "30")
    assert lowered.exit_code == 0, lowered.output
    assert published(root / "build/hub.db") == {"testville/equipements", "testville/poor"}


def test_placeholders_or_no_title_are_never_published(tmp_path):
    root = two_datasets(tmp_path, title=None)
    result = publish(root, "--min-quality", "0")
    assert result.exit_code == 1 and "no title" in result.output
    assert published(root / "build/hub.db") == {"testville/equipements"}
    root = two_datasets(tmp_path / "b", description="TODO: describe the data in at least 100 characters.")
    result = publish(root, "--min-quality", "0")
    assert result.exit_code == 1 and "placeholders" in result.output and "description" in result.output
    assert published(root / "build/hub.db") == {"testville/equipements"}


def test_packaging_first_does_not_slip_past_the_gate(tmp_path):
    """`catalog package` has no quality gate; publishing what it packaged still has. (A dataset
    with no title is invalid, so `package` refuses it itself: test_validate_publish_agree.)"""
    root = two_datasets(tmp_path, description="Trop court.", licenses=[], catalog={})
    assert run("package", "--root", root, "--packages", root / "build/packages").exit_code == 0
    result = publish(root)
    assert result.exit_code == 1 and "testville/poor" in result.output
    assert published(root / "build/hub.db") == {"testville/equipements"}


def test_a_dataset_refused_later_keeps_its_published_version(tmp_path):
    root = two_datasets(tmp_path)
    assert publish(root).exit_code == 0
    assert published(root / "build/hub.db") == {"testville/equipements", "testville/poor"}
    path = root / "datasets/testville/poor/datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["catalog"]["frequency"] = "TODO: how often the data changes"
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    result = publish(root)
    assert result.exit_code == 1 and "catalog.frequency" in result.output
    assert published(root / "build/hub.db") == {"testville/equipements", "testville/poor"}
