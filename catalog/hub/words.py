"""The hub's words for the descriptor's codes (themes, frequencies, publisher kinds, reuse
types), shown in the reader's language; the pages, the search and the grouped landing page
all label a code through here."""
from __future__ import annotations

from catalog.hub.i18n import N_
from catalog.hub.i18n import gettext as _

# The README's words for themes, frequencies, publisher kinds and reuse types, shown translated.
THEMES = {"transport": N_("transport"), "energy": N_("energy"), "budget": N_("budget"),
          "facilities": N_("public facilities"), "boundaries": N_("boundaries"), "mobility": N_("mobility"),
          "population": N_("population"), "environment": N_("environment"), "health": N_("health"),
          "education": N_("education"), "culture": N_("culture"), "economy": N_("economy")}
FREQUENCIES = {"continuous": N_("continuous"), "daily": N_("daily"), "weekly": N_("weekly"),
               "monthly": N_("monthly"), "quarterly": N_("quarterly"), "semiannual": N_("twice a year"),
               "annual": N_("annual"), "irregular": N_("irregular"), "punctual": N_("one-off")}
KINDS = {"town": N_("town"), "département": N_("département"), "intercommunality": N_("intercommunality"),
         "transport-operator": N_("transport operator"), "agency": N_("agency")}
REUSE_TYPES = {"application": N_("application"), "visualisation": N_("visualisation"), "api": N_("API"),
               "article": N_("article"), "paper": N_("paper"), "dataset": N_("dataset")}


def label(words: dict, value) -> str:
    """A known word in the reader's language; an unknown one as the publisher wrote it."""
    return _(words[value]) if value in words else (value or "")


def theme_label(theme: str) -> str:
    return label(THEMES, theme) if theme else ""
