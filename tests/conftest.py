from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


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
