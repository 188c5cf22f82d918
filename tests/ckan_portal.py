"""The real CKAN portal the CKAN tests publish to, one per test session.

Import the fixture into a test module (`from tests.ckan_portal import ckan_portal`).
A portal that cannot start FAILS the tests that need it: CI never skips them.
"""
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.ckan import portal as harness


def _portal(xloader=False):
    folder = Path(tempfile.mkdtemp(prefix="catalog-ckan-"))
    try:
        portal = harness.start(folder, xloader=xloader) if xloader else harness.start(folder)
    except Exception as error:  # noqa: BLE001 - every start failure must fail the run, with its cause
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"the test CKAN could not start: {error}", pytrace=False)
    try:
        yield portal
    finally:
        portal.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def ckan_portal():
    """A running CKAN 2.12 (PostgreSQL, Redis, Solr stand-in, DataStore, uploads, ckanext-dcat and
    geoview), all on loopback.

    Yields the harness Portal: `.url`, `.token` (a sysadmin API token), and `.stop_web()` /
    `.start_web()` to stop and restart only the CKAN web process."""
    yield from _portal()


@pytest.fixture(scope="session")
def ckan_portal_xloader():
    """The same, with ckanext-xloader and its job worker."""
    yield from _portal(xloader=True)
