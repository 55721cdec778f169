"""The plate's ``condition_table``: one row per converted well, Fractal's convention.

The table is a plate-level AnnData (``<plate>/tables/condition_table``), indexed by the
well's name (``"B03"``), laid out as ngio writes tables: ``obs`` holds ``row`` (``"B"``),
``column`` (``3``) and the text conditions (``""`` where empty), ``X`` the numeric
conditions as float64 (NaN where a well has no value). Units go in the attributes.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from napari_hcs_zarr.raw.conditions import WELL_COLUMNS, read_condition_csv
from napari_hcs_zarr.raw.model import RawPlate
from napari_hcs_zarr.store.plate_store import PlateStore
from napari_hcs_zarr.store.tables import TableWriter

TABLE_NAME = "condition_table"
_ATTRIBUTES = {"type": "condition_table", "table_version": "1", "backend": "anndata"}


def with_condition_csv(plate: RawPlate, path: str | Path) -> RawPlate:
    """``plate`` with the conditions of the CSV at ``path`` added to (and overriding) its
    own; wells of the CSV that the plate format does not have become a warning."""
    table = read_condition_csv(path)
    rows = set(plate.row_names)
    columns = {int(c) for c in plate.column_names}
    outside = [f"{r}{c:02d}" for r, c in table.wells if r not in rows or c not in columns]
    warnings = list(plate.warnings)
    if outside:
        shown = ", ".join(outside[:5]) + (f" and {len(outside) - 5} more" if len(outside) > 5 else "")
        warning = f"{Path(path).name} has conditions for wells the plate does not have: {shown}"
        if warning not in warnings:  # a plate prepared twice (the CLI shows it first)
            warnings.append(warning)
    conditions = table if plate.conditions is None else plate.conditions.merged_with(table)
    return replace(plate, conditions=conditions, warnings=warnings)


def column_key(name: str, taken: set[str]) -> str:
    """A zarr-safe key for condition ``name``: no ``/`` (a key separator), not one of the
    well columns nor a name already used."""
    key = name.replace("/", "_").strip() or "condition"
    if key.startswith("."):
        key = f"_{key}"
    while key in taken or key in WELL_COLUMNS or key == "_index":
        key = f"{key}_"
    return key


def write_condition_table(store: PlateStore, zarr_format: int, plate: RawPlate) -> bool:
    """Write the table of the plate's converted wells; ``False`` when it has none."""
    if plate.conditions is None:
        return False
    wells = [(w.row, w.column_index + 1) for w in plate.wells]
    table = plate.conditions.for_wells(wells)
    if not table.wells or not table.columns:
        return False
    names = {(w.row, w.column_index + 1): w.name for w in plate.wells}
    columns: list[tuple[str, np.ndarray]] = [
        ("row", np.array([row for row, _ in table.wells], dtype=object)),
        ("column", np.array([column for _, column in table.wells], dtype=np.int64)),
    ]
    numeric_names: list[str] = []
    numeric_values: list[tuple] = []
    taken: set[str] = set()
    units: dict[str, str] = {}
    for condition in table.columns:
        key = column_key(condition.name, taken)
        taken.add(key)
        if condition.numeric:
            numeric_names.append(key)
            numeric_values.append(condition.values)
        else:
            columns.append((key, np.array([str(v) for v in condition.values], dtype=object)))
        if condition.unit:
            units[key] = condition.unit
    x = np.array(numeric_values, dtype=np.float64).reshape(len(numeric_names), len(table.wells)).T
    attributes = dict(_ATTRIBUTES)
    if units:
        attributes["units"] = units
    writer = TableWriter(store, zarr_format)
    writer.group("tables", {"tables": [TABLE_NAME]})
    index = [names[w] for w in table.wells]
    writer.anndata(f"tables/{TABLE_NAME}", index, columns, np.ascontiguousarray(x), numeric_names, attributes)
    return True
