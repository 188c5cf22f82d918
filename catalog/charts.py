"""Chart declarations: what a dataset says under `catalog.charts`, read the same way by
`catalog validate` (catalog/validate/charts.py) and by the hub (catalog/hub/charts.py).

```json
"charts": [{"title": "Dépenses par fonction", "type": "bar", "resource": "budget-2025",
            "category": "Libellé fonction", "measure": "Montant (€)", "aggregate": "sum",
            "filter": {"Sens": "Dépense"}},
           {"title": "Dépenses par habitant", "type": "bar", "resource": "depenses",
            "category": "libelle_fonction", "measure": "par_habitant_eur", "aggregate": "none",
            "parameter": {"name": "insee", "title": "Commune",
                          "choices": {"table": "population_communes_population",
                                      "value": "code_insee", "label": "nom"}}}]
```

- `type`: `bar` or `treemap` (a measure by a category), `line` (a measure along time: the
  category is a date, a year or a number);
- `aggregate`: `sum` (default), `count` (no measure needed), `avg`, `min`, `max`, or `none`
  when each row already is one category;
- `filter`: rows kept, column = value;
- `parameter`: for a reuse computed by SQL, the query parameter the reader chooses; the chart
  is drawn from the hub's canned query, and `choices` names the hub table listing the values.
"""
from __future__ import annotations

from dataclasses import dataclass, field

TYPES = ("bar", "treemap", "line")
AGGREGATES = ("sum", "count", "avg", "min", "max", "none")
NUMERIC = ("integer", "number", "year")
TIME = ("date", "datetime", "year", "yearmonth", "integer", "number")
MAX_CHARTS = 20
KEYS = {"title", "type", "resource", "category", "measure", "aggregate", "filter", "parameter", "description"}


@dataclass
class Parameter:
    name: str
    title: str
    table: str | None = None
    value: str | None = None
    label: str | None = None


@dataclass
class Chart:
    index: int
    title: str
    type: str
    resource: str | None
    category: str
    measure: str | None
    aggregate: str
    filter: dict = field(default_factory=dict)
    parameter: Parameter | None = None
    description: str = ""

    @property
    def slug(self) -> str:
        return f"chart-{self.index + 1}"


@dataclass
class Problem:
    where: str  # e.g. "catalog.charts[0].measure"
    message: str
    fix: str
    code: str = "chart-spec"


def _text(value) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def parse(hub: dict) -> tuple[list[Chart], list[Problem]]:
    """The well-formed charts, and what is wrong with the others (their columns are not checked here)."""
    raw = hub.get("charts") if isinstance(hub, dict) else None
    if raw is None:
        return [], []
    if not isinstance(raw, list):
        return [], [Problem("catalog.charts", "`charts` is not a list.", "Write `\"charts\": [{...}, ...]`.")]
    charts, problems = [], []
    for index, item in enumerate(raw[:MAX_CHARTS]):
        where = f"catalog.charts[{index}]"
        if not isinstance(item, dict):
            problems.append(Problem(where, "a chart is not an object.", "Write each chart as {\"title\": …, …}."))
            continue
        found = []
        title, kind = _text(item.get("title")), item.get("type", "bar")
        category, measure = _text(item.get("category")), _text(item.get("measure"))
        aggregate = item.get("aggregate", "sum" if measure else "count")
        if not title:
            found.append(Problem(f"{where}.title", "a chart has no title.", "Give it a `title` readers will see."))
        if kind not in TYPES:
            found.append(Problem(f"{where}.type", f"unknown chart type {kind!r}.", f"Use one of {', '.join(TYPES)}."))
        if not category:
            found.append(Problem(f"{where}.category", "a chart names no `category` column.",
                                 "Name the column giving the bars (or the time, for a line)."))
        if aggregate not in AGGREGATES:
            found.append(Problem(f"{where}.aggregate", f"unknown aggregate {aggregate!r}.",
                                 f"Use one of {', '.join(AGGREGATES)}."))
        elif aggregate != "count" and not measure:
            found.append(Problem(f"{where}.measure", "a chart names no `measure` column.",
                                 "Name the numeric column to draw, or use `\"aggregate\": \"count\"`."))
        filters = item.get("filter") or {}
        if not isinstance(filters, dict) or not all(isinstance(k, str) and isinstance(v, (str, int, float))
                                                    and not isinstance(v, bool) for k, v in filters.items()):
            found.append(Problem(f"{where}.filter", "`filter` is not an object of column = value.",
                                 "Write `\"filter\": {\"Sens\": \"Dépense\"}`."))
            filters = {}
        parameter = None
        if item.get("parameter") is not None:
            parameter, problem = _parameter(item["parameter"], f"{where}.parameter")
            if problem:
                found.append(problem)
        unknown = sorted(set(item) - KEYS)
        if unknown:
            found.append(Problem(f"{where}.{unknown[0]}", f"unknown key {unknown[0]!r} in a chart.",
                                 f"Use only {', '.join(sorted(KEYS))}."))
        resource = item.get("resource")
        if resource is not None and not _text(resource):
            found.append(Problem(f"{where}.resource", "`resource` is not a resource name.",
                                 "Name one of the dataset's resources."))
        if found:
            problems += found
            continue
        charts.append(Chart(index, title, kind, _text(resource), category, measure if aggregate != "count" else None,
                            aggregate, dict(filters), parameter, _text(item.get("description")) or ""))
    if len(raw) > MAX_CHARTS:
        problems.append(Problem("catalog.charts", f"more than {MAX_CHARTS} charts.", "Keep the ones readers need."))
    return charts, problems


def _parameter(value, where) -> tuple[Parameter | None, Problem | None]:
    if isinstance(value, str) and _text(value):
        return Parameter(value.strip(), value.strip()), None
    if not isinstance(value, dict) or not _text(value.get("name")):
        return None, Problem(where, "`parameter` names no query parameter.",
                             "Write `\"parameter\": {\"name\": \"insee\", \"title\": \"Commune\", \"choices\": {…}}`.")
    choices = value.get("choices")
    if choices is not None and not (isinstance(choices, dict) and _text(choices.get("table"))
                                    and _text(choices.get("value"))):
        return None, Problem(f"{where}.choices", "`choices` does not name a table and a value column.",
                             "Write `\"choices\": {\"table\": \"<hub table>\", \"value\": \"code\", \"label\": \"nom\"}`.")
    choices = choices or {}
    return Parameter(value["name"].strip(), _text(value.get("title")) or value["name"].strip(),
                     _text(choices.get("table")), _text(choices.get("value")),
                     _text(choices.get("label")) or _text(choices.get("value"))), None


def pick_resource(chart: Chart, resources: list[dict]) -> dict | None:
    """The resource a chart draws: the one it names, or the dataset's only table."""
    if chart.resource:
        return next((r for r in resources if r.get("name") == chart.resource), None)
    tables = [r for r in resources if r.get("schema")]
    return tables[0] if len(tables) == 1 else None
