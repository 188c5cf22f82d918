"""The README documents every command and every finding code (as sqlite-utils' tests/test_docs.py).

Finding codes are read from the source: the first argument of `Finding(...)` and of every
helper whose first parameter is `code` (`finding(code, ...)`, `_Tally(code, ...)`), plus the
Frictionless error types that `tables.translate` words for people.
"""
import ast
import re
from pathlib import Path

import click
import pytest

from catalog.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CODE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def commands(group, prefix=("catalog",)):
    for name, command in sorted(group.commands.items()):
        yield " ".join(prefix + (name,))
        if isinstance(command, click.Group):
            yield from commands(command, prefix + (name,))


def _code_takers(trees) -> set[str]:
    """Names of the callables whose first argument is a finding code."""
    takers = {"Finding"}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                init = next((f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None)
                if init and [a.arg for a in init.args.args[1:2]] == ["code"]:
                    takers.add(node.name)
            elif isinstance(node, ast.FunctionDef) and node.name != "__init__":
                if [a.arg for a in node.args.args if a.arg != "self"][:1] == ["code"]:
                    takers.add(node.name)
    return takers


def _strings(node, constants):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.Set, ast.List)):
        return [s for element in node.elts for s in _strings(element, constants)]
    if isinstance(node, ast.Name):
        return constants.get(node.id, [])
    if isinstance(node, ast.BinOp):  # READ_ERRORS | {"error"}
        return _strings(node.left, constants) + _strings(node.right, constants)
    return []


def emitted_codes(package: Path) -> dict[str, str]:
    """Every finding code the package can emit -> the module emitting it."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(package.rglob("*.py"))}
    takers = _code_takers(trees.values())
    codes = {}
    for path, tree in trees.items():
        # A helper of the same name taking something else here (publishers.py's `finding(key, ...)`).
        local = takers - {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
                          and node.name not in _code_takers([tree])}
        constants = {target.id: _strings(node.value, {}) for node in tree.body if isinstance(node, ast.Assign)
                     for target in node.targets if isinstance(target, ast.Name)}
        for node in ast.walk(tree):
            found = []
            if isinstance(node, ast.Call) and node.args:
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in local:
                    found = _strings(node.args[0], {})
            elif isinstance(node, ast.FunctionDef) and node.name == "translate":  # Frictionless' error types
                found = [s for sub in ast.walk(node) if isinstance(sub, ast.Compare)
                         and isinstance(sub.left, ast.Name) and sub.left.id == "kind"
                         for comparator in sub.comparators for s in _strings(comparator, constants)]
            for code in found:
                if CODE.fullmatch(code):
                    codes.setdefault(code, str(path.relative_to(package.parent)))
    return codes


def documented_codes() -> set[str]:
    section = README.split("### Finding codes", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    return {code for first_cell in rows for code in re.findall(r"`([a-z0-9-]+)`", first_cell)}


EMITTED = emitted_codes(ROOT / "catalog")


@pytest.mark.parametrize("command", list(commands(main)))
def test_every_command_is_documented(command):
    assert f"`{command}" in README, f"README.md does not mention `{command}`"


def test_the_code_reader_sees_codes_of_every_kind():
    # Direct Finding(...), local helpers, _Tally(...), and Frictionless types in translate().
    for code in ("missing-descriptor", "geojson-syntax", "coordinates-swapped", "gtfs-invalid-time",
                 "reuse-spec", "publisher-profile", "type-error", "format-error", "duplicate-label"):
        assert code in EMITTED, code
    assert len(EMITTED) > 60


def test_every_emitted_code_is_in_the_readme_table():
    missing = {code: where for code, where in EMITTED.items() if code not in documented_codes()}
    assert not missing, f"finding codes missing from README.md's table: {missing}"


def test_the_readme_table_is_the_registry():
    from catalog.codes import readme_table

    section = README.split("### Finding codes", 1)[1].split("\n## ", 1)[0]
    table = "".join(line + "\n" for line in section.splitlines() if line.startswith("|"))
    assert table == readme_table(), "README.md's table of finding codes: paste `python3 -m catalog.codes`"


def test_every_emitted_code_is_registered_once():
    from catalog.codes import CODES, REGISTRY

    declared = [code for entry in REGISTRY for code in entry.codes]
    assert len(declared) == len(set(declared)), "a code is declared twice in catalog/codes.py"
    missing = {code: where for code, where in EMITTED.items() if code not in CODES}
    assert not missing, f"finding codes missing from catalog/codes.py: {missing}"


def test_unusable_codes_make_exit_code_2():
    from catalog.codes import UNUSABLE
    from catalog.findings import Finding, Report, Target

    for code in UNUSABLE:
        target = Target("file", "f", "f")
        target.add([Finding(code, "m")])
        assert Report([target]).exit_code == 2, code
    target = Target("file", "f", "f")
    target.add([Finding("type-error", "m")])
    assert Report([target]).exit_code == 1


def test_every_code_in_the_readme_table_exists():
    unknown = documented_codes() - set(EMITTED)
    assert not unknown, f"README.md documents finding codes the code never emits: {sorted(unknown)}"
