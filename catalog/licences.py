"""Licences the hub knows, by the id agencies write in descriptors.

`ckan` is the licence id CKAN ships in its default licence list (and
data.gouv.fr's for Licence Ouverte), so the CKAN publisher can map ids."""

LICENCES = {
    "etalab-2.0": {
        "title": "Licence Ouverte / Open Licence version 2.0",
        "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
        "ckan": "other-at",
        "spdx": "etalab-2.0",
    },
    "ODbL-1.0": {
        "title": "Open Data Commons Open Database License 1.0",
        "path": "https://opendatacommons.org/licenses/odbl/1-0/",
        "ckan": "odc-odbl",
        "spdx": "ODbL-1.0",
    },
    "CC-BY-4.0": {
        "title": "Creative Commons Attribution 4.0",
        "path": "https://creativecommons.org/licenses/by/4.0/",
        "ckan": "cc-by",
        "spdx": "CC-BY-4.0",
    },
    "CC0-1.0": {
        "title": "Creative Commons Zero 1.0",
        "path": "https://creativecommons.org/publicdomain/zero/1.0/",
        "ckan": "cc-zero",
        "spdx": "CC0-1.0",
    },
    "ODC-PDDL-1.0": {
        "title": "Open Data Commons Public Domain Dedication and License 1.0",
        "path": "https://opendatacommons.org/licenses/pddl/1-0/",
        "ckan": "odc-pddl",
        "spdx": "PDDL-1.0",
    },
    "ODC-BY-1.0": {
        "title": "Open Data Commons Attribution License 1.0",
        "path": "https://opendatacommons.org/licenses/by/1-0/",
        "ckan": "odc-by",
        "spdx": "ODC-By-1.0",
    },
}

# Spellings agencies actually use for the same licences.
ALIASES = {
    "lo-2.0": "etalab-2.0",
    "licence-ouverte": "etalab-2.0",
    "licence ouverte": "etalab-2.0",
    "odbl": "ODbL-1.0",
    "cc-by": "CC-BY-4.0",
    "cc0": "CC0-1.0",
    "pddl": "ODC-PDDL-1.0",
}


def canonical(licence_id):
    """The hub's id for a licence name, or None when it is not an open licence we know."""
    if not licence_id:
        return None
    if licence_id in LICENCES:
        return licence_id
    lowered = str(licence_id).strip().lower()
    for known in LICENCES:
        if known.lower() == lowered:
            return known
    return ALIASES.get(lowered)


def descriptor(licence_id):
    """A Data Package `licenses` entry for one of our licence ids."""
    info = LICENCES[licence_id]
    return {"name": licence_id, "title": info["title"], "path": info["path"]}
