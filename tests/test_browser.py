"""A journalist's visit, in a real browser (Debian's chromium through playwright).

Screenshots land in test-artifacts/ (gitignored) for a person to look at.
"""
import pytest
from playwright.sync_api import expect

from tests.servers import running_hub



@pytest.fixture(scope="module")
def hub(project_root, tmp_path_factory):
    work = tmp_path_factory.mktemp("browser")
    with running_hub(project_root, work / "hub.db", work / "packages", cwd=work) as running:
        yield running


def test_home_to_dataset_to_table_with_facets_and_map(hub, browser, artifacts):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(hub.url + "/")
    expect(page.locator("h2", has_text="Sample Mobilités")).to_be_visible()
    page.screenshot(path=str(artifacts / "home.png"), full_page=True)

    page.locator(".hub-card h3 a", has_text="Réseau de bus du Pays de Sample (GTFS)").click()
    expect(page).to_have_url(hub.url + "/-/dataset/sample-mobilites/reseau-bus")
    expect(page.locator("h1")).to_have_text("Réseau de bus du Pays de Sample (GTFS)")
    expect(page.locator("#api")).to_be_visible()
    page.screenshot(path=str(artifacts / "dataset.png"), full_page=True)

    page.locator("#table-reseau_bus_stops h3 a").click()
    expect(page).to_have_url(hub.url + "/hub/reseau_bus_stops")
    expect(page.locator("table.rows-and-columns")).to_be_visible()
    expect(page.locator(".facet-info").first).to_be_visible()  # facets configured in the metadata
    expect(page.locator(".facet-info-name", has_text="wheelchair_boarding")).to_be_visible()
    # datasette-cluster-map draws the stops: single markers or clusters of them.
    page.locator(".leaflet-marker-icon").first.wait_for(state="visible", timeout=30_000)
    assert page.locator(".leaflet-marker-icon").count() > 3
    page.locator(".leaflet-container").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "stops-map.png"), full_page=True)
    page.close()


def test_boundaries_draw_as_shapes(hub, browser, artifacts):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(hub.url + "/hub/communes_communes")
    # datasette-leaflet-geojson turns each geometry cell into a small map with a drawn polygon.
    page.locator(".leaflet-container path.leaflet-interactive").first.wait_for(state="attached", timeout=30_000)
    page.screenshot(path=str(artifacts / "communes.png"), full_page=True)
    page.close()


def test_home_reads_on_a_phone_and_filters(hub, browser, artifacts):
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto(hub.url + "/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px phone: it scrolls sideways"
    total = page.locator(".hub-card").count()
    page.fill("#hub-filter", "budget voté")
    expect(page.locator(".hub-card:visible")).not_to_have_count(total)
    shown = page.locator(".hub-card:visible").all()
    assert shown and all("budget" in card.get_attribute("data-search") and "voté" in card.get_attribute("data-search")
                         for card in shown)
    assert any("Budget 2025" in card.inner_text() for card in shown)
    page.screenshot(path=str(artifacts / "home-phone.png"), full_page=True)
    page.close()
