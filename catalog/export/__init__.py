"""Exports of the catalogue for other systems: DCAT-AP for open-data harvesters."""
from catalog.export.dcat import ExportResult, export_dcat

__all__ = ["ExportResult", "export_dcat"]
