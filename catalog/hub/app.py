"""The hub's Datasette: Datasette itself, less one cost that grows with the catalogue.

Datasette 0.65 answers each `view-table` permission check by deep-copying the whole
metadata (every table's and column's description) to look for `allow` blocks, twice a
request: on the hub of the bundled datasets plus a million-row table that was 40% of a
filtered JSON request. The answer depends on nothing but the metadata, the database and
the table, so it is kept for as long as the metadata object is the same one (`catalog
serve` installs a new object whenever a new hub is published).
"""
from __future__ import annotations

from datasette.app import Datasette

REMEMBERED = 10_000  # (database, table) answers kept; table names come from URLs: bounded


class HubDatasette(Datasette):
    def _table_permission_allows(self, database, table):
        remembered = getattr(self, "_catalog_allows", None)
        if remembered is None or remembered[0] is not self._metadata_local or len(remembered[1]) >= REMEMBERED:
            remembered = self._catalog_allows = (self._metadata_local, {})
        key = (database, table)
        if key not in remembered[1]:
            remembered[1][key] = super()._table_permission_allows(database, table)
        return remembered[1][key]
