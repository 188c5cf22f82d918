"""`catalog export dcat`: the whole catalogue as DCAT-AP for national portals' harvesters.

The export describes what the hub serves: the packages under the packages folder
(`catalog serve` offers them at `<base URL>/packages/...`), with their byte sizes and
sha256 hashes. A dataset whose package is missing or older than its sources is
packaged first (validation included, as `catalog package` does), because a catalogue
pointing at files that do not exist, or announcing hashes the files no longer have,
would make harvesters record broken or wrong downloads. With `build=False` the export
refuses instead and names the datasets to package. If any dataset cannot be packaged
nothing is written: a harvester treats a dataset missing from the catalogue as deleted.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from catalog.datasets import discover, load_dataset
from catalog.errors import InvalidData, UnusableInput
from catalog.export import graph as dcat_graph
from catalog.hashing import tree_sha256
from catalog.publishers import load_publishers

FORMATS = {"jsonld": "json-ld", "ttl": "turtle"}
SUFFIXES = {".jsonld": "jsonld", ".json": "jsonld", ".ttl": "ttl"}
DEFAULT_BASE_URL = "http://127.0.0.1:8001"  # where `catalog serve` listens by default


@dataclass
class ExportResult:
    data: bytes
    fmt: str
    out: Path | None
    datasets: int
    distributions: int
    packaged: list[str] = field(default_factory=list)  # datasets packaged for this export
    warnings: list[str] = field(default_factory=list)


def check_base_url(url: str) -> str:
    """The hub's public address, checked: every URI in the export starts with it."""
    text = str(url or "").strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise UnusableInput(
            f"--base-url {url!r} is not the web address of a hub.",
            "Give the address the hub is served at, e.g. https://data.example.fr (no ?query or #part).",
        )
    return text.rstrip("/")


def output_format(fmt: str | None, out: Path | None) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise UnusableInput(f"unknown format {fmt!r}.", "Use --format jsonld or --format ttl.")
        return fmt
    return SUFFIXES.get(out.suffix.lower(), "jsonld") if out else "jsonld"


def export_dcat(root: Path = Path("."), out: Path | None = None, fmt: str | None = None,
                base_url: str = DEFAULT_BASE_URL, packages_dir: Path | None = None, build: bool = True,
                publisher: str | None = None, title: str | None = None, progress=None) -> ExportResult:
    """Write the catalogue to `out` (atomically) and return it; with `out=None` only return it.

    `packages_dir` defaults to `root/build/packages`. `progress(message)`, when given, is told
    before datasets are packaged (that can take a while)."""
    root = Path(root)
    packages_dir = Path(packages_dir) if packages_dir else root / "build" / "packages"
    base = check_base_url(base_url)
    fmt = output_format(fmt, Path(out) if out else None)
    if out is not None and Path(out).is_dir():
        raise UnusableInput(f"--out {out} is a folder.", "Name the file to write, e.g. build/catalog.jsonld.")
    publishers = load_publishers(root)
    if publisher and publisher not in publishers:
        raise UnusableInput(f"--publisher {publisher!r}: no usable profile publishers/{publisher}.yml.",
                            "Name one of: " + (", ".join(sorted(publishers)) or "(no profile found)") + ".")
    entries, packaged = packaged_entries(root, packages_dir, build, progress)
    title = title or f"Catalogue des données ouvertes — {urlsplit(base).netloc}"
    built = dcat_graph.build(entries, publishers, base, title, publisher, _external_reuses(root))
    data = serialise(built.graph, fmt)
    if out is not None:
        write_atomically(Path(out), data)
    return ExportResult(data, fmt, Path(out) if out else None, built.datasets, built.distributions,
                        packaged, built.warnings)


def packaged_entries(root: Path, packages_dir: Path, build: bool, progress=None):
    """Every dataset of the hub with its packaged descriptor, packaging the stale ones."""
    from catalog.package import inputs_of, package

    folders = discover(root)
    if not folders:
        raise UnusableInput(f"{root.resolve() / 'datasets'}: no dataset to export.",
                            "Run the command in the hub folder (holding datasets/ and publishers/) or pass --root.")
    datasets = [load_dataset(folder) for folder in folders]
    packaged = {d.id: _read(packages_dir / d.publisher / d.name / "datapackage.json") for d in datasets}
    stale, rederive = [], []
    for dataset in datasets:
        descriptor = packaged[dataset.id]
        if descriptor is None:
            stale.append(dataset)
        elif isinstance(dataset.hub.get("reuse"), dict):
            # A reuse's package hashes its derived data, so only deriving it again tells whether
            # it is current (package() keeps it untouched when it is); without building, at
            # least its sources must be the packaged versions it was derived from.
            rederive.append(dataset)
            if not build and not _lineage_is_current(descriptor, packaged):
                stale.append(dataset)
        elif (descriptor.get("catalog") or {}).get("content_hash") != tree_sha256(inputs_of(dataset, root)):
            stale.append(dataset)
    if stale and not build:
        raise UnusableInput(
            f"{len(stale)} dataset(s) have no up-to-date package in {packages_dir}: "
            + ", ".join(d.id for d in stale) + ".",
            f"Run `catalog package --out {packages_dir}` first, or export without --no-build.",
        )
    todo = [d for d in datasets if d in stale or d in rederive] if build else []
    changed = []
    if todo:
        if progress and stale:
            progress(f"Packaging {len(stale)} dataset(s) whose package is missing or out of date "
                     f"into {packages_dir}…")
        run = package([str(d.folder) for d in todo], root, packages_dir)
        if run.refused:
            raise InvalidData(
                f"the catalogue was not exported: {len(run.refused)} dataset(s) could not be packaged:\n"
                + "\n".join(f"  - {name}: {why}" for name, why in run.refused.items()),
                "Fix these datasets, then export again (a harvester would take a dataset left out "
                "of the catalogue for a deleted one, so the export is all or nothing).",
            )
        changed = {item.dataset_id for item in run.packaged if item.changed}
    entries = []
    for dataset in datasets:
        path = packages_dir / dataset.publisher / dataset.name / "datapackage.json"
        descriptor = _read(path)
        if descriptor is None:
            raise UnusableInput(f"{path}: the package of {dataset.id} is missing or unreadable.",
                                f"Run `catalog package {dataset.folder} --out {packages_dir}`.")
        entries.append(dcat_graph.Entry(dataset.publisher, dataset.name, descriptor))
    return entries, [d.id for d in datasets if d.id in changed]


def _lineage_is_current(descriptor: dict, packaged: dict) -> bool:
    """Whether each source a reuse was derived from is still the packaged version."""
    for source in descriptor.get("sources") or []:
        name = source.get("name") if isinstance(source, dict) else None
        if name in packaged:
            current = ((packaged[name] or {}).get("catalog") or {}).get("content_hash")
            if source.get("hash") != f"sha256:{current}":
                return False
    return True


def _external_reuses(root: Path) -> list[dict]:
    try:
        from catalog.reuses import load_external
    except ImportError:  # external reuses are optional: a hub without them still exports
        return []
    return load_external(root)


def _read(path: Path) -> dict | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def serialise(graph, fmt: str) -> bytes:
    """Sorted serialisation: the same catalogue always gives the same bytes."""
    if fmt == "ttl":
        # rdflib's Turtle writer sorts subjects, predicates and objects itself.
        return graph.serialize(format="turtle").encode("utf-8")
    context = {prefix: str(namespace) for prefix, namespace in graph.namespaces()}
    document = json.loads(graph.serialize(format="json-ld", context=context))
    nodes = document.get("@graph", [document])
    for node in nodes:
        for key, value in node.items():
            if isinstance(value, list):
                node[key] = sorted(value, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    nodes.sort(key=lambda n: n.get("@id", ""))
    document = {"@context": dict(sorted(context.items())), "@graph": nodes}
    return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def write_atomically(out: Path, data: bytes):
    """Write beside the target and rename: a harvester fetching the file mid-export gets
    the old catalogue or the new one, never half of one."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp", delete=False)
    except OSError as error:
        raise UnusableInput(f"--out {out}: cannot write there ({error.strerror}).",
                            "Choose a file in a folder you can write to.") from None
    try:
        with handle:
            handle.write(data)
        os.chmod(handle.name, 0o644)
        os.replace(handle.name, out)
    except BaseException as error:
        Path(handle.name).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise UnusableInput(f"--out {out}: cannot write there ({error.strerror}).",
                                "Free some space or choose another file; the previous file is unchanged.") from None
        raise
