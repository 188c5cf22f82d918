"""A portal administrator's look at what `catalog publish ckan` made, in a real browser
(Debian's chromium through playwright) on the real CKAN 2.12 of the suite.

Screenshots land in test-artifacts/ (gitignored) for a person to look at.
"""
from playwright.sync_api import expect, sync_playwright

from tests.ckan_portal import ckan_portal  # noqa: F401 - the session fixture
from tests.test_ckan import by_key, crafted_hub, portal_client, run_cli

CHROMIUM = "/usr/bin/chromium"


def test_resource_preview_and_dataset_licence(tmp_path, ckan_portal, project_root):
    artifacts = project_root / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    crafted_hub(tmp_path, "browser")
    assert run_cli(tmp_path, ckan_portal).exit_code == 0
    resources = by_key(portal_client(ckan_portal).action.package_show(id="browser-browser-equipements"))
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            page = chromium.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(f"{ckan_portal.url}/dataset/browser-browser-equipements/resource/"
                      f"{resources['equipements']['id']}")
            expect(page.get_by_text("There are no views created for this resource yet")).to_have_count(0)
            # The datatables preview (an iframe) shows the typed rows from the DataStore.
            preview = page.frame_locator("iframe").first
            expect(preview.locator("table tbody tr").first).to_be_visible(timeout=30_000)
            expect(preview.locator("table", has_text="Médiathèque")).to_be_visible()
            page.screenshot(path=str(artifacts / "ckan-resource-preview.png"), full_page=True)

            page.goto(f"{ckan_portal.url}/dataset/browser-browser-equipements")
            licence = page.locator("a", has_text="Licence Ouverte / Open Licence version 2.0").first
            expect(licence).to_be_visible()
            assert licence.get_attribute("href") == "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
            page.screenshot(path=str(artifacts / "ckan-dataset-licence.png"), full_page=True)
        finally:
            chromium.close()
