"""The hub's language: catalogues complete, the reader's choice, French formats."""
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from catalog.hub import i18n


def _extracted(tmp_path):
    """Every string the hub's templates and Python mark for translation, extracted as a developer would."""
    pot = tmp_path / "hub.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F",
                    str(i18n.FOLDER.parent / "babel.cfg"), "-k", "N_", "--no-location", "-o", str(pot),
                    str(i18n.FOLDER.parents[2])], check=True, cwd=i18n.FOLDER.parents[2])
    with pot.open("rb") as f:
        return read_po(f)


def test_every_string_of_the_hub_has_its_french_translation(tmp_path):
    wanted = _extracted(tmp_path)
    with (i18n.FOLDER / "fr" / "LC_MESSAGES" / "hub.po").open("rb") as f:
        french = read_po(f, locale="fr")
    assert len(wanted) > 100
    missing = [m.id for m in wanted if m.id and (m.id not in french or not all(
        [french[m.id].string] if isinstance(french[m.id].string, str) else french[m.id].string))]
    assert not missing, f"not in catalog/hub/locale/fr/LC_MESSAGES/hub.po (see catalog/hub/i18n.py): {missing}"
    english = set(m.id for m in wanted if m.id)
    with (i18n.FOLDER / "en" / "LC_MESSAGES" / "hub.po").open("rb") as f:
        assert english <= {m.id for m in read_po(f, locale="en") if m.id}


def test_placeholders_survive_translation():
    with (i18n.FOLDER / "fr" / "LC_MESSAGES" / "hub.po").open("rb") as f:
        french = read_po(f, locale="fr")
    import re
    names = re.compile(r"%\((\w+)\)s|\{(\w+)\}")
    for message in french:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[1]
        target = message.string if isinstance(message.string, str) else message.string[-1]
        assert set(names.findall(source)) == set(names.findall(target)), message.id


@pytest.mark.parametrize("header, cookie, expected", [
    (None, None, "fr"), ("", None, "fr"), ("en-GB,en;q=0.9,fr;q=0.8", None, "en"), ("de-DE,fr;q=0.5,en;q=0.4", None, "fr"),
    ("de, en;q=0.3", None, "en"), ("de", None, "fr"), ("en;q=0, fr", None, "fr"), ("*", None, "fr"),
    ("en", "fr", "fr"), ("fr", "en", "en"), ("en", "xx", "en"), ("zz-;;;q=abc,,,", None, "fr"), ("x" * 5000, None, "fr"),
])
def test_the_reader_gets_their_language(header, cookie, expected):
    assert i18n.negotiate(header, cookie) == expected


def test_numbers_dates_and_sizes_in_french_and_english():
    nbsp, narrow = "\u00a0", "\u202f"
    with i18n.use("fr"):
        assert i18n.format_currency(1588173.24) == f"1{narrow}588{narrow}173,24{nbsp}€"
        assert i18n.format_number(1588173.24) == f"1{narrow}588{narrow}173,24"
        assert i18n.format_number("24835") == f"24{narrow}835"
        assert i18n.format_date("2025-11-20") == "20 novembre 2025"
        assert i18n.format_size(898_000) == f"898{nbsp}Ko"
        assert i18n.format_size(16045) == f"16{nbsp}Ko"
        assert i18n.format_size(1_534_000) == f"1,5{nbsp}Mo"
        assert i18n.format_size(512) == f"512{nbsp}o"
        assert i18n.ngettext("%(num)s dataset", "%(num)s datasets", 1) == "1 jeu de données"
        assert i18n.ngettext("%(num)s dataset", "%(num)s datasets", 10) == "10 jeux de données"
        assert i18n.format_period("2025-01-01", "2025-12-31") == "du 1er janvier 2025 au 31 décembre 2025"
    with i18n.use("en"):
        assert i18n.format_currency(1588173.24) == "€1,588,173.24"
        assert i18n.format_date("2025-11-20") == "November 20, 2025"
        assert i18n.format_size(898_000) == f"898{nbsp}kB"
        assert i18n.gettext("Map") == "Map"
    assert i18n.format_date("2025") == "2025"  # a year alone stays as written
    assert i18n.format_number("abc") == "abc"


def test_fast_number_formats_are_babels():
    """format_number and format_currency write plain numbers themselves: the same text as Babel."""
    import random

    from babel import numbers

    rng = random.Random(14)
    values = [0, 1, -1, 999, 1000, -1000, 1588173.24, 0.5, -0.05, 46.601234, 2.363486, 12345678901234,
              1e15, 0.1 + 0.2, 100.0, -2.5e-3] + [rng.uniform(-1e7, 1e7) for _ in range(300)] + \
        [rng.randint(-10**9, 10**9) for _ in range(300)] + [round(rng.uniform(0, 1e6), 2) for _ in range(300)]
    for code in i18n.LOCALES:
        with i18n.use(code):
            for value in values:
                assert i18n.format_number(value) == numbers.format_decimal(
                    value, locale=code, decimal_quantization=False), (code, value)
                assert i18n.format_currency(value) == numbers.format_currency(value, "EUR", locale=code), (code, value)
