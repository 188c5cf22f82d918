"""Which licence id a CKAN portal gets for each of the hub's licences.

A portal only shows a licence's title and link (and ckanext-dcat only writes
`dct:license`) when the dataset's `license_id` is one of the portal's own
`license_list` entries. So the portal's list is read first and its own entry is
used when it has one (French portals carry Licence Ouverte, e.g. data.gouv.fr's
`lov2`): matched by URL, then title, then a known id. Otherwise a mapping chooses
(`--licence-map etalab-2.0=other-at`, or CATALOG_CKAN_LICENCE_MAP), else the
default of catalog/licences.py, and a warning says what was chosen.
"""
from __future__ import annotations

import re

from catalog import licences
from catalog.errors import UnusableInput

# Ids portals use for the same licences (data.gouv.fr: lov2; CKAN's defaults: the rest).
PORTAL_IDS = {
    "etalab-2.0": {"etalab-2.0", "lov2", "lo-2.0", "licence-ouverte-2.0", "fr-lo-2.0"},
    "ODbL-1.0": {"odbl-1.0", "odc-odbl", "odbl"},
    "CC-BY-4.0": {"cc-by-4.0", "cc-by"},
    "CC0-1.0": {"cc0-1.0", "cc-zero", "cc0"},
    "ODC-PDDL-1.0": {"pddl-1.0", "odc-pddl", "pddl"},
    "ODC-BY-1.0": {"odc-by-1.0", "odc-by"},
}


def _url(text) -> str:
    return re.sub(r"^https?://(www\.)?", "", str(text or "").strip().lower()).rstrip("/")


def _title(text) -> str:
    return re.sub(r"\W+", " ", str(text or "").lower()).strip()


def parse_map(items) -> dict[str, str]:
    """`etalab-2.0=other-at` pairs (options, or one comma-separated setting) -> {hub licence: portal id}."""
    mapping = {}
    for item in items or ():
        for pair in str(item).split(","):
            if not pair.strip():
                continue
            hub, sep, portal = pair.partition("=")
            known = licences.canonical(hub.strip())
            if not sep or not portal.strip() or not known:
                raise UnusableInput(f"--licence-map {pair.strip()!r}: expected LICENCE=PORTAL_ID with a licence "
                                    f"the hub knows ({', '.join(licences.LICENCES)}).",
                                    "For example --licence-map etalab-2.0=other-at.")
            mapping[known] = portal.strip()
    return mapping


class LicenceChooser:
    """The portal's licence id for each hub licence, and the warnings of the choices made."""

    def __init__(self, portal_list: list[dict] | None, mapping: dict[str, str] | None = None):
        self.entries = [e for e in portal_list or [] if isinstance(e, dict) and e.get("id")]
        self.mapping = mapping or {}
        self.warnings: dict[str, str] = {}

    def _portal_entry(self, known: str):
        info = licences.LICENCES[known]
        for test in (lambda e: _url(e.get("url")) == _url(info["path"]),
                     lambda e: _title(e.get("title")) == _title(info["title"]),
                     lambda e: str(e["id"]).lower() in PORTAL_IDS.get(known, {known.lower()})):
            for entry in self.entries:
                if test(entry):
                    return entry
        return None

    def choose(self, licence_name) -> str:
        known = licences.canonical(licence_name)
        if not known:
            return "notspecified"
        entry = self._portal_entry(known)
        if entry:
            return entry["id"]
        chosen = self.mapping.get(known) or licences.LICENCES[known]["ckan"]
        titles = {e["id"]: e.get("title") for e in self.entries}
        shown = f"{chosen} ({titles[chosen]})" if titles.get(chosen) else f"{chosen} (not in the portal's list either)"
        self.warnings[known] = (f"the portal's licence list has no entry for {known} "
                                f"({licences.LICENCES[known]['title']}): published as {shown}; every resource "
                                f"still names the licence by its URI. Choose another id with --licence-map {known}=ID")
        return chosen


def uri(licence_name) -> str:
    """The licence's URI (its official page), for each resource's `license`."""
    known = licences.canonical(licence_name)
    return licences.LICENCES[known]["path"] if known else ""
