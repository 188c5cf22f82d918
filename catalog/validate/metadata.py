"""Metadata completeness: the quality score shown on every dataset.

The criteria follow what data.gouv.fr's quality score and the DCAT-AP
recommended properties ask of a dataset, so a high score here means a dataset
national portals will also rate well.
"""
from __future__ import annotations

import re

from catalog import licences, placeholders
from catalog.datasets import Dataset, is_tabular, resource_format
from catalog.findings import WARNING, Criterion, Finding

OPEN_FORMATS = {"csv", "tsv", "txt", "json", "geojson", "zip", "gtfs", "parquet", "ods", "xml"}
FREQUENCIES = ("continuous", "daily", "weekly", "monthly", "quarterly", "semiannual", "annual",
               "irregular", "punctual")
MIN_DESCRIPTION = 100


def _licence(dataset):
    listed = dataset.descriptor.get("licenses")
    for entry in listed if isinstance(listed, list) else []:  # another shape: a descriptor-error
        if isinstance(entry, dict) and licences.canonical(placeholders.filled(entry.get("name"))):
            return True
    return False


def quality(dataset: Dataset, publisher_known: bool) -> list[Criterion]:
    hub = dataset.hub
    description = str(placeholders.filled(dataset.descriptor.get("description")) or "")
    spatial = hub.get("spatial") if isinstance(hub.get("spatial"), dict) else {}
    spatial = {k: placeholders.filled(v) for k, v in spatial.items()}
    temporal = hub.get("temporal") if isinstance(hub.get("temporal"), dict) else {}
    temporal = {k: placeholders.filled(v) for k, v in temporal.items()}
    tables = [r for r in dataset.resources if is_tabular(r)]
    closed = sorted({resource_format(r) for r in dataset.resources} - OPEN_FORMATS - {"geojson"})
    return [
        Criterion("licence", _licence(dataset), 3,
                  'Declare an open licence: "licenses": [{"name": "etalab-2.0"}] (or ODbL-1.0, CC-BY-4.0, CC0-1.0).'),
        Criterion("description", len(description.strip()) >= MIN_DESCRIPTION, 2,
                  f"Write a description of at least {MIN_DESCRIPTION} characters (it has {len(description.strip())}): "
                  "what the data is, who produces it, how it is collected, its limits."),
        Criterion("update frequency", hub.get("frequency") in FREQUENCIES, 1,
                  'Add "catalog": {"frequency": …} with one of: ' + ", ".join(FREQUENCIES) + "."),
        Criterion("spatial coverage", bool(spatial.get("label") and (spatial.get("insee") or spatial.get("bbox"))), 1,
                  'Add "catalog": {"spatial": {"label": …, "insee": [commune codes], "bbox": [west, south, east, north]}}.'),
        Criterion("temporal coverage", bool(temporal.get("start")), 1,
                  'Add "catalog": {"temporal": {"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"}}.'),
        Criterion("publisher", publisher_known, 2,
                  f'Create publishers/{dataset.publisher}.yml, the profile of the folder\'s publisher.'),
        Criterion("schema for every table", bool(tables) and all(r.get("schema") for r in tables) or not tables, 2,
                  "Give every table a Table Schema (\"schema\": \"schema.json\") describing each column."),
        Criterion("open formats", not closed, 1,
                  f"Publish {', '.join(closed) or 'these files'} in an open format as well (CSV for tables, GeoJSON for maps)."),
    ]


# The `catalog describe` option that fills each placeholder it writes.
DESCRIBE_OPTIONS = {"title": "--title", "description": "--description", "catalog.theme": "--theme",
                    "catalog.frequency": "--frequency", "catalog.spatial.label": "--coverage"}
FIELD_KEY = re.compile(r"resources\[(\d+)\]\.schema\.fields\[(\d+)\]\.(.+)")


def title_findings(dataset: Dataset) -> list[Finding]:
    """A dataset with no title is never published: validate says so first, so that what it
    accepts, `publish` publishes (a title of the wrong type is a descriptor-error already)."""
    title = dataset.descriptor.get("title")
    if title is None or (isinstance(title, str) and not title.strip()):
        return [Finding("missing-title", "the dataset has no title: the hub, CKAN and national portals list it by title.",
                        f'Add "title" to {dataset.descriptor_path.name}, e.g. "Équipements publics de Sampleville".',
                        file=dataset.descriptor_path.name, column="title")]
    return []


def placeholder_findings(dataset: Dataset) -> list[Finding]:
    """One warning per value `catalog describe` left to fill in (a "TODO: …" placeholder)."""
    found = []
    for key, text in placeholders.find(dataset.descriptor):
        match = FIELD_KEY.fullmatch(key)
        what = text[len(placeholders.PREFIX):].strip()
        if match:
            resource = dataset.resources[int(match.group(1))]
            item = resource["schema"]["fields"][int(match.group(2))]
            found.append(Finding("placeholder", f"`{match.group(3)}` is still to be decided: {what}", f"Replace the placeholder in {dataset.descriptor_path.name} "
                                 f"(field \"{item.get('name')}\" of resource \"{resource.get('path')}\"); the dataset "
                                 "is not published until then.", file=str(resource.get("path") or ""),
                                 column=str(item.get("name")), severity=WARNING))
        else:
            option = DESCRIBE_OPTIONS.get(key)
            found.append(Finding("placeholder", f"`{key}` is still a placeholder: {what}",
                                 f"Write the real value in {dataset.descriptor_path.name}"
                                 + (f" (or describe the files again with {option} … --force)" if option else "")
                                 + "; the dataset is not published until every placeholder is filled in.",
                                 file=dataset.descriptor_path.name,
                                 column=key if key.startswith("catalog.") else None, severity=WARNING))
    return found
