"""A typed cell value as the normalised package writes it, one way only: plain numbers
(`.` decimals, no exponent for decimals), `true`/`false`, ISO dates and times, compact JSON for arrays and objects.

Both writers of the normaliser (catalog/normalise.py, a row at a time, and
catalog/normalise_columns.py, a column at a time) and the reuse builder write through it,
so a value has the same text whichever of them wrote it.
"""
from __future__ import annotations

import datetime
import decimal
import json


def cell(value, geopoint_format=None) -> str:
    if value is None:
        return ""
    if geopoint_format == "default" and isinstance(value, (list, tuple)) and len(value) == 2:
        return f"{cell(value[0])},{cell(value[1])}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal):
        text = format(value, "f")
        return text
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)
