"""No local file outside the dataset folder is read, in any form a descriptor can name one.

A secret lies beside the hub (and in the environment); each descriptor tries to make
`validate`, `package` or `publish` read it and show it. None may: the resource is
refused with a finding, nothing ends in a traceback, and the secret never appears.
"""
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from catalog.cli import main
from tests.hub import make_hub

SECRET = "s3cret-token-4242"


def invoke(*args, env=None):
    result = CliRunner().invoke(main, [str(a) for a in args], env=env)
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


@pytest.fixture
def secret(tmp_path):
    """A CSV outside the hub holding the secret, shaped like the dataset's table so a reader would print it."""
    path = tmp_path / "private" / "secret.csv"
    path.parent.mkdir()
    path.write_text(f"id,nom,latitude,longitude\n{SECRET},{SECRET},x,y\n", encoding="utf-8")
    return path


def hub_with(tmp_path, **kwargs):
    return make_hub(tmp_path / "hub", **kwargs)


def everything_refuses(tmp_path, folder, code, env=None):
    """validate names the resource (exit 1 or 2), package and publish refuse it; no secret anywhere."""
    report = invoke("validate", folder, "--json", env=env)
    assert report.exit_code in (1, 2), report.output
    assert SECRET not in report.output
    codes = [f["code"] for t in json.loads(report.output)["targets"] for f in t["findings"]]
    assert code in codes, codes
    text = invoke("validate", folder, env=env)
    assert SECRET not in text.output
    packaged = invoke("package", "--root", tmp_path / "hub", "--out", tmp_path / "packages", env=env)
    assert packaged.exit_code in (1, 2), packaged.output
    assert SECRET not in packaged.output
    published = invoke("publish", "datasette", "--root", tmp_path / "hub", "--db", tmp_path / "hub.db",
                       "--out", tmp_path / "packages", env=env)
    assert published.exit_code in (1, 2), published.output
    assert SECRET not in published.output
    assert_not_written(tmp_path)


def assert_not_written(tmp_path):
    """Nothing the tool wrote (packages, hub, metadata) holds the secret."""
    written = [p for p in (tmp_path / "packages").rglob("*") if p.is_file() and not p.is_symlink()]
    written += [p for p in tmp_path.glob("hub*") if p.is_file()]
    for path in written:
        assert SECRET.encode() not in path.read_bytes(), path


def test_multipart_part_linked_to_a_secret(tmp_path, secret):
    folder = hub_with(tmp_path, resource={"path": ["data.csv", "part2.csv"]})
    os.symlink(secret, folder / "part2.csv")
    everything_refuses(tmp_path, folder, "unsafe-path")


def test_multipart_part_linked_to_the_environment(tmp_path):
    """/proc/self/environ holds CKAN_API_KEY: a part linked to it must not be read."""
    folder = hub_with(tmp_path, resource={"path": ["data.csv", "env.csv"]})
    os.symlink("/proc/self/environ", folder / "env.csv")
    everything_refuses(tmp_path, folder, "unsafe-path", env={"CKAN_API_KEY": SECRET})


def test_multipart_inside_the_folder_is_refused_clearly(tmp_path):
    """Two honest parts: the hub publishes one file per resource, so it says so (no crash in package/publish)."""
    folder = hub_with(tmp_path, resource={"path": ["data.csv", "more.csv"]})
    (folder / "more.csv").write_text("4,Piscine,46.63,2.43\n", encoding="utf-8")
    everything_refuses(tmp_path, folder, "unsupported-resource")
    report = invoke("validate", folder)
    assert "several files" in report.output and "Join the parts" in report.output


def test_data_file_linked_out(tmp_path, secret):
    folder = hub_with(tmp_path)
    (folder / "data.csv").unlink()
    os.symlink(secret, folder / "data.csv")
    everything_refuses(tmp_path, folder, "unsafe-path")


def test_data_folder_linked_out(tmp_path, secret):
    """A symbolic link in any part of the path, not only the last one."""
    folder = hub_with(tmp_path, resource={"path": "sub/secret.csv"})
    os.symlink(secret.parent, folder / "sub")
    everything_refuses(tmp_path, folder, "unsafe-path")


def test_schema_linked_out(tmp_path, secret):
    schema = tmp_path / "private" / "schema.json"
    schema.write_text(json.dumps({"fields": [{"name": SECRET, "type": "string"}]}), encoding="utf-8")
    folder = hub_with(tmp_path, resource={"schema": "schema.json"})
    os.symlink(schema, folder / "schema.json")
    everything_refuses(tmp_path, folder, "unsafe-path")


@pytest.mark.parametrize("reference", ["../../../../private/dialect.json", "linked.json", "/etc/passwd"])
def test_dialect_reference_outside(tmp_path, secret, reference):
    dialect = tmp_path / "private" / "dialect.json"
    dialect.write_text(json.dumps({"delimiter": ",", "commentChar": SECRET}), encoding="utf-8")
    folder = hub_with(tmp_path, resource={"dialect": reference})
    os.symlink(dialect, folder / "linked.json")
    everything_refuses(tmp_path, folder, "unsafe-path")


def test_dialect_file_inside_is_read_and_hashed(tmp_path):
    """A dialect file inside the folder is fine: it is read, applied and part of the content hash."""
    folder = hub_with(tmp_path, data="id;nom;latitude;longitude\n1;Mairie;46.6;2.4\n",
                      resource={"dialect": "dialect.json"})
    (folder / "dialect.json").write_text('{"delimiter": ";"}', encoding="utf-8")
    assert invoke("validate", folder).exit_code == 0
    packaged = invoke("package", "--root", tmp_path / "hub", "--out", tmp_path / "packages")
    assert packaged.exit_code == 0, packaged.output
    out = tmp_path / "packages" / "testville" / "equipements"
    assert (out / "data" / "equipements.csv").read_text(encoding="utf-8").splitlines()[1] == "1,Mairie,46.6,2.4"
    before = json.loads((out / "datapackage.json").read_text())["catalog"]["content_hash"]
    (folder / "dialect.json").write_text('{"delimiter": ";", "header": true}', encoding="utf-8")
    invoke("package", "--root", tmp_path / "hub", "--out", tmp_path / "packages")
    assert json.loads((out / "datapackage.json").read_text())["catalog"]["content_hash"] != before


def test_inline_data_is_refused(tmp_path):
    folder = hub_with(tmp_path, resource={"data": [["id", "nom"], [1, "Mairie"]]})
    descriptor = json.loads((folder / "datapackage.json").read_text())
    del descriptor["resources"][0]["path"]
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    everything_refuses(tmp_path, folder, "unsupported-resource")


def test_custom_profile_is_not_fetched(tmp_path, secret):
    folder = hub_with(tmp_path, resource={"profile": str(secret)})
    everything_refuses(tmp_path, folder, "unsafe-path")


def test_descriptor_linked_out(tmp_path, secret):
    """datapackage.json itself a link: its folder would become the link's target folder."""
    outside = tmp_path / "private" / "datapackage.json"
    folder = hub_with(tmp_path, resource={"path": "secret.csv"})
    (folder / "datapackage.json").rename(outside)
    os.symlink(outside, folder / "datapackage.json")
    everything_refuses(tmp_path, folder, "unusable-input")


def test_publisher_profile_linked_out(tmp_path):
    private = tmp_path / "private.yml"
    private.write_text(f"title: {SECRET}\nkind: town\nhomepage: https://x.example.fr\n"
                       "email: a@x.example.fr\nsiren: '213700008'\nlicence: etalab-2.0\n", encoding="utf-8")
    folder = hub_with(tmp_path)
    profile = tmp_path / "hub" / "publishers" / "testville.yml"
    profile.unlink()
    os.symlink(private, profile)
    report = invoke("validate", "--root", tmp_path / "hub", "--json")
    assert SECRET not in report.output
    assert report.exit_code == 2
    published = invoke("publish", "datasette", "--root", tmp_path / "hub", "--db", tmp_path / "hub.db",
                       "--out", tmp_path / "packages")
    assert SECRET not in published.output
    assert_not_written(tmp_path)
    assert folder.is_dir()
