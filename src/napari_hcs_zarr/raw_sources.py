"""Which vendor parser understands a raw acquisition folder.

Each vendor module offers a cheap ``is_*_folder`` check (file names only, no parsing)
and a parser returning the neutral :class:`~napari_hcs_zarr.raw_plate.RawPlate`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from napari_hcs_zarr.errors import RawPlateError
from napari_hcs_zarr.raw_plate import RawPlate
from napari_hcs_zarr.yokogawa import is_cellvoyager_folder, read_cellvoyager

#: (vendor name, cheap detector, parser), tried in order.
RAW_FORMATS: list[tuple[str, Callable[[Path], bool], Callable[[Path], RawPlate]]] = [
    ("Yokogawa CellVoyager", is_cellvoyager_folder, read_cellvoyager),
]


def raw_format_of(path: str | Path) -> str | None:
    """The vendor whose parser understands ``path``, or None (reads no file contents)."""
    path = Path(path)
    if not path.is_dir():
        return None
    for name, detect, _ in RAW_FORMATS:
        if detect(path):
            return name
    return None


def read_raw_plate(path: str | Path) -> RawPlate:
    """Parse a raw acquisition folder with the parser of its vendor."""
    path = Path(path)
    if not path.is_dir():
        raise RawPlateError(path, "is not a folder")
    for _, detect, parse in RAW_FORMATS:
        if detect(path):
            return parse(path)
    raise RawPlateError(
        path,
        "no vendor metadata found (looked for a Yokogawa MeasurementDetail.mrf + MeasurementData.mlf)",
    )


def _span(values: list[int]) -> str:
    """``"4"`` or ``"19-42"``."""
    return str(values[0]) if len(values) == 1 else f"{values[0]}-{values[-1]}"


def describe_raw_plate(plate: RawPlate) -> str:
    """A few lines telling a user what was found in a raw folder."""
    fields = sorted({len(w.fields) for w in plate.wells})
    planes = sorted({w.z_count for w in plate.wells})
    z_um, y_um, x_um = plate.pixel_size_um
    channels = ", ".join(f"{c.label} ({c.id})" for c in plate.channels)
    lines = [
        f"{plate.instrument} plate {plate.name!r} ({len(plate.row_names)}x{len(plate.column_names)} format)",
        f"  wells: {len(plate.wells)} ({', '.join(w.name for w in plate.wells[:12])}"
        + (", ..." if len(plate.wells) > 12 else "")
        + ")",
        f"  fields per well: {_span(fields)} of {plate.field_shape[1]}x{plate.field_shape[0]} px",
        f"  channels: {len(plate.channels)}: {channels}",
        f"  planes: {_span(planes)} (z step {z_um:g} um), time points: {plate.time_count}",
        f"  pixel size: {x_um:g} x {y_um:g} um, {plate.dtype}",
        f"  estimated output: {plate.estimated_output_bytes() / 1e9:.2f} GB uncompressed",
    ]
    lines += [f"  warning: {w}" for w in plate.warnings]
    return "\n".join(lines)
