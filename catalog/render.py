"""Human-readable validation reports, grouped by target then by file."""
from __future__ import annotations

from collections import defaultdict

import click

from catalog.findings import ERROR, Report

MAX_PER_FILE = 50


# Targets whose findings point at keys of a YAML file, not at table columns.
KEYED_KINDS = {"publisher", "reuse"}


CONTROL = str.maketrans({"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x0b": "\\v", "\x0c": "\\f"})


def one_line(text):
    """A header, cell or message printed on one line: its line breaks and tabs escaped (a header
    "Montant\n(€)" would otherwise break the report in two)."""
    return text.translate(CONTROL) if isinstance(text, str) else text


def _where(finding, keyed=False):
    parts = []
    if finding.row is not None:
        parts.append(f"row {finding.row}")
    if finding.column:
        # The JSON report keeps the one name `column`; people read "key" where it is one
        # (a profile's `kind`, a descriptor's `catalog.reuse.sources`).
        described = str(finding.file or "").endswith(("datapackage.json", ".yml", ".yaml"))
        noun = "key" if keyed or described or finding.column.startswith("catalog.") else "column"
        parts.append(f'{noun} "{one_line(finding.column)}"')
    return ", ".join(parts)


def _quoted_in(value, message) -> bool:
    """Whether the message already shows the value (a bare "c" is in any message)."""
    return any(f"{left}{value}{right}" in message for left, right in ('""', "''", "``"))


def render(report: Report, verbose=False) -> str:
    lines = []
    for target in report.targets:
        errors = sum(f.severity == ERROR for f in target.findings)
        warnings = len(target.findings) - errors
        mark = click.style("✓", fg="green") if target.valid else click.style("✗", fg="red")
        summary = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
        score = f"  quality {target.score}/100" if target.score is not None else ""
        lines.append(f"{mark} {click.style(target.name, bold=True)} ({target.kind})  {summary}{score}")
        by_file = defaultdict(list)
        for finding in target.findings:
            by_file[finding.file or "(descriptor)"].append(finding)
        for file, findings in by_file.items():
            national = next((f.schema for f in findings if f.schema), None)
            lines.append(f"  {one_line(file)}" + (f"  (national schema {national})" if national else ""))
            shown = findings if verbose else findings[:MAX_PER_FILE]
            for finding in shown:
                colour = "red" if finding.severity == ERROR else "yellow"
                where = _where(finding, target.kind in KEYED_KINDS)
                head = click.style(finding.severity, fg=colour)
                message, value = one_line(finding.message), one_line(finding.value)
                lines.append(f"    {head} [{finding.code}] {where + ': ' if where else ''}{message}")
                if value not in (None, "") and not _quoted_in(value, message):
                    lines.append(f"      value: {value}")
                if finding.fix:
                    lines.append(f"      fix: {one_line(finding.fix)}")
            if len(findings) > len(shown):
                lines.append(f"    … and {len(findings) - len(shown)} more (use --verbose or --json to see all)")
        if target.quality is not None:
            unmet = [c for c in target.quality if not c.met]
            if unmet:
                lines.append(f"  metadata quality {target.score}/100, to improve:")
                for criterion in unmet:
                    lines.append(f"    - {criterion.name}: {criterion.fix}")
    total_errors = sum(f.severity == ERROR for t in report.targets for f in t.findings)
    verdict = {0: "valid", 1: "INVALID", 2: "unusable input"}.get(report.exit_code, "INVALID")
    lines.append("")
    lines.append(f"{len(report.targets)} checked, {total_errors} error(s): {verdict}")
    return "\n".join(lines)
