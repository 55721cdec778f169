"""Harmony's assay layout (``Assaylayout/*.xml``): per-well conditions of the plate.

Root ``AssayLayout``; each ``Layer`` is one condition (``Name``, ``ValueType``, an
optional ``Unit``) with a ``Well`` element (``Row``, ``Col``, 1-based; ``Value``) per well
it covers. A layer becomes a :class:`~napari_hcs_zarr.raw.conditions.ConditionColumn`,
numeric when its value type is a number type, its values kept as written.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

from napari_hcs_zarr.errors import RawPlateError
from napari_hcs_zarr.plate_names import row_name
from napari_hcs_zarr.raw.conditions import ConditionColumn, ConditionTable

_NUMERIC_TYPES = {"double", "float", "int", "integer", "decimal", "number"}
#: Bounds of what a layout may describe (a 3456-well plate; a generous number of layers).
_MAX_WELLS = 3456
_MAX_LAYERS = 256


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _child_text(element: ET.Element, name: str) -> str | None:
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return None


def read_assay_layout(path: Path) -> ConditionTable:
    """The conditions of an assay layout file.

    Raises
    ------
    RawPlateError
        Naming the file, when it is not an assay layout or a well is not a plate position.
    """
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as error:
        raise RawPlateError(path, f"malformed or truncated XML ({error})") from None
    except OSError as error:
        raise RawPlateError(path, f"cannot be read ({error.strerror or error})") from None
    if _local(root.tag) != "AssayLayout":
        raise RawPlateError(path, f"root element is <{_local(root.tag)}>, not AssayLayout")
    layers = [layer for layer in root if _local(layer.tag) == "Layer"]
    if len(layers) > _MAX_LAYERS:
        raise RawPlateError(path, f"has {len(layers)} layers; at most {_MAX_LAYERS} are read")
    wells: dict[tuple[str, int], None] = {}
    values: list[tuple[str, bool, str, dict[tuple[str, int], str]]] = []
    for layer in layers:
        name = _child_text(layer, "Name") or f"layer {len(values) + 1}"
        value_type = (_child_text(layer, "ValueType") or "string").lower()
        unit = _child_text(layer, "Unit") or ""
        by_well: dict[tuple[str, int], str] = {}
        for well in layer:
            if _local(well.tag) != "Well":
                continue
            try:
                row, column = int(_child_text(well, "Row") or ""), int(_child_text(well, "Col") or "")
            except ValueError:
                raise RawPlateError(
                    path, f"layer {name!r} has a well without a numeric Row and Col"
                ) from None
            if not (1 <= row <= 64 and 1 <= column <= 96):
                raise RawPlateError(path, f"layer {name!r} has a well at row {row}, column {column}")
            key = (row_name(row - 1), column)
            by_well[key] = _child_text(well, "Value") or ""
            wells[key] = None
            if len(wells) > _MAX_WELLS:
                raise RawPlateError(path, f"describes more than {_MAX_WELLS} wells")
        values.append((name, value_type in _NUMERIC_TYPES, unit, by_well))
    order = sorted(wells, key=lambda w: (len(w[0]), w[0], w[1]))
    columns = [_column(path, name, numeric, unit, by_well, order) for name, numeric, unit, by_well in values]
    return ConditionTable(order, columns, str(path))


def _column(
    path: Path, name: str, numeric: bool, unit: str, by_well: dict[tuple[str, int], str], order: list
) -> ConditionColumn:
    texts = [by_well.get(w, "") for w in order]
    if not numeric:
        return ConditionColumn(name, tuple(texts), numeric=False, unit=unit)
    numbers: list[float] = []
    for well, text in zip(order, texts, strict=True):
        try:
            numbers.append(float(text) if text else math.nan)
        except ValueError:
            raise RawPlateError(
                path, f"layer {name!r} is numeric but well {well[0]}{well[1]:02d} holds {text!r}"
            ) from None
    return ConditionColumn(name, tuple(numbers), numeric=True, unit=unit)
