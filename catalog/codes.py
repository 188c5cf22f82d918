"""Every finding code, declared once: its severity, whether it makes the input unusable
(exit code 2), and its one-line meaning.

`catalog validate` reports findings by these codes; README.md's table of finding codes is
generated from this registry (`python3 -m catalog.codes` prints it) and tests/test_docs.py
checks that the two agree and that every code the source emits is declared here.
A code whose severity depends on the case says so in its meaning and is declared an error.
"""
from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Code:
    codes: tuple[str, ...]  # one meaning, worded once, for these codes
    meaning: str  # one line, Markdown
    unusable: bool = False  # the input could not be read at all: exit code 2
    severity: str = ERROR

    def cell(self) -> str:
        """The table's first cell: the codes and their markers."""
        marks = (" *exit 2*" if self.unusable else "") + (" *warning*" if self.severity == WARNING else "")
        return ", ".join(f"`{c}`" for c in self.codes) + marks


REGISTRY = [
    Code(('unusable-input',),
         'a path does not exist, a descriptor or schema is broken, an archive is unreadable or too large once unpacked', unusable=True),
    Code(('unreadable',),
         'a publisher profile or an external reuse file is not readable YAML (the line where the quote or bracket starts)', unusable=True),
    Code(('missing-file',),
         'a resource names a file that is not in the dataset folder', unusable=True),
    Code(('missing-descriptor',),
         '`datasets/<publisher>/<dataset>/` holds data files but no `datapackage.json`', unusable=True),
    Code(('unsafe-path',),
         "a resource's `path` (any part), `schema`, `dialect` or `url` leaves the dataset folder (absolute, `..`, a URL, a symbolic link leading out), or it names a custom `profile`: nothing of it is read"),
    Code(('unsafe-link',),
         "a link of the descriptor (a licence, source or contributor `path`, a `homepage`…) or of a map bubble (the `link` or `image` of a `popup` cell) names a scheme other than http(s) or mailto (`javascript:`, `data:`…): it would run code in a visitor's browser"),
    Code(('unsupported-resource',),
         'a resource holds inline `data`, or is split into several files (a `path` list): the hub publishes one data file per resource'),
    Code(('unsafe-name',),
         'a dataset, resource or publisher name (`column` names the descriptor key, or the folder) is not lower-case letters, digits, `.`, `_`, `-` (first a letter or digit, no `..`, 128 at most): nothing is written'),
    Code(('unsupported-file',),
         'a bare file of a kind the hub cannot read (CSV, Excel, GeoJSON and GTFS zip are read)'),
    Code(('descriptor-error',),
         'the descriptor lists no resources, or a key the hub reads has the wrong shape (`column` names it: `catalog.temporal` must be an object, `keywords` a list of texts…)'),
    Code(('missing-title',),
         'the dataset has no title (it is never published without one)'),
    Code(('placeholder',),
         'a value `catalog describe` could not know is still a `TODO:` placeholder (the dataset is not published until it is filled in)', severity=WARNING),
    Code(('schema-outdated',),
         "the resource refers to a national schema version older than the catalogue's latest", severity=WARNING),
    Code(('unknown-publisher',),
         "the dataset's publisher folder has no valid profile (*warning* outside a hub)"),
    Code(('publisher-profile',),
         'a key of `publishers/<slug>.yml` is missing, unknown (*warning*) or invalid (`column` names the key)'),
    Code(('reuse-profile',),
         'a key of `reuses/<slug>.yml` is missing, unknown (*warning*) or invalid'),
    Code(('reuse-spec', 'reuse-source-missing', 'reuse-broken', 'reuse-output'),
         "a derived dataset's `catalog.reuse`: malformed, a source the hub lacks, a table or column its sources do not have, a schema that differs from the derived columns"),
    Code(('reuse-limit',),
         "a derived dataset's SQL does not end, even over empty source tables (a trial run stopped after 5 s or 64 MB of rows); at publish the same query is stopped past `CATALOG_REUSE_SECONDS` (default 120) or `CATALOG_REUSE_MAX_BYTES` (default 512 MB) and the reuse is refused"),
    Code(('chart-spec', 'chart-column', 'chart-measure'),
         "a chart under `catalog.charts`: malformed (title, type, aggregate, filter, a parameter the reuse's SQL lacks), a resource or column its table (or the parameter's choices table) does not have, a measure that is not a number"),
    Code(('encoding-mismatch', 'delimiter-mismatch'),
         "the file's encoding or delimiter is not the one declared (or assumed: UTF-8 and `,`)"),
    Code(('encoding-detected',),
         'a bare CSV file is not UTF-8 (it is read with its real encoding)', severity=WARNING),
    Code(('table-layout',),
         "a bare file's table does not start on row 1 (a title above its header) or ends with totals or notes: they are read as such (`dialect.headerRows` / `commentRows`, which `catalog describe` declares)", severity=WARNING),
    Code(('double-encoded',),
         'the text was converted to UTF-8 twice (`DÃ©partement`): no declared encoding can repair it; export again or convert it back once'),
    Code(('empty-sheet',),
         'the sheet read (the first, `dialect.sheet` or `--sheet`) is empty; the message names the sheets that hold data'),
    Code(('merged-header',),
         'header cells of a spreadsheet are merged: one label over several columns, the others left without a name'),
    Code(('formula-not-computed',),
         'formula cells of a workbook hold no stored value (written by a program that does not calculate): their values are unknown, so nothing is guessed'),
    Code(('type-error',),
         "a cell is not of its field's type; the fix names French habits (decimal comma, `dd/mm/yyyy`, `oui`/`non`)"),
    Code(('constraint-error', 'unique-error'),
         'a cell breaks a constraint (`required`, `enum`, `pattern`, `minimum`…, `unique`)'),
    Code(('primary-key', 'foreign-key'),
         'a primary key repeats an earlier row; a reference points to a record that does not exist'),
    Code(('missing-cell', 'extra-cell'),
         'a row has fewer or more cells than the header (often an unquoted delimiter)'),
    Code(('unclosed-quote',),
         'a quoted value is never closed: the rest of the file would be read as one value'),
    Code(('blank-row',),
         'an empty row', severity=WARNING),
    Code(('missing-label', 'extra-label', 'incorrect-label', 'blank-label', 'duplicate-label'),
         "the header row does not match the schema's fields"),
    Code(('source-error', 'format-error', 'encoding-error', 'scheme-error', 'io-error', 'error'),
         'the table cannot be read: an empty file, a damaged workbook (re-save it or export CSV)'),
    Code(('schema-error', 'field-error', 'package-error', 'resource-error', 'dialect-error', 'checklist-error'),
         'the descriptor or Table Schema breaks the Frictionless specifications (`field-error` names the field, e.g. `required` outside `constraints`)'),
    Code(('too-many-errors',),
         'a file stopped after 1,000 errors: fix the first ones (often one cause) and validate again', severity=WARNING),
    Code(('cell-checks-incomplete',),
         'the personal-data, formula and coordinate checks stopped at a row they could not read (or, on a large file, with the table checks at the error limit: said in `too-many-errors`), or the personal-data gate could not read a part published as it is (a binary member of an archive or resource)', severity=WARNING),
    Code(('personal-data',),
         'a column looks like personal data (personal e-mails, phones, NIR, IBAN, person names, also in free text, in any sheet or archive member) and is not declared `"catalog": {"public": true}`, or is declared so implausibly; *warning* for a few personal-looking cells among an establishments\' contacts (see "The personal-data gate")'),
    Code(('formula-injection',),
         'cells start like a spreadsheet formula (`=`, `+`, `-`, `@`) that Excel would run'),
    Code(('coordinates-swapped',),
         'latitude and longitude columns are swapped'),
    Code(('coordinates-projected',),
         'coordinates are projected (Lambert-93…), not WGS84 degrees'),
    Code(('coordinates-out-of-range',),
         'a latitude beyond ±90 or a longitude beyond ±180'),
    Code(('coordinates-implausible',),
         'points outside the declared `spatial.bbox` (*warning* for a bare file, checked against France)'),
    Code(('geojson-syntax', 'geojson-encoding'),
         'not valid JSON (what and where, in plain words), not UTF-8'),
    Code(('geojson-structure', 'geojson-geometry', 'geojson-invalid-geometry'),
         'not a FeatureCollection (*warning* for a lone Feature or geometry), a malformed geometry, an invalid one (self-intersecting, unclosed ring)'),
    Code(('geojson-crs', 'geojson-not-wgs84'),
         'a declared or detected coordinate system other than WGS84'),
    Code(('geojson-swapped-coordinates', 'geojson-implausible-coordinates'),
         '`[lat, lon]` instead of `[lon, lat]`; features outside the declared coverage'),
    Code(('geojson-too-large',),
         'larger than `CATALOG_MAX_GEOJSON_BYTES`: split it'),
    Code(('gtfs-missing-file', 'gtfs-empty-file', 'gtfs-malformed-file', 'gtfs-encoding'),
         "the feed's files: a required one missing, empty, unreadable, not UTF-8"),
    Code(('gtfs-unknown-file',),
         'a file GTFS does not define (a typo in a file name, an extension of another standard)', severity=WARNING),
    Code(('gtfs-missing-column', 'gtfs-missing-value', 'gtfs-duplicate-id', 'gtfs-invalid-value', 'gtfs-invalid-coordinate'),
         'a required column or value missing, an id used twice, a value or coordinate GTFS does not allow'),
    Code(('gtfs-invalid-reference', 'gtfs-invalid-stop-sequence', 'gtfs-duplicate-stop-sequence', 'gtfs-invalid-time', 'gtfs-time-decreasing'),
         'a stop or trip that does not exist, broken stop sequences, invalid or decreasing times'),
]

CODES: dict[str, Code] = {code: entry for entry in REGISTRY for code in entry.codes}
UNUSABLE = frozenset(code for entry in REGISTRY if entry.unusable for code in entry.codes)

HEADER = "| code | what it means |\n|---|---|\n"


def readme_table() -> str:
    """The Markdown table of README.md's "Finding codes" section."""
    return HEADER + "".join(f"| {entry.cell()} | {entry.meaning} |\n" for entry in REGISTRY)


if __name__ == "__main__":
    print(readme_table(), end="")
