"""Synthetic acquisitions, vendor-neutral part: what to write, and the value of every pixel.

Every pixel is a function of its global well coordinate (:func:`expected_pixels`), so a
stitched well and every pyramid level can be checked exactly. Fields are laid out on a
grid whose step may leave overlaps (negative gap) or gaps between fields, with sub-pixel
stage jitter that still rounds to the intended pixel position. Each vendor sub-package
writes these fields in its own file layout (``write_synthetic`` of its
:class:`~napari_hcs_zarr.raw.formats.RawFormat`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from napari_hcs_zarr.plate_names import parse_well_name


@dataclass
class SyntheticPlateSpec:
    """What to write. Defaults give a small plate that converts in about a second.

    Parameters
    ----------
    wells
        Well names; the plate format is 96 wells unless ``rows``/``columns`` say otherwise.
    fields_yx
        Fields per well as a (rows, columns) grid.
    field_shape
        Camera image height and width.
    z_counts
        Planes per well, by well name; wells not named get ``z_count``.
    gap_px
        Pixels between neighbouring fields: negative for overlap.
    compression
        TIFF compression of the images (``None``: plain TIFFs).
    missing_files
        Names of image files listed in the metadata but not written.
    error_records
        Failed-acquisition records to add to the metadata, for formats that have them.
    """

    wells: list[str] = field(default_factory=lambda: ["B02", "B03", "B04", "C02", "C03", "C04"])
    rows: int = 8
    columns: int = 12
    fields_yx: tuple[int, int] = (2, 2)
    field_shape: tuple[int, int] = (256, 320)
    channels: int = 2
    z_count: int = 3
    z_counts: dict[str, int] = field(default_factory=dict)
    time_count: int = 1
    gap_px: int = 0
    pixel_size_um: float = 0.65
    z_step_um: float = 2.0
    name: str = "synthetic-plate"
    compression: str | None = None
    missing_files: list[str] = field(default_factory=list)
    error_records: int = 0

    def z_count_of(self, well: str) -> int:
        return self.z_counts.get(well, self.z_count)


@dataclass(frozen=True)
class SyntheticField:
    """One field of a synthetic well: its number, its pixel corner, its stage jitter."""

    index: int  # 1-based
    y0: int
    x0: int
    jitter_px: float  # < 0.3 px: still rounds back to (y0, x0)


def synthetic_fields(spec: SyntheticPlateSpec) -> Iterator[SyntheticField]:
    """The fields of every well of ``spec``, row by row."""
    fh, fw = spec.field_shape
    index = 0
    for fy in range(spec.fields_yx[0]):
        for fx in range(spec.fields_yx[1]):
            index += 1
            jitter = ((index * 7919) % 11 - 5) * 0.05
            yield SyntheticField(index, fy * (fh + spec.gap_px), fx * (fw + spec.gap_px), jitter)


def field_pixels(
    well: str, t: int, c: int, z: int, fov: SyntheticField, shape: tuple[int, int]
) -> np.ndarray:
    """The image of one synthetic field plane."""
    yy, xx = np.mgrid[fov.y0 : fov.y0 + shape[0], fov.x0 : fov.x0 + shape[1]]
    return expected_pixels(well, t, c, z, yy, xx)


def expected_pixels(well: str, t: int, c: int, z: int, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The value every synthetic image has at global well pixel (``y``, ``x``).

    Bright round "cells" on a textured background, offset per well, time point, channel
    and plane, so that a pixel put one place off is always detected.
    """
    row, column = parse_well_name(well)
    well_offset = (ord(row[-1]) - ord("A")) * 37 + column * 13
    y = np.asarray(y, dtype=np.int64)
    x = np.asarray(x, dtype=np.int64)
    texture = (y * 3 + x * 5) % 251
    cy, cx = (y % 64) - 32, (x % 64) - 32
    cell = (cy * cy + cx * cx) < (14 + 4 * c) ** 2
    value = 200 + well_offset + 20 * t + 300 * c + 40 * z + texture + cell * (2500 + 500 * z)
    return value.astype(np.uint16)
