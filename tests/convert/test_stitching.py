"""The stitching rule: fields at their positions, the higher field index wins overlaps."""

from __future__ import annotations

import numpy as np

from napari_hcs_zarr.convert.stitching import fields_by_grid_cell, stitch_plane


def test_overlap_goes_to_the_higher_field_index_and_gaps_stay_zero():
    images = {1: np.full((4, 4), 1, np.uint16), 2: np.full((4, 4), 2, np.uint16), 3: None}
    # Field 2 overlaps field 1 by one column; listed first to show order does not matter.
    fields = [(2, 0, 3, 2), (1, 0, 0, 1), (3, 5, 0, 3)]
    plane = stitch_plane(fields, (9, 7), np.dtype(np.uint16), images.get)
    assert plane.shape == (9, 7)
    assert (plane[0:4, 0:3] == 1).all()
    assert (plane[0:4, 3:7] == 2).all()  # the overlapping column belongs to field 2
    assert (plane[4:, :] == 0).all()  # a gap row and the missing field 3 stay 0


def test_fields_by_grid_cell_only_for_fields_that_tile_the_grid():
    shape = (4, 6)
    grid = [(1, 0, 0, "a"), (2, 0, 6, "b"), (3, 4, 6, "c")]
    assert fields_by_grid_cell(grid, (8, 12), shape) == {(0, 0): "a", (0, 1): "b", (1, 1): "c"}
    assert fields_by_grid_cell([(1, 0, 0, "a"), (2, 0, 5, "b")], (4, 11), shape) is None  # overlap
    assert fields_by_grid_cell([(1, 0, 0, "a"), (2, 0, 7, "b")], (4, 13), shape) is None  # gap
    assert fields_by_grid_cell([(1, 0, 0, "a"), (2, 0, 0, "b")], (4, 6), shape) is None  # same cell
    assert fields_by_grid_cell([(1, 0, 0, "a")], (4, 7), shape) is None  # not whole cells
    assert fields_by_grid_cell([(1, 4, 0, "a")], (4, 6), shape) is None  # outside the well
