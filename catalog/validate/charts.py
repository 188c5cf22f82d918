"""`catalog validate` on a dataset's chart declarations (`catalog.charts`, see catalog/charts.py):
well-formed (`chart-spec`), naming columns its table has (`chart-column`), drawing a numeric
measure (`chart-measure`). Read from the descriptor and the Table Schemas alone."""
from __future__ import annotations

import re
from pathlib import Path

from catalog import charts as chart_spec
from catalog.datasets import Dataset
from catalog.errors import UnusableInput
from catalog.findings import Finding


def check_charts(dataset: Dataset, root: Path | None) -> list[Finding]:
    found_charts, problems = chart_spec.parse(dataset.hub)
    file = dataset.descriptor_path.name
    findings = [Finding(p.code, f"chart: {p.message}", p.fix, file=file, column=p.where) for p in problems]
    for chart in found_charts:
        where = f"catalog.charts[{chart.index}]"

        def finding(code, message, fix, key, value=None):
            findings.append(Finding(code, f"chart “{chart.title}”: {message}", fix, file=file,
                                    column=f"{where}.{key}", value=value))

        resource = chart_spec.pick_resource(chart, dataset.resources)
        if resource is None:
            names = ", ".join(str(r.get("name")) for r in dataset.resources)
            finding("chart-column", f"resource {chart.resource!r} is not one of the dataset's tables." if chart.resource
                    else "the dataset has several tables and the chart names none.",
                    f"Set `resource` to one of: {names}.", "resource", chart.resource)
            continue
        try:
            schema = dataset.schema(resource) or {}
        except UnusableInput:
            continue  # the descriptor's own checks report the schema
        types = {f.get("name"): f.get("type", "string") for f in schema.get("fields", []) if isinstance(f, dict)}
        known = ", ".join(types)
        for key, column in [("category", chart.category), ("measure", chart.measure)] + \
                           [("filter", c) for c in chart.filter]:
            if column and column not in types:
                finding("chart-column", f"column {column!r} is not in table {resource.get('name')}.",
                        f"Columns of {resource.get('name')}: {known}.", key, column)
        if chart.measure in types and types[chart.measure] not in chart_spec.NUMERIC:
            finding("chart-measure", f"the measure {chart.measure!r} is of type {types[chart.measure]}, not a number.",
                    "Draw a column of type number or integer (declare its type in the Table Schema, with "
                    "decimalChar for a decimal comma).", "measure", chart.measure)
        if chart.type == "line" and chart.category in types and types[chart.category] not in chart_spec.TIME:
            finding("chart-spec", f"a line chart runs along time, and {chart.category!r} is of type "
                    f"{types[chart.category]}.", "Use a date, year or number column as category, or a bar chart.",
                    "category", chart.category)
        if chart.parameter:
            findings_parameter(dataset, root, chart, finding)
    return findings


def findings_parameter(dataset: Dataset, root: Path | None, chart, finding) -> None:
    reuse = dataset.hub.get("reuse") if isinstance(dataset.hub.get("reuse"), dict) else {}
    sql = reuse.get("sql") if reuse.get("method") == "sql" else None
    name = chart.parameter.name
    if not isinstance(sql, str) or not re.search(rf"(?<!:):{re.escape(name)}\b", sql):
        finding("chart-spec", f"parameter {name!r} is not a parameter of the dataset's SQL query.",
                "A parameter chart follows a reuse computed by SQL (`catalog.reuse.sql` with `:name`).",
                "parameter", name)
        return
    choices = chart.parameter
    if not choices.table or root is None:
        return
    from catalog.reuse import sources as source_tables

    datasets, _ = source_tables.load_sources(root, [s for s in reuse.get("sources") or [] if isinstance(s, str)])
    tables = {}
    for source in datasets:
        tables.update(source_tables.tables_of(source))
    if choices.table not in tables:
        finding("chart-column", f"the parameter's choices come from table {choices.table!r}, which none of the "
                "reuse's sources gives.", f"Use one of: {', '.join(sorted(tables)) or 'none'}.",
                "parameter.choices.table", choices.table)
        return
    for column in {choices.value, choices.label} - {None}:
        if column not in tables[choices.table]:
            finding("chart-column", f"column {column!r} is not in table {choices.table}.",
                    f"Columns of {choices.table}: {', '.join(tables[choices.table])}.", "parameter.choices", column)
