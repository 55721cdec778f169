"""Scale-out: a dask.distributed cluster gives the same plate; sharded NGFF 0.5 opens in peers."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
import zarr

from helpers import assert_same_plate, requires
from napari_hcs_zarr.convert import ConversionOptions, convert_plate
from napari_hcs_zarr.raw.synthetic import SyntheticPlateSpec

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=40,
    ) as local_cluster:
        yield local_cluster


@pytest.mark.parametrize("gap_px", [-4, 0], ids=["overlap", "tiling"])
@pytest.mark.parametrize("ngff", ["0.4", "0.5"])
def test_cluster_run_equals_threaded_run(cluster, make_raw, tmp_path, ngff, gap_px):
    # gap 0: the fields tile the chunk grid, and level 0 is written field by field
    raw = make_raw(
        SyntheticPlateSpec(
            wells=["B02", "C03"], fields_yx=(2, 2), field_shape=(128, 160), z_count=3, gap_px=gap_px
        )
    )
    threaded = tmp_path / "threaded.zarr"
    clustered = tmp_path / "cluster.zarr"
    convert_plate(raw, threaded, ConversionOptions(levels=3, ngff=ngff, workers=2))
    summary = convert_plate(
        raw, clustered, ConversionOptions(levels=3, ngff=ngff, scheduler=cluster.scheduler_address)
    )
    assert summary.planes_written == 2 * 2 * 3
    assert_same_plate(threaded, clustered)


def test_sharded_05_layout(make_raw, tmp_path):
    raw = make_raw(SyntheticPlateSpec(wells=["B02"], fields_yx=(2, 3), field_shape=(64, 80), z_count=2))
    out = tmp_path / "sharded.zarr"
    convert_plate(raw, out, ConversionOptions(levels=2, ngff="0.5"))
    document = json.loads((out / "B" / "02" / "0" / "0" / "zarr.json").read_text())
    assert document["dimension_names"] == ["c", "z", "y", "x"]
    sharding = document["codecs"][0]
    assert sharding["name"] == "sharding_indexed"
    assert sharding["configuration"]["chunk_shape"] == [1, 1, 64, 80]
    assert document["chunk_grid"]["configuration"]["chunk_shape"] == [1, 1, 128, 240]
    # One shard file per well plane and level: c * z files at level 0, not c * z * fields.
    shard_files = [p for p in (out / "B" / "02" / "0" / "0" / "c").rglob("*") if p.is_file()]
    assert len(shard_files) == 2 * 2
    unsharded = tmp_path / "plain.zarr"
    convert_plate(raw, unsharded, ConversionOptions(levels=2, ngff="0.5", shard_planes=False))
    plain_files = [p for p in (unsharded / "B" / "02" / "0" / "0" / "c").rglob("*") if p.is_file()]
    assert len(plain_files) == 2 * 2 * 6
    np.testing.assert_array_equal(
        zarr.open_array(out / "B" / "02" / "0" / "0")[...],
        zarr.open_array(unsharded / "B" / "02" / "0" / "0")[...],
    )


def test_shards_of_a_few_chunks(make_raw, tmp_path):
    """``shard_chunks=2``: shards of up to 2 x 2 fields, edge shards partly empty; the same
    pixels as plain chunks at every level, through zarr and through this plugin's reader."""
    from napari_hcs_zarr.view import PlateModel

    raw = make_raw(SyntheticPlateSpec(wells=["B02"], fields_yx=(2, 3), field_shape=(64, 80), z_count=2))
    out = tmp_path / "small-shards.zarr"
    convert_plate(raw, out, ConversionOptions(levels=3, ngff="0.5", shard_chunks=2))
    unsharded = tmp_path / "plain.zarr"
    convert_plate(raw, unsharded, ConversionOptions(levels=3, ngff="0.5", shard_planes=False))
    level0 = json.loads((out / "B" / "02" / "0" / "0" / "zarr.json").read_text())
    assert level0["chunk_grid"]["configuration"]["chunk_shape"] == [1, 1, 128, 160]
    assert level0["codecs"][0]["configuration"]["chunk_shape"] == [1, 1, 64, 80]
    # Level 0 is 2 x 3 fields: per plane a full 2 x 2 shard and a half-empty one.
    for c, z in itertools.product(range(2), range(2)):
        plane_dir = out / "B" / "02" / "0" / "0" / "c" / str(c) / str(z)
        assert sorted(str(p.relative_to(plane_dir)) for p in plane_dir.rglob("*") if p.is_file()) == [
            "0/0",
            "0/1",
        ]
    for level in range(3):
        np.testing.assert_array_equal(
            zarr.open_array(out / "B" / "02" / "0" / str(level))[...],
            zarr.open_array(unsharded / "B" / "02" / "0" / str(level))[...],
            err_msg=f"level {level}",
        )
    ours, plain = PlateModel.open(out), PlateModel.open(unsharded)
    for level in (0, 2):
        np.testing.assert_array_equal(ours.image_levels(1)[level][...], plain.image_levels(1)[level][...])
    with pytest.raises(ValueError, match="shard_chunks"):
        convert_plate(raw, tmp_path / "x.zarr", ConversionOptions(ngff="0.5", shard_chunks=0))


@requires("ome_zarr", "napari_ome_zarr")
def test_napari_ome_zarr_and_ome_zarr_py_open_sharded_plate(make_raw, tmp_path):
    from ome_zarr.io import parse_url
    from ome_zarr.reader import Reader

    raw = make_raw(
        SyntheticPlateSpec(wells=["B02", "C03"], fields_yx=(1, 2), field_shape=(64, 64), z_count=2)
    )
    out = tmp_path / "sharded.zarr"
    convert_plate(raw, out, ConversionOptions(levels=2, ngff="0.5"))
    nodes = list(Reader(parse_url(str(out)))())
    level0 = nodes[0].data[0]
    assert level0.shape == (2, 2, 8 * 64, 12 * 128)  # c, z, the full plate grid of wells
    stored = zarr.open_array(out / "B" / "02" / "0" / "0")[...]
    np.testing.assert_array_equal(np.asarray(level0[:, :, 64:128, 128:256]), stored)
    from napari_ome_zarr import napari_get_reader

    layers = napari_get_reader(str(out))(str(out))
    assert layers and len(layers[0][0]) >= 1
