"""A CKAN that cannot start fails the tests that need it: CI never skips them."""
import subprocess
import sys
import textwrap

from tests.conftest import ROOT


def test_portal_that_cannot_start_fails_the_run(tmp_path):
    (tmp_path / "test_needs_ckan.py").write_text(textwrap.dedent('''
        import pytest
        from tests.ckan import portal as harness
        from tests.ckan_portal import ckan_portal  # noqa: F401


        @pytest.fixture(scope="session", autouse=True)
        def broken_install():
            def refuse(folder):
                raise harness.PortalError("initdb failed (exit 1): no space left on device")
            original, harness.start = harness.start, refuse
            yield
            harness.start = original


        def test_publish(ckan_portal):
            assert ckan_portal.url
    '''))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                         capture_output=True, text=True, cwd=tmp_path,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 error" in run.stdout and "skipped" not in run.stdout
    assert "the test CKAN could not start: initdb failed (exit 1): no space left on device" in run.stdout
