"""The plate model and the plate metadata, on a small plate built here with zarr: where
every well and field goes, what each level holds, what is reported as a problem."""

from __future__ import annotations

import numpy as np
import pytest
import zarr

from napari_hcs_zarr.errors import PlateFormatError
from napari_hcs_zarr.ngff import version_spec
from napari_hcs_zarr.ngff.model import (
    Axis,
    Dataset,
    Multiscale,
    OmeMetadata,
    Omero,
    OmeroChannel,
    Plate,
    PlateWell,
    Well,
    WellImage,
)
from napari_hcs_zarr.view import open_plate, read_plate_info
from napari_hcs_zarr.view.plate_array import PlateArray

AXES = (Axis("c", "channel"), Axis("y", "space", "micrometer"), Axis("x", "space", "micrometer"))
#: well path -> field sizes (height, width); two channels, two levels each.
WELLS = {"A/01": [(40, 60), (40, 60)], "B/03": [(30, 50)]}


def field_pixels(well: str, field: int, c: int, shape: tuple[int, int]) -> np.ndarray:
    y, x = np.mgrid[0 : shape[0], 0 : shape[1]]
    return (1000 * (well == "B/03") + 100 * field + 10 * c + (y + x) % 7 + 1).astype(np.uint16)


def write_plate(root, ngff: str = "0.4", broken: str | None = None) -> None:
    spec = version_spec(ngff)
    group = zarr.open_group(root, mode="w", zarr_format=spec.zarr_format)
    plate = Plate(
        ("A", "B"),
        ("01", "02", "03"),
        tuple(PlateWell(p, "AB".index(p[0]), int(p[-1]) - 1) for p in WELLS),
        "tiny",
    )
    group.attrs.update(spec.to_attributes(OmeMetadata(plate=plate)))
    for path, fields in WELLS.items():
        well = group.require_group(path)
        well.attrs.update(
            spec.to_attributes(OmeMetadata(well=Well(tuple(WellImage(str(i)) for i in range(len(fields))))))
        )
        for index, shape in enumerate(fields):
            image = well.require_group(str(index))
            datasets = (Dataset("0", (1.0, 0.5, 0.5)), Dataset("1", (1.0, 1.0, 1.0)))
            channels = (OmeroChannel("DAPI", "0000FF"), OmeroChannel("GFP", "00FF00"))
            image.attrs.update(
                spec.to_attributes(
                    OmeMetadata(multiscales=(Multiscale(AXES, datasets),), omero=Omero(channels))
                )
            )
            if broken == f"{path}/{index}":
                continue  # an image group without arrays
            level0 = np.stack([field_pixels(path, index, c, shape) for c in range(2)])
            image.create_array("0", data=level0, chunks=(1, 16, 16))
            image.create_array("1", data=level0[:, ::2, ::2], chunks=(1, 16, 16))


@pytest.mark.parametrize("ngff", ["0.4", "0.5"])
def test_geometry_and_pixels(tmp_path, ngff):
    write_plate(tmp_path / "p.zarr", ngff)
    model = open_plate(tmp_path / "p.zarr")
    assert model.info.name == "tiny" and model.info.version == ngff
    assert [(w.name, w.row_index, w.column_index) for w in model.info.wells] == [("A01", 0, 0), ("B03", 1, 2)]
    assert model.channel_count == 2 and model.lead_axes == []
    # Two fields at most: a 1 x 2 grid of 40 x 60 slots; a gap of 1/20 of the slot between wells.
    assert model.field_grid == (1, 2) and model.field_slot == (40, 60)
    assert model.gap == 6 and model.well_pitch == (46, 126)
    assert model.shape_yx0 == (2 * 46 - 6, 3 * 126 - 6)
    assert model.factors == [1, 2]
    assert model.scale() == (0.5, 0.5)
    assert model.well_labels() == [("A01", 0, 0), ("B03", 46, 252)]

    level0, level1 = model.image_levels(1)
    assert isinstance(level0, PlateArray) and level0.shape == model.shape_yx0 and level0.dtype == np.uint16
    whole = level0[:, :]
    np.testing.assert_array_equal(whole[0:40, 0:60], field_pixels("A/01", 0, 1, (40, 60)))
    np.testing.assert_array_equal(whole[0:40, 60:120], field_pixels("A/01", 1, 1, (40, 60)))
    np.testing.assert_array_equal(whole[46:76, 252:302], field_pixels("B/03", 0, 1, (30, 50)))
    covered = np.zeros(whole.shape, bool)
    covered[0:40, 0:120] = covered[46:76, 252:302] = True
    assert (whole[~covered] == 0).all()  # gaps, empty wells and empty slot parts are 0
    np.testing.assert_array_equal(level1[23:38, 126:151], field_pixels("B/03", 0, 1, (30, 50))[::2, ::2])
    np.testing.assert_array_equal(level0[50, 260:262], whole[50, 260:262])  # an integer row
    np.testing.assert_array_equal(level0[::3, ::5], whole[::3, ::5])  # steps


def test_metadata_problems_are_reported_not_raised(tmp_path):
    write_plate(tmp_path / "p.zarr", broken="A/01/1")
    info = read_plate_info(tmp_path / "p.zarr")
    assert [len(w.images) for w in info.wells] == [1, 1]
    assert info.problems == ["image A/01/1: dataset A/01/1/0 has no array metadata"]
    image = info.wells[0].images[0]
    assert image.axis_names == ["c", "y", "x"] and image.axes[1] == Axis("y", "space", "micrometer")
    assert [c.label for c in image.channels] == ["DAPI", "GFP"]
    assert image.datasets[0].shape == (2, 40, 60) and image.datasets[0].chunks == (1, 16, 16)


def test_not_a_plate(tmp_path):
    zarr.open_group(tmp_path / "g.zarr", mode="w").attrs["x"] = 1
    with pytest.raises(PlateFormatError, match="g.zarr: not an OME-Zarr plate, well or image"):
        read_plate_info(tmp_path / "g.zarr")
