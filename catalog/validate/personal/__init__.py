"""The personal-data gate: columns that would publish data about private persons.

Open data law (CRPA L312-1-2) forbids publishing personal data without anonymisation; an
agency usually leaks it by accident, in a contact column or a free-text comment.

    names.py        INSEE first names and surnames; a person's name in a cell or a sentence
    contacts.py     e-mail addresses (also obfuscated) and phone numbers (libphonenumber)
    identifiers.py  NIR and IBAN, confirmed by their check digits (python-stdnum)
    scan.py         one cell read for all of these, and the Arrow filter that spares most cells
    check.py        per column: counts, the table's context, the verdict and its finding

Findings are per column, never per cell: how many cells, the first row and a masked
example, so the report does not itself leak the data.
"""
# Imported on first use: the checks pull in Arrow and numpy, the contacts libphonenumber, which
# a small table read as text (catalog/validate/text_table.py) may never need.
_HOMES = {"PersonalDataCheck": "check", "mask": "check", "email_kind": "contacts", "is_phone": "contacts",
          "iban_valid": "identifiers", "nir_valid": "identifiers", "looks_like_person": "names",
          "scan": "scan", "_inert": "scan"}

__all__ = ["PersonalDataCheck", "email_kind", "iban_valid", "is_phone", "looks_like_person", "mask", "nir_valid",
           "scan", "_inert"]


def __getattr__(name):
    if name in _HOMES:
        import importlib
        return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
