"""The 2x2 mean pyramid and the level count, against an independent float oracle."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import reference_downsample
from napari_hcs_zarr.convert.pyramid import default_level_count, downsample_mean2, level_shape


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "int16", "uint32", "int32"])
@pytest.mark.parametrize("shape", [(7, 9), (64, 80), (2, 2), (1, 5), (301, 1)])
def test_integer_means_round_half_up(dtype, shape):
    info = np.iinfo(dtype)
    rng = np.random.default_rng(sum(shape))
    plane = rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)
    expected = reference_downsample(plane)
    assert downsample_mean2(plane).dtype == plane.dtype
    np.testing.assert_array_equal(downsample_mean2(plane), expected)


def test_halves_go_up_and_the_maximum_does_not_wrap():
    plane = np.array([[0, 1], [0, 1]], dtype=np.uint16)  # mean 0.5
    assert downsample_mean2(plane)[0, 0] == 1
    plane = np.full((2, 2), 65535, dtype=np.uint16)
    assert downsample_mean2(plane)[0, 0] == 65535


def test_float_means_and_an_output_view():
    plane = np.arange(16, dtype=np.float32).reshape(4, 4)
    np.testing.assert_allclose(downsample_mean2(plane), [[2.5, 4.5], [10.5, 12.5]])
    out = np.zeros((4, 4), dtype=np.uint16)
    downsample_mean2(np.full((4, 4), 7, np.uint16), out=out[1:3, 2:4])
    assert out.sum() == 7 * 4 and (out[1:3, 2:4] == 7).all()


def test_leading_axes_are_kept():
    stack = np.arange(2 * 6 * 8, dtype=np.uint16).reshape(2, 6, 8)
    result = downsample_mean2(stack)
    assert result.shape == (2, 3, 4)
    for i in range(2):
        np.testing.assert_array_equal(result[i], reference_downsample(stack[i]))


def test_level_count_and_shapes():
    assert default_level_count((19440, 20480)) == 8  # the seed's well: 20480 / 2**7 = 160
    assert default_level_count((256, 100)) == 1 and default_level_count((257, 100)) == 2
    assert level_shape((2430, 1001), 0) == (2430, 1001)
    assert level_shape((2430, 1001), 2) == (607, 250)
