"""`catalog publish ckan` seen as a CKAN administrator sees it, on the real CKAN 2.12 of the
suite (with ckanext-dcat and ckanext-geoview; xloader where a test needs it): previews,
licences, DCAT for harvesters, orphans, changes made on the portal, atomic reloads, aliases.
"""
import json

import ckanapi
import pytest

from tests.ckan_portal import ckan_portal  # noqa: F401 - the session fixture
from tests.test_ckan import by_key, crafted_hub, portal_client, run_cli


def test_tables_get_their_previews(tmp_path, ckan_portal):
    crafted_hub(tmp_path, "views")
    result = run_cli(tmp_path, ckan_portal)
    assert result.exit_code == 0, result.output
    ckan = portal_client(ckan_portal)
    resources = by_key(ckan.action.package_show(id="views-views-equipements"))
    kinds = {key: sorted(v["view_type"] for v in ckan.action.resource_view_list(id=r["id"]))
             for key, r in resources.items()}
    assert "datatables_view" in kinds["equipements"] and "datatables_view" in kinds["tarifs"]
    assert "geo_view" in kinds["parcs"]  # the portal's map viewer, for the GeoJSON file
    assert "datatables_view" not in kinds["datapackage"]
    # Publishing again creates no second view.
    assert run_cli(tmp_path, ckan_portal).exit_code == 0
    (tmp_path / "datasets" / "views" / "views-equipements" / "tarifs.csv").write_text("code,libelle,prix\nA,Plein,4\n")
    assert run_cli(tmp_path, ckan_portal).exit_code == 0
    for key in ("equipements", "tarifs"):
        resource = by_key(ckan.action.package_show(id="views-views-equipements"))[key]
        types = [v["view_type"] for v in ckan.action.resource_view_list(id=resource["id"])]
        assert types.count("datatables_view") == 1, types
