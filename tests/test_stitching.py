"""The stitching rule: fields at their positions, the higher field index wins overlaps."""

from __future__ import annotations

import numpy as np

from napari_hcs_zarr.stitching import stitch_plane


def test_overlap_goes_to_the_higher_field_index_and_gaps_stay_zero():
    images = {1: np.full((4, 4), 1, np.uint16), 2: np.full((4, 4), 2, np.uint16), 3: None}
    # Field 2 overlaps field 1 by one column; listed first to show order does not matter.
    fields = [(2, 0, 3, 2), (1, 0, 0, 1), (3, 5, 0, 3)]
    plane = stitch_plane(fields, (9, 7), np.dtype(np.uint16), images.get)
    assert plane.shape == (9, 7)
    assert (plane[0:4, 0:3] == 1).all()
    assert (plane[0:4, 3:7] == 2).all()  # the overlapping column belongs to field 2
    assert (plane[4:, :] == 0).all()  # a gap row and the missing field 3 stay 0
