"""The hub as a French reader meets it, in a real browser (Debian's chromium through playwright):
French first and English on request, readable values, a canned query with results, errors in
the hub's style, axe-core's accessibility checks and the keyboard, at desktop and phone sizes.

Expected values are read from the hub database itself and formatted here by hand (not with
the hub's own formatters), so a wrong format cannot pass. Screenshots land in test-artifacts/.
"""
import functools
import http.server
import re
import sqlite3
import threading

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.servers import running_hub

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.fixture(scope="module")
def hub(project_root, tmp_path_factory):
    work = tmp_path_factory.mktemp("readers")
    with running_hub(project_root, work / "hub.db", work / "packages", cwd=work) as running:
        yield running


@pytest.fixture(scope="module")
def db(hub):
    connection = sqlite3.connect(f"file:{hub.db}?mode=ro", uri=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def artifacts(project_root):
    folder = project_root / "test-artifacts" / "readers"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def reader(browser, locale="fr-FR", size=DESKTOP, **kwargs):
    """A browser tab of a reader whose browser asks for `locale` (sent as Accept-Language)."""
    context = browser.new_context(viewport=size, locale=locale, **kwargs)
    return context.new_page()


def column(page, name: str):
    """The cells of a table column, found by its header's data-column (CSS classes are hashed)."""
    index = page.evaluate("""(name) => [...document.querySelectorAll('table.rows-and-columns thead th')]
        .findIndex(th => th.dataset.column === name)""", name)
    assert index >= 0, f"no column {name}"
    return page.locator(f"table.rows-and-columns tbody tr td:nth-child({index + 1})")


def french_amount(value: float) -> str:
    whole, cents = f"{value:.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{NNBSP.join(groups)},{cents}{NBSP}€"


def french_int(value: int) -> str:
    return f"{value:,}".replace(",", NNBSP)


MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre"]


def french_date(iso: str) -> str:
    year, month, day = (int(p) for p in iso.split("-"))
    return f"{day} {MONTHS[month - 1]} {year}"


def test_french_by_default_with_french_formats(hub, db, browser, artifacts):
    page = reader(browser)
    page.goto(hub.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("h1")).to_have_text("Portail des données ouvertes")
    expect(page.get_by_label("Trouver un jeu de données")).to_be_visible()
    total = db.execute("SELECT SUM(rows) FROM catalog_datasets").fetchone()[0]
    expect(page.locator(".hub-totals")).to_contain_text(f"{french_int(total)} lignes")
    budget = page.locator(".hub-card", has_text="Budget 2025 de la ville de Sampleville")
    modified = db.execute("SELECT last_update FROM catalog_datasets WHERE id = 'ville-de-sampleville/budget'").fetchone()[0]
    expect(budget).to_contain_text(f"Mis à jour le {french_date(modified)}")
    body = page.locator("body").inner_text()
    for english in ("Open data hub", "Find a dataset", "Updated", "Reused by", "Download (zip)", "For developers"):
        assert english not in body, f"{english!r} left in English on the French landing page"
    page.screenshot(path=str(artifacts / "home-fr.png"), full_page=True)

    page.goto(hub.url + "/hub/budget_budget_2025?_sort_desc=Montant+(€)")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    top, voted = db.execute('SELECT "Montant (€)", "Date de vote" FROM budget_budget_2025 '
                            'ORDER BY "Montant (€)" DESC LIMIT 1').fetchone()
    expect(column(page, "Montant (€)").first).to_have_text(french_amount(top))
    expect(column(page, "Date de vote").first).to_have_text(french_date(voted))
    for english in ("This data as", "Apply", "Next page", "Advanced export", "Suggested facets", "Powered by"):
        assert english not in page.locator("body").inner_text(), f"{english!r} left in English on a table page"
    page.screenshot(path=str(artifacts / "budget-fr.png"), full_page=True)

    page.goto(hub.url + "/-/dataset/ville-de-sampleville/budget")
    downloads = page.locator(".hub-downloads")
    expect(downloads).to_contain_text(re.compile(r"\d+(,\d)?\u00a0Ko"))
    assert not re.search(r"\d[\d,]* bytes", downloads.inner_text())
    expect(page.locator(".hub-facts")).to_contain_text(french_date(modified))
    page.context.close()


def test_english_by_accept_language_and_by_the_switch(hub, db, browser, artifacts):
    page = reader(browser, locale="en-GB")
    page.goto(hub.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Open data hub")
    page.goto(hub.url + "/hub/budget_budget_2025?_sort_desc=Montant+(€)")
    top = db.execute('SELECT MAX("Montant (€)") FROM budget_budget_2025').fetchone()[0]
    expect(column(page, "Montant (€)").first).to_have_text(f"€{top:,.2f}")
    page.screenshot(path=str(artifacts / "budget-en.png"), full_page=True)
    page.context.close()

    page = reader(browser)  # a French browser; the reader switches to English, then back
    page.goto(hub.url + "/hub/reseau_bus_stops")
    expect(page.locator(".hub-lang [aria-current]")).to_have_text("Français")
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(hub.url + "/hub/reseau_bus_stops")  # back on the same page
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".facet-info", has_text="wheelchair_boarding")).to_contain_text("not accessible")
    page.goto(hub.url + "/")  # the choice is remembered
    expect(page.locator("h1")).to_have_text("Open data hub")
    page.get_by_role("link", name="Français").click()
    expect(page.locator("h1")).to_have_text("Portail des données ouvertes")
    page.context.close()


def test_pages_say_they_vary_with_the_language(hub):
    french = hub.get("/hub/reseau_bus_stops", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    english = hub.get("/hub/reseau_bus_stops", headers={"Accept-Language": "en-GB,en;q=0.9"})
    chosen = hub.get("/hub/reseau_bus_stops", headers={"Accept-Language": "fr", "Cookie": "catalog_lang=en"})
    assert '<html lang="fr">' in french.text and '<html lang="en">' in english.text and '<html lang="en">' in chosen.text
    for response in (french, english, chosen):
        assert {"accept-language", "cookie"} <= {v.strip().lower() for v in response.headers["vary"].split(",")}


def test_language_switch_only_goes_back_to_the_hub(hub):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example", "/x\r\nSet-Cookie: a=b",
                   "/" + "x" * 5000):
        response = hub.get("/-/lang/en", params={"next": target}, follow_redirects=False)
        assert response.status_code == 302
        assert response.headers["location"] in ("/", hub.url + "/")


def test_codes_read_as_labels_in_facets_and_cells(hub, db, browser, artifacts):
    page = reader(browser)
    page.goto(hub.url + "/hub/reseau_bus_stops")
    facet = page.locator(".facet-info", has_text="wheelchair_boarding")
    counts = dict(db.execute("SELECT wheelchair_boarding, COUNT(*) FROM reseau_bus_stops GROUP BY 1").fetchall())
    for code, label in ((0, "inconnu"), (1, "accessible"), (2, "non accessible")):
        expect(facet.locator("li", has_text=re.compile(rf"^{label}\s+{counts[code]}$"))).to_have_count(1)
    assert not facet.locator("li a", has_text=re.compile(r"^[012]$")).count()
    cells = column(page, "wheelchair_boarding").all_inner_texts()
    assert cells and set(cells) <= {"inconnu", "accessible", "non accessible"}
    page.locator("th[data-column=wheelchair_boarding] .dropdown-menu-icon").click()  # Datasette's column menu
    expect(page.locator(".dropdown-menu a.dropdown-sort-asc")).to_have_text("Trier par ordre croissant")
    page.keyboard.press("Escape")
    facet.get_by_role("link", name="non accessible", exact=True).click()
    expect(page).to_have_url(re.compile(r"wheelchair_boarding=2"))
    expect(page.locator(".hub-count-line")).to_contain_text(f"{counts[2]} lignes où wheelchair_boarding = non accessible")
    page.screenshot(path=str(artifacts / "stops-facets-fr.png"), full_page=True)

    page.goto(hub.url + "/hub/equipements_publics_equipements")
    pmr = page.locator(".facet-info", has_text="accessible_pmr")
    expect(pmr.get_by_role("link", name="oui", exact=True)).to_be_visible()
    expect(pmr.get_by_role("link", name="non", exact=True)).to_be_visible()
    names = dict(db.execute("SELECT code_insee, nom FROM population_communes_population").fetchall())
    code, name = db.execute("SELECT e.code_insee, p.nom FROM equipements_publics_equipements e JOIN "
                            "population_communes_population p USING (code_insee) ORDER BY e.id LIMIT 1").fetchone()
    expect(column(page, "code_insee").first).to_have_text(f"{name} ({code})")

    page.goto(hub.url + "/hub/velos_libre_service_stations")
    commune = page.locator(".facet-info", has_text="code_insee")
    for code, in db.execute("SELECT DISTINCT code_insee FROM velos_libre_service_stations"):
        expect(commune.get_by_role("link", name=f"{names[code]} ({code})")).to_be_visible()
    page.context.close()


def test_technical_columns_come_last_and_the_amount_is_on_screen(hub, browser, artifacts):
    page = reader(browser)
    page.goto(hub.url + "/hub/budget_budget_2025")
    headers = page.locator("table.rows-and-columns th").all_inner_texts()
    assert headers[0].strip() == "Exercice" and headers[-1].strip() == "Fiche", headers
    amount = page.locator('table.rows-and-columns th[data-column="Montant (€)"]')
    amount.scroll_into_view_if_needed()
    box = amount.bounding_box()
    assert box["x"] + box["width"] <= DESKTOP["width"], f"the amount column ends at {box['x'] + box['width']}px"
    page.context.close()


def test_canned_query_opens_with_its_defaults_and_results(hub, db, browser, artifacts):
    page = reader(browser)
    page.goto(hub.url + "/-/dataset/observatoire-pays-de-sample/budget-par-habitant")
    link = page.get_by_role("link", name="requête enregistrée budget-par-habitant")
    assert "insee=00001" in link.get_attribute("href")
    page.goto(hub.url + "/hub/budget-par-habitant")  # no parameter at all: the declared default applies
    expect(page).to_have_url(re.compile(r"/hub/budget-par-habitant\?insee=00001$"))
    expect(page.locator("#qp1")).to_have_value("00001")
    expected = db.execute("SELECT COUNT(*) FROM budget_par_habitant_depenses WHERE code_insee = '00001'").fetchone()[0]
    assert expected > 0
    expect(page.locator("table.rows-and-columns tbody tr")).to_have_count(expected)
    expect(page.locator(".zero-results")).to_have_count(0)
    total = db.execute("SELECT total_eur FROM budget_par_habitant_depenses WHERE code_insee = '00001' "
                       "ORDER BY fonction LIMIT 1").fetchone()[0]
    index = page.locator("table.rows-and-columns thead th").all_inner_texts().index("total_eur")
    expect(page.locator(f"table.rows-and-columns tbody tr:first-child td:nth-child({index + 1})")).to_have_text(
        french_amount(total))
    page.screenshot(path=str(artifacts / "canned-query-fr.png"), full_page=True)
    page.context.close()
    rows = hub.get("/hub/budget-par-habitant.json", params={"_shape": "array"}).json()
    assert len(rows) == expected and {r["code_insee"] for r in rows} == {"00001"}


def test_sql_block_fits_a_phone(hub, browser, artifacts):
    page = reader(browser, size=PHONE, is_mobile=True, has_touch=True)
    for path in ("/hub/budget-par-habitant?insee=00001", "/-/dataset/observatoire-pays-de-sample/budget-par-habitant"):
        page.goto(hub.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width}px wide on a {PHONE['width']}px phone"
        sql = page.locator("pre.hub-sql").first
        assert sql.bounding_box()["width"] <= PHONE["width"]
    page.screenshot(path=str(artifacts / "canned-query-phone.png"), full_page=True)
    page.context.close()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_text_keeps_a_margin_from_the_window_edge(hub, browser, size):
    page = reader(browser, size=size)
    for path in ("/", "/-/dataset/ville-de-sampleville/budget", "/-/search?q=velo", "/hub/budget_budget_2025"):
        page.goto(hub.url + path)
        left = page.evaluate("document.querySelector('main h1').getBoundingClientRect().left")
        assert left >= 12, f"{path}: the title starts {left}px from the window's edge"
    page.context.close()


def test_french_pages_put_a_space_before_colons(hub):
    """French typography: "Licence : …", never "Licence: …" (a template's own colon included)."""
    import html

    for path in ("/", "/-/dataset/ville-de-sampleville/budget", "/-/dataset/sample-mobilites/reseau-bus",
                 "/-/search?q=velo", "/hub/budget_budget_2025", "/hub/budget-par-habitant?insee=00001"):
        page = httpx.get(hub.url + path, headers={"Accept-Language": "fr-FR"})
        text = re.sub(r"(?s)<(script|style|pre|code|textarea)[^>]*>.*?</\1>", " ", page.text)
        text = re.sub(r"https?://\S+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))
        glued = [m.group(0) for m in re.finditer(r"\S{0,15}(?:\w|[)»]):(?=\s|$)", text)]
        assert glued == [], (path, glued)


def test_errors_are_pages_of_the_hub(hub, browser, artifacts):
    page = reader(browser)
    for path in ("/hub/nope/deeper/x", "/nope", "/hub/no_such_table", "/-/dataset/nobody/nothing",
                 "/hub/reseau_bus_stops/SMP0001/x/y", "/hub/reseau_bus_stop_times/T001"):
        response = page.goto(hub.url + path)
        assert response.status == 404, f"{path}: {response.status}"
        expect(page.locator("h1")).to_have_text("Page introuvable")
        expect(page.locator(".hub-lang")).to_be_visible()
    page.screenshot(path=str(artifacts / "404-fr.png"), full_page=True)
    response = page.goto(hub.url + "/hub/reseau_bus_stops?_sort=nope")  # a bad request, said as such
    assert response.status == 400
    expect(page.locator(".hub-error")).to_contain_text("nope")
    response = page.goto(hub.url + "/packages/")
    assert response.status == 200
    expect(page.get_by_role("link", name="ville-de-sampleville/")).to_be_visible()
    page.context.close()
    answer = hub.get("/hub/nope/deeper/x.json")
    assert answer.status_code == 404 and answer.json()["ok"] is False
    assert hub.get("/packages/../../etc/").status_code in (301, 302, 404)


def test_original_french_file_and_licences(hub, browser):
    page = reader(browser)
    page.goto(hub.url + "/-/dataset/ville-de-sampleville/budget")
    original = page.locator(".hub-downloads li", has_text="tel qu'exporté")
    expect(original).to_contain_text("cp1252")
    expect(original).to_contain_text("point-virgule")
    data = httpx.get(hub.url + original.locator("a").get_attribute("href")).content
    assert b";" in data.splitlines()[0]
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    data.decode("cp1252")
    for table in ("catalog_datasets", "catalog_publishers", "catalog_tables", "catalog_reuses"):
        page.goto(hub.url + f"/hub/{table}")
        expect(page.locator(".hub-source")).to_contain_text("Licence Ouverte")
    page.context.close()


PAGES = {
    "landing": "/",
    "dataset": "/-/dataset/sample-mobilites/reseau-bus",
    "table": "/hub/budget_budget_2025",
    "map": "/hub/reseau_bus_stops#map",
    "shapes": "/hub/communes_communes",
    "canned-query": "/hub/budget-par-habitant?insee=00001",
    "accessibility": "/-/accessibilite",
    "not-found": "/hub/nope/deeper",
}


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_axe_finds_no_serious_violation(hub, browser, artifacts, size):
    axe = Axe()
    found = {}
    for name, path in PAGES.items():
        page = reader(browser, size=size)
        page.goto(hub.url + path)
        if name == "map":
            page.locator("#map .leaflet-marker-icon").first.wait_for(state="visible", timeout=30_000)
        if name == "shapes":
            page.locator(".leaflet-container path.leaflet-interactive").first.wait_for(state="attached", timeout=30_000)
        results = axe.run(page)
        bad = [(v["id"], v["impact"], [n["html"][:120] for n in v["nodes"][:3]])
               for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        if bad:
            found[name] = bad
        page.screenshot(path=str(artifacts / f"axe-{name}-{size['width']}.png"), full_page=True)
        page.context.close()
    assert not found, f"axe-core: {found}"


def _tab_to(page, predicate, limit=80):
    """Presses Tab until the focused element matches; returns how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate(predicate):
            return presses
    raise AssertionError(f"never reached with the keyboard: {predicate}")


def test_main_actions_with_the_keyboard(hub, db, browser, artifacts):
    page = reader(browser)
    page.goto(hub.url + "/")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Aller au contenu")
    page.keyboard.press("Enter")
    expect(page).to_have_url(hub.url + "/#main")
    _tab_to(page, "document.activeElement.id === 'hub-filter'")
    page.keyboard.type("budget voté")
    expect(page.locator("#hub-filter-status")).to_contain_text("jeux de données affichés")
    _tab_to(page, "document.activeElement.closest('.hub-card:not([hidden]) h3') !== null && "
                  "document.activeElement.textContent === 'Budget 2025 de la ville de Sampleville'")
    hidden = page.evaluate("[...document.querySelectorAll('.hub-card[hidden] a')].includes(document.activeElement)")
    assert not hidden
    page.keyboard.press("Enter")
    expect(page).to_have_url(hub.url + "/-/dataset/ville-de-sampleville/budget")

    _tab_to(page, "document.activeElement.matches('.hub-table h3 a')")
    page.keyboard.press("Enter")
    expect(page).to_have_url(hub.url + "/hub/budget_budget_2025")
    _tab_to(page, "document.activeElement.closest('.facet-info') !== null && "
                  "document.activeElement.textContent.trim() === 'Investissement'")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"Section=Investissement"))
    count = db.execute("SELECT COUNT(*) FROM budget_budget_2025 WHERE Section = 'Investissement'").fetchone()[0]
    expect(page.locator(".hub-count-line")).to_contain_text(f"{count} lignes")

    _tab_to(page, "document.activeElement.name === '_filter_column'")  # a filter, chosen and applied by keyboard
    page.keyboard.type("Sens")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("Recette")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"Sens(__exact)?=Recette"))
    both = db.execute("SELECT COUNT(*) FROM budget_budget_2025 WHERE Section = 'Investissement' "
                      "AND Sens = 'Recette'").fetchone()[0]
    expect(page.locator(".hub-count-line")).to_contain_text(f"{both} ligne")

    _tab_to(page, "document.activeElement.matches('.dropdown-menu-icon') && "  # Datasette's column menu
                  "document.activeElement.closest('th').dataset.column === 'Montant (€)'")
    page.keyboard.press("Enter")
    expect(page.locator(":focus")).to_have_text("Trier par ordre croissant")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"_sort=Montant"))
    page.wait_for_load_state()
    amounts = db.execute('SELECT "Montant (€)" FROM budget_budget_2025 WHERE Section = \'Investissement\' '
                         'AND Sens = \'Recette\' ORDER BY 1 LIMIT 1').fetchone()
    expect(column(page, "Montant (€)").first).to_have_text(french_amount(amounts[0]))

    _tab_to(page, "document.activeElement.closest('.hub-lang') !== null")  # the language switch
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.screenshot(path=str(artifacts / "keyboard-end.png"))
    page.context.close()


def test_accessibility_statement_is_linked_from_every_page(hub, browser):
    page = reader(browser)
    for path in ("/", "/hub/reseau_bus_stops", "/-/dataset/sample-mobilites/reseau-bus", "/hub/nope/x"):
        page.goto(hub.url + path)
        link = page.locator("footer").get_by_role("link", name=re.compile("Accessibilité"))
        expect(link).to_have_attribute("href", "/-/accessibilite")
    page.goto(hub.url + "/-/accessibilite")
    expect(page.locator("h1")).to_have_text("Déclaration d'accessibilité")
    expect(page.locator("main")).to_contain_text("partiellement conforme")
    page.context.close()


@pytest.fixture()
def other_origin(tmp_path):
    """A reuser's web page, served from another origin (another port) than the hub."""
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>Carte</title><p>Une réutilisation</p>",
                                         encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_cors_and_the_json_twin_of_a_dataset_page(hub, browser, other_origin):
    page = reader(browser)
    page.goto(other_origin)  # a reuser's page reads the API from the browser
    rows = page.evaluate("""async (url) => {
        const answer = await fetch(url);
        return (await answer.json()).rows.length;
    }""", hub.url + "/hub/reseau_bus_stops.json?_shape=objects&_size=5")
    assert rows == 5
    twin = page.evaluate("async (url) => (await fetch(url)).json()",
                         hub.url + "/-/dataset/ville-de-sampleville/budget.json")
    assert twin["id"] == "ville-de-sampleville/budget"
    assert twin["tables"][0]["name"] == "budget_budget_2025"
    assert twin["tables"][0]["json_url"].startswith(hub.url)
    assert any(f["encoding"].startswith("Windows-1252") for f in twin["originals"])
    page.context.close()
    assert hub.get("/-/dataset/nobody/nothing.json").status_code == 404
