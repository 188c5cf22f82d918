"""Every error of the hub as a page in its style and the reader's language (JSON for `.json`)."""
from __future__ import annotations

import sqlite3
import sys
import traceback

from datasette.utils.asgi import Base400, Response
from datasette.views.base import DatasetteError

from catalog.hub import i18n


def error_page(datasette, request, exception):
    """Every error as a page in the hub's style and the reader's language (JSON for .json).

    Replaces Datasette's default handler (`catalog serve` unregisters it): with `rich`
    installed, that one printed a traceback for every unknown address and, outside an
    `except` block (an unknown deep URL), failed itself, turning a 404 into a bare 500."""

    async def page():
        title, message = None, str(exception)
        if isinstance(exception, Base400):
            status, message = exception.status, exception.args[0] if exception.args else ""
        elif isinstance(exception, DatasetteError):
            status, message, title = exception.status, exception.message, exception.title
            if status == 500:
                status = 400  # Datasette's own messages about the request ("Cannot sort table by …")
        elif isinstance(exception, sqlite3.ProgrammingError) and "binding parameter" in str(exception):
            status, message = 404, ""  # a row address with fewer key values than the table's key
        else:
            status = 500
            traceback.print_exception(type(exception), exception, exception.__traceback__, file=sys.stderr)
            message = i18n.gettext("The hub could not answer this request.")
        if status == 404 and message in ("404", "Database not found", "Table not found", "Not found"):
            message = ""  # Datasette's terse English; the page says it in the reader's language
        headers = {"Access-Control-Allow-Origin": "*"} if getattr(datasette, "cors", False) else {}
        if request.path.split("?")[0].endswith(".json"):
            return Response.json({"ok": False, "error": message or i18n.gettext("Page not found"), "status": status,
                                  "title": title}, status=status, headers=headers)
        html = await datasette.render_template("error.html", {"status": status, "error": message, "title": title},
                                               request=request)
        return Response.html(html, status=status, headers=headers)

    return page
