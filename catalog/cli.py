"""The `catalog` command: parse options, call the library, print. Nothing else."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from catalog import __version__
from catalog.errors import CatalogError


def _fail(error: CatalogError):
    click.echo(f"Error: {error}", err=True)
    sys.exit(error.exit_code)


def _progress():
    """A progress callback drawing on stderr, only when a person is watching."""
    if not sys.stderr.isatty():
        return None, None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    # The spinner and clock keep moving while one large file is checked; stdout carries the report (--json).
    bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=Console(stderr=True), transient=True)
    task = {}

    def advance(label, total):
        if not task:
            task["id"] = bar.add_task("validating", total=total)
        else:
            bar.advance(task["id"])
        label = str(label)
        # Keep the end of a long path: the file name is what tells targets apart.
        bar.update(task["id"], description=label if len(label) <= 40 else "…" + label[-39:])
        # Draw now: a short target would otherwise finish between two timed refreshes, unseen.
        bar.refresh()

    return bar, advance


# Options every command shares, spelled and explained one way.
root_option = click.option("--root", default=".", type=click.Path(file_okay=False),
                           help="The hub folder holding datasets/ and publishers/ (default: here).")


def packages_option(*aliases):
    """The packages folder: written by `package`, read by the publishers, served by `serve`."""
    return click.option("--packages", *aliases, "packages", default="build/packages", show_default=True,
                        type=click.Path(file_okay=False),
                        help="The data packages folder (written by package, read by publish, served under /packages/).")


class _Commands(click.Group):
    """Every command: a full disk, a read-only folder or a missing permission ends in one line
    naming the file, exit 2 (unusable input or usage), never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except OSError as error:
            where = f" {error.filename}" if error.filename else ""
            click.echo(f"Error: cannot read or write{where}: {error.strerror or error}.\n  How to fix: free some disk "
                       "space, or give a folder this user may write to (--out, --packages, --db), then run the "
                       "command again: what was published before is unchanged.", err=True)
            sys.exit(2)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="catalog")
def main():
    """Validate, package and publish open data as one hub.

    \b
    Usual order, from the hub folder (holding datasets/ and publishers/):
      catalog describe FILE      write a new dataset's folder and descriptor
      catalog validate           check datasets, publisher profiles and files
      catalog package            write data packages to build/packages
      catalog publish datasette  build the hub database, then: catalog serve
      catalog publish ckan       publish the same packages to a CKAN portal
      catalog export dcat        write the catalogue for national harvesters
    Publishing and exporting package (and so validate) what they need first.

    \b
    Exit codes (every command):
      0  valid or done (warnings allowed)
      1  invalid data (what is invalid is not packaged or published)
      2  unusable input or usage (missing or unreadable file, wrong option)
      3  publication partly done (run the same command again to finish it)

    Each command's --help says more, e.g. catalog validate --help.
    """


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--schema", help="Table Schema file, or national schema reference (etalab/schema-irve-statique@2.3.1), "
                              "to check a bare CSV/Excel file against.")
@click.option("--sheet", help="The sheet of a bare Excel file to read: its name or its position (1 = first).")
@click.option("--public", "public", multiple=True, metavar="COLUMN",
              help="A column of a bare file holding public contacts (a service's address or switchboard); "
                   "repeat for several. It must still be plausible: role addresses or a service's domain.")
@root_option
@click.option("--json", "as_json", is_flag=True, help="Print the machine-readable report (see README).")
@click.option("-v", "--verbose", is_flag=True, help="Show every finding, not the first 50 per file.")
def validate(paths, schema, sheet, public, root, as_json, verbose):
    """Check datasets, profiles and data files.

    PATH is a dataset folder, a descriptor, a publisher profile or a file (CSV, Excel,
    GeoJSON, GTFS zip). With no PATH, every dataset under datasets/, every profile under
    publishers/ and every external reuse under reuses/.
    Exit codes: 0 valid (warnings allowed), 1 invalid, 2 unusable input."""
    from catalog.heap import freeze_imports
    from catalog.validate import validate as run

    freeze_imports()
    if schema and not Path(schema).is_file():
        from catalog.schemas import is_reference
        if not is_reference(schema):
            click.echo(f"Error: --schema {schema}: no such file, and not a national schema reference.\n"
                       "  How to fix: give a schema.json file or a reference such as etalab/schema-irve-statique@2.3.1 "
                       "(`catalog schemas list`).", err=True)
            sys.exit(2)

    bar, advance = _progress()
    try:
        if bar:
            with bar:
                report = run(paths, Path(root), Path(schema) if schema else None, advance, public=public, sheet=sheet)
        else:
            report = run(paths, Path(root), Path(schema) if schema else None, public=public, sheet=sheet)
    except CatalogError as error:
        _fail(error)
    if as_json:
        from catalog.findings import to_json

        click.echo(to_json(report))
    else:
        from catalog.render import render

        click.echo(render(report, verbose))
    sys.exit(report.exit_code)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--publisher", help="Publisher slug (publishers/SLUG.yml); default: the hub's only one, or the "
                                  "folder the files are in.")
@click.option("--dataset", help="Dataset name (default: from the first file's name).")
@click.option("--schema", help="National schema the table follows, e.g. etalab/schema-irve-statique@2.3.1.")
@click.option("--sheet", help="Excel sheet to describe (name or number; default: the first).")
@click.option("--force", is_flag=True, help="Replace a descriptor or files already in the dataset folder.")
@click.option("--sample-rows", default=50_000, show_default=True, type=int,
              help="Rows read per table to infer its schema (the rest is checked by validate).")
@click.option("--title", help="Dataset title (default: from the file name).")
@click.option("--description", help="Dataset description (otherwise a placeholder to fill in).")
@click.option("--frequency", help="Update frequency: continuous, daily, weekly, monthly, quarterly, semiannual, "
                                  "annual, irregular, punctual.")
@click.option("--theme", help="Theme: transport, energy, budget, facilities, boundaries, mobility, population…")
@click.option("--coverage", help="Area covered, e.g. Sampleville (the spatial coverage's label).")
@click.option("--public", "public", multiple=True, metavar="COLUMN",
              help="A column of public contacts (a service's phone or e-mail), exempt from the personal-data "
                   "check; repeatable.")
@root_option
def describe(files, publisher, dataset, schema, sheet, force, sample_rows, title, description, frequency, theme,
             coverage, public, root):
    """Describe raw files as a new dataset.

    Writes a dataset folder and its descriptor from raw files. FILE is a CSV/TSV (any common encoding and delimiter), an Excel or OpenDocument (.ods) workbook, a GeoJSON file,
    a GTFS zip, or GTFS .txt files. Writes datasets/<publisher>/<dataset>/ with the files
    (copied as they are) and datapackage.json: a Table Schema per table declaring the file's
    habits (encoding, delimiter, decimal comma, dd/mm/yyyy dates, oui/non, codes kept as text)
    and the catalog key. Values it cannot know are TODO placeholders: validate lists them and
    publish refuses the dataset until they are filled in. Never overwrites without --force.
    Exit codes: 0 written, 2 unusable input."""
    from catalog.describe import describe as run

    try:
        result = run(files, Path(root), publisher, dataset, schema, force, sheet, sample_rows, title, description,
                     frequency, theme, coverage, public)
    except CatalogError as error:
        _fail(error)
    for note in result.notes:
        click.echo(note)
    for suggestion in result.suggestions:
        click.echo(f"Suggestion: {suggestion}")
    click.echo(f"{result.dataset_id}: wrote {', '.join(result.written)} in {result.folder}")
    if result.placeholders:
        click.echo(f"To fill in (TODO placeholders in datapackage.json): {', '.join(result.placeholders)}; "
                   "until then the dataset is not published.")


@main.group()
def schemas():
    """National schemas: list, sync.

    The national schemas of schema.data.gouv.fr. A resource refers to one as "schema": "etalab/schema-irve-statique@2.3.1"."""


@schemas.command("sync")
@click.option("--url", default="https://schema.data.gouv.fr/schemas/schemas.json", show_default=True,
              help="The schema catalogue (schema.data.gouv.fr's JSON format).")
@click.option("--timeout", default=30.0, show_default=True, help="Seconds to wait for each answer.")
@root_option
def schemas_sync(url, timeout, root):
    """Refresh the local national schema cache.

    Fetches the catalogue, the latest version of every Table Schema and every version the
    hub's datasets refer to, into the cache (CATALOG_SCHEMAS_CACHE, default
    ~/.cache/catalog/schemas). Without a network, the snapshot shipped with catalog is used.
    Exit codes: 0 synced (some schemas may have failed, listed), 2 catalogue unreachable."""
    from catalog.schemas.sync import sync

    try:
        result = sync(url, Path(root), timeout)
    except CatalogError as error:
        _fail(error)
    click.echo(f"{result.schemas} schemas in the catalogue; {len(result.files)} schema files stored in {result.folder}")
    for label, why in result.failed.items():
        click.echo(f"Warning: {label} not stored: {why}", err=True)


@schemas.command("list")
def schemas_list():
    """List the known national schemas.

    Each schema's latest version, title, and the versions stored here."""
    from catalog.schemas.catalogue import catalogues, known, latest_version
    from catalog.schemas.reference import version_key

    try:
        found = catalogues()
    except CatalogError as error:
        _fail(error)
    for name, entry in sorted(known(found).items()):
        if not entry.versions:
            continue
        stored = [v for v in sorted(entry.versions, key=version_key) if any(c.file(name, v) for c in found)]
        click.echo(f"{name}@{latest_version(entry)}  {entry.title}  (stored: {', '.join(stored) or 'none'})")


@main.command("package")
@click.argument("paths", nargs=-1, type=click.Path())
@packages_option("--out")
@click.option("--zip", "make_zip", is_flag=True, help="Also write one zip per dataset.")
@root_option
def package_command(paths, packages, make_zip, root):
    """Write data packages (validated first).

    Standard data packages (normalised UTF-8 CSV, hashes, licence) under --packages.
    With no PATH, every dataset under datasets/. Invalid datasets are not packaged (exit 1)."""
    from catalog.heap import freeze_imports
    from catalog.package import package

    freeze_imports()
    try:
        run = package(paths, Path(root), Path(packages), make_zip)
    except CatalogError as error:
        _fail(error)
    for item in run.packaged:
        state = "written" if item.changed else "unchanged"
        click.echo(f"{item.dataset_id}: {state} -> {item.folder}" + (f" and {item.zip_path}" if item.zip_path else ""))
    for name, why in run.refused.items():
        click.echo(f"Error: {name} was not packaged: {why}.", err=True)
    sys.exit(run.exit_code)


@main.group()
def publish():
    """Publish packages: Datasette hub or CKAN.

    Publish data packages to a target: a Datasette hub or a CKAN portal."""


def min_quality_option(command):
    """The quality gate both publishers apply (catalog/publish/gate.py)."""
    return click.option("--min-quality", default=60, show_default=True, type=click.IntRange(0, 100),
                        help="Refuse datasets whose metadata quality score is under this (0-100). Datasets "
                             "without a title or with TODO placeholders are always refused.")(command)


# `catalog publish datasette` and `catalog serve` are defined below this line.
@publish.command("datasette")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--db", default="build/hub.db", show_default=True, type=click.Path(dir_okay=False),
              help="The hub SQLite database to build (swapped in whole when ready).")
@packages_option("--out")
@min_quality_option
@root_option
def publish_datasette_command(paths, db, packages, min_quality, root):
    """Build the Datasette hub database.

    Packages the datasets, then builds the hub database from them. With no PATH, every
    dataset under datasets/ (datasets removed from there leave the hub).
    Unchanged datasets are not reloaded. Exit 1 when a dataset is invalid (not published)."""
    from catalog.heap import freeze_imports
    from catalog.publish.datasette import publish_datasette

    freeze_imports()
    try:
        result = publish_datasette(paths, Path(root), Path(db), Path(packages), min_quality=min_quality)
    except CatalogError as error:
        _fail(error)
    for step in result.steps:
        click.echo(f"{step.dataset}: {'loaded' if step.action == 'load' else step.action} ({step.detail})")
    click.echo(f"hub: {result.db}" + (" written" if result.written else " already up to date, nothing written")
               + f"; metadata: {result.metadata}")
    for name, why in result.refused.items():
        click.echo(f"Error: {name} was not published: {why}.", err=True)
    sys.exit(2 if result.unreadable else 1 if result.refused else 0)


@main.command()
@click.option("--db", default="build/hub.db", show_default=True, type=click.Path(dir_okay=False),
              help="The hub database; built from the bundled datasets when missing.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8001, show_default=True, type=int, help="Port to listen on (0: any free port).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Server processes sharing the port (default: one per core, at most 2).")
@click.option("--base-url", envvar="CATALOG_BASE_URL",
              help="Public address of the hub (or CATALOG_BASE_URL): every link it writes starts with it "
                   "(default: http://HOST:PORT).")
@packages_option()
@root_option
def serve(db, host, port, workers, base_url, packages, root):
    """Serve the hub: pages, maps, downloads, API.

    Runs Datasette with the landing page, maps, downloads and the JSON/SQL API."""
    from catalog.serve import serve as run

    try:
        run(Path(db), host, port, Path(packages), Path(root), workers=workers,
            echo=lambda text: click.echo(text, err=True), base_url=base_url)
    except CatalogError as error:
        _fail(error)



# `catalog publish ckan` is defined below this line.
@publish.command("ckan")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--url", required=True, help="The CKAN portal, e.g. https://data.example.fr.")
@click.option("--api-key-file", type=click.Path(dir_okay=False),
              help="File holding the API token (default: the CKAN_API_KEY environment variable).")
@click.option("--dry-run", is_flag=True, help="Print the plan (create/update/unchanged/prune) and write nothing.")
@click.option("--prune", type=click.Choice(["private", "delete"]), is_flag=False, flag_value="private",
              default=None, help="Remove resources this tool published that left their package, and make the "
                                 "datasets whose folder is gone private (--prune=delete deletes them).")
@click.option("--force", is_flag=True, help="Overwrite what was changed on the portal: publish again a dataset "
                                            "made private or deleted there, write edited titles and licences.")
@click.option("--timeout", default=120.0, show_default=True, help="Seconds to wait for each answer of the portal.")
@click.option("--licence-map", multiple=True, envvar="CATALOG_CKAN_LICENCE_MAP",
              help="LICENCE=PORTAL_ID: the portal's licence id for a licence its list lacks "
                   "(repeatable; or CATALOG_CKAN_LICENCE_MAP, comma-separated).")
@click.option("--hub-url", envvar="CATALOG_BASE_URL",
              help="Public address of the hub (or CATALOG_BASE_URL): each dataset links to its hub page.")
@packages_option("--out")
@min_quality_option
@root_option
def publish_ckan_command(paths, url, api_key_file, dry_run, prune, force, timeout, licence_map, hub_url, packages,
                         min_quality, root):
    """Publish datasets to a CKAN portal.

    Organisations, datasets, files and DataStore tables. With no PATH, every dataset
    under datasets/. Publishing again changes only what changed.
    Exit codes: 0 done, 1 a dataset was refused (invalid), 2 unusable input, 3 stopped midway."""
    from catalog.publish.ckan import publish_ckan, read_api_key, without_userinfo
    from catalog.publish.ckan_licences import parse_map

    try:  # said at once: the run may stop before its warnings are printed
        url = without_userinfo(url, lambda message: click.echo(f"Warning: {message}.", err=True))
    except CatalogError as error:
        _fail(error)

    bar = None
    if sys.stderr.isatty() and not dry_run:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        # Step lines go above the bar only when stdout is the same terminal: piped, they stay on stdout.
        bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                       console=Console(stderr=True), transient=True, redirect_stdout=sys.stdout.isatty())
    tasks = {}

    def rows_loaded(label, done, total):
        if label not in tasks:
            tasks[label] = bar.add_task(f"DataStore {label}"[:60], total=total)
        bar.update(tasks[label], completed=done)
        if total is not None and done >= total:
            bar.remove_task(tasks.pop(label))

    def step_done(step):
        click.echo(step.line())

    try:
        api_key = read_api_key(api_key_file)
        options = dict(url=url, api_key=api_key, dry_run=dry_run, prune=prune, force=force, timeout=timeout,
                       licence_map=parse_map(licence_map), hub_url=hub_url, min_quality=min_quality,
                       progress=rows_loaded if bar else None, on_step=step_done)
        if bar:
            with bar:
                result = publish_ckan(paths, Path(root), Path(packages), **options)
        else:
            result = publish_ckan(paths, Path(root), Path(packages), **options)
    except CatalogError as error:
        _fail(error)
    counts = result.counts()
    # Writes were printed as they happened; what was decided not to write is shown too.
    for step in result.steps:
        if dry_run or step.action in ("conflict", "orphan", "unknown"):
            click.echo(step.line())
    summary = ", ".join(f"{n} {action}" for action, n in counts.items())
    if dry_run:
        click.echo(f"Plan for {result.url}: {summary}. Nothing was written (--dry-run).")
    else:
        rows = f"{result.rows:,} DataStore row{'' if result.rows == 1 else 's'}"
        click.echo(f"Published to {result.url}: {summary}; {rows} in {result.seconds:.1f} s.")
    for warning in result.warnings:
        click.echo(f"Warning: {warning}.", err=True)
    for name, why in result.refused.items():
        click.echo(f"Error: {name} was not published: {why}.", err=True)
    sys.exit(2 if result.unreadable else 1 if result.refused else 0)


@main.group()
def export():
    """Export the catalogue (DCAT-AP).

    Export the catalogue for harvesters (DCAT-AP)."""


# `catalog export dcat` is defined below this line.
@export.command("dcat")
@click.option("--out", type=click.Path(dir_okay=False, allow_dash=True),
              help="File to write (default: build/catalog.jsonld or build/catalog.ttl); - for stdout.")
@click.option("--format", "fmt", type=click.Choice(["jsonld", "ttl"]),
              help="JSON-LD or Turtle (default: from the --out suffix, else jsonld).")
@click.option("--base-url", default="http://127.0.0.1:8001", show_default=True, envvar="CATALOG_BASE_URL",
              help="Public address of the hub (or CATALOG_BASE_URL); every URI and download URL starts with it.")
@click.option("--packages", "packages_dir", default="build/packages", show_default=True,
              type=click.Path(file_okay=False), help="The packages folder the hub serves at /packages/.")
@click.option("--no-build", is_flag=True,
              help="Refuse when a package is missing or out of date instead of packaging it.")
@click.option("--publisher", help="Slug of the publisher running the hub (the catalogue's dct:publisher).")
@root_option
def export_dcat_command(out, fmt, base_url, packages_dir, no_build, publisher, root):
    """Write the catalogue as DCAT-AP.

    For national harvesters (data.gouv.fr, data.europa.eu). One dcat:Dataset per
    dataset, one dcat:Distribution per packaged file, with stable
    URIs made from --base-url and the publisher, dataset and resource names: exporting
    again gives the same URIs (and the same bytes), so harvesters update, never duplicate.

    Byte sizes and sha256 hashes come from the packages. Datasets whose package is
    missing or out of date are packaged first into --packages (validation included);
    if one cannot be packaged nothing is written and the exit code is 1.

    Exit codes: 0 written, 1 invalid data, 2 unusable input."""
    from catalog.export import export_dcat

    target = None if out == "-" else Path(out or f"build/catalog.{fmt or 'jsonld'}")
    if base_url == "http://127.0.0.1:8001":
        click.echo("Note: URIs point at a hub on this computer; harvesters need the public "
                   "address: pass --base-url https://your-hub.example.fr.", err=True)
    try:
        result = export_dcat(Path(root), target, fmt, base_url, Path(packages_dir), build=not no_build,
                             publisher=publisher, progress=lambda message: click.echo(message, err=True))
    except CatalogError as error:
        _fail(error)
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if target is None:
        sys.stdout.buffer.write(result.data)
    else:
        click.echo(f"{result.datasets} datasets, {result.distributions} distributions -> {target}")


def run():
    """The `catalog` executable: one command, then the process ends."""
    from catalog.heap import own_process

    own_process()
    main()


if __name__ == "__main__":
    run()
