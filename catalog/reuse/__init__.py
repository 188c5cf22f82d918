"""Reuses: datasets derived from other datasets of the hub, with their lineage.

A reuse is a dataset whose descriptor carries `"catalog": {"reuse": {...}}` (see
catalog/reuse/spec.py and README.md). `catalog validate` checks it against its sources'
schemas (check.py); `catalog package` packages its sources first, derives its table from
them (derive.py) and packages the result like any dataset, recording each source's
version and content hash in `sources` (build.py).
"""
from catalog.reuse.build import derive_folder, derived_reuse, is_reuse, with_sources
from catalog.reuse.check import check_reuse
from catalog.reuse.spec import Spec, SpecError, parse

__all__ = ["Spec", "SpecError", "check_reuse", "derive_folder", "derived_reuse", "is_reuse", "parse", "with_sources"]
