"""The gate itself: per column, what its cells hold, and whether that column would publish
private persons.

A column's verdict weighs its cells together with the table around it:
- NIRs always (unless most numbers of their shape in the column fail the key: identifiers),
  IBANs unless the column is declared public, fail the gate;
- personal e-mail addresses and phone numbers fail it, except in a table of
  establishments (a school directory, GTFS agencies: a header or the values name
  establishments, and no column names persons) whose column is mostly role addresses or
  service domains, or mostly landlines: those are the establishments' own contacts, and
  the few personal-looking ones among them are a warning;
- person names fail it wherever they appear, in a few cells or many, unless the column
  names places or organisations (rue Victor Hugo, Collège Jean Moulin).
A column declared public (`"catalog": {"public": true}` or `--public`) must be plausible:
role addresses or a service's domain. Addresses on consumer mailboxes that name no role,
and NIRs, still fail the gate there.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from catalog.findings import WARNING, Finding
from catalog.validate.context import TableContext
from catalog.validate.personal.names import PLACE_WORDS, WORD, person_header, plain, role_header
from catalog.validate.personal.scan import _inert, could_hold, inert, scan, worth_scanning

KINDS = {
    "email": ("personal e-mail address", "personal e-mail addresses"),
    "phone": ("phone number", "phone numbers"),
    "nir": ("social security number (NIR)", "social security numbers (NIR)"),
    "iban": ("bank account number (IBAN)", "bank account numbers (IBAN)"),
    "name": ("person's name", "person names"),
}
PERSONAL_EMAIL = ("personal", "personal-webmail", "webmail")
MAILBOX = ("personal-webmail", "webmail")  # on a consumer mailbox, naming no role
NIR_SHAPES = 20  # numbers shaped like NIRs from which the share whose key checks tells NIRs from identifiers
CONTACTS_SHARE = 0.8  # share of role addresses or landlines that makes a column an establishment's contacts
PLACE_SHARE = 0.2  # share of sampled values naming a place or organisation that makes a column one of places
SAMPLE = 1_000  # values of a column sampled to tell places and organisations
ROLE_SHARE = 0.005  # share of sure names that makes a column headed by a role one of persons
NAME_SHARE = 0.3  # share of cells with a name's shape that makes a column one of names
CLEAN_MEMORY = 10_000  # distinct values remembered per column as flagging nothing
# Headers that say each row is an establishment, an organisation or a place.
ESTABLISHMENT_HEADER = re.compile(
    r"etablissement|structure|organisme|raison.?sociale|denomination|entreprise|societe|association|"
    r"agency.?name|operateur|exploitant|amenageur|equipement|enseigne|collectivite|mairie|siret|siren|"
    r"(^|[^a-z])uai([^a-z]|$)|finess|nom.?(du.?)?site|nom.?(de.?l.?)?(ecole|college|lycee|service|structure)|"
    r"club|commerce|service|operator|brand|shop|amenity|company|organi[sz]ation")
ID_HEADER = re.compile(r"(^|[^a-z])(id|ids|code|codes|identifiant|identifier|ref|reference|num|numero|no|key|cle|"
                       r"matricule|siret|siren|uai|insee)([^a-z]|$)|id$")
PLACE_HEADER = re.compile(r"(^|[^a-z])(rue|voie|adresse|address|lieu|commune|ville|localite|site|station|arret|"
                          r"country|pays|region|departement|territoire|nation|continent|"
                          r"stop|gare|libelle|etablissement|structure|organisme|equipement|raison.?sociale|"
                          r"denomination|association|agency|route|lieu.?dit|quartier|nom.?(du.?)?site)")

# Headers of street names (nom_voie, NOMVOI of a dBase export, odonyme): most French streets are named
# after persons, and there every name is a street's, with or without "rue" before it.
STREET_HEADER = re.compile(r"(^|[^a-z])(rues?|voies?|nomvoi\w*|libvoi\w*|odonymes?|streets?)([^a-z]|$)")

FIRST_NAME_HEADER = re.compile(r"pr[ée]noms?|first.?names?|given.?names?", re.IGNORECASE)
NUMBER = re.compile(r"[-+]?\d[\d\s.,]*%?|[-+]?[.,]\d+")
MAX_CATEGORIES = 4  # distinct values of a category column beside first names: sex, "garçons"/"filles"
# The header of a row's own name: in a table of establishments (OpenStreetMap's shops, a town's
# facilities), the shop called "Gérard Darel" or the restaurant "Marie Rosé" is no person.
OWN_NAME_HEADER = {"name", "nom", "libelle", "intitule", "appellation", "nom usuel", "nom_usuel"}


def mask(kind: str, value: str) -> str:
    """An example the report can show: enough to find the cell, not enough to identify anyone."""
    value = value.strip()
    if kind == "email":
        from catalog.validate.personal.contacts import WEBMAIL
        local, _, domain = value.rpartition("@")
        return f"{local[:1]}•••@{domain if WEBMAIL.match(plain(domain)) else domain[:1] + '•••'}"
    if kind in ("phone", "nir", "iban"):
        keep = 4 if kind == "iban" else 2
        chars, shown = [], 0
        for c in value:
            if c.isalnum():
                shown += 1
                chars.append(c if shown <= keep else "•")
            else:
                chars.append(c)
        return "".join(chars)
    return " ".join(t[:1] + "•••" for t in value.split())


@dataclass
class _Seen:
    count: int = 0
    row: int | None = None
    example: str = ""

    def add(self, count, row, example):
        if count and (self.row is None or row < self.row):
            self.row, self.example = row, example
        self.count += count


@dataclass
class _Column:
    seen: dict = field(default_factory=dict)  # (kind, sub-kind) -> _Seen
    filled: int = 0
    clean: set = field(default_factory=set)  # values already tested that flagged nothing
    hits: dict = field(default_factory=dict)  # values already tested that flagged something: their hits
    surnames: int = 0  # distinct values found to be names
    sampled: int = 0
    places: int = 0  # sampled values naming a place or an organisation

    def count(self, kind, *subs):
        return sum(s.count for (k, sub), s in self.seen.items() if k == kind and (not subs or sub in subs))

    def first(self, kind, *subs) -> _Seen:
        merged = _Seen()
        for (k, sub), s in self.seen.items():
            if k == kind and (not subs or sub in subs) and s.count:
                merged.add(s.count, s.row, s.example)
        return merged


def _flags(array):
    from catalog.arrow_values import numpy_of

    return numpy_of(array, False)


def _blank(value: str) -> bool:
    """Nothing but white space: Python's str.strip and Arrow's utf8_trim_whitespace remove the
    very same characters (checked over every code point)."""
    return not value.strip()


def _names_place(value: str) -> bool:
    return any(plain(w) in PLACE_WORDS for w in WORD.findall(value)[:3])


class PersonalDataCheck:
    """Counts, per column, the cells that identify a private person; judges at the end."""

    def __init__(self, table: TableContext, public: tuple[str, ...] = ()):
        self.table = table
        self.public = set(public)
        self.columns: dict[str, _Column] = {}
        self.person_columns: set[str] | None = None
        self.first_names_only, self.categories = False, {}
        self.headers: list[str] = []

    def _person_columns(self, names):
        """Columns named for persons: prénom, nom de naissance, "Nom de l'élu"… and `nom`
        beside a `prénom`."""
        found = {c for c in names if person_header(c)}
        if any(re.search(r"pr[ée]nom|first", c, re.IGNORECASE) for c in found):
            found |= {c for c in names if plain(c).strip() in ("nom", "name", "nom_famille", "last_name", "nom famille")}
        return found

    def _start(self, names):
        self.headers = list(names)
        self.person_columns = self._person_columns(names)
        # A table whose only persons' column holds first names: it may be a list of the first names
        # given in a town, counted by year and sex (no one is named), watched while it is read.
        self.first_names_only = bool(self.person_columns) and all(
            FIRST_NAME_HEADER.search(c) for c in self.person_columns)
        self.categories: dict[str, set] = {}  # other columns' values, while they are few
        self.role_columns = {c for c in names if role_header(c) and not PLACE_HEADER.search(plain(c))}

    def is_public(self, name) -> bool:
        return name in self.public or self.table.is_public(name)

    def feed(self, chunk, first_row: int) -> None:
        """A pandas DataFrame of strings, its first record at file row `first_row`."""
        import pyarrow as pa

        names = [str(c) for c in chunk.columns]
        arrays = [pa.array(chunk[c].astype(str), pa.string(), from_pandas=True) for c in chunk.columns]
        self.feed_arrow(names, arrays, first_row)

    def feed_arrow(self, names, arrays, first_row: int) -> None:
        """Arrow string columns: cells that cannot be personal data (short, plain ASCII, no
        space, no @) are only counted, in Arrow; each distinct other value is filtered in
        Arrow, and scanned in Python only if it could hold something."""
        import pyarrow as pa

        if self.person_columns is None:
            self._start(names)
        for name, array in zip(names, arrays):
            if isinstance(array, pa.ChunkedArray):
                array = array.combine_chunks()
            if array.type != pa.string():
                array = array.cast(pa.string())  # the byte filter reads 32-bit offsets
            column = self.columns.setdefault(name, _Column())
            if self.first_names_only:
                self._watch_first_names(name, array.to_pylist())
            self._feed_one(name, column, array, first_row)

    def feed_columns(self, names, columns, first_row: int) -> None:
        """Plain lists of strings (a small table read as text, text_table.py): the same steps as
        `feed_arrow`, each filter asked one distinct value at a time."""
        if self.person_columns is None:
            self._start(names)
        for name, cells in zip(names, columns):
            column = self.columns.setdefault(name, _Column())
            if self.first_names_only:
                self._watch_first_names(name, cells)
            person = name in self.person_columns or name in self.role_columns
            counts, firsts = {}, {}  # distinct non-inert values, in order of first appearance
            for offset, cell in enumerate(cells):
                if not person and inert(cell):
                    column.filled += cell != ""
                elif cell in counts:
                    counts[cell] += 1
                else:
                    counts[cell], firsts[cell] = 1, offset
            values = list(counts)
            blank = [_blank(v) for v in values]
            column.filled += sum(counts[v] for v, b in zip(values, blank) if not b)
            self._sample(column, values)
            known = column.hits
            fresh = [not b and v not in column.clean and v not in known for v, b in zip(values, blank)]
            wanted = [f and (person or could_hold(v)) for v, f in zip(values, fresh)]
            self._remember_clean(column, [v for v, f, w in zip(values, fresh, wanted) if f and not w])
            todo = [(v, w) for v, f, w, b in zip(values, fresh, wanted, blank) if w or (not f and not b and v in known)]
            self._scan_values(column, person, [(v, w, counts[v], first_row + firsts[v]) for v, w in todo])

    def _feed_one(self, name, column, array, first_row):
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        from catalog.arrow_values import bools, int64s, numpy_of, scalar, strings

        person = name in self.person_columns or name in self.role_columns
        inert, lengths = _inert(array)
        if person:  # DUPONT is short and plain, yet a person's name here
            inert = np.zeros(len(inert), dtype=bool)
        column.filled += int((inert & (lengths > 0)).sum())
        positions = np.flatnonzero(~inert)
        if not len(positions):
            return
        encoded = array.take(int64s(positions)).dictionary_encode()
        values = encoded.dictionary
        codes = numpy_of(encoded.indices)
        blank = _flags(pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(values)), scalar(0, pa.int32())))
        column.filled += int((~blank)[codes].sum())
        if column.sampled < SAMPLE:
            self._sample(column, values.slice(0, SAMPLE - column.sampled).to_pylist())
        # Values scanned in an earlier chunk are not scanned again: clean ones are skipped,
        # the others' hits remembered (both bounded, per column). Membership is asked in Arrow.
        known = column.hits
        fresh = ~blank
        if column.clean or known:
            fresh &= ~_flags(pc.is_in(values, value_set=strings(list(column.clean) + list(known))))
        wanted = fresh.copy()
        if not person and wanted.any():
            wanted[wanted] = worth_scanning(values.filter(bools(wanted)))
        if CLEAN_MEMORY - len(column.clean) > 0 and (fresh & ~wanted).any():
            self._remember_clean(column, values.filter(bools(fresh & ~wanted)).slice(
                0, CLEAN_MEMORY - len(column.clean)).to_pylist())
        again = ~fresh & ~blank & _flags(pc.is_in(values, value_set=strings(list(known)))) \
            if known else np.zeros(len(values), dtype=bool)
        todo = np.flatnonzero(wanted | again)
        if not len(todo):
            return
        texts = values.take(int64s(todo)).to_pylist()
        counts = np.bincount(codes, minlength=len(values))
        firsts = np.full(len(values), -1)
        firsts[codes[::-1]] = np.arange(len(codes))[::-1]  # each value's first cell
        self._scan_values(column, person, [(value, bool(wanted[index]), int(counts[index]),
                                            first_row + int(positions[firsts[index]]))
                                           for index, value in zip(todo.tolist(), texts)])

    @staticmethod
    def _sample(column, values):
        """The first distinct values of a column (up to SAMPLE), counted for naming places."""
        if column.sampled < SAMPLE:
            sample = [v for v in values[:SAMPLE - column.sampled] if v.strip()]
            column.sampled += len(sample)
            column.places += sum(_names_place(v) for v in sample)

    @staticmethod
    def _remember_clean(column, values):
        column.clean.update(values[:max(0, CLEAN_MEMORY - len(column.clean))])

    @staticmethod
    def _scan_values(column, person, items):
        """(value, whether to scan it, how many cells hold it, its first row): scanned, or its
        hits from an earlier chunk, counted."""
        known = column.hits
        for value, wanted, count, row in items:
            if wanted:
                hits = scan(value, person)
                if not hits:
                    if len(column.clean) < CLEAN_MEMORY:
                        column.clean.add(value)
                    continue
                hits = list({(k, s): (k, s, t) for k, s, t in hits}.values())
                if len(known) < CLEAN_MEMORY:
                    known[value] = hits
                column.surnames += any(k == "name" for k, _, _ in hits)
            else:
                hits = known[value]
            for kind, sub, text in hits:
                column.seen.setdefault((kind, sub), _Seen()).add(count, row, text)

    # ------------------------------------------------------------ verdicts

    def _establishments(self) -> bool:
        """Each row is an establishment: a header or a column's values say so, and no
        column names persons."""
        if self.person_columns or any(self._names_error(n, c) for n, c in self.columns.items()
                                      if not self.is_public(n)):
            return False
        if any(ESTABLISHMENT_HEADER.search(plain(h)) for h in self.headers):
            return True
        return any(c.sampled >= 5 and c.places >= 0.5 * c.sampled for c in self.columns.values())

    def _watch_first_names(self, name, cells) -> None:
        """Ends `first_names_only` at a cell that names more than a first name, or at a column
        that is neither numbers (counts, years, rates) nor a few categories (sex)."""
        if name in self.person_columns:
            if any(len(c.split()) > 1 for c in cells if c):
                self.first_names_only = False
            return
        seen = self.categories.setdefault(name, set())
        seen.update(c.strip() for c in cells if c and c.strip() and not NUMBER.fullmatch(c.strip()))
        if len(seen) > MAX_CATEGORIES:
            self.first_names_only = False

    def _own_name_of_establishments(self, name) -> bool:
        """The `name` column of a table whose headers say each row is an establishment, with no
        column named for persons."""
        return (plain(name).strip() in OWN_NAME_HEADER and not self.person_columns
                and any(ESTABLISHMENT_HEADER.search(plain(h)) for h in self.headers if h != name))

    def _place_column(self, name, column) -> bool:
        """A column of places, or one whose header names organisations (n_enseigne, operateur):
        a brand named like a person (Leroy Merlin) is no person there."""
        header = plain(name)
        return bool(PLACE_HEADER.search(header) or ESTABLISHMENT_HEADER.search(header)) or (
            column.sampled > 0 and column.places >= max(1, PLACE_SHARE * column.sampled))

    def _names_error(self, name, column) -> bool:
        if name in self.person_columns:
            return column.filled > 0 and not self.first_names_only
        names, filled = column.count("name"), max(column.filled, 1)
        sure = column.count("name", "full", "text")
        if not names:
            return False
        if name in self.role_columns:
            # "Nom de l'élu", "bénéficiaire": persons, or organisations named after them (LEO
            # LAGRANGE, STELLA MARIS): sure names in more than a stray cell, or surnames.
            return sure >= max(1, ROLE_SHARE * filled) or names >= 0.5 * filled and column.surnames >= 3
        if STREET_HEADER.search(plain(name)):
            return False
        if self._place_column(name, column) or self._own_name_of_establishments(name):
            # "Victor Hugo" among streets and schools is a place
            return sure >= 0.5 * filled
        # A few sure names are enough; names of a rarer shape need to be common in the column.
        return sure > 0 or names >= NAME_SHARE * filled

    def findings(self) -> list[Finding]:
        if self.person_columns is None:
            return []
        establishments = self._establishments()
        found = []
        for name, column in self.columns.items():
            public = self.is_public(name)
            errors, warnings = {}, {}

            nirs = column.first("nir", "nir")
            shapes = nirs.count + column.count("nir", "shape")
            if nirs.count and (shapes < NIR_SHAPES or nirs.count >= 0.5 * shapes):
                errors["nir"] = nirs  # unless most numbers of that shape fail the key: identifiers
            if column.count("iban") and not public:
                errors["iban"] = column.first("iban")

            personal = column.count("email", *PERSONAL_EMAIL)
            service = column.count("email", "role", "service")
            contacts = establishments and service >= CONTACTS_SHARE * (personal + service)
            if personal:
                if public:
                    # A public declaration holds for role addresses and services' domains only.
                    if column.count("email", *MAILBOX) and not contacts:
                        errors["email"] = column.first("email", *MAILBOX)
                elif contacts:
                    warnings["email"] = column.first("email", *PERSONAL_EMAIL)
                else:
                    errors["email"] = column.first("email", *PERSONAL_EMAIL)

            # Under an identifier's header (trip_id, code_dossier) bare digits are identifiers.
            bare = () if ID_HEADER.search(plain(name)) else ("-bare",)
            mobile, landline = ("mobile", *("mobile" + b for b in bare)), ("landline", *("landline" + b for b in bare))
            mobiles, landlines = column.count("phone", *mobile), column.count("phone", *landline)
            if (mobiles or landlines) and not public:
                if establishments and landlines >= CONTACTS_SHARE * (mobiles + landlines):
                    if mobiles:
                        warnings["phone"] = column.first("phone", *mobile)
                else:
                    errors["phone"] = column.first("phone", *mobile, *landline)

            if not public and self._names_error(name, column):
                seen = column.first("name")
                if name in self.person_columns:
                    seen = _Seen(column.filled, seen.row, seen.example) if seen.count else seen
                if seen.count:
                    errors["name"] = seen
                elif column.filled:
                    errors["name"] = _Seen(column.filled, None, "")
            for severity, kinds in (("error", errors), (WARNING, warnings)):
                if kinds:
                    found.append(self._finding(name, column, kinds, severity, public))
        return found

    def _finding(self, name, column, kinds, severity, public) -> Finding:
        present = [(k, s) for k, s in kinds.items() if s.count]
        rows = [s.row for _, s in present if s.row is not None]
        first_row = min(rows) if rows else None
        example = next((mask(k, s.example) for k, s in present if s.row == first_row and s.example), None)
        what = " and ".join(f"{s.count:,} {KINDS[k][1] if s.count > 1 else KINDS[k][0]}" for k, s in present)
        free = column.count("text") >= 0.5 * max(column.filled, 1)
        why = []
        if name in self.person_columns and "name" in kinds:
            why.append(f'the column name "{name}" says it holds persons\' names')
        if free:
            why.append("written in free text")
        total = sum(s.count for _, s in present)
        record = self.table.record
        where = ([f"first at {record} {first_row}"] if total > 1 and first_row else
                 [f"{record} {first_row}"] if first_row and record != "row" else [])
        details = "; ".join(where + why)
        details = f" ({details})" if details else ""
        if severity == WARNING:
            return Finding(
                "personal-data",
                f"this column of establishments' contacts also holds what looks personal: {what}{details}.",
                "Check these cells: replace a person's own address or mobile by the establishment's "
                "(a role address such as accueil@…, its switchboard).",
                file=self.table.file, row=first_row, column=name, value=example, severity=WARNING)
        if public:
            return Finding(
                "personal-data",
                f"this column is declared public, but holds {what}{details}: a public contact is a role "
                "address (accueil@, contact@…) on any domain, or an address on the service's own domain.",
                f'Replace those cells by the service\'s own contacts, or remove "public" from "{name}" and '
                "anonymise the column.",
                file=self.table.file, row=first_row, column=name, value=example)
        return Finding(
            "personal-data",
            f"this column looks like personal data: {what}{details}. Publishing it would expose private persons.",
            "Remove or anonymise the column before publishing. If these are public contacts "
            "(a service's address or phone, elected officials), declare it on the field: "
            f'"catalog": {{"public": true}} on "{name}" (for a bare file: --public "{name}").',
            file=self.table.file, row=first_row, column=name, value=example)
