"""Numbers that identify one person: the social security number (NIR) and bank accounts
(IBAN), found in any text with the separators people write (spaces, dashes, dots) and
confirmed by their check digits (`python-stdnum`), so that a SIRET, an invoice number or
a PDL that happens to have as many digits is not one."""
from __future__ import annotations

import re


# 1 85 05 78 006 084 91, 1-85-05-78-006-084-91, 185057800608491; Corsica's 2A/2B.
# Not part of a longer number: "47.185057800608491" and "-1.85057800608491" are coordinates.
NIR = re.compile(r"(?<![\w.,\-])[1-478](?P<sep>[ \-]?)\d{2}(?P=sep)(?:0[1-9]|1[0-2]|[2-35-9]\d|4[0-2])(?P=sep)"
                 r"(?:\d{2}|2[AB])(?P=sep)\d{3}(?P=sep)\d{3}(?P=sep)\d{2}(?![\w]|[.,]\d)", re.IGNORECASE)
IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ \-.]?[A-Z0-9]){11,30}", re.IGNORECASE)


def _nir_valid(compact: str) -> bool:
    from stdnum.fr import nir  # imported for the first number of a NIR's shape, not by every file

    return nir.is_valid(compact)


def _iban_valid(compact: str) -> bool:
    from stdnum import iban

    return iban.is_valid(compact)


def _compact(text: str) -> str:
    return re.sub(r"[\s.\-]", "", text).upper()


def nir_valid(text: str) -> bool:
    match = NIR.fullmatch(text.strip())
    return bool(match) and _nir_valid(_compact(text))


def nirs_in(text: str) -> list[str]:
    return [m.group(0) for m in NIR.finditer(text) if _nir_valid(_compact(m.group(0)))]


def nir_shapes_in(text: str) -> list[tuple[str, bool]]:
    """Every number shaped like a NIR, and whether its key checks: a column of identifiers
    that merely have 15 digits has about one in 97 whose key checks by chance."""
    return [(m.group(0), _nir_valid(_compact(m.group(0)))) for m in NIR.finditer(text)]


def iban_valid(text: str) -> bool:
    return bool(IBAN.fullmatch(text.strip())) and _iban_valid(_compact(text))


def ibans_in(text: str) -> list[str]:
    """Valid IBANs in the text. The pattern may run into the words after the number, so the
    longest prefix whose check digits hold is the IBAN."""
    found = []
    for match in IBAN.finditer(text):
        written = match.group(0)
        for end in range(len(written), 14, -1):
            if written[end - 1].isalnum() and _iban_valid(_compact(written[:end])):
                found.append(written[:end])
                break
    return found
