"""Parser of table plates: any instrument's tiles, listed one image per row.

``plate.csv`` (``,`` or ``;`` separated, a header line, names in any case)::

    file,well,field,x,y,z,channel,time,compound
    B03/f1_dapi.tif,B03,1,0,0,0,DAPI,0,DMSO
    B03/f2_dapi.png,B03,2,1040.0,0,0,DAPI,0,DMSO

``file``, ``well``, ``x`` and ``y`` are required: the image (a grayscale TIFF or PNG, a path
relative to the table, inside its folder), its well, and the position of its top-left
corner, in micrometres or pixels as the header says. ``field`` (1-based, default 1),
``z`` and ``time`` (0-based plane and time point indices, default 0) and ``channel`` (a
name of the header's channels, or any label) are optional. Every other column is a
condition of the well (one value per well; a column whose values differ within a well is
left out, with a warning). The header (:mod:`.header`) is ``plate.toml``, or for a table
given as a file, the ``.toml`` of the same name beside it.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

from napari_hcs_zarr.errors import OptionError, RawPlateError
from napari_hcs_zarr.plate_names import (
    parse_well_name,
    plate_column_names,
    plate_row_names,
    row_number,
    smallest_plate_format,
)
from napari_hcs_zarr.raw.conditions import ConditionTable, condition_column
from napari_hcs_zarr.raw.image_files import ImageFile, read_image_header
from napari_hcs_zarr.raw.model import PlaneKey, RawChannel, RawField, RawPlate, RawWell
from napari_hcs_zarr.raw.placement import StageAxes, place_fields
from napari_hcs_zarr.raw.table.header import TableHeader, read_table_header

TABLE_NAME = "plate.csv"
HEADER_NAME = "plate.toml"
REQUIRED_COLUMNS = ("file", "well", "x", "y")
OPTIONAL_COLUMNS = ("field", "z", "channel", "time")
#: The most rows a table may have (a 1536-well plate with 50 fields, 10 planes, 5 channels).
MAX_ROWS = 4_000_000
#: The most planes, time points and channels the indices may ask for.
MAX_INDEX = 10_000
#: How far (in pixels) two rows of one field may put it apart.
_POSITION_TOLERANCE_PX = 0.5


@dataclass(frozen=True)
class TableRow:
    """One image of the table."""

    line: int
    path: Path
    well: tuple[str, int]
    field: int
    x: float
    y: float
    z: int
    channel: str
    time: int
    conditions: tuple[str, ...]


def table_files(path: Path) -> tuple[Path, Path] | None:
    """The table and its header for a folder (``plate.csv`` + ``plate.toml``) or a table
    file (``name.csv`` + ``name.toml``); None when either is missing (no file read)."""
    if path.is_dir():
        table, header = path / TABLE_NAME, path / HEADER_NAME
    elif path.suffix.lower() == ".csv":
        table, header = path, path.with_suffix(".toml")
    else:
        return None
    return (table, header) if table.is_file() and header.is_file() else None


def is_table_plate(path: Path) -> bool:
    """True for a folder with ``plate.csv`` and ``plate.toml``, or a ``.csv`` file with
    a ``.toml`` of the same name."""
    return table_files(path) is not None


def _image_path(folder: Path, resolved_folder: Path, table: Path, line: int, text: str) -> Path:
    """The image ``text`` names, which must lie inside ``folder``, also after following
    symbolic links (``resolved_folder`` is ``folder`` resolved)."""
    relative = text.strip().replace("\\", "/")
    if not relative or relative.startswith("/") or ":" in relative or ".." in relative.split("/"):
        raise RawPlateError(table, f"line {line}: file {text!r} is not a path inside {folder}")
    path = folder / relative
    if not path.resolve().is_relative_to(resolved_folder):
        raise RawPlateError(table, f"line {line}: file {text!r} is a link to outside {folder}")
    return path


def _number(cells: dict[str, str], key: str, table: Path, line: int) -> float:
    try:
        value = float(cells[key])
    except ValueError:
        raise RawPlateError(table, f"line {line}: {key} is not a number: {cells[key]!r}") from None
    if not math.isfinite(value):
        raise RawPlateError(table, f"line {line}: {key} is not a finite number: {cells[key]!r}")
    return value


def _index(cells: dict[str, str], key: str, table: Path, line: int, first: int) -> int:
    text = cells.get(key, "").strip()
    if not text:
        return first
    try:
        value = int(text)
    except ValueError:
        raise RawPlateError(table, f"line {line}: {key} must be an integer, not {text!r}") from None
    if not first <= value < first + MAX_INDEX:
        raise RawPlateError(table, f"line {line}: {key} {value} is outside {first}..{first + MAX_INDEX - 1}")
    return value


def read_table_rows(table: Path) -> tuple[list[TableRow], list[str]]:
    """The rows of a table and the names of its condition columns.

    Raises
    ------
    RawPlateError
        Naming the table and the line, for a missing column or a bad value.
    """
    try:
        with open(table, encoding="utf-8-sig", newline="") as handle:
            rows, condition_names = _parse_rows(handle, table)
    except OSError as error:
        raise RawPlateError(table, f"cannot be read ({error.strerror or error})") from None
    if not rows:
        raise RawPlateError(table, "lists no images")
    return rows, condition_names


def _parse_rows(handle: TextIO, table: Path) -> tuple[list[TableRow], list[str]]:
    """The rows of an open table, and its condition columns."""
    rows: list[TableRow] = []
    try:
        first = handle.readline()
    except UnicodeDecodeError:
        raise RawPlateError(table, "is not UTF-8 text") from None
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = [h.strip() for h in next(csv.reader([first], delimiter=delimiter), [])]
    lowered = [h.lower() for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in lowered]
    if missing:
        raise RawPlateError(
            table, f"has no {', '.join(missing)} column(s) (its columns: {', '.join(header)})"
        )
    if len(set(lowered)) != len(lowered):
        raise RawPlateError(table, "has two columns with the same name")
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    condition_names = [h for h, low in zip(header, lowered, strict=True) if low not in known]
    condition_at = [i for i, low in enumerate(lowered) if low not in known]
    folder = table.parent
    resolved_folder = folder.resolve()
    try:
        for line, cells_list in enumerate(csv.reader(handle, delimiter=delimiter), start=2):
            if not any(cell.strip() for cell in cells_list):
                continue
            if len(rows) >= MAX_ROWS:
                raise RawPlateError(table, f"has more than {MAX_ROWS} rows")
            if len(cells_list) > len(header):
                raise RawPlateError(table, f"line {line}: {len(cells_list)} cells for {len(header)} columns")
            cells_list += [""] * (len(header) - len(cells_list))
            cells = dict(zip(lowered, cells_list, strict=True))
            try:
                well = parse_well_name(cells["well"])
            except OptionError:
                raise RawPlateError(table, f"line {line}: not a well: {cells['well']!r}") from None
            rows.append(
                TableRow(
                    line=line,
                    path=_image_path(folder, resolved_folder, table, line, cells["file"]),
                    well=well,
                    field=_index(cells, "field", table, line, 1),
                    x=_number(cells, "x", table, line),
                    y=_number(cells, "y", table, line),
                    z=_index(cells, "z", table, line, 0),
                    channel=cells.get("channel", "").strip(),
                    time=_index(cells, "time", table, line, 0),
                    conditions=tuple(cells_list[i].strip() for i in condition_at),
                )
            )
    except (UnicodeDecodeError, csv.Error) as error:
        raise RawPlateError(table, f"cannot be read as a CSV table ({error})") from None
    return rows, condition_names


def _channels(header: TableHeader, rows: list[TableRow]) -> list[RawChannel]:
    labels = list(dict.fromkeys(r.channel for r in rows))
    if header.channels:
        names = {c.id for c in header.channels}
        unknown = [label for label in labels if label not in names]
        if unknown:
            raise RawPlateError(
                header.path,
                f"lists no channel {unknown[0]!r} (named in the table; channels: {', '.join(names)})",
            )
        return list(header.channels)
    return [RawChannel(label, label or "channel", "FFFFFF") for label in labels]


def _conditions(
    rows: list[TableRow], names: list[str], warnings: list[str], table: Path
) -> ConditionTable | None:
    if not names:
        return None
    wells = list(dict.fromkeys(r.well for r in rows))
    values: list[dict[tuple[str, int], str]] = [{} for _ in names]
    varying: set[int] = set()
    for row in rows:
        for i, value in enumerate(row.conditions):
            if values[i].setdefault(row.well, value) != value:
                varying.add(i)
    for i in sorted(varying):
        warnings.append(
            f"{table.name}: column {names[i]!r} differs within a well; it is not a condition, left out"
        )
    columns = [
        condition_column(names[i], [values[i][w] for w in wells])
        for i in range(len(names))
        if i not in varying
    ]
    return ConditionTable(wells, columns, str(table)) if columns else None


def read_table_plate(path: str | Path) -> RawPlate:
    """Parse a table plate (a folder with ``plate.csv`` + ``plate.toml``, or a table file).

    Raises
    ------
    RawPlateError
        Naming the file, when the table or header is missing or malformed, or its images
        cannot be stitched together.
    """
    path = Path(path)
    files = table_files(path)
    if files is None:
        raise RawPlateError(path, f"no table plate here (looked for {TABLE_NAME} with {HEADER_NAME})")
    table, header_path = files
    header = read_table_header(header_path)
    rows, condition_names = read_table_rows(table)
    warnings: list[str] = []
    channels = _channels(header, rows)
    channel_of = {c.id: i for i, c in enumerate(channels)}

    rows_needed = max(row_number(r.well[0]) for r in rows)
    columns_needed = max(r.well[1] for r in rows)
    plate_format = header.plate_format or smallest_plate_format(rows_needed, columns_needed)
    if plate_format is None or rows_needed > plate_format[0] or columns_needed > plate_format[1]:
        raise RawPlateError(
            header.path if header.plate_format else table,
            f"a well in row {rows_needed} or column {columns_needed} lies outside the plate format",
        )
    row_names, column_names = plate_row_names(plate_format[0]), plate_column_names(plate_format[1])
    time_of = {t: i for i, t in enumerate(sorted({r.time for r in rows}))}

    by_well: dict[tuple[str, int], dict[int, list[TableRow]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        by_well[row.well][row.field].append(row)
    pixel_y, pixel_x = header.pixel_size_yx_um
    # A position unit in micrometres (x, y), and in pixels (y, x).
    to_um = (pixel_x, pixel_y) if header.positions_in_pixels else (1.0, 1.0)
    unit_px = (1.0, 1.0) if header.positions_in_pixels else (pixel_y, pixel_x)
    axes = StageAxes(y_up=header.y_up)
    dtypes: set[np.dtype] = set()
    wells, missing = [], []
    for (row_name, column), fields_rows in sorted(
        by_well.items(), key=lambda item: (row_names.index(item[0][0]), item[0][1])
    ):
        z_of = {z: i for i, z in enumerate(sorted({r.z for f in fields_rows.values() for r in f}))}
        corners = {}
        for number, field_rows in fields_rows.items():
            first = field_rows[0]
            for other in field_rows[1:]:
                apart_px = max(abs(other.x - first.x) / unit_px[1], abs(other.y - first.y) / unit_px[0])
                if apart_px > _POSITION_TOLERANCE_PX:
                    raise RawPlateError(
                        table,
                        f"lines {first.line} and {other.line}: field {number} of well "
                        f"{row_name}{column_names[column - 1]} is at two positions, {apart_px:.1f} px apart",
                    )
            corners[number] = (first.x * to_um[0], first.y * to_um[1])
        placements = place_fields(corners, header.pixel_size_yx_um, axes)
        fields = []
        for number in sorted(fields_rows):
            on_disk = [r for r in fields_rows[number] if r.path.is_file()]
            missing += [r.path for r in fields_rows[number] if not r.path.is_file()]
            if not on_disk:
                continue
            shape, dtype = read_image_header(on_disk[0].path)
            dtypes.add(dtype)
            place = placements[number]
            fov = RawField(number, place.y_px, place.x_px, place.y_um, place.x_um, shape)
            for r in on_disk:
                key = PlaneKey(time_of[r.time], channel_of[r.channel], z_of[r.z])
                if key in fov.planes:
                    raise RawPlateError(
                        table, f"line {r.line}: a second image for the same plane of field {number}"
                    )
                fov.planes[key] = ImageFile(r.path, shape)
            fields.append(fov)
        if not fields:
            continue
        column_index = column - 1
        wells.append(
            RawWell(
                row_name,
                column_names[column_index],
                row_names.index(row_name),
                column_index,
                fields,
                len(z_of),
            )
        )
    if not wells:
        raise RawPlateError(table, "none of the images it lists is on disk")
    if len(dtypes) > 1:
        raise RawPlateError(
            table, f"lists images of different pixel types ({', '.join(sorted(map(str, dtypes)))})"
        )
    if missing:
        shown = ", ".join(p.name for p in missing[:3]) + (
            f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        )
        warnings.append(f"{len(missing)} image file(s) listed in {table.name} are missing on disk: {shown}")
    conditions = _conditions(rows, condition_names, warnings, table)
    return RawPlate(
        name=header.name or (path.name if path.is_dir() else table.stem),
        source_dir=table.parent,
        row_names=row_names,
        column_names=column_names,
        wells=wells,
        channels=channels,
        time_count=len(time_of),
        dtype=dtypes.pop(),
        pixel_size_um=(header.z_step_um, pixel_y, pixel_x),
        metadata_files=[table, header.path],
        warnings=warnings,
        instrument=header.instrument or "table",
        conditions=conditions,
    )
