"""The shared placement of fields: stage micrometres to well pixels, for any axis convention."""

from __future__ import annotations

from napari_hcs_zarr.raw.placement import FieldPlacement, StageAxes, place_fields, round_half_up


def test_y_up_stage_puts_the_highest_field_on_top():
    corners = {1: (100.0, 50.0), 2: (110.0, 50.0), 3: (100.0, 40.0)}
    placed = place_fields(corners, (0.5, 0.5), StageAxes(y_up=True))
    assert placed == {
        1: FieldPlacement(0, 0, 0.0, 0.0),
        2: FieldPlacement(0, 20, 0.0, 10.0),
        3: FieldPlacement(20, 0, 10.0, 0.0),
    }


def test_y_down_x_left_and_swapped_axes():
    corners = {"a": (0.0, 0.0), "b": (-6.0, 3.0)}
    assert place_fields(corners, (1.0, 1.0), StageAxes(y_up=False)) == {
        "a": FieldPlacement(0, 6, 0.0, 6.0),
        "b": FieldPlacement(3, 0, 3.0, 0.0),
    }
    assert place_fields(corners, (1.0, 1.0), StageAxes(y_up=False, x_left=True))["a"] == FieldPlacement(
        0, 0, 0.0, 0.0
    )
    swapped = place_fields({1: (5.0, 0.0), 2: (0.0, 0.0)}, (1.0, 2.0), StageAxes(y_up=False, swap_xy=True))
    assert (swapped[1].y_px, swapped[1].x_px, swapped[2].y_px) == (5, 0, 0)


def test_rounding_ignores_float_noise_and_rounds_halves_up():
    assert round_half_up(1999.7) == 2000 and round_half_up(2.5) == 3 and round_half_up(2.4999999999) == 3
    assert round_half_up(-0.5) == 0
    # 649.9 um at 0.325 um/px is 1999.69 px on a CV8000; float noise stays below the rounding.
    placed = place_fields({1: (0.0, 0.0), 2: (649.9, 0.0)}, (0.325, 0.325), StageAxes(y_up=False))
    assert placed[2].x_px == 2000


def test_no_fields():
    assert place_fields({}, (1.0, 1.0)) == {}
