from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
CHROMIUM = "/usr/bin/chromium"  # Debian's, never a browser build playwright downloads


@pytest.fixture(scope="session")
def shared_data():
    """Real public files kept beside the project (read in place, never copied)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"{SHARED_DATA} is missing: tests read real data from ../shared/data")
    return SHARED_DATA


@pytest.fixture(scope="session")
def project_root():
    return ROOT


@pytest.fixture(autouse=True)
def _schema_cache(tmp_path_factory, monkeypatch):
    """National schemas resolve from the snapshot shipped in the package unless a test syncs a
    catalogue: a cache synced on this machine (~/.cache/catalog/schemas) must not change results."""
    monkeypatch.setenv("CATALOG_SCHEMAS_CACHE", str(tmp_path_factory.mktemp("schemas-cache") / "cache"))


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by playwright; a browser that cannot start fails the test."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def artifacts(project_root):
    """Screenshots kept for a person to look at (test-artifacts/ is gitignored)."""
    folder = project_root / "test-artifacts"
    folder.mkdir(exist_ok=True)
    return folder
