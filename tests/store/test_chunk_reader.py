"""The direct chunk reader returns what zarr returns, or declines."""

from __future__ import annotations

import json

import numcodecs
import numpy as np
import pytest
import zarr
import zarr.codecs

from napari_hcs_zarr.store import LocalPlateStore
from napari_hcs_zarr.store.chunk_reader import direct_reader

DATA = (np.arange(3 * 37 * 53, dtype=np.uint16).reshape(3, 37, 53) * 7) % 5003


def metadata_document(path):
    v3 = path / "zarr.json"
    return json.loads(v3.read_text()) if v3.exists() else json.loads((path / ".zarray").read_text())


V2_CASES = [
    {"compressors": numcodecs.Blosc(cname="lz4", shuffle=1)},
    {"compressors": numcodecs.Zstd(level=3)},
    {"compressors": numcodecs.GZip(level=1)},
    {"compressors": None},
    {"compressors": numcodecs.Blosc(), "chunk_key_encoding": {"name": "v2", "separator": "."}},
    {"compressors": numcodecs.Blosc(), "order": "F"},
]
V3_CASES = [
    {"compressors": zarr.codecs.BloscCodec(cname="lz4", shuffle="bitshuffle")},
    {"compressors": zarr.codecs.ZstdCodec(level=1, checksum=True)},
    {"compressors": [zarr.codecs.GzipCodec(level=1), zarr.codecs.Crc32cCodec()]},
    {"compressors": None},
    {"compressors": zarr.codecs.BloscCodec(), "chunk_key_encoding": {"name": "v2", "separator": "."}},
]


@pytest.mark.parametrize(("zarr_format", "options"), [(2, c) for c in V2_CASES] + [(3, c) for c in V3_CASES])
def test_direct_reads_equal_zarr(tmp_path, zarr_format, options):
    array = zarr.create_array(
        tmp_path / "a",
        shape=DATA.shape,
        chunks=(1, 16, 20),
        dtype=DATA.dtype,
        fill_value=0,
        zarr_format=zarr_format,
        **options,
    )
    array[:, :30, :] = DATA[:, :30, :]  # the last row of chunks is never written
    reader = direct_reader(LocalPlateStore(tmp_path), "a", metadata_document(tmp_path / "a"))
    assert reader is not None
    for selection in [
        (1, slice(0, 37), slice(0, 53)),
        (slice(0, 3), slice(5, 33), slice(17, 52)),
        (2, slice(3, 37, 4), slice(1, 50, 3)),
        (0, 36, slice(None)),
        (1, slice(2, 10), slice(3, 15)),  # inside one chunk
        (1, 5, slice(2, 19, 3)),  # inside one chunk, with an int and a step
        (slice(2, 3), slice(33, 36), slice(41, 50)),  # inside a chunk never written
    ]:
        np.testing.assert_array_equal(reader[selection], array[selection], err_msg=str(selection))


def test_sharded_arrays_are_left_to_zarr(tmp_path):
    zarr.create_array(tmp_path / "s", shape=(8, 8), chunks=(2, 2), shards=(4, 4), dtype="u2")
    assert direct_reader(LocalPlateStore(tmp_path), "s", metadata_document(tmp_path / "s")) is None


def test_filters_are_left_to_zarr(tmp_path):
    zarr.create_array(
        tmp_path / "f",
        shape=(8, 8),
        chunks=(4, 4),
        dtype="u2",
        zarr_format=2,
        filters=[numcodecs.Delta(dtype="u2")],
    )
    assert direct_reader(LocalPlateStore(tmp_path), "f", metadata_document(tmp_path / "f")) is None
