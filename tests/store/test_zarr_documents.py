"""The metadata documents the converter writes are the ones zarr writes, byte for byte:
groups, image arrays (sharded or not), OME attributes of both versions, and the
consolidated metadata of a whole converted plate."""

from __future__ import annotations

import numcodecs
import numpy as np
import pytest
import zarr
import zarr.codecs

from napari_hcs_zarr.ngff import version_spec
from napari_hcs_zarr.ngff.model import OmeMetadata, Plate, Well, WellImage
from napari_hcs_zarr.store import HierarchyWriter, LocalPlateStore


def files(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def zarr_create_array(group: zarr.Group, zarr_format: int, name: str, **kwargs) -> None:
    """The image array as zarr creates it with the plate's encoding."""
    if zarr_format == 2:
        group.create_array(
            name,
            shape=kwargs["shape"],
            chunks=kwargs["chunks"],
            dtype=kwargs["dtype"],
            fill_value=0,
            compressors=numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE),
            chunk_key_encoding={"name": "v2", "separator": "/"},
        )
        return
    group.create_array(
        name,
        fill_value=0,
        compressors=zarr.codecs.BloscCodec(cname="lz4", clevel=5, shuffle="shuffle"),
        **kwargs,
    )


@pytest.mark.parametrize("dtype", ["uint16", "uint8", "float32"])
@pytest.mark.parametrize(
    ("ngff", "sharded", "time_axis"),
    [("0.4", False, False), ("0.4", False, True), ("0.5", True, False), ("0.5", False, True)],
)
def test_groups_arrays_and_ome_attributes_match_zarr(tmp_path, ngff, sharded, time_axis, dtype):
    fmt = version_spec(ngff)
    writer = HierarchyWriter(LocalPlateStore(tmp_path / "ours"), fmt.zarr_format)
    prefix = (2,) if time_axis else ()
    names = (["t"] if time_axis else []) + ["c", "z", "y", "x"]
    arrays = {
        "0": {"shape": prefix + (2, 3, 187, 374), "chunks": (1,) * len(prefix) + (1, 1, 96, 128)},
        "1": {"shape": prefix + (2, 3, 93, 187), "chunks": (1,) * len(prefix) + (1, 1, 93, 128)},
    }
    ours, theirs = tmp_path / "ours", tmp_path / "zarr"

    root = zarr.open_group(theirs, mode="w", zarr_format=fmt.zarr_format)
    image = root.require_group("B/03/0")
    for name, geometry in arrays.items():
        shards = None
        if sharded:  # one shard per plane, as the writer makes them
            (h, w), (ch, cw) = geometry["shape"][-2:], geometry["chunks"][-2:]
            shards = geometry["chunks"][:-2] + (-(-h // ch) * ch, -(-w // cw) * cw)
        kwargs = {"shape": geometry["shape"], "chunks": geometry["chunks"], "dtype": dtype}
        if fmt.zarr_format == 3:
            kwargs.update(shards=shards, dimension_names=names)
        zarr_create_array(image, fmt.zarr_format, name, **kwargs)
        writer.create_image_array(
            f"B/03/0/{name}",
            shape=geometry["shape"],
            chunks=geometry["chunks"],
            shards=shards,
            dtype=np.dtype(dtype),
            dimension_names=names,
        )
    for path in ("", "B", "B/03", "B/03/0"):
        writer.create_group(path)
    assert files(ours) == files(theirs)

    well = OmeMetadata(well=Well((WellImage("0", 0),)))
    plate = OmeMetadata(plate=Plate(("B",), ("03",), (), name="p", field_count=1))
    for group, key, ome in ((root["B/03"], "B/03", well), (root, "", plate)):
        group.attrs.update(fmt.to_attributes(ome))
        writer.set_group_attributes(key, fmt.to_attributes(ome))
    assert files(ours) == files(theirs)


@pytest.mark.parametrize(("ngff", "shard_planes"), [("0.4", True), ("0.5", True), ("0.5", False)])
def test_consolidated_metadata_matches_zarr(small_raw, tmp_path, ngff, shard_planes):
    """The converter's consolidated metadata (a plate with a t axis, Z varying per well,
    ROI tables, the vendor files) holds what ``zarr.consolidate_metadata`` writes, and
    every other file is left as it is.

    The consolidated document is compared as JSON: zarr releases order its nodes
    differently (3.1.0 by depth only, later ones by depth and name), and the converter
    writes one order for all of them.
    """
    import json
    import warnings

    from napari_hcs_zarr.convert import ConversionOptions, convert_plate

    out = tmp_path / "plate.zarr"
    convert_plate(
        small_raw, out, ConversionOptions(levels=2, ngff=ngff, shard_planes=shard_planes, workers=1)
    )
    ours = files(out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # v3 consolidated metadata, non-zarr folders
        zarr.consolidate_metadata(str(out), zarr_format=version_spec(ngff).zarr_format)
    theirs = files(out)
    consolidated = ".zmetadata" if ngff == "0.4" else "zarr.json"
    assert json.loads(theirs.pop(consolidated)) == json.loads(ours.pop(consolidated))
    assert theirs == ours
