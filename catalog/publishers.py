"""Publisher profiles: `publishers/<slug>.yml`, checked like data."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from catalog import licences
from catalog.errors import UnusableInput
from catalog.findings import ERROR, WARNING, Finding
from catalog.safety import not_linked_out
from catalog.yamlio import load

KINDS = ("town", "département", "intercommunality", "transport-operator", "agency")
REQUIRED = ("title", "kind", "homepage", "email", "siren", "licence")
KNOWN = set(REQUIRED) | {"logo", "description"}
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.I)


@dataclass
class Publisher:
    slug: str
    title: str
    kind: str
    homepage: str
    email: str
    siren: str
    licence: str
    path: Path
    logo: str | None = None
    description: str = ""


def siren_is_valid(siren: str) -> bool:
    """SIREN numbers carry a Luhn check digit; a typo almost always breaks it."""
    if not re.fullmatch(r"\d{9}", siren or ""):
        return False
    total = 0
    for index, char in enumerate(reversed(siren)):
        digit = int(char) * (2 if index % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def check_profile(path: Path, display: str | None = None) -> tuple[Publisher | None, list[Finding]]:
    """Load one profile; return the publisher (None when unusable) and what is wrong with it."""
    display = display or str(path)
    slug = Path(path).stem
    try:
        not_linked_out(path, display)
        data = load(path, display)
    except UnusableInput as error:
        return None, [Finding("unreadable", error.message, error.fix or "", file=display)]

    def finding(key, message, fix, value=None, severity=ERROR):
        return Finding(
            "publisher-profile", message, fix, file=display, column=key,
            value=None if value is None else str(value), severity=severity,
        )

    if not isinstance(data, dict):
        return None, [finding(None, "the profile is not a set of `key: value` lines.",
                              "Write one `key: value` per line: " + ", ".join(REQUIRED) + ".")]
    found = []
    if not SLUG.match(slug):
        found.append(finding(None, f"the file name {slug!r} is not a valid publisher slug.",
                             "Rename it with lowercase letters, digits and hyphens, e.g. ville-de-lyon.yml."))
    for key in REQUIRED:
        if data.get(key) in (None, ""):
            found.append(finding(key, f"the key `{key}` is missing or empty.", f"Add `{key}: …` to the profile."))
    for key in sorted(set(data) - KNOWN, key=str):  # YAML keys may be numbers, or null
        found.append(finding(key, f"unknown key `{key}` (ignored).",
                             "Remove it, or check its spelling: " + ", ".join(sorted(KNOWN)) + ".",
                             severity=WARNING))
    kind = data.get("kind")
    if kind and kind not in KINDS:
        found.append(finding("kind", f"`kind` is {kind!r}, not one of the kinds the hub knows.",
                             "Use one of: " + ", ".join(KINDS) + ".", kind))
    siren = str(data.get("siren") or "").replace(" ", "")
    if siren and not siren_is_valid(siren):
        found.append(finding("siren", "`siren` is not a valid SIREN number (9 digits with a valid check digit).",
                             "Copy the SIREN from the Sirene directory (annuaire-entreprises.data.gouv.fr).",
                             data.get("siren")))
    email = data.get("email")
    if email and not EMAIL.match(str(email)):
        found.append(finding("email", "`email` is not an e-mail address.",
                             "Give a public service address, e.g. opendata@your-town.fr.", email))
    homepage = data.get("homepage")
    if homepage and not str(homepage).startswith(("https://", "http://")):
        found.append(finding("homepage", "`homepage` is not a web address.",
                             "Give the full address, starting with https://.", homepage))
    licence = data.get("licence")
    if licence and not licences.canonical(licence):
        found.append(finding("licence", f"`licence` {licence!r} is not an open licence the hub knows.",
                             "Use one of: " + ", ".join(licences.LICENCES) + ".", licence))
    if any(f.severity == ERROR for f in found):
        return None, found
    publisher = Publisher(
        slug=slug, title=str(data["title"]), kind=kind, homepage=str(homepage), email=str(email),
        siren=siren, licence=licences.canonical(licence), path=Path(path),
        logo=data.get("logo"), description=str(data.get("description") or ""),
    )
    return publisher, found


def load_publishers(root: Path, check=None) -> dict[str, Publisher]:
    """Every usable publisher profile under `root/publishers`, by slug. `check(path)`: the profile's
    Publisher or None, as check_profile says (catalog.publish.unchanged remembers it between runs)."""
    result = {}
    for path in sorted((Path(root) / "publishers").glob("*.y*ml")):
        publisher = check(path) if check is not None else check_profile(path)[0]
        if publisher:
            result[publisher.slug] = publisher
    return result
