"""External reuses: works by others built on the hub's datasets, `reuses/<slug>.yml`.

    title: Carte des bornes proches des arrêts
    url: https://example.org/carte
    type: application        # application | visualisation | api | article | paper
    author: Collectif Sample Code
    datasets: [departement-de-sample/bornes-recharge, sample-mobilites/reseau-bus]
    description: …           # optional

Checked like data: a missing key, an unknown type or a dataset the hub does not have is
an error naming the file and the key. The hub lists them on each dataset page ("reused
by") and on its landing page.
"""
from __future__ import annotations

import re
from pathlib import Path

from catalog.datasets import find_descriptor
from catalog.errors import UnusableInput
from catalog.findings import ERROR, WARNING, Finding, Target
from catalog.safety import not_linked_out
from catalog.yamlio import load

TYPES = ("application", "visualisation", "api", "article", "paper")
REQUIRED = ("title", "url", "type", "author", "datasets")
KNOWN = set(REQUIRED) | {"description"}
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DATASET = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*/[^/\s]+$")


def _hub_root(path: Path) -> Path:
    """reuses/<slug>.yml sits at the hub's top, beside datasets/."""
    return Path(path).resolve().parent.parent


def _read(path: Path, display: str) -> tuple[dict | None, list[Finding]]:
    path = Path(path)
    slug = path.stem

    def finding(key, message, fix, value=None, severity=ERROR):
        return Finding("reuse-profile", message, fix, file=display, column=key,
                       value=None if value is None else str(value), severity=severity)

    try:
        not_linked_out(path, display)
        data = load(path, display)
    except UnusableInput as error:
        return None, [Finding("unreadable", error.message, error.fix or "", file=display)]
    if not isinstance(data, dict):
        return None, [finding(None, "the reuse is not a set of `key: value` lines.",
                              "Write one `key: value` per line: " + ", ".join(REQUIRED) + ".")]
    found = []
    if not SLUG.match(slug):
        found.append(finding(None, f"the file name {slug!r} is not a valid slug.",
                             "Rename it with lowercase letters, digits and hyphens, e.g. carte-des-bornes.yml."))
    for key in REQUIRED:
        if data.get(key) in (None, "", []):
            found.append(finding(key, f"the key `{key}` is missing or empty.", f"Add `{key}: …` to the file."))
    for key in sorted(set(data) - KNOWN, key=str):
        found.append(finding(key, f"unknown key `{key}` (ignored).",
                             "Remove it, or check its spelling: " + ", ".join(sorted(KNOWN)) + ".", severity=WARNING))
    kind = data.get("type")
    if kind and kind not in TYPES:
        found.append(finding("type", f"`type` is {kind!r}, not a kind of reuse the hub lists.",
                             "Use one of: " + ", ".join(TYPES) + ".", kind))
    url = data.get("url")
    if url and not re.match(r"^https?://\S+$", str(url)):
        found.append(finding("url", "`url` is not a web address.", "Give the full address, starting with https://.", url))
    datasets = data.get("datasets")
    if datasets not in (None, "", []) and not (isinstance(datasets, list) and all(isinstance(d, str) for d in datasets)):
        found.append(finding("datasets", "`datasets` must be a list of <publisher>/<dataset> names.",
                             "Write `datasets: [publisher/dataset, …]`.", datasets))
    elif datasets:
        root = _hub_root(path)
        for name in datasets:
            if not DATASET.match(name):
                found.append(finding("datasets", f"{name!r} is not of the form <publisher>/<dataset>.",
                                     "Name each dataset by its publisher slug and dataset folder, "
                                     "e.g. sample-mobilites/reseau-bus.", name))
            elif not find_descriptor(root / "datasets" / name):
                found.append(finding("datasets", f"the dataset {name} does not exist in this hub.",
                                     f"Correct the name, or publish datasets/{name}/ first.", name))
    if any(f.severity == ERROR for f in found):
        return None, found
    entry = {key: data.get(key) for key in REQUIRED}
    entry.update({"title": str(data["title"]), "url": str(url), "author": str(data["author"]),
                  "description": str(data.get("description") or ""), "slug": slug})
    return entry, found


def check_external(path: Path, display: str | None = None) -> list[Finding]:
    """What is wrong with one `reuses/<slug>.yml` (nothing when it is usable)."""
    return _read(Path(path), display or str(path))[1]


def validate_external(path: Path) -> Target:
    """The validation target of one external reuse, for `catalog validate`."""
    target = Target("reuse", Path(path).stem, str(path))
    target.add(check_external(path))
    return target


def load_external(root: Path) -> list[dict]:
    """Every usable external reuse of the hub at `root`, sorted by slug.

    Each dict has title, url, type, author, datasets, description and slug."""
    result = []
    for path in sorted((Path(root) / "reuses").glob("*.y*ml")):
        entry, _ = _read(path, str(path))
        if entry:
            result.append(entry)
    return result


def reused_by(root: Path, dataset_id: str) -> list[dict]:
    """The external reuses naming one dataset (`<publisher>/<dataset>`)."""
    return [entry for entry in load_external(root) if dataset_id in entry["datasets"]]
