"""Names of plate rows, columns and wells (``B``, ``03``, ``B03``, ``AA``...)."""

from __future__ import annotations

import re

from napari_hcs_zarr.errors import OptionError


def row_name(index: int) -> str:
    """Name of the 0-based plate row ``index``: A..Z, then AA, AB, ... (1536-well plates)."""
    if index < 0:
        raise OptionError(f"row index must be >= 0, got {index}")
    if index < 26:
        return chr(ord("A") + index)
    return row_name(index // 26 - 1) + chr(ord("A") + index % 26)


def column_name(index: int, column_count: int) -> str:
    """Name of the 0-based plate column ``index``, zero-padded to the plate's widest number."""
    width = max(2, len(str(column_count)))
    return f"{index + 1:0{width}d}"


def plate_row_names(row_count: int) -> list[str]:
    """All row names of a plate format with ``row_count`` rows."""
    return [row_name(i) for i in range(row_count)]


def plate_column_names(column_count: int) -> list[str]:
    """All column names of a plate format with ``column_count`` columns."""
    return [column_name(i, column_count) for i in range(column_count)]


_WELL_NAME = re.compile(r"^([A-Za-z]{1,2})0*([0-9]{1,3})$")


def parse_well_name(name: str) -> tuple[str, int]:
    """Split a well name such as ``B03`` or ``b3`` into (``"B"``, 3)."""
    match = _WELL_NAME.match(name.strip())
    if not match:
        raise OptionError(f"not a well name: {name!r} (expected something like B03)")
    return match.group(1).upper(), int(match.group(2))


#: Standard plate formats as (rows, columns), smallest first.
STANDARD_FORMATS = [(2, 3), (4, 6), (8, 12), (16, 24), (32, 48), (48, 72)]
#: The largest plate there is (3456 wells); a format beyond it is a metadata error.
MAX_WELLS = 3456


def smallest_plate_format(rows_needed: int, columns_needed: int) -> tuple[int, int] | None:
    """The smallest standard (rows, columns) that holds a well in row ``rows_needed`` and
    column ``columns_needed`` (1-based), or None."""
    for rows, columns in STANDARD_FORMATS:
        if rows_needed <= rows and columns_needed <= columns:
            return rows, columns
    return None


def row_number(name: str) -> int:
    """The 1-based number of row ``name``: ``A`` is 1, ``Z`` 26, ``AA`` 27."""
    number = 0
    for letter in name.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number
