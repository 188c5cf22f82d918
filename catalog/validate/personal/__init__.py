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
from catalog.validate.personal.check import PersonalDataCheck, mask
from catalog.validate.personal.contacts import email_kind, is_phone
from catalog.validate.personal.identifiers import iban_valid, nir_valid
from catalog.validate.personal.names import looks_like_person
from catalog.validate.personal.scan import _inert, scan

__all__ = ["PersonalDataCheck", "email_kind", "iban_valid", "is_phone", "looks_like_person", "mask", "nir_valid",
           "scan", "_inert"]
