"""The personal-data gate: columns that would publish data about private persons.

Open data law (CRPA L312-1-2) forbids publishing personal data without
anonymisation; an agency usually leaks it by accident, in a contact column or
a free-text comment. We look for the shapes that identify a person: personal
e-mail addresses, phone numbers, social security numbers (NIR), IBANs and
person names. A column the descriptor declares public
(`"catalog": {"public": true}`, e.g. a service's switchboard) is exempt.

Findings are per column, never per cell: one line saying how many cells, the
first row and a masked example, so the report does not itself leak the data.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from catalog.findings import Finding
from catalog.validate.context import TableContext
from catalog.validate.fast_read import chunk_buffers

# ---------------------------------------------------------------- e-mail addresses

EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# A role address reaches a service, not a person: the local part names a function.
ROLE_WORDS = set("""
contact contacts info infos information informations accueil mairie hoteldeville hdv secretariat
secretariat-general direction dg dgs service services opendata open-data data donnees
communication com presse press webmaster web admin administration support helpdesk assistance
noreply no-reply ne-pas-repondre nepasrepondre postmaster courrier courriel standard reception
bonjour hello office sav commercial ventes sales compta comptabilite finances facturation rh
recrutement emploi dpo rgpd cnil juridique urbanisme etatcivil etat-civil population elections
culture sport sports jeunesse scolaire enfance social ccas technique techniques travaux voirie
environnement dechets eau assainissement transport transports mobilite mobilites tourisme
office-tourisme ot bibliotheque mediatheque musee piscine police securite prevention sig
numerique dsi informatique cabinet maire prefecture pref agence reseau clients client abonnes
usagers citoyens marches marchespublics achats association asso club bureau equipe team
ville commune communaute cc agglo metropole departement region syndicat sivom sivu smictom pays
mission pole dir ecole college lycee creche garderie cantine periscolaire centre maison espace
gymnase stade salle camping theatre cinema conservatoire archives patrimoine mediation
""".split())
# Consumer mailboxes: an address there belongs to a person unless it names a role.
WEBMAIL = re.compile(
    r"^(gmail|googlemail|yahoo|ymail|hotmail|outlook|live|msn|icloud|me|mac|aol|gmx|protonmail|proton|"
    r"orange|wanadoo|free|sfr|neuf|laposte|bbox|numericable|club-internet|aliceadsl|voila|tutanota)\.")


def _plain(text: str) -> str:
    """Lower case without accents: how names are compared."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def email_kind(address: str) -> str:
    """'role', 'personal' or 'unknown' for one e-mail address.

    A fair heuristic errs on neither side: role words win (mairie.x@orange.fr is
    a town hall); a consumer mailbox or a local part shaped like a person
    (jean.dupont, j.dupont, prenom.nom, marie@) is personal; anything else
    (transport@agglo.fr, abc123@…) is not reported, as we cannot tell."""
    local, _, domain = _plain(address).rpartition("@")
    parts = [p for p in re.split(r"[._+-]", local) if p]
    if any(p in ROLE_WORDS for p in parts) or local in ROLE_WORDS:
        return "role"
    if WEBMAIL.match(domain):
        return "personal"
    alpha = [re.sub(r"\d+$", "", p) for p in parts]
    if any(p in FIRST_NAMES for p in alpha):
        return "personal"
    if len(alpha) >= 2 and all(p.isalpha() for p in alpha) and (len(alpha[0]) == 1 or len(alpha[-1]) == 1):
        return "personal"  # j.dupont, dupont.j
    if len(parts) == 2 and "." in local and all(p.isalpha() and len(p) > 1 for p in parts):
        return "personal"  # prenom.nom, the usual shape of a civil servant's own address
    return "unknown"


# ---------------------------------------------------------------- numbers

PHONE = re.compile(r"(?:(?:\+|00)(?:33|262|269|590|594|596|687|689)[\s.\-]?(?:\(0\)[\s.\-]?)?|0)"
                   r"[1-9](?:[\s.\-]?\d{2}){4}")
NIR = re.compile(r"([1-478])\s?(\d{2})\s?(0[1-9]|1[0-2]|[2-35-9]\d|4[0-2])\s?(\d{2}|2[AB])\s?(\d{3})\s?(\d{3})\s?(\d{2})",
                 re.IGNORECASE)
IBAN = re.compile(r"[A-Z]{2}\d{2}(?:\s?[A-Z0-9]){11,30}")


def is_phone(text: str) -> bool:
    return PHONE.fullmatch(text) is not None


def nir_valid(text: str) -> bool:
    """A French social security number whose control key checks.

    The key is 97 - (the first 13 digits mod 97); for Corsica the département
    2A/2B counts as 19/18, the INSEE convention."""
    match = NIR.fullmatch(text.strip())
    if not match:
        return False
    sex, year, month, dept, commune, order, key = match.groups()
    dept = {"2A": "19", "2B": "18"}.get(dept.upper(), dept)
    return 97 - int(sex + year + month + dept + commune + order) % 97 == int(key)


def iban_valid(text: str) -> bool:
    compact = re.sub(r"\s", "", text.strip()).upper()
    if not IBAN.fullmatch(compact) or not 15 <= len(compact) <= 34 or (compact[:2] == "FR" and len(compact) != 27):
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


# ---------------------------------------------------------------- person names

# Common first names in France (after INSEE's fichier des prénoms), plain lower case: a signal
# combined with the shape of the value, not an exhaustive list.
FIRST_NAMES = set("""
jean pierre michel andre philippe victor francis roland emmanuel alain bernard jacques daniel
patrick christian nicolas gerard christophe francois rene louis claude frederic eric laurent
stephane david olivier thierry pascal julien sebastien marcel paul guy henri roger robert georges
joseph jacky didier dominique serge vincent thomas maurice antoine alexandre maxime anthony yves
raymond fabrice bruno franck marc jerome gilles lucien emile arnaud sylvain guillaume mathieu
matthieu romain hugo lucas theo nathan enzo leo gabriel raphael arthur jules adam mael noah ethan
timeo tom mathis clement quentin kevin benjamin florian damien cedric ludovic gregory jeremy mickael
cyril xavier hubert yann yannick jean-pierre jean-claude jean-luc jean-marc jean-paul jean-louis
jean-francois jean-michel jean-jacques jean-marie jean-christophe jean-yves jean-philippe jean-
charles jean-baptiste marie jeanne francoise monique catherine nathalie isabelle sylvie martine anne
christine nicole sophie valerie sandrine stephanie celine veronique chantal jacqueline brigitte
sandra nadine patricia christiane helene aurelie laetitia julie camille emilie caroline virginie
audrey elodie melanie laura sarah pauline manon lea chloe emma ines jade louise alice lina rose anna
mila ambre julia juliette lucie clara zoe lola charlotte mathilde margaux marine justine claire
elise agathe anais oceane eva lena romane nina louna agnes colette denise genevieve josiane michele
danielle annie odile simone yvette paulette suzanne madeleine marguerite germaine therese odette
bernadette evelyne florence corinne karine myriam muriel beatrice claudine pascale fabienne laurence
carole delphine severine emmanuelle marion alexandra marina amandine coralie estelle gaelle morgane
charlene elsa noemie solene maeva jessica vanessa cindy marie-claude marie-christine marie-france
marie-therese marie-odile marie-laure marie-pierre marie-helene marie-josee marie-noelle anne-marie
anne-sophie mohamed ahmed ali karim rachid farid mehdi samir nadia fatima amina leila yasmine
sofiane bilal
""".split())
TITLES = {"m", "mr", "mme", "mlle", "monsieur", "madame", "mademoiselle", "dr", "docteur", "pr"}
HONORIFIC = re.compile(r"^(?:m\.|mr\.?|mme\.?|mlle\.?|monsieur|madame|mademoiselle|dr\.?|docteur|pr\.?)\s+[^\W\d_]",
                       re.IGNORECASE)
CAPITALISED = re.compile(r"^[A-ZÀ-Ý][a-zà-ÿ]+(?:['-][A-ZÀ-Ýa-zà-ÿ]+)*$")
UPPER = re.compile(r"^[A-ZÀ-Ý]{2,}(?:['-][A-ZÀ-Ý]+)*$")
PARTICLES = {"de", "du", "des", "d'", "le", "la", "van", "von", "di", "da", "del", "ben", "el"}
# Column names that say "person" whatever the values look like.
PERSON_COLUMNS = re.compile(
    r"(^|[_\s.-])(pr[ée]noms?|firstnames?|first[_\s]?name|given[_\s]?name|nom[_\s]?de[_\s]?naissance|"
    r"nom[_\s]?d[_\s']?usage|nom[_\s]?de[_\s]?famille|patronyme|surname|last[_\s]?name)($|[_\s.-])",
    re.IGNORECASE)
NAME_SHARE = 0.3  # share of a column's filled cells that must look like names to call it a name column


def _first_name(token: str) -> bool:
    plain = _plain(token)
    return plain in FIRST_NAMES or ("-" in plain and all(p in FIRST_NAMES for p in plain.split("-")))


def _surname(tokens) -> bool:
    return (all(CAPITALISED.match(t) or UPPER.match(t) or t.lower() in PARTICLES for t in tokens)
            and tokens[-1].lower() not in PARTICLES)


def looks_like_person(value: str) -> bool:
    """'Jean DUPONT', 'Marie-Claire Le Goff', 'DUPONT Jean', 'M. Dupont', 'Mme Martin'.

    A first name from the list must open or (after an upper-case surname) close
    the value, every other word being a capitalised word: 'Gymnase Jean Moulin'
    or 'Rue Victor Hugo' are places, not persons."""
    value = value.strip()
    if HONORIFIC.match(value):
        return True
    tokens = value.split()
    if not 2 <= len(tokens) <= 4:
        return False
    first, rest = tokens[0], tokens[1:]
    if _first_name(first) and CAPITALISED.match(first) and _surname(rest):
        return True
    if _first_name(first) and UPPER.match(first) and all(UPPER.match(t) or t.lower() in PARTICLES for t in rest):
        return _surname(rest)  # JEAN DUPONT
    if UPPER.match(first) and _first_name(tokens[-1]) and CAPITALISED.match(tokens[-1]):
        return all(UPPER.match(t) or t.lower() in PARTICLES for t in tokens[1:-1])  # DUPONT Jean
    return False


NAME_WORDS = pa.array(sorted(FIRST_NAMES | TITLES | {t + "." for t in TITLES}), pa.large_string())
# First word (or the part before its hyphen) and last word (or the part after its hyphen).
ENDS = r"^(?P<first>[^\s-]+)\S*\s(?:.*\s)?(?:\S*-)?(?P<last>[^\s-]+)$"


def _may_be_names(values) -> np.ndarray:
    """Values that open with a first name or a title, or (DUPONT Jean) end with a first name:
    the only ones worth the full test. Arrow does it in C++ over the whole chunk, accents removed."""
    array = pa.array(values, pa.large_string()) if not isinstance(values, pa.Array) else values
    plain = pc.replace_substring_regex(pc.utf8_normalize(pc.utf8_lower(array), "NFKD"), r"\p{Mn}", "")
    ends = pc.extract_regex(plain, ENDS)
    maybe = pc.or_kleene(pc.is_in(pc.struct_field(ends, "first"), value_set=NAME_WORDS),
                         pc.is_in(pc.struct_field(ends, "last"), value_set=NAME_WORDS))
    return np.asarray(pc.fill_null(maybe, False).to_numpy(zero_copy_only=False), dtype=bool)


def _personal_email(text: str) -> str:
    """The first personal e-mail address in a cell, or ""."""
    return next((m.group(0) for m in EMAIL.finditer(text) if email_kind(m.group(0)) == "personal"), "")


def _by_value(series, test):
    """`test` applied once per distinct value, as a Series aligned on `series`."""
    codes, uniques = pd.factorize(series)
    results = np.array([test(value) for value in uniques] or [None], dtype=object)
    return pd.Series(results[codes], index=series.index)


# ---------------------------------------------------------------- masking

def mask(kind: str, value: str) -> str:
    """An example the report can show: enough to find the cell, not enough to identify anyone."""
    value = value.strip()
    if kind == "email":
        local, _, domain = value.rpartition("@")
        return f"{local[:1]}•••@{domain if WEBMAIL.match(_plain(domain)) else domain[:1] + '•••'}"
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


# ---------------------------------------------------------------- the check

KINDS = {
    "email": ("personal e-mail address", "personal e-mail addresses"),
    "phone": ("phone number", "phone numbers"),
    "nir": ("social security number (NIR)", "social security numbers (NIR)"),
    "iban": ("bank account number (IBAN)", "bank account numbers (IBAN)"),
    "name": ("person's name", "person names"),
}


@dataclass
class _Seen:
    count: int = 0
    row: int | None = None
    example: str = ""

    def add(self, count, row, example):
        if count and (self.row is None or row < self.row):
            self.row, self.example = row, example
        self.count += count


CLEAN_MEMORY = 10_000  # distinct values remembered per column as flagging nothing


@dataclass
class _Column:
    kinds: dict = field(default_factory=lambda: {k: _Seen() for k in KINDS})
    filled: int = 0
    clean: set = field(default_factory=set)  # values already tested that flagged nothing


INERT_BYTES = bytes(b for b in range(0x21, 0x7f) if b != ord("@"))
INERT_TABLE = np.zeros(256, dtype=bool)
INERT_TABLE[list(INERT_BYTES)] = True


def _inert(array) -> tuple[np.ndarray, np.ndarray]:
    """(per cell: can no personal-data test flag it?, per cell: its length in bytes).

    Inert cells hold at most 9 printable ASCII characters, no space, no @ (an e-mail needs
    its @, numbers 10 characters, names a space). Nearly every cell of a big table of codes,
    times and amounts is one, and often a whole chunk: that is seen from its bytes at once;
    otherwise each cell's bytes are counted with numpy, still without a per-cell kernel."""
    inert, lengths = [], []
    for starts, data in chunk_buffers(array):
        length = np.diff(starts)
        if not data.translate(None, INERT_BYTES) and (not len(length) or length.max() <= 9):
            inert.append(np.ones(len(length), dtype=bool))
        else:
            # The few bytes no inert cell holds, and the cells they are in.
            others = np.flatnonzero(~INERT_TABLE[np.frombuffer(data, dtype=np.uint8)])
            cells = length <= 9
            cells[np.searchsorted(starts, others, side="right") - 1] = False
            inert.append(cells)
        lengths.append(length)
    if not inert:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64)
    return np.concatenate(inert), np.concatenate(lengths)


class PersonalDataCheck:
    """Counts, per column, the cells that identify a private person."""

    def __init__(self, table: TableContext):
        self.table = table
        self.columns: dict[str, _Column] = {}
        self.person_columns: set[str] | None = None

    def _person_columns(self, names):
        """Columns named for persons: prénom, nom de naissance… and `nom` beside a `prénom`."""
        found = {c for c in names if PERSON_COLUMNS.search(c)}
        if any(re.search(r"pr[ée]nom|first", c, re.IGNORECASE) for c in found):
            found |= {c for c in names if _plain(c).strip() in ("nom", "name", "nom_famille", "last_name")}
        return found

    def feed(self, chunk, first_row: int) -> None:
        if self.person_columns is None:
            self.person_columns = self._person_columns([str(c) for c in chunk.columns])
        for name in chunk.columns:
            if self.table.is_public(name):
                continue
            column = self.columns.setdefault(name, _Column())
            self._feed_column(name, column, chunk[name], first_row)

    def feed_arrow(self, names, arrays, first_row: int) -> None:
        """The same as `feed`, from Arrow string columns: cells that cannot be personal data
        (short, plain ASCII, no space, no @) are only counted, in Arrow; the rest go through
        the per-value tests of `feed`, with their rows."""
        if self.person_columns is None:
            self.person_columns = self._person_columns(names)
        for name, array in zip(names, arrays):
            if self.table.is_public(name):
                continue
            column = self.columns.setdefault(name, _Column())
            if name in self.person_columns:
                positions = np.arange(len(array))
            else:
                inert, lengths = _inert(array)
                column.filled += int((inert & (lengths > 0)).sum())
                positions = np.flatnonzero(~inert)
            if len(positions):
                # Each distinct value is tested once, whatever the number of cells holding it.
                encoded = array.take(pa.array(positions)).combine_chunks().dictionary_encode()
                values = encoded.dictionary.to_pylist()
                codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False))
                remembered = name not in self.person_columns
                if remembered and all(value in column.clean for value in values):
                    # A stray code repeated chunk after chunk: tested once, then only counted.
                    column.filled += int(np.array([bool(v.strip()) for v in values])[codes].sum())
                    continue
                before = [seen.count for seen in column.kinds.values()]
                self._feed_column(name, column, pd.Series(values, dtype=object), first_row, (codes, positions))
                if remembered and before == [seen.count for seen in column.kinds.values()] \
                        and len(column.clean) + len(values) <= CLEAN_MEMORY:
                    column.clean.update(values)  # tests are per value: none of these flags anything

    def _feed_column(self, name, column, series, first_row, cells=None):
        """`series` holds a column's cells indexed by their row in the chunk; or, with `cells`
        = (codes, rows), its distinct values, the k-th cell being series[codes[k]] in row rows[k]."""
        text = series.astype(str)
        filled = text.str.strip() != ""
        codes, rows = cells if cells is not None else (None, None)
        column.filled += int(filled.to_numpy()[codes].sum()) if cells is not None else int(filled.sum())

        def record(kind, hit, values):
            hit = hit.to_numpy()
            positions = (hit[codes] if cells is not None else hit).nonzero()[0]
            if len(positions):
                first = positions[0]
                row, at = (int(rows[first]), codes[first]) if cells is not None else (int(text.index[first]), first)
                column.kinds[kind].add(len(positions), first_row + row, mask(kind, values.iat[at]))

        # Cheap filters first, then each distinct value tested once: most cells fall out
        # before any regular expression runs, and columns repeat their values a lot.
        with_at = text.str.contains("@", regex=False)
        if with_at.any():
            personal = _by_value(text[with_at], _personal_email)
            found = (personal != "").reindex(text.index, fill_value=False)
            record("email", found, personal.reindex(text.index, fill_value=""))
        stripped = text.str.strip()
        length = stripped.str.len()
        numberish = (length >= 10) & (length <= 42)
        if numberish.any():
            candidates = stripped[numberish]
            start = candidates.str[:1]
            for kind, test, keep in (("phone", is_phone, start.isin(["0", "+"])),
                                     ("nir", nir_valid, start.isin(list("123478")) & (candidates.str.len() <= 21)),
                                     ("iban", iban_valid, candidates.str.match(r"[A-Za-z]{2}\d\d"))):
                subset = candidates[keep]
                if len(subset):
                    hit = _by_value(subset, test).astype(bool).reindex(text.index, fill_value=False)
                    record(kind, hit, stripped)
        if name in (self.person_columns or ()):
            hit = filled & ~stripped.str.contains(r"\d", regex=True)
        else:
            spaced = stripped[stripped.str.contains(" ", regex=False) & (length < 60)]
            if not len(spaced):
                return
            maybe = _may_be_names(spaced)
            hit = _by_value(spaced[maybe], looks_like_person).astype(bool).reindex(text.index, fill_value=False)
        record("name", hit, stripped)

    def findings(self) -> list[Finding]:
        found = []
        for name, column in self.columns.items():
            kinds = column.kinds
            names = kinds["name"]
            named = name in (self.person_columns or ())
            if names.count and not named and names.count < NAME_SHARE * column.filled:
                names.count = 0  # a few names among places or titles: a street or a school, not a list of persons
            present = [(k, s) for k, s in kinds.items() if s.count]
            if not present:
                continue
            first = min(present, key=lambda item: item[1].row)
            what = " and ".join(f"{s.count:,} {KINDS[k][1] if s.count > 1 else KINDS[k][0]}" for k, s in present)
            why = (f'the column name "{name}" says it holds persons\' names'
                   if named and kinds["name"].count else "")
            total = sum(s.count for _, s in present)
            record = self.table.record
            where = ([f"first at {record} {first[1].row}"] if total > 1 else
                     [f"{record} {first[1].row}"] if record != "row" else [])
            details = "; ".join(where + ([why] if why else []))
            found.append(Finding(
                "personal-data",
                f"this column looks like personal data: {what}{f' ({details})' if details else ''}. "
                "Publishing it would expose private persons.",
                "Remove or anonymise the column before publishing. If these are public contacts "
                "(a service's address or phone, elected officials), declare it on the field: "
                f'"catalog": {{"public": true}} on "{name}".',
                file=self.table.file, row=first[1].row, column=name, value=first[1].example))
        return found
