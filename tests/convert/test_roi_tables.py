"""The Fractal ROI tables of a well: one row per field at its stitched place, one for the well."""

from __future__ import annotations

from pathlib import Path

import anndata as ad
import numpy as np
import pytest

from napari_hcs_zarr.convert.roi_tables import COLUMNS, roi_rows, write_roi_tables
from napari_hcs_zarr.raw import RawChannel, RawField, RawPlate, RawWell
from napari_hcs_zarr.store import LocalPlateStore


def plate_with_fields() -> RawPlate:
    fields = [
        RawField(1, 0, 0, 0.0, 0.0, (100, 200)),
        RawField(2, 0, 190, 0.0, 95.2, (100, 200)),
        RawField(3, 95, 0, 47.6, 0.0, (80, 200)),  # a smaller field
    ]
    well = RawWell("B", "03", 1, 2, fields, z_count=4)
    return RawPlate(
        name="p",
        source_dir=Path("/nowhere"),
        row_names=["A", "B"],
        column_names=["01", "02", "03"],
        wells=[well],
        channels=[RawChannel("C1", "DAPI")],
        time_count=1,
        dtype=np.dtype("uint16"),
        pixel_size_um=(2.0, 0.5, 0.5),
    )


def test_rows():
    plate = plate_with_fields()
    well = plate.wells[0]
    assert well.image_shape_yx == (175, 390)
    fields, whole = roi_rows(plate, well.images[0])
    assert list(fields) == ["FOV_1", "FOV_2", "FOV_3"]
    assert fields["FOV_2"] == [95.0, 0.0, 0.0, 100.0, 50.0, 8.0, 95.2, 0.0]
    assert fields["FOV_3"] == [0.0, 47.5, 0.0, 100.0, 40.0, 8.0, 0.0, 47.6]
    assert whole == {"well_1": [0.0, 0.0, 0.0, 195.0, 87.5, 8.0, 0.0, 0.0]}


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_tables_read_with_anndata(tmp_path, zarr_format):
    plate = plate_with_fields()
    write_roi_tables(LocalPlateStore(tmp_path), "B/03/0", zarr_format, plate, plate.wells[0].images[0])
    table = ad.read_zarr(tmp_path / "B/03/0/tables/FOV_ROI_table")
    assert list(table.obs_names) == ["FOV_1", "FOV_2", "FOV_3"]
    assert list(table.var_names) == COLUMNS
    assert table.X.dtype == np.float32
    np.testing.assert_allclose(table.X[2], [0.0, 47.5, 0.0, 100.0, 40.0, 8.0, 0.0, 47.6], rtol=1e-6)
    assert ad.read_zarr(tmp_path / "B/03/0/tables/well_ROI_table").X.shape == (1, 8)
