"""Fields that tile the chunk grid: level 0 written field by field gives the stitched plate.

The writer skips the stitched plane when the fields tile the level-0 chunk grid exactly
(``_level1_from_tiling_fields``); these tests check that this fast path writes the very
same files as the general path, and that other layouts still take the general path and
stay exact.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import assert_levels_exact, tree_digest
from napari_hcs_zarr.convert import ConversionOptions, convert_plate, plane_job
from napari_hcs_zarr.raw import read_raw_plate
from napari_hcs_zarr.raw.synthetic import SyntheticPlateSpec, expected_pixels

#: The plane whose field 5 has no file (well C03, t 1, c 1, z 0): its area is what the
#: fields pasted before it left there (zeros when they do not overlap it).
MISSING_PLANE = ("C03", 1, 1, 0)
MISSING_FIELD = 5


def layout_spec(gap_px: int = 0, field_shape: tuple[int, int] = (64, 96)) -> SyntheticPlateSpec:
    """2x3 fields, two time points; by default on an exact grid with an even field size
    whose levels get odd and whose level-1 chunks are padded at the edge."""
    return SyntheticPlateSpec(
        wells=["B02", "C03"],
        fields_yx=(2, 3),
        field_shape=field_shape,
        channels=2,
        z_count=2,
        time_count=2,
        gap_px=gap_px,
        name="tiling",
        missing_files=[f"tiling_C03_T0002F{MISSING_FIELD:03d}L01A02Z01C02.tif"],
    )


def count_fast_path_planes(monkeypatch) -> list[int]:
    """Count the planes the fast path writes (a list, appended from worker threads)."""
    taken: list[int] = []
    original = plane_job._level1_from_tiling_fields

    def counting(*args, **kwargs):
        level1 = original(*args, **kwargs)
        if level1 is not None:
            taken.append(1)
        return level1

    monkeypatch.setattr(plane_job, "_level1_from_tiling_fields", counting)
    return taken


def expected_plane(plate, well, t: int, c: int, z: int) -> np.ndarray:
    """The stitching rule applied independently: present fields pasted in index order."""
    fh, fw = plate.field_shape
    plane = np.zeros(well.image_shape_yx, dtype=np.uint16)
    for f in sorted(well.fields, key=lambda f: f.index):
        if (well.name, t, c, z) == MISSING_PLANE and f.index == MISSING_FIELD:
            continue
        y, x = np.mgrid[f.y_px : f.y_px + fh, f.x_px : f.x_px + fw]
        plane[f.y_px : f.y_px + fh, f.x_px : f.x_px + fw] = expected_pixels(well.name, t, c, z, y, x)
    return plane


@pytest.mark.parametrize("ngff", ["0.4", "0.5"])
def test_fast_path_writes_the_same_files_as_the_stitched_path(make_raw, tmp_path, monkeypatch, ngff):
    raw = make_raw(layout_spec())
    general = tmp_path / "general.zarr"
    with monkeypatch.context() as patch:
        patch.setattr(plane_job, "_level1_from_tiling_fields", lambda *args: None)
        convert_plate(raw, general, ConversionOptions(levels=4, ngff=ngff, workers=2))
    taken = count_fast_path_planes(monkeypatch)
    fast = tmp_path / "fast.zarr"
    summary = convert_plate(raw, fast, ConversionOptions(levels=4, ngff=ngff, workers=2))
    assert len(taken) == summary.planes_written == 2 * 2 * 2 * 2
    assert tree_digest(fast) == tree_digest(general)
    assert_levels_exact(read_raw_plate(raw), fast, 4, expected_plane)


@pytest.mark.parametrize(
    ("gap_px", "field_shape", "levels"),
    [
        (-7, (64, 96), 3),  # overlap: the higher field index wins
        (6, (64, 96), 3),  # gaps that are not whole fields
        (0, (63, 96), 3),  # on the grid, but an odd field height: level 1 spans fields
        (0, (64, 96), 1),  # on the grid, a single level
    ],
)
def test_other_layouts_take_the_stitched_path_and_stay_exact(
    make_raw, tmp_path, monkeypatch, gap_px, field_shape, levels
):
    raw = make_raw(layout_spec(gap_px, field_shape))
    taken = count_fast_path_planes(monkeypatch)
    out = tmp_path / "out.zarr"
    convert_plate(raw, out, ConversionOptions(levels=levels, workers=2))
    assert taken == []
    assert_levels_exact(read_raw_plate(raw), out, levels, expected_plane)
