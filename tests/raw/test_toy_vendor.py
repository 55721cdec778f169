"""A vendor format added in one sub-package outside the package (tests/toy_vendor/)
converts like the built-in ones, exactly: the seam between vendors and the converter."""

from __future__ import annotations

import numpy as np
import pytest
import zarr

from helpers import expected_well, reference_downsample
from napari_hcs_zarr import convert_plate, open_plate, read_raw_plate
from napari_hcs_zarr.convert import ConversionOptions
from napari_hcs_zarr.raw import RAW_FORMATS, raw_format_of, register_format, unregister_format
from napari_hcs_zarr.raw.synthetic import SyntheticPlateSpec
from toy_vendor import TOY_FORMAT

SPEC = SyntheticPlateSpec(
    wells=["A01", "B03"], fields_yx=(2, 2), field_shape=(48, 64), channels=2, z_count=2, gap_px=-4, name="toy"
)


@pytest.fixture
def toy_format():
    register_format(TOY_FORMAT)
    yield TOY_FORMAT
    unregister_format(TOY_FORMAT.name)


def test_unregistered_folder_is_not_a_raw_plate(tmp_path):
    folder = TOY_FORMAT.write_synthetic(tmp_path / "toy", SPEC)
    assert TOY_FORMAT not in RAW_FORMATS
    assert raw_format_of(folder) is None


@pytest.mark.parametrize("ngff", ["0.4", "0.5"])
def test_toy_format_converts_exactly(toy_format, tmp_path, ngff):
    folder = toy_format.write_synthetic(tmp_path / "toy", SPEC)
    assert raw_format_of(folder) is toy_format
    plate = read_raw_plate(folder)
    assert [(f.y_px, f.x_px) for f in plate.wells[0].fields] == [(0, 0), (0, 60), (44, 0), (44, 60)]

    out = tmp_path / "toy.zarr"
    summary = convert_plate(folder, out, ConversionOptions(levels=3, ngff=ngff, workers=2))
    assert summary.wells == 2 and summary.planes_written == 2 * 2 * 2
    root = zarr.open_group(out, mode="r")
    for well in plate.wells:
        for c in range(2):
            for z in range(2):
                expected = expected_well(plate, well, 0, c, z)
                for level in range(3):
                    np.testing.assert_array_equal(root[f"{well.path}/0/{level}"][c, z], expected)
                    expected = reference_downsample(expected)
    model = open_plate(out)
    assert [w.name for w in model.info.wells] == ["A01", "B03"]
    assert [c.label for c in model.template.channels] == ["toy0", "toy1"]
    assert (out / "raw_metadata" / "plate.csv").read_bytes() == (folder / "plate.csv").read_bytes()
