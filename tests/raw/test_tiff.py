"""The converter's own reader of plain TIFFs gives tifffile's pixels, or leaves the file to it."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

from napari_hcs_zarr.raw.image_files import read_field_image
from napari_hcs_zarr.raw.tiff import read_plain_tiff

RNG = np.random.default_rng(7)


def image(dtype: str, shape=(37, 53)) -> np.ndarray:
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
    if info is None:
        return RNG.normal(size=shape).astype(dtype)
    return RNG.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "int16", "uint32", "float32", "float64"])
@pytest.mark.parametrize("byteorder", ["<", ">"])
@pytest.mark.parametrize("rowsperstrip", [None, 5])
def test_plain_tiffs_read_as_tifffile_reads_them(tmp_path, dtype, byteorder, rowsperstrip):
    path = tmp_path / "plain.tif"
    pixels = image(dtype)
    tifffile.imwrite(path, pixels, byteorder=byteorder, rowsperstrip=rowsperstrip, photometric="minisblack")
    ours = read_plain_tiff(path)
    assert ours is not None
    assert ours.dtype == tifffile.imread(path).dtype.newbyteorder("=")
    np.testing.assert_array_equal(ours, tifffile.imread(path))
    np.testing.assert_array_equal(ours, pixels)


@pytest.mark.parametrize(
    "write",
    [
        lambda path: tifffile.imwrite(path, image("uint16"), compression="zlib"),
        lambda path: tifffile.imwrite(path, image("uint16"), predictor=True, compression="zlib"),
        lambda path: tifffile.imwrite(path, image("uint16"), tile=(16, 16)),
        lambda path: tifffile.imwrite(path, image("uint16"), bigtiff=True),
        lambda path: tifffile.imwrite(path, image("uint8", (37, 53, 3)), photometric="rgb"),
        lambda path: tifffile.imwrite(path, image("uint16", (2, 37, 53))),  # two pages
        lambda path: tifffile.imwrite(path, image("float16")),
        lambda path: path.write_bytes(b"II*\x00garbage"),
        lambda path: path.write_bytes(b"not a tiff at all"),
    ],
    ids=["zlib", "predictor", "tiled", "bigtiff", "rgb", "two-pages", "float16", "truncated", "no-tiff"],
)
def test_other_files_are_left_to_tifffile(tmp_path, write):
    path = tmp_path / "other.tif"
    write(path)
    assert read_plain_tiff(path) is None


def test_synthetic_cellvoyager_images_take_the_plain_reader(make_raw):
    from napari_hcs_zarr.raw.synthetic import SyntheticPlateSpec

    raw = make_raw(SyntheticPlateSpec(wells=["B02"], fields_yx=(1, 2), field_shape=(40, 64), z_count=1))
    for path in sorted(raw.glob("*.tif")):
        ours = read_plain_tiff(path)
        assert ours is not None
        np.testing.assert_array_equal(read_field_image(path, (40, 64)), tifffile.imread(path))
