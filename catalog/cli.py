"""The `catalog` command: parse options, call the library, print. Nothing else."""
from __future__ import annotations

import json
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
    from rich.progress import Progress

    bar = Progress(transient=True)
    task = {}

    def advance(label, total):
        if not task:
            task["id"] = bar.add_task("validating", total=total)
        else:
            bar.advance(task["id"])
        bar.update(task["id"], description=str(label)[:40])

    return bar, advance


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="catalog")
def main():
    """Validate, package and publish open data as one hub."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--schema", type=click.Path(exists=True, dir_okay=False),
              help="Table Schema to check a bare CSV/Excel file against.")
@click.option("--root", default=".", type=click.Path(file_okay=False),
              help="The hub folder holding datasets/ and publishers/ (default: here).")
@click.option("--json", "as_json", is_flag=True, help="Print the machine-readable report (see README).")
@click.option("-v", "--verbose", is_flag=True, help="Show every finding, not the first 50 per file.")
def validate(paths, schema, root, as_json, verbose):
    """Check datasets, publisher profiles or files (CSV, Excel, GeoJSON, GTFS zip).

    With no PATH, every dataset under datasets/ and every profile under publishers/.
    Exit codes: 0 valid (warnings allowed), 1 invalid, 2 unusable input."""
    from catalog.validate import validate as run

    bar, advance = _progress()
    try:
        if bar:
            with bar:
                report = run(paths, Path(root), Path(schema) if schema else None, advance)
        else:
            report = run(paths, Path(root), Path(schema) if schema else None)
    except CatalogError as error:
        _fail(error)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        from catalog.render import render

        click.echo(render(report, verbose))
    sys.exit(report.exit_code)


@main.command("package")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--out", default="build/packages", show_default=True, type=click.Path(file_okay=False),
              help="Where to write the packages.")
@click.option("--zip", "make_zip", is_flag=True, help="Also write one zip per dataset.")
@click.option("--root", default=".", type=click.Path(file_okay=False),
              help="The hub folder holding datasets/ and publishers/ (default: here).")
def package_command(paths, out, make_zip, root):
    """Validate, then write standard data packages (normalised UTF-8 CSV, hashes, licence).

    With no PATH, every dataset under datasets/. Invalid datasets are not packaged (exit 1)."""
    from catalog.package import package

    try:
        run = package(paths, Path(root), Path(out), make_zip)
    except CatalogError as error:
        _fail(error)
    for item in run.packaged:
        state = "written" if item.changed else "unchanged"
        click.echo(f"{item.dataset_id}: {state} -> {item.folder}" + (f" and {item.zip_path}" if item.zip_path else ""))
    for name, why in run.refused.items():
        click.echo(f"Error: {name} was not packaged: {why}.", err=True)
    sys.exit(1 if run.refused else 0)


@main.group()
def publish():
    """Publish data packages to a target: a Datasette hub or a CKAN portal."""


# `catalog publish datasette` and `catalog serve` are defined below this line.


# `catalog publish ckan` is defined below this line.


@main.group()
def export():
    """Export the catalogue for harvesters (DCAT-AP)."""


# `catalog export dcat` is defined below this line.


if __name__ == "__main__":
    main()
