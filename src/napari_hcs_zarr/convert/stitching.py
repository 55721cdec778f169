"""Placing the camera fields of a well into one image.

Each field goes to its stage position already converted to pixels by the vendor parser
(:class:`~napari_hcs_zarr.raw_plate.RawField`); fields are never moved. The well image
is the bounding box of its fields; pixels no field covers stay 0.

Overlap rule: fields are pasted in increasing field index, so where two fields overlap
the one with the higher index (acquired later) wins.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np

Source = TypeVar("Source")


def stitch_plane(
    fields: Sequence[tuple[int, int, int, Source]],
    well_shape: tuple[int, int],
    dtype: np.dtype,
    read_field: Callable[[Source], np.ndarray | None],
) -> np.ndarray:
    """One stitched well plane.

    Parameters
    ----------
    fields
        ``(field index, y_px, x_px, source)`` of each field of the well.
    well_shape
        Height and width of the well image.
    read_field
        Returns the image of a field's ``source`` for this plane, or ``None`` when it is
        missing (its area is left at 0).
    """
    canvas = np.zeros(well_shape, dtype=dtype)
    for _, y, x, source in sorted(fields, key=lambda f: f[0]):
        image = read_field(source)
        if image is None:
            continue
        h, w = image.shape
        canvas[y : y + h, x : x + w] = image
    return canvas


def fields_by_grid_cell(
    fields: Sequence[tuple[int, int, int, Source]],
    well_shape: tuple[int, int],
    field_shape: tuple[int, int],
) -> dict[tuple[int, int], Source] | None:
    """The field in each cell of the well's grid of field-sized cells, if fields tile it.

    When every field starts on a multiple of the field size, no two fields share a cell
    and the well is a whole number of cells, the stitched plane's cell ``(row, column)``
    is exactly its field's image (or zeros where the image is missing), and cells no
    field covers are zeros: :func:`stitch_plane` would give the same pixels. Then the
    stitched plane need not be made to write chunks of the field size.

    Returns
    -------
    ``{(row, column): source}`` of the cells with a field, or ``None`` when the fields
    do not tile the grid (they overlap, leave gaps that are not whole cells, or are off
    the grid).
    """
    fh, fw = field_shape
    if well_shape[0] % fh or well_shape[1] % fw:
        return None
    cells: dict[tuple[int, int], Source] = {}
    for _, y, x, source in fields:
        inside = 0 <= y <= well_shape[0] - fh and 0 <= x <= well_shape[1] - fw
        if not inside or y % fh or x % fw or (y // fh, x // fw) in cells:
            return None
        cells[y // fh, x // fw] = source
    return cells
