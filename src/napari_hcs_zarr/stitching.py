"""Placing the camera fields of a well into one image.

Each field goes to its stage position already converted to pixels by the vendor parser
(:class:`~napari_hcs_zarr.raw_plate.RawField`); fields are never moved. The well image
is the bounding box of its fields; pixels no field covers stay 0.

Overlap rule: fields are pasted in increasing field index, so where two fields overlap
the one with the higher index (acquired later) wins.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from napari_hcs_zarr.raw_plate import RawField


def stitch_plane(
    fields: Sequence[RawField],
    well_shape: tuple[int, int],
    dtype: np.dtype,
    read_field: Callable[[RawField], np.ndarray | None],
) -> np.ndarray:
    """One stitched well plane.

    Parameters
    ----------
    fields
        The well's fields, with pixel positions.
    well_shape
        Height and width of the well image.
    read_field
        Returns a field's image for this plane, or ``None`` when the file is missing
        (its area is left at 0).
    """
    canvas = np.zeros(well_shape, dtype=dtype)
    for fov in sorted(fields, key=lambda f: f.index):
        image = read_field(fov)
        if image is None:
            continue
        h, w = image.shape
        canvas[fov.y_px : fov.y_px + h, fov.x_px : fov.x_px + w] = image
    return canvas
