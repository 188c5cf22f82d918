"""The hub speaks French first, English on request: gettext catalogues (Babel) and locale formats.

Which language a request gets: the `catalog_lang` cookie (set by the switch in every page's
header, `/-/lang/<fr|en>`), else the browser's `Accept-Language`, else French. The hub's
ASGI wrapper (`catalog.hub.language.with_locale`) calls `negotiate()` and sets the locale, so
`gettext()`, the formatters below and the templates' `_()` all follow it without passing
the locale around (Datasette's `render_cell` hook has no request; a context variable does).

Adding a string:

- in a template: `{{ _("Download") }}`, with values `{{ _("%(count)s rows", count=n) }}`
  (placeholders are filled and escaped by Jinja, so a literal `%` is written `%%`; plurals:
  `ngettext("%(num)s row", "%(num)s rows", n)`); values: `{{ n|number }}`, `{{ x|currency }}`,
  `{{ iso|date }}`, `{{ bytes|size }}`, and `{{ text|translated }}` for a string marked elsewhere;
- in Python: `from catalog.hub.i18n import gettext as _` then `_("Download")`; a string
  defined at import time (a list of labels) is marked with `N_("…")` and translated when shown;
- write the source string in English, then refresh and translate the French catalogue:

      pybabel extract -F catalog/hub/babel.cfg -k N_ --no-location --sort-output \
          -o catalog/hub/locale/hub.pot .
      pybabel update -i catalog/hub/locale/hub.pot -d catalog/hub/locale -D hub
      # fill the new msgstr in catalog/hub/locale/fr/LC_MESSAGES/hub.po

The `.po` files are the only thing shipped: they are compiled in memory on first use
(no build step, so a fresh clone installed with `pip install -e .` works).
`tests/test_i18n.py` fails when a string is missing from the French catalogue.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import io
from contextvars import ContextVar
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel import dates as _dates
from babel import numbers as _numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES = ("fr", "en")
DEFAULT = "fr"
COOKIE = "catalog_lang"
DOMAIN = "hub"
FOLDER = Path(__file__).resolve().parent / "locale"
NAMES = {"fr": "Français", "en": "English"}

_current: ContextVar[str] = ContextVar("catalog_locale", default=DEFAULT)


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated later, when shown."""
    return message


@functools.lru_cache(maxsize=None)
def translations(locale: str) -> Translations:
    """The compiled catalogue of a locale (the .po compiled in memory, once per process)."""
    path = FOLDER / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return Translations()  # English source strings as they are
    with path.open("rb") as po:
        catalog = read_po(po, locale=locale, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def current() -> str:
    return _current.get()


@functools.lru_cache(maxsize=None)
def _babel(code: str) -> Locale:
    return Locale.parse(code)  # parsed once: a format call given a string parses it every time


def babel_locale() -> Locale:
    return _babel(_current.get())


@contextlib.contextmanager
def use(locale: str):
    token = _current.set(locale if locale in LOCALES else DEFAULT)
    try:
        yield
    finally:
        _current.reset(token)


def set_current(locale: str):
    """For an ASGI request: the locale stays set for the rest of the request's task."""
    return _current.set(locale if locale in LOCALES else DEFAULT)


def reset(token) -> None:
    _current.reset(token)


def negotiate(accept_language: str | None = None, cookie: str | None = None) -> str:
    """The locale of a request: the reader's choice (cookie), else the browser's, else French."""
    if cookie in LOCALES:
        return cookie
    wanted = []
    for part in (accept_language or "")[:1000].split(","):
        pieces = part.strip().split(";")
        tag, weight = pieces[0].strip(), 1.0
        for piece in pieces[1:]:
            if piece.strip().startswith("q="):
                try:
                    weight = float(piece.strip()[2:])
                except ValueError:
                    weight = 0.0
        if tag and weight > 0:
            wanted.append((-weight, len(wanted), tag.replace("_", "-")))
    for _, _, tag in sorted(wanted):
        if tag == "*":
            return DEFAULT
        try:
            language = Locale.parse(tag, sep="-").language
        except (ValueError, UnknownLocaleError):
            continue
        if language in LOCALES:
            return language
    return DEFAULT


def gettext(message: str, **variables) -> str:
    text = translations(current()).ugettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables) -> str:
    text = translations(current()).ungettext(singular, plural, n)
    return text % {"num": n, **variables}


# Jinja's newstyle gettext fills the placeholders itself (and escapes them), so the
# callables it gets translate only.
def template_gettext(message: str) -> str:
    return translations(current()).ugettext(message)


def template_ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current()).ungettext(singular, plural, n)


def _number(value):
    if isinstance(value, (int, float)):
        return value
    try:
        return float(value) if "." in str(value) or "e" in str(value).lower() else int(value)
    except (TypeError, ValueError):
        return None


@functools.lru_cache(maxsize=None)
def _symbols(code: str) -> tuple[str, str, str]:
    """Group and decimal signs of a locale, and its minus sign."""
    locale = _babel(code)
    return (_numbers.get_group_symbol(locale), _numbers.get_decimal_symbol(locale),
            _numbers.get_minus_sign_symbol(locale))


def _plain(text: str) -> str:
    """Python's `1,588,173.24` written with the locale's signs."""
    group, decimal, minus = _symbols(_current.get())
    return text.translate({ord(","): group, ord("."): decimal, ord("-"): minus})


def format_number(value, digits: int | None = None) -> str:
    """`1588173.24` -> `1 588 173,24` (fr) / `1,588,173.24` (en); anything else as it is.

    Table pages format thousands of cells: plain numbers are written by Python and given the
    locale's signs, Babel's answer exactly (tests/test_i18n.py compares them) in a tenth of
    the time; exponents, NaN and infinities go through Babel."""
    number = _number(value)
    if number is None:
        return "" if value is None else str(value)
    if digits is None and not isinstance(number, bool):
        text = format(number, ",")
        if text.endswith(".0"):
            text = text[:-2]  # Babel writes 100.0 as 100
        if all(c in "0123456789,.-" for c in text):
            return _plain(text)
    if digits is not None:
        return _numbers.format_decimal(number, format=f"#,##0.{'0' * digits}" if digits else "#,##0",
                                       locale=babel_locale())
    return _numbers.format_decimal(number, locale=babel_locale(), decimal_quantization=False)


def format_currency(value, currency: str = "EUR") -> str:
    """`1588173.24` -> `1 588 173,24 €` (fr) / `€1,588,173.24` (en)."""
    number = _number(value)
    if number is None:
        return "" if value is None else str(value)
    pattern = _currency_pattern(_current.get(), currency)
    text = format(abs(number), ",.2f")
    if pattern and all(c in "0123456789,." for c in text):
        sign = _symbols(_current.get())[2] if number < 0 else ""
        return sign + pattern.replace("#", _plain(text))
    return _numbers.format_currency(number, currency, locale=babel_locale())


@functools.lru_cache(maxsize=None)
def _currency_pattern(code: str, currency: str) -> str | None:
    """How the locale writes an amount: Babel's own answer for 1234.5, with the number made `#`."""
    probe = _numbers.format_currency(1234.5, currency, locale=_babel(code))
    with use(code):
        number = _plain("1,234.50")
    return probe.replace(number, "#") if probe.count(number) == 1 else None


def _as_date(value):
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    text = str(value or "").strip()
    try:
        return _dt.date.fromisoformat(text[:10]) if len(text) >= 10 else None
    except ValueError:
        return None


def format_date(value, style: str = "long") -> str:
    """`2025-11-20` -> `20 novembre 2025` (fr) / `November 20, 2025` (en); a year or a month as it is."""
    day = _as_date(value)
    if day is None:
        return "" if value is None else str(value)
    text = _dates.format_date(day, format=style, locale=babel_locale())
    if current() == "fr" and day.day == 1 and style in ("long", "full") and text.startswith("1 "):
        text = "1er" + text[1:]  # French writes the first of the month as an ordinal: 1er janvier
    return text


def format_datetime(value) -> str:
    text = str(value or "")
    try:
        moment = _dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    return _dates.format_datetime(moment, format="medium", locale=babel_locale())


SIZE_UNITS = (N_("B"), N_("kB"), N_("MB"), N_("GB"), N_("TB"))


def format_size(size) -> str:
    """Bytes for people: `919552` -> `920 Ko` (fr) / `920 kB` (en); powers of 1,000, as disks are sold."""
    number = _number(size)
    if number is None:
        return "" if size is None else str(size)
    unit = 0
    number = float(number)
    while abs(number) >= 1000 and unit < len(SIZE_UNITS) - 1:
        number /= 1000
        unit += 1
    pattern = "#,##0" if unit == 0 or abs(number) >= 100 else "#,##0.#"
    return f"{_numbers.format_decimal(number, format=pattern, locale=babel_locale())}\u00a0{gettext(SIZE_UNITS[unit])}"


def format_period(start, end) -> str:
    start, end = format_date(start) if start else "", format_date(end) if end else ""
    if start and end:
        return gettext("%(start)s – %(end)s", start=start, end=end)
    if start:
        return gettext("since %(start)s", start=start)
    return gettext("until %(end)s", end=end) if end else ""


def colon() -> str:
    """The colon after a label: French typography puts a no-break space before it."""
    return "\u00a0:" if current().startswith("fr") else ":"


def install(env) -> None:
    """Gives a Jinja environment `_()`, `gettext`, `ngettext` and the locale filters."""
    if "jinja2.ext.InternationalizationExtension" not in env.extensions:
        env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(template_gettext, template_ngettext, newstyle=True)
    env.filters.update(translated=template_gettext, number=format_number, currency=format_currency, date=format_date,
                       datetime=format_datetime, size=format_size)
    env.globals.update(current_locale=current, locale_names=NAMES, locales=LOCALES, format_period=format_period,
                       colon=colon)
