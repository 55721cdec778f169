"""The registry of raw acquisition formats, and which one understands a folder.

Each vendor sub-package (``raw/yokogawa/``...) describes itself with one
:class:`RawFormat`: a cheap detector (file names only), a parser returning the neutral
:class:`~napari_hcs_zarr.raw.model.RawPlate`, and a writer of synthetic folders for tests,
the demo and benchmarks. Adding a vendor is adding a sub-package and one line in
:data:`RAW_FORMATS` (or :func:`register_format` from outside the package).
"""

from __future__ import annotations

from pathlib import Path

from napari_hcs_zarr.errors import OptionError, RawPlateError
from napari_hcs_zarr.raw.imagexpress import IMAGEXPRESS
from napari_hcs_zarr.raw.model import RawPlate
from napari_hcs_zarr.raw.operetta import OPERETTA
from napari_hcs_zarr.raw.raw_format import RawFormat
from napari_hcs_zarr.raw.table import TABLE_PLATE
from napari_hcs_zarr.raw.yokogawa import CELLVOYAGER

#: The formats tried, in order.
RAW_FORMATS: list[RawFormat] = [CELLVOYAGER, IMAGEXPRESS, OPERETTA, TABLE_PLATE]


def register_format(raw_format: RawFormat) -> None:
    """Add a format (tried after the built-in ones); registering a name again replaces it."""
    RAW_FORMATS[:] = [f for f in RAW_FORMATS if f.name != raw_format.name] + [raw_format]


def unregister_format(name: str) -> None:
    """Remove the format called ``name`` (no error when there is none)."""
    RAW_FORMATS[:] = [f for f in RAW_FORMATS if f.name != name]


def raw_format_of(path: str | Path) -> RawFormat | None:
    """The format whose parser understands ``path`` (a folder, or a file such as a table
    plate's CSV), or None (reads no file contents)."""
    path = Path(path)
    if not path.exists():
        return None
    for raw_format in RAW_FORMATS:
        if raw_format.detect(path):
            return raw_format
    return None


def read_raw_plate(path: str | Path) -> RawPlate:
    """Parse a raw acquisition folder (or table file) with the parser of its format."""
    path = Path(path)
    if not path.exists():
        raise RawPlateError(path, "no such folder or file")
    raw_format = raw_format_of(path)
    if raw_format is None:
        looked_for = "; ".join(f"{f.name}: {f.looks_for}" for f in RAW_FORMATS)
        raise RawPlateError(path, f"no vendor metadata found (looked for {looked_for})")
    return raw_format.read(path)


def synthetic_format(name: str | None = None) -> RawFormat:
    """The format called ``name`` (default: the first that can write synthetic folders)."""
    for raw_format in RAW_FORMATS:
        if raw_format.write_synthetic is not None and name in (None, raw_format.name):
            return raw_format
    raise OptionError(f"no raw format {'called ' + repr(name) if name else ''} writes synthetic acquisitions")


def _span(values: list[int]) -> str:
    """``"4"`` or ``"19-42"``."""
    return str(values[0]) if len(values) == 1 else f"{values[0]}-{values[-1]}"


def describe_raw_plate(plate: RawPlate) -> str:
    """A few lines telling a user what was found in a raw folder."""
    fields = sorted({len(w.fields) for w in plate.wells})
    planes = sorted({w.z_count for w in plate.wells})
    z_um, y_um, x_um = plate.pixel_size_um
    channels = ", ".join(f"{c.label} ({c.id})" for c in plate.channels)
    field_h, field_w = plate.field_shape
    lines = [
        f"{plate.instrument} plate {plate.name!r} ({len(plate.row_names)}x{len(plate.column_names)} format)",
        f"  wells: {len(plate.wells)} ({', '.join(w.name for w in plate.wells[:12])}"
        + (", ..." if len(plate.wells) > 12 else "")
        + ")",
        f"  fields per well: {_span(fields)} of {field_w}x{field_h} px",
        f"  channels: {len(plate.channels)}: {channels}",
        f"  planes: {_span(planes)} (z step {z_um:g} um), time points: {plate.time_count}",
        f"  pixel size: {x_um:g} x {y_um:g} um, {plate.dtype}",
        f"  estimated output: {plate.estimated_output_bytes() / 1e9:.2f} GB uncompressed",
    ]
    if plate.conditions is not None and plate.conditions.columns:
        names = ", ".join(c.name + (f" ({c.unit})" if c.unit else "") for c in plate.conditions.columns)
        lines.append(f"  conditions: {names}, for {len(plate.conditions.wells)} wells")
    lines += [f"  warning: {w}" for w in plate.warnings]
    return "\n".join(lines)
