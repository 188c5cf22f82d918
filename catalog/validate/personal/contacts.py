"""E-mail addresses and phone numbers: found in any text, told personal or a service's.

An address reaches a person when its local part is shaped like a name (jean.dupont,
j.dupont, marie) or when it sits on a consumer mailbox without naming a role; it reaches
a service when its local part names a function (mairie, accueil, contact, ecole…).
Obfuscated addresses (`jean.dupont [at] gmail.com`, `(at)`, `gmail[.]com`) are read as
the address they stand for. Phone numbers are found with a pattern that allows the
separators French people write (space, dot, dash, slash), then checked and typed by
libphonenumber (`phonenumbers`): a valid number, mobile or landline, or a service number
(0800, 08xx) that reaches no one in particular.
"""
from __future__ import annotations

import functools
import re

from catalog.validate.personal.names import PLACE_WORDS, common_first_name, first_names, plain, surnames

SAINTS = {"saint", "sainte", "st", "ste", "sts", "saints", "notre", "dame"}

# Every quantifier is bounded (RFC 5321's lengths, a few spaces): a hostile cell of a million
# letters or spaces cannot make these patterns backtrack quadratically.
EMAIL = re.compile(r"(?<![A-Za-z0-9._%+'-])[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}"
                   r"\.[A-Za-z]{2,24}(?![A-Za-z0-9-])")
# `jean.dupont [at] gmail.com`, `(at)`, `{at}`, ` arobase `, `gmail[.]com`, `(dot)`, ` point `.
AT = re.compile(r"[ \t]{0,3}(?:[\[({<][ \t]{0,3}(?:at|arobase|@)[ \t]{0,3}[\])}>]|[ \t](?:at|arobase)[ \t])[ \t]{0,3}",
                re.IGNORECASE)
DOT = re.compile(r"[ \t]{0,3}[\[({<][ \t]{0,3}(?:dot|point|\.)[ \t]{0,3}[\])}>][ \t]{0,3}|[ \t](?:dot|point)[ \t](?=[a-z]{2,24}\b)",
                 re.IGNORECASE)
OBFUSCATED = re.compile(r"[\[({<][ \t]{0,3}(?:at|arobase|@|dot|point|\.)[ \t]{0,3}[\])}>]|[ \t](?:at|arobase)[ \t]",
                        re.IGNORECASE)

# A role address reaches a service, not a person: the local part names a function.
ROLE_WORDS = set("""
contact contacts info infos information informations accueil mairie hoteldeville hdv secretariat
direction dg dgs service services opendata data donnees communication com presse press webmaster web admin
administration support helpdesk assistance noreply no-reply ne-pas-repondre nepasrepondre postmaster
courrier courriel standard reception bonjour hello office sav commercial ventes sales compta comptabilite
finances facturation rh recrutement emploi dpo rgpd cnil juridique urbanisme etatcivil etat-civil population
elections culture sport sports jeunesse scolaire enfance social ccas technique techniques travaux voirie
environnement dechets eau assainissement transport transports mobilite mobilites tourisme ot bibliotheque
mediatheque musee piscine police securite prevention sig numerique dsi informatique cabinet maire prefecture
pref agence reseau clients client abonnes usagers citoyens marches marchespublics achats association asso
club bureau equipe team ville commune communaute cc agglo metropole departement region syndicat sivom sivu
smictom pays mission pole dir ecole ecoles college lycee creche garderie cantine periscolaire centre maison
espace gymnase stade salle camping theatre cinema conservatoire archives patrimoine mediation school
institut ime itep mfr cfa greta lpa legta erea sessad esat ehpad foyer residence amicale comite apel ogec
parents paroisse eglise festival restaurant hotel gite ferme boutique magasin atelier cabinet etude
""".split())
# Long role words are also found inside a local part written without separators (12treeschool, ecolesaintpaul).
ROLE_INSIDE = re.compile("|".join(sorted((w for w in ROLE_WORDS if len(w) >= 5), key=len, reverse=True)))
# Consumer mailboxes: an address there belongs to a person unless it names a role.
WEBMAIL = re.compile(
    r"^(gmail|googlemail|yahoo|ymail|hotmail|outlook|live|msn|icloud|me|mac|aol|gmx|protonmail|proton|"
    r"orange|wanadoo|free|sfr|neuf|laposte|bbox|numericable|club-internet|aliceadsl|voila|tutanota|"
    r"libertysurf|tiscali|noos|cegetel|9online|hotmail\.co|yahoo\.co|caramail|skynet|bluewin)\.")


def deobfuscate(text: str) -> str:
    """`jean.dupont [at] gmail [.] com` as `jean.dupont@gmail.com`."""
    if not OBFUSCATED.search(text):
        return text
    return DOT.sub(".", AT.sub("@", text))


def emails_in(text: str) -> list[str]:
    return EMAIL.findall(deobfuscate(text)) if "@" in text or OBFUSCATED.search(text) else []


def _name_part(part: str) -> bool:
    return part in first_names() and first_names()[part] < 5_000 and part not in SAINTS


def _glued_name(word: str) -> bool:
    """A first name and a surname written as one word (renemasson, massonrene)."""
    if len(word) < 7 or ROLE_INSIDE.search(word):
        return False
    for cut in range(3, len(word) - 2):
        head, tail = word[:cut], word[cut:]
        if common_first_name(head) and surnames().get(tail, 1 << 30) < 20_000:
            return True
        if common_first_name(tail) and surnames().get(head, 1 << 30) < 20_000:
            return True
    return False


def email_kind(address: str) -> str:
    """'personal', 'role', 'service' (a non-consumer domain, local part of no telling shape)
    or 'webmail' (a consumer mailbox, local part of no telling shape).

    A name at the start of the local part wins over a role word after it
    (jean.dupont.mairie@gmail.com is Jean's); a role word before a name makes an
    establishment named after a person (ecole.jules-ferry@…)."""
    local, _, domain = plain(address).rpartition("@")
    parts = [p for p in re.split(r"[._+-]", local) if p]
    if any(p[:1].isdigit() and any(c.isalpha() for c in p) for p in parts):
        return "role"  # a code (ce.0350122t@, ec.0351267m@): an establishment's mailbox
    alpha = [a for a in (re.sub(r"\d+$", "", p) for p in parts) if a and a.isalpha()]
    webmail = bool(WEBMAIL.match(domain))
    # "saint" and its kin make the next word a place: cio.saint-malo@, col35.st-andre@.
    named = [i for i, p in enumerate(alpha) if _name_part(p) and not (i and alpha[i - 1] in SAINTS)]
    role_at = next((i for i, p in enumerate(alpha) if p in ROLE_WORDS), None)
    named_at = named[0] if named else None
    if named_at is not None and len(alpha) >= 2 and (role_at is None or named_at < role_at):
        other = [p for i, p in enumerate(alpha)
                 if i != named_at and p not in ROLE_WORDS and p not in PLACE_WORDS and p not in SAINTS]
        if other and (role_at is None or named_at == 0):
            return "personal"  # jean.dupont, dupont.jean, jean.dupont.mairie
    if role_at is not None or local in ROLE_WORDS or ROLE_INSIDE.search(local):
        return "role"
    if len(alpha) == 1 and len(parts) == 1 and common_first_name(alpha[0]):
        return "personal"  # marie@…, marie75@…
    if len(alpha) == 2 == len(parts) and all(p.isalpha() for p in alpha) \
            and (len(alpha[0]) == 1 or len(alpha[-1]) == 1) and any(len(p) > 2 for p in alpha):
        return "personal"  # j.dupont, dupont.j
    if len(alpha) == 1 == len(parts) and len(alpha[0]) > 4 \
            and surnames().get(alpha[0][1:], 1 << 30) < 5_000 and alpha[0][1:] not in ROLE_WORDS:
        return "personal"  # jdupont
    if len(alpha) == 1 == len(parts) and _glued_name(alpha[0]):
        return "personal"  # renemasson, massonrene
    if webmail and len(alpha) == 1 and surnames().get(alpha[0], 1 << 30) < 20_000:
        return "personal"  # dupont@wanadoo.fr
    return "webmail" if webmail else "service"


# ---------------------------------------------------------------- phone numbers

# One separator, the same between every pair of digits: "2017-03-30/2017-05-24" is two dates.
PHONE = re.compile(r"(?<![\w+/\-.])(?:(?:\+|00)\s?(?:33|262|269|590|594|596|687|689|508|681|32|41|352|44|34|49|39)"
                   r"(?:\s?\(0\))?(?:[ \u00a0.\-]?\d){8,10}|"
                   r"0[1-9](?P<sep>[ \u00a0.\-/]?)\d{2}(?:(?P=sep)\d{2}){3}|"
                   r"0[1-9]\d{2}(?P<four>[ \u00a0.\-])\d{2}(?P=four)\d{2}(?P=four)\d{2})(?![\w/\-])")  # 0262 12 34 56
OVERSEAS = ("RE", "GP", "MQ", "GF", "YT", "PM", "BL", "MF")
SERVICE_TYPES = ("TOLL_FREE", "PREMIUM_RATE", "SHARED_COST", "UAN")  # phonenumbers.PhoneNumberType's


@functools.lru_cache(maxsize=65_536)
def phone_kind(candidate: str) -> str:
    """'mobile', 'landline', 'service' (0800, 08xx) or '' when libphonenumber says it is no
    valid number."""
    import phonenumbers  # imported for the first cell that could be a phone number, not by every file

    digits = re.sub(r"[^\d+]", "", candidate)
    # Written the national way, an overseas number (0692… in La Réunion, 0590… in Guadeloupe)
    # is valid in its own region, not in mainland France's.
    for region in ("FR", *OVERSEAS) if not digits.startswith("+") else ("FR",):
        try:
            number = phonenumbers.parse(digits, region)
        except phonenumbers.NumberParseException:
            return ""
        if phonenumbers.is_valid_number(number):
            break
    else:
        return ""
    kind = phonenumbers.number_type(number)
    if kind in {getattr(phonenumbers.PhoneNumberType, name) for name in SERVICE_TYPES}:
        return "service"
    return "mobile" if kind == phonenumbers.PhoneNumberType.MOBILE else "landline"


# A cell that is one decimal number: a length, an area, a coordinate ("136,0612345678" from a
# shapefile's dBase table), whose fraction may hold ten digits starting with 0 but no phone number.
DECIMAL = re.compile(r"[-+]?\d+[.,]\d+")


def phones_in(text: str) -> list[tuple[str, str]]:
    """(number as written, kind) of every valid phone number in the text."""
    found = []
    if DECIMAL.fullmatch(text.strip()) and not PHONE.fullmatch(text.strip()):
        return found
    for match in PHONE.finditer(text):
        kind = phone_kind(match.group(0))
        if kind:
            found.append((match.group(0), kind))
    return found


def is_phone(text: str) -> bool:
    """The whole value is one valid phone number."""
    match = PHONE.fullmatch(text.strip())
    return bool(match) and phone_kind(match.group(0)) not in ("", "service")
