"""`catalog schemas sync`: refresh the local cache from a schema catalogue.

Downloads the catalogue (schema.data.gouv.fr's `schemas.json` by default), then the Table
Schema of the latest version of every tabular schema, and of every version the hub's datasets
refer to. Everything is bounded (sizes, timeout) and written beside the cache, then swapped in,
so a failed sync leaves the previous cache whole.
"""
from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlparse

import httpx

from catalog.errors import UnusableInput
from catalog.schemas.catalogue import (CATALOGUE_FILE, MAX_CATALOGUE_BYTES, MAX_SCHEMA_BYTES, cache_folder,
                                       latest_version, read_catalogue)
from catalog.schemas.reference import PATTERN, is_reference, parse
from catalog.swap import swap_in

DEFAULT_URL = "https://schema.data.gouv.fr/schemas/schemas.json"
MAX_FILES = 1000  # schema.data.gouv.fr lists about 100 schemas: past that, a catalogue is not one to follow
FILE_NAME = r"[A-Za-z0-9._-]{1,100}"


@dataclass
class Synced:
    folder: Path
    schemas: int  # entries in the catalogue
    files: list[str] = field(default_factory=list)  # name@version fetched
    failed: dict[str, str] = field(default_factory=dict)  # name@version -> why


def _get(client: httpx.Client, url: str, limit: int) -> bytes:
    if urlparse(url).scheme not in ("http", "https"):
        raise UnusableInput(f"{url}: only http and https addresses are fetched.", "Give an http(s) URL.")
    with client.stream("GET", url) as response:
        if response.status_code != 200:
            raise UnusableInput(f"{url}: the server answered HTTP {response.status_code}.",
                                "Check the address, or try again later.")
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise UnusableInput(f"{url}: larger than {limit:,} bytes; refused.", "Check the address.")
            chunks.append(chunk)
    return b"".join(chunks)


def referenced(root: Path) -> set[tuple[str, str]]:
    """(name, version) of every national schema the hub's datasets refer to."""
    from catalog.datasets import discover, load_dataset

    found = set()
    for folder in discover(root):
        try:
            dataset = load_dataset(folder)
        except UnusableInput:
            continue
        for resource in dataset.resources:
            if is_reference(resource.get("schema")):
                try:
                    reference = parse(resource["schema"])
                except UnusableInput:
                    continue
                if reference.version and reference.version != "latest":
                    found.add((reference.name, reference.version))
    return found


def sync(url: str = DEFAULT_URL, root: Path = Path("."), timeout: float = 30.0) -> Synced:
    target = cache_folder()
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True) as client:
            raw = _get(client, url, MAX_CATALOGUE_BYTES)
            try:
                data = json.loads(raw)
            except ValueError as error:
                raise UnusableInput(f"{url}: not a JSON schema catalogue ({error}).",
                                    "Give the address of a catalogue such as schema.data.gouv.fr's schemas.json.")
            target.parent.mkdir(parents=True, exist_ok=True)
            work = Path(tempfile.mkdtemp(prefix=".schemas.", dir=target.parent))
            try:
                catalogue = read_catalogue(data, work, "local cache")
                if not catalogue.entries:
                    raise UnusableInput(f"{url}: the catalogue lists no schema.",
                                        'A catalogue is {"schemas": [{"name", "versions": [...]}]}.')
                result = Synced(target, len(catalogue.entries))
                wanted = {(name, latest_version(entry)) for name, entry in catalogue.entries.items()
                          if entry.versions and entry.schema_type in ("", "tableschema")}
                wanted |= {(n, v) for n, v in referenced(root) if n in catalogue.entries
                           and v in catalogue.entries[n].versions}
                for number, (name, version) in enumerate(sorted(wanted)):
                    if number >= MAX_FILES:
                        result.failed[f"{len(wanted) - MAX_FILES} more"] = f"only {MAX_FILES} schema files are fetched"
                        break
                    _fetch(client, url, catalogue.entries[name].versions[version], name, version, work, result)
                (work / CATALOGUE_FILE).write_bytes(raw)
                swap_in(work, target)
            finally:
                shutil.rmtree(work, ignore_errors=True)
    except httpx.HTTPError as error:
        raise UnusableInput(f"{url}: the schema catalogue could not be fetched ({type(error).__name__}: {error}).",
                            "Check the network and the address; the shipped snapshot is used meanwhile.") from None
    return result


def _fetch(client, base, url, name, version, work: Path, result: Synced):
    label = f"{name}@{version}"
    if not PATTERN.fullmatch(label):
        result.failed[label] = "not a valid schema name"
        return
    if not url:
        result.failed[label] = "the catalogue gives no schema_url"
        return
    url = urljoin(base, url)
    file = Path(urlparse(url).path).name
    if not file.endswith(".json") or not re.fullmatch(FILE_NAME, file):
        file = "schema.json"
    try:
        raw = _get(client, url, MAX_SCHEMA_BYTES)
        schema = json.loads(raw)
    except (UnusableInput, httpx.HTTPError, ValueError) as error:
        result.failed[label] = str(error).split("\n")[0]
        return
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        result.failed[label] = "not a Table Schema"
        return
    folder = work / name / version
    if not folder.resolve().is_relative_to(work.resolve()):
        result.failed[label] = "unsafe name"
        return
    folder.mkdir(parents=True, exist_ok=True)
    (folder / file).write_bytes(raw)
    result.files.append(label)
