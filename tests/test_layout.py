"""The shape of the package, checked from its source: each stage imports only what lies
upstream of it, napari and Qt stay in ``_napari/``, plate bytes are touched only in
``store/``, and the dependencies declared are exactly the ones imported."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest

from helpers import REPO

PACKAGE = REPO / "src" / "napari_hcs_zarr"

#: What each part of the package may import from the package (errors and plate names
#: are shared vocabulary, allowed everywhere).
ALLOWED = {
    "ngff": set(),
    "raw": set(),
    "store": set(),
    "convert": {"raw", "store", "ngff"},
    "view": {"store", "ngff"},
    "_napari": {"raw", "store", "ngff", "convert", "view"},
    "cli": {"raw", "ngff", "convert", "_napari"},
}
SHARED = {"errors", "plate_names"}
GUI_MODULES = {"napari", "magicgui", "qtpy", "PyQt5", "PyQt6", "PySide2", "PySide6", "vispy"}
#: Calls that read or write files or folders; outside store/ (and raw/, which reads the
#: instrument's input files) none of them may appear.
FILE_CALLS = re.compile(
    r"(?<![\w.])(?<!def )(open|os\.walk|os\.listdir|os\.scandir|os\.remove|os\.replace|shutil\.\w+)\(|"
    r"\.(read_bytes|write_bytes|read_text|write_text|iterdir|rglob|unlink)\("
)


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def part_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py") if relative.parts else ""


def imported(path: Path) -> set[str]:
    """Every module named by an import statement of ``path`` (at any depth)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_stages_import_only_what_lies_upstream():
    wrong = []
    for path in modules():
        part = part_of(path)
        if part not in ALLOWED:
            continue
        for name in imported(path):
            if not name.startswith("napari_hcs_zarr."):
                continue
            target = name.split(".")[1]
            if target not in SHARED | ALLOWED[part] | {part}:
                wrong.append(f"{path.relative_to(REPO)} imports {name}")
    assert wrong == []


def test_only_the_napari_shells_import_napari_or_qt():
    wrong = [
        f"{path.relative_to(REPO)} imports {name}"
        for path in modules()
        if part_of(path) != "_napari"
        for name in imported(path)
        if name.split(".")[0] in GUI_MODULES
    ]
    assert wrong == []


def test_only_the_store_touches_plate_files():
    wrong = []
    for path in modules():
        if part_of(path) in ("store", "raw"):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if FILE_CALLS.search(line.split("#")[0]):
                wrong.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert wrong == []


def _requirements(entries: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~; ]", entry, maxsplit=1)[0].lower().replace("_", "-") for entry in entries}


def _distributions(paths: list[Path]) -> set[str]:
    """The distributions whose modules ``paths`` import (third-party only)."""
    by_module = importlib.metadata.packages_distributions()
    found = set()
    for path in paths:
        for name in imported(path):
            top = name.split(".")[0]
            if top in sys.stdlib_module_names or top == "napari_hcs_zarr":
                continue
            for distribution in by_module.get(top, []):
                found.add(distribution.lower().replace("_", "-"))
    return found


@pytest.fixture(scope="module")
def project() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def test_base_dependencies_are_exactly_what_the_core_imports(project):
    core = [p for p in modules() if part_of(p) != "_napari"]
    base = _requirements(project["dependencies"])
    extras = project["optional-dependencies"]
    optional = _requirements(extras["all"]) | _requirements(extras["cluster"])
    imported_by_core = _distributions(core)
    assert imported_by_core - base - optional == set()  # nothing imported undeclared
    shells = _distributions([p for p in modules() if part_of(p) == "_napari"])
    assert base - imported_by_core - shells == set()  # nothing declared unused


def test_test_imports_are_declared(project):
    tests = sorted(p for p in (REPO / "tests").rglob("*.py"))
    declared = _requirements(project["dependencies"]) | _requirements(
        project["optional-dependencies"]["test"]
    )
    declared |= {"pyqt6", "napari"}  # napari[pyqt6]
    undeclared = {
        d for d in _distributions(tests) if d not in declared and not d.startswith(("pyqt6", "napari"))
    }
    assert undeclared == set()
