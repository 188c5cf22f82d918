"""External reuses (reuses/<slug>.yml): loaded for the hub, checked like data."""
import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from catalog.cli import main
from catalog.reuses import TYPES, check_external, load_external, reused_by

ROOT = Path(__file__).resolve().parents[1]

GOOD = """title: Carte des équipements
url: https://carte.example.org/equipements
type: visualisation
author: Association Carto (fictive)
datasets: [ville-de-sampleville/equipements-publics]
"""


def small_hub(tmp_path: Path, text: str, slug="carte") -> Path:
    root = tmp_path / "hub"
    shutil.copytree(ROOT / "publishers", root / "publishers")
    shutil.copytree(ROOT / "datasets" / "ville-de-sampleville" / "equipements-publics",
                    root / "datasets" / "ville-de-sampleville" / "equipements-publics")
    (root / "reuses").mkdir()
    (root / "reuses" / f"{slug}.yml").write_text(text, encoding="utf-8")
    return root


def test_bundled_external_reuses_load_with_every_key():
    reuses = load_external(ROOT)
    assert len(reuses) >= 2
    for reuse in reuses:
        assert set(reuse) >= {"slug", "title", "url", "type", "author", "datasets", "description"}
        assert reuse["type"] in TYPES and reuse["url"].startswith("https://")
        for dataset in reuse["datasets"]:
            assert (ROOT / "datasets" / dataset / "datapackage.json").is_file(), dataset
    assert {r["slug"] for r in reused_by(ROOT, "sample-mobilites/reseau-bus")} >= {"api-horaires-sample"}


def test_a_valid_reuse_has_no_findings(tmp_path):
    root = small_hub(tmp_path, GOOD)
    assert check_external(root / "reuses" / "carte.yml") == []
    assert [r["slug"] for r in load_external(root)] == ["carte"]


def test_an_unknown_dataset_fails_validation_naming_file_and_key(tmp_path):
    root = small_hub(tmp_path, GOOD.replace("equipements-publics", "equipements"))
    findings = check_external(root / "reuses" / "carte.yml")
    assert [(f.code, f.column, f.value) for f in findings] == [
        ("reuse-profile", "datasets", "ville-de-sampleville/equipements")]
    assert load_external(root) == []  # unusable reuses are not listed on the hub
    result = CliRunner().invoke(main, ["validate", "--root", str(root), "--json"])
    assert result.exit_code == 1
    target = next(t for t in json.loads(result.output)["targets"] if t["kind"] == "reuse")
    assert target["name"] == "carte" and target["errors"] == 1
    assert "does not exist" in target["findings"][0]["message"]


def test_missing_and_malformed_keys_are_each_reported(tmp_path):
    text = "url: carte.example.org\ntype: game\nauthor: Quelqu'un\ndatasets: [nothing]\ncolour: blue\n"
    root = small_hub(tmp_path, text, slug="Bad_Name")
    findings = {(f.column, f.severity) for f in check_external(root / "reuses" / "Bad_Name.yml")}
    assert findings == {(None, "error"), ("title", "error"), ("type", "error"), ("url", "error"),
                        ("datasets", "error"), ("colour", "warning")}


def test_validate_accepts_a_reuse_file_as_path(tmp_path):
    root = small_hub(tmp_path, GOOD)
    result = CliRunner().invoke(main, ["validate", str(root / "reuses" / "carte.yml")])
    assert result.exit_code == 0, result.output
    assert "carte (reuse)" in result.output
    (root / "reuses" / "carte.yml").write_text("title: [unclosed\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(root / "reuses")])
    assert result.exit_code != 0 and "Traceback" not in result.output
