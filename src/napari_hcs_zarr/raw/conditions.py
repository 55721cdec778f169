"""Experimental conditions per well (compound, concentration, cell line...).

A :class:`ConditionTable` comes from the vendor's plate layout (the Operetta assay
layout) or from a CSV a user writes for any format (:func:`read_condition_csv`). Values
are kept as written: a column is numeric only when every value in it is a number, an
empty cell stays empty (``""``, or NaN in a numeric column), and nothing is filled in.
The converter writes the table as the plate's ``condition_table`` (Fractal's convention:
one row per well, with ``row`` and ``column`` columns).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

from napari_hcs_zarr.errors import OptionError, RawPlateError
from napari_hcs_zarr.plate_names import parse_well_name

#: Columns of the written table that locate a well (Fractal's reserved names).
WELL_COLUMNS = ("row", "column")
#: The most rows and columns a condition CSV may have (a 3456-well plate; generous columns).
MAX_CONDITION_ROWS = 3456
MAX_CONDITION_COLUMNS = 256


@dataclass(frozen=True)
class ConditionColumn:
    """One condition, with a value per well of the table (in the table's well order).

    ``values`` are floats (NaN where empty) when ``numeric``, else strings.
    """

    name: str
    values: tuple[str | float, ...]
    numeric: bool
    unit: str = ""


@dataclass
class ConditionTable:
    """Conditions by well.

    Parameters
    ----------
    wells
        ``(row, column number)`` of each table row, e.g. ``("B", 3)``.
    columns
        The conditions, each with one value per row.
    source
        The file the table was read from, for messages and provenance.
    """

    wells: list[tuple[str, int]]
    columns: list[ConditionColumn] = field(default_factory=list)
    source: str = ""

    def value(self, well: tuple[str, int], name: str) -> str | float:
        """The value of condition ``name`` in ``well``."""
        column = next(c for c in self.columns if c.name == name)
        return column.values[self.wells.index(well)]

    def for_wells(self, wells: list[tuple[str, int]]) -> ConditionTable:
        """The rows of ``wells`` that the table has, in the order given."""
        index = {w: i for i, w in enumerate(self.wells)}
        rows = [index[w] for w in wells if w in index]
        return ConditionTable(
            [self.wells[i] for i in rows],
            [
                ConditionColumn(c.name, tuple(c.values[i] for i in rows), c.numeric, c.unit)
                for c in self.columns
            ],
            self.source,
        )

    def merged_with(self, other: ConditionTable) -> ConditionTable:
        """This table's conditions and ``other``'s, over the wells of both; a condition
        both have takes ``other``'s values (a user's CSV overrides the vendor's layout)."""
        wells = list(dict.fromkeys([*self.wells, *other.wells]))
        names = list(dict.fromkeys([c.name for c in self.columns] + [c.name for c in other.columns]))
        columns = []
        for name in names:
            source = other if any(c.name == name for c in other.columns) else self
            column = next(c for c in source.columns if c.name == name)
            empty: str | float = math.nan if column.numeric else ""
            by_well = dict(zip(source.wells, column.values, strict=True))
            columns.append(
                ConditionColumn(
                    name, tuple(by_well.get(w, empty) for w in wells), column.numeric, column.unit
                )
            )
        return ConditionTable(wells, columns, "; ".join(s for s in (self.source, other.source) if s))


def condition_column(name: str, texts: list[str], unit: str = "") -> ConditionColumn:
    """A column from the texts of its cells: numeric when every non-empty cell is a finite
    number (and one at least is), else the texts as they are."""
    stripped = [t.strip() for t in texts]
    numbers: list[float] = []
    for text in stripped:
        if not text:
            numbers.append(math.nan)
            continue
        try:
            number = float(text)
        except ValueError:
            return ConditionColumn(name, tuple(stripped), numeric=False, unit=unit)
        if not math.isfinite(number):
            return ConditionColumn(name, tuple(stripped), numeric=False, unit=unit)
        numbers.append(number)
    if all(math.isnan(n) for n in numbers):
        return ConditionColumn(name, tuple(stripped), numeric=False, unit=unit)
    return ConditionColumn(name, tuple(numbers), numeric=True, unit=unit)


def _well_of(cells: dict[str, str], path: Path, line: int) -> tuple[str, int]:
    try:
        if "well" in cells:
            return parse_well_name(cells["well"])
        return parse_well_name(f"{cells['row'].strip()}{cells['column'].strip()}")
    except OptionError:
        shown = cells.get("well") or f"{cells.get('row')}{cells.get('column')}"
        raise RawPlateError(path, f"line {line}: not a well: {shown!r} (expected e.g. B03)") from None


def read_condition_csv(path: str | Path) -> ConditionTable:
    """Conditions from a CSV with a ``well`` column (``B03``), or ``row`` and ``column``
    columns (``B``, ``3``), and one column per condition; ``,`` or ``;`` separated.

    Raises
    ------
    RawPlateError
        Naming the file, when it cannot be read, has no well column, names a well twice
        or is larger than any plate.
    """
    path = Path(path)
    if not path.is_file():
        raise RawPlateError(path, "no such condition file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise RawPlateError(path, f"cannot be read as UTF-8 text ({error})") from None
    lines = text.splitlines()
    if not lines:
        raise RawPlateError(path, "is empty")
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(lines, delimiter=delimiter)
    header = [h.strip() for h in next(reader)]
    lowered = [h.lower() for h in header]
    if "well" not in lowered and not {"row", "column"} <= set(lowered):
        raise RawPlateError(path, "has no 'well' column (nor 'row' and 'column' columns)")
    if len(header) > MAX_CONDITION_COLUMNS:
        raise RawPlateError(path, f"has {len(header)} columns; at most {MAX_CONDITION_COLUMNS} are read")
    names = [h for h, low in zip(header, lowered, strict=True) if low not in ("well", *WELL_COLUMNS)]
    if len(set(names)) != len(names):
        raise RawPlateError(path, "has two columns with the same name")
    wells: list[tuple[str, int]] = []
    texts: dict[str, list[str]] = {n: [] for n in names}
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(wells) >= MAX_CONDITION_ROWS:
            raise RawPlateError(path, f"has more than {MAX_CONDITION_ROWS} wells")
        if len(row) > len(header):
            raise RawPlateError(path, f"line {line}: {len(row)} cells for {len(header)} columns")
        cells = {low: (row[i] if i < len(row) else "") for i, low in enumerate(lowered)}
        by_name = {h: (row[i] if i < len(row) else "") for i, h in enumerate(header)}
        well = _well_of(cells, path, line)
        if well in wells:
            raise RawPlateError(path, f"line {line}: well {well[0]}{well[1]:02d} is listed twice")
        wells.append(well)
        for name in names:
            texts[name].append(by_name[name])
    if not wells:
        raise RawPlateError(path, "lists no wells")
    return ConditionTable(wells, [condition_column(n, texts[n]) for n in names], str(path))
