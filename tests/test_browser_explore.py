"""Charts, maps and search seen in a real browser (Debian's chromium through playwright),
with axe-core on the search and chart pages. Screenshots land in test-artifacts/."""
import re

import pytest
from playwright.sync_api import expect

from tests.servers import running_hub

TILES = "**/tile.openstreetmap.org/**"


@pytest.fixture(scope="module")
def hub(project_root, tmp_path_factory):
    work = tmp_path_factory.mktemp("explore")
    with running_hub(project_root, work / "hub.db", work / "packages", cwd=work) as running:
        yield running


@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.route(TILES, lambda route: route.abort())  # no internet tiles: the maps must do without
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    page.close()
    assert not errors, errors


def chart_values(page, section):
    return page.evaluate("""(id) => Array.from(document.querySelectorAll('#' + id + ' .hub-chart-values tbody tr'))
        .map(tr => [tr.querySelector('th').textContent, tr.querySelector('td').getAttribute('data-value')])""", section)


def test_budget_charts_draw_one_mark_per_category(hub, page, artifacts):
    charts = {c["slug"]: c for c in hub.get("/-/charts/ville-de-sampleville/budget.json").json()}
    page.goto(hub.url + "/-/charts/ville-de-sampleville/budget")
    for slug, chart in charts.items():
        section = page.locator(f"#{slug}")
        expect(section).to_have_attribute("data-drawn", str(len(chart["values"])), timeout=30_000)
        api = hub.get(chart["data_url"]).json()
        marks = section.locator(".hub-chart-canvas svg .mark-rect path")
        expect(marks).to_have_count(len(api))
        shown = chart_values(page, slug)
        assert [(c, float(v)) for c, v in shown] == [(r[chart["category"]], r[chart["value"]]) for r in api]
        see = section.locator("a.hub-chart-see")
        assert see.get_attribute("href") == chart["see_url"]
    page.screenshot(path=str(artifacts / "charts-budget.png"), full_page=True)


def test_bus_chart_and_route_lines_in_their_colours(hub, page, artifacts):
    page.goto(hub.url + "/-/dataset/sample-mobilites/reseau-bus")
    section = page.locator(".hub-chart").first
    expect(section).to_have_attribute("data-drawn", "8", timeout=30_000)
    expect(section.locator(".hub-chart-canvas svg .mark-rect path")).to_have_count(8)
    routes = hub.get("/hub/reseau_bus_routes.json", params={"_shape": "array"}).json()
    expect(page.locator("#hub-route-map")).to_have_attribute("data-routes-drawn", str(len(routes)), timeout=30_000)
    strokes = page.evaluate("""Array.from(document.querySelectorAll('#hub-route-map path.leaflet-interactive'))
        .map(p => p.getAttribute('stroke').toUpperCase())""")
    assert set(strokes) == {"#" + r["route_color"].upper() for r in routes}
    expect(page.locator(".hub-route-map-figure .hub-map-offline-note")).to_be_visible()  # tiles refused
    page.locator("#hub-route-map").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "routes-map.png"), full_page=False)


def test_per_inhabitant_chart_follows_the_commune(hub, page, artifacts):
    chart, = hub.get("/-/charts/observatoire-pays-de-sample/budget-par-habitant.json").json()
    page.goto(hub.url + "/-/charts/observatoire-pays-de-sample/budget-par-habitant")
    section = page.locator("#chart-1")
    expect(section).to_have_attribute("data-drawn", str(len(chart["values"])), timeout=30_000)
    expect(section.locator("select")).to_have_count(1)
    assert section.locator("option").count() == 8
    page.screenshot(path=str(artifacts / "chart-per-inhabitant.png"), full_page=True)
    section.locator("select").select_option("00002")
    api = hub.get(chart["data_url"].replace("insee=00001", "insee=00002")).json()
    expect(section.locator(".hub-chart-values tbody tr")).to_have_count(len(api))
    assert "insee=00002" in section.locator("a.hub-chart-see").get_attribute("href")
    if not api:  # the bundled budget is Sampleville's alone: said plainly for the other communes
        expect(section.locator(".hub-chart-empty")).to_be_visible()
    section.locator("select").select_option("00001")
    expect(section.locator(".hub-chart-values tbody tr")).to_have_count(len(chart["values"]))
    assert [c for c, _ in chart_values(page, "chart-1")] == [v["category"] for v in chart["values"]]


def test_commune_boundaries_on_one_map_with_popups(hub, page, artifacts):
    page.goto(hub.url + "/hub/communes_communes")
    expect(page.locator("#hub-map")).to_have_attribute("data-features", "8", timeout=30_000)
    expect(page.locator(".leaflet-container")).to_have_count(1)
    shapes = page.locator("#hub-map path.leaflet-interactive")
    expect(shapes).to_have_count(8)
    expect(page.locator(".hub-map-figure .hub-map-note").first).to_be_visible()  # plain background, said
    page.locator("#hub-map").scroll_into_view_if_needed()
    shapes.nth(0).click(force=True)
    expect(page.locator(".leaflet-popup-content .hub-map-popup")).to_contain_text("nom")
    page.screenshot(path=str(artifacts / "communes-one-map.png"), full_page=False)


def test_chargers_near_stops_show_both_points(hub, page, artifacts):
    rows = hub.get("/hub/bornes_pres_des_arrets_bornes.json", params={"_shape": "array", "_size": "max"}).json()
    assert rows and all(r["latitude"] and r["stop_lat"] for r in rows)
    page.goto(hub.url + "/hub/bornes_pres_des_arrets_bornes")
    expect(page.locator("#hub-map")).to_have_attribute("data-features", str(len(rows)), timeout=30_000)
    expect(page.locator(".leaflet-container")).to_have_count(1)
    # one circle per charger and per stop, one dashed line between them
    expect(page.locator("#hub-map path.leaflet-interactive")).to_have_count(3 * len(rows))
    page.locator("#hub-map").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "chargers-and-stops.png"), full_page=False)


def test_stops_by_commune_show_each_stop_and_its_commune(hub, page, artifacts):
    """A `within` reuse: each stop, and a point inside its commune (empty outside the territory)."""
    rows = hub.get("/hub/arrets_par_commune_arrets.json", params={"_shape": "array", "_size": "max"}).json()
    placed = [r for r in rows if r["polygon_latitude"] is not None]
    assert placed and all(r["code_insee"] for r in placed)
    assert all(r["polygon_longitude"] is None for r in rows if not r["code_insee"])
    page.goto(hub.url + "/hub/arrets_par_commune_arrets")
    expect(page.locator("#hub-map")).to_have_attribute("data-features", str(len(rows)), timeout=30_000)
    # a circle per stop; per stop in a commune, a circle for the commune and the dashed line to it
    expect(page.locator("#hub-map path.leaflet-interactive")).to_have_count(len(rows) + 2 * len(placed))
    communes = page.evaluate("""Array.from(document.querySelectorAll('#hub-map path.leaflet-interactive'))
        .filter(p => p.getAttribute('stroke') === '#1d4e6e').length""")
    assert communes == len(placed)
    page.locator("#hub-map").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "stops-and-communes.png"), full_page=False)


@pytest.fixture(scope="module")
def line_hub(tmp_path_factory):
    from tests.test_charts import hub_with

    work = tmp_path_factory.mktemp("line-chart")
    root = hub_with(work, [{"title": "Surface ouverte par date", "type": "line", "category": "ouverture",
                            "measure": "surface", "aggregate": "sum"}])
    with running_hub(root, work / "build" / "hub.db", work / "build" / "packages") as running:
        yield running


def test_line_chart_draws_one_point_per_value_in_time_order(line_hub, page, artifacts):
    chart, = line_hub.get("/-/charts/testville/equipements.json").json()
    api = line_hub.get(chart["data_url"]).json()
    assert len(api) >= 3
    page.goto(line_hub.url + "/-/charts/testville/equipements")
    section = page.locator("#chart-1")
    expect(section).to_have_attribute("data-drawn", str(len(api)), timeout=30_000)
    expect(section.locator(".hub-chart-canvas svg .mark-line path")).to_have_count(1)
    points = section.locator(".hub-chart-canvas svg .mark-symbol path")
    expect(points).to_have_count(len(api))
    at = [tuple(float(n) for n in re.findall(r"-?[\d.]+", points.nth(i).get_attribute("transform")))
          for i in range(len(api))]
    assert [x for x, _ in at] == sorted(x for x, _ in at) and len({x for x, _ in at}) == len(api)  # along time
    values = [r[chart["value"]] for r in api]
    # SVG y grows downwards: the larger the value, the higher the point
    assert sorted(range(len(api)), key=lambda i: at[i][1]) == sorted(range(len(api)), key=lambda i: -values[i])
    shown = chart_values(page, "chart-1")
    assert [(c, float(v)) for c, v in shown] == [(r[chart["category"]], r[chart["value"]]) for r in api]
    page.screenshot(path=str(artifacts / "chart-line.png"), full_page=True)


def test_search_with_and_without_accents(hub, page, artifacts):
    firsts = []
    for words in ("équipements publics", "equipements publics", "vélo", "velo"):
        page.goto(hub.url + "/-/search")
        page.fill("#hub-search-q", words)
        page.locator(".hub-search-form button[type=submit]").click()
        first = page.locator(".hub-search-result h3 a").first
        expect(first).to_be_visible()
        firsts.append(first.inner_text())
    assert firsts[0] == firsts[1] == "Équipements publics de Sampleville"
    assert firsts[2] == firsts[3] and "vélos" in firsts[2]
    page.screenshot(path=str(artifacts / "search.png"), full_page=True)
    page.goto(hub.url + "/-/search?q=bugdet")
    expect(page.locator("#hub-search-none")).to_be_visible()
    page.locator(".hub-search-suggestions a", has_text="budget").click()
    expect(page.locator(".hub-search-result h3 a").first).to_have_text("Budget 2025 de la ville de Sampleville")
    page.screenshot(path=str(artifacts / "search-suggestion.png"), full_page=True)


@pytest.mark.parametrize("path", ["/-/search?q=budget", "/-/search?q=bugdet", "/-/charts/ville-de-sampleville/budget",
                                  "/-/charts/observatoire-pays-de-sample/budget-par-habitant"])
def test_axe_finds_no_serious_violation(hub, page, path):
    from axe_playwright_python.sync_playwright import Axe

    page.goto(hub.url + path)
    if "/charts/" in path:
        expect(page.locator(".hub-chart").first).to_have_attribute("data-drawn", re.compile(r".+"), timeout=30_000)
    results = Axe().run(page)
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == []


@pytest.mark.parametrize("path", ["/-/search?q=budget", "/-/charts/ville-de-sampleville/budget",
                                  "/-/dataset/sample-mobilites/reseau-bus", "/hub/communes_communes"])
def test_new_pages_read_on_a_phone(hub, browser, artifacts, path):
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.route(TILES, lambda route: route.abort())
    page.goto(hub.url + path)
    if "/charts/" in path:
        expect(page.locator(".hub-chart").first).to_have_attribute("data-drawn", re.compile(r".+"), timeout=30_000)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{path} is {width}px wide on a 390px phone: it scrolls sideways"
    page.screenshot(path=str(artifacts / f"phone-{path.strip('/').replace('/', '-').replace('?', '-')}.png"),
                    full_page=True)
    page.close()
