"""The charts of a dataset page: each declared chart (catalog/charts.py) becomes the hub
request that gives its values, a link to see that query, and its values for the text
alternative. The browser draws it from the same JSON (catalog/static/hub-charts.js).

A category that is a foreign key (trips' `route_id`) is shown by the label of the row it
points to (the route's name), as Datasette shows foreign keys.
"""
from __future__ import annotations

import json
from urllib.parse import urlencode

from catalog import charts as chart_spec
from catalog.hubdb import as_list, table_fields
from catalog.naming import table_name

SQL_AGGREGATES = {"sum": "SUM", "avg": "AVG", "min": "MIN", "max": "MAX", "count": "COUNT"}
MAX_POINTS = 500  # a chart of more categories than this is not read; the query says so with LIMIT
MAX_CHOICES = 1000
COUNT_FIELD = "count"


def _q(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _label_join(resource: dict, resources: list[dict], dataset_name: str, labels: dict, category: str):
    """(join clause, label expression) when the category is a single-column foreign key to a labelled table."""
    for fk in (resource.get("schema") or {}).get("foreignKeys") or []:
        fields, reference = as_list(fk.get("fields")), fk.get("reference") or {}
        if fields != [category] or len(as_list(reference.get("fields"))) != 1:
            continue
        target = reference.get("resource") or resource.get("name")
        if not any(r.get("name") == target for r in resources):
            continue
        table = table_name(dataset_name, target)
        label = labels.get(table)
        if label:
            key = as_list(reference.get("fields"))[0]
            return (f"LEFT JOIN {_q(table)} AS r ON r.{_q(key)} = t.{_q(category)}",
                    f"COALESCE(r.{_q(label)}, t.{_q(category)})")
    return "", f"t.{_q(category)}"


def sql_for(chart, resource: dict, resources: list[dict], dataset_name: str, labels: dict) -> tuple[str, dict]:
    """The read-only SQL giving one row per category, and its named parameters."""
    table = table_name(dataset_name, resource.get("name"))
    join, category = _label_join(resource, resources, dataset_name, labels, chart.category)
    params, where = {}, []
    for number, (column, value) in enumerate(chart.filter.items()):
        params[f"f{number}"] = str(value)
        where.append(f"t.{_q(column)} = :f{number}")
    value_name = chart.measure or COUNT_FIELD
    if chart.aggregate == "none":
        value = f"t.{_q(chart.measure)}"
        grouping = ""
    elif chart.aggregate == "count":
        value, grouping = "COUNT(*)", " GROUP BY 1"
    else:
        # Rounded to the cent: a sum of decimal amounts in binary floating point reads 3182068.5599999996.
        value, grouping = f"ROUND({SQL_AGGREGATES[chart.aggregate]}(t.{_q(chart.measure)}), 2)", " GROUP BY 1"
    order = "1" if chart.type == "line" else "2 DESC"
    sql = (f"SELECT {category} AS {_q(chart.category)}, {value} AS {_q(value_name)}\nFROM {_q(table)} AS t"
           + (f" {join}" if join else "") + (f"\nWHERE {' AND '.join(where)}" if where else "")
           + f"{grouping}\nORDER BY {order}\nLIMIT {MAX_POINTS}")
    return sql, params


async def _rows(database, sql, params=None) -> list[dict]:
    return [dict(r) for r in (await database.execute(sql, params or {})).rows]


async def dataset_charts(database, urls, descriptor: dict, tables: list[dict]) -> list[dict]:
    """What the page needs to draw each valid chart of a dataset (invalid ones are left out:
    `catalog validate` reports them)."""
    hub = descriptor.get("catalog") or {}
    charts, _ = chart_spec.parse(hub)
    resources = [r for r in descriptor.get("resources") or [] if isinstance(r, dict)]
    labels = {t["name"]: t.get("label_column") for t in await _rows(
        database, "SELECT name, label_column FROM catalog_tables")}
    existing = set(labels)
    reuse = hub.get("reuse") if isinstance(hub.get("reuse"), dict) else {}
    result = []
    for chart in charts:
        resource = chart_spec.pick_resource(chart, resources)
        if resource is None:
            continue
        fields = {f["name"]: f for f in table_fields(resource)}
        needed = [chart.category, *([chart.measure] if chart.measure else []), *chart.filter]
        if any(column not in fields for column in needed):
            continue
        entry = {"slug": chart.slug, "title": chart.title, "type": chart.type, "description": chart.description,
                 "category": chart.category, "value": chart.measure or COUNT_FIELD,
                 "value_title": fields[chart.measure].get("title") or chart.measure if chart.measure else None,
                 "temporal": fields[chart.category].get("type") in ("date", "datetime"),
                 "parameter": None}
        if chart.parameter:
            if reuse.get("method") != "sql":
                continue
            name = chart.parameter.name
            default = str((reuse.get("parameters") or {}).get(name, ""))
            choices = []
            if chart.parameter.table in existing:
                p = chart.parameter
                choices = await _rows(database, f"SELECT DISTINCT {_q(p.value)} AS value, {_q(p.label)} AS label "
                                                f"FROM {_q(p.table)} WHERE {_q(p.value)} IS NOT NULL "
                                                f"ORDER BY label LIMIT {MAX_CHOICES}")
            query = descriptor.get("name")
            entry["parameter"] = {"name": name, "title": chart.parameter.title, "default": default,
                                  "choices": [{"value": str(c["value"]), "label": str(c["label"])} for c in choices]}
            entry["json_base"] = urls.table(database.name, query, format="json")
            entry["html_base"] = urls.table(database.name, query)
            params = {name: default}
            entry["data_url"] = f"{entry['json_base']}?{urlencode({'_shape': 'array', **params})}"
            entry["see_url"] = f"{entry['html_base']}?{urlencode(params)}"
            try:
                rows = await _rows(database, reuse["sql"], params)
            except Exception:  # a canned query that fails on the hub: drawn as empty, the link shows why
                rows = []
        else:
            if table_name(descriptor.get("name"), resource.get("name")) not in existing:
                continue
            sql, params = sql_for(chart, resource, resources, descriptor.get("name"), labels)
            entry["sql"] = sql
            entry["data_url"] = (f"{urls.database(database.name, format='json')}?"
                                 f"{urlencode({'sql': sql, **params, '_shape': 'array'})}")
            entry["see_url"] = f"{urls.database(database.name)}?{urlencode({'sql': sql, **params})}"
            rows = await _rows(database, sql, params)
        entry["values"] = [{"category": r.get(entry["category"]), "value": r.get(entry["value"])} for r in rows]
        entry["config"] = json.dumps({k: entry[k] for k in ("slug", "title", "type", "category", "value",
                                                            "value_title", "temporal", "data_url", "description")}
                                     | {"json_base": entry.get("json_base"), "html_base": entry.get("html_base"),
                                        "parameter": (entry["parameter"] or {}).get("name")},
                                     ensure_ascii=False)
        result.append(entry)
    return result
