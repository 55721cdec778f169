"""Fractal ROI tables (``FOV_ROI_table``, ``well_ROI_table``) of a stitched well image.

They let Fractal tasks and other downstream tools work per original camera field.
"""

from __future__ import annotations

import warnings

import anndata as ad
import numpy as np
import pandas as pd
import zarr

from napari_hcs_zarr.raw_plate import RawPlate, RawWell

_COLUMNS = [
    "x_micrometer",
    "y_micrometer",
    "z_micrometer",
    "len_x_micrometer",
    "len_y_micrometer",
    "len_z_micrometer",
    "x_micrometer_original",
    "y_micrometer_original",
]


def _table(rows: dict[str, list[float]]) -> ad.AnnData:
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=_COLUMNS).astype(np.float32)
    return ad.AnnData(
        X=frame.to_numpy(),
        obs=pd.DataFrame(index=frame.index.astype(str)),
        var=pd.DataFrame(index=frame.columns.astype(str)),
    )


def roi_rows(
    plate: RawPlate, well: RawWell, well_shape: tuple[int, int]
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """The rows of the two tables: one per field (``FOV_<index>``), one for the well."""
    z_um, y_um, x_um = plate.pixel_size_um
    fh, fw = plate.field_shape
    depth = well.z_count * z_um
    fields = {
        f"FOV_{f.index}": [
            f.x_px * x_um, f.y_px * y_um, 0.0, fw * x_um, fh * y_um, depth, f.x_um, f.y_um,
        ]
        for f in well.fields
    }
    whole = {"well_1": [0.0, 0.0, 0.0, well_shape[1] * x_um, well_shape[0] * y_um, depth, 0.0, 0.0]}
    return fields, whole


def write_roi_tables(image: zarr.Group, plate: RawPlate, well: RawWell, well_shape: tuple[int, int]) -> None:
    """Write both tables under ``image/tables``."""
    fields, whole = roi_rows(plate, well, well_shape)
    tables = image.require_group("tables")
    for name, rows in (("FOV_ROI_table", fields), ("well_ROI_table", whole)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # zarr's note on future auto-sharding
            ad.io.write_elem(tables, name, _table(rows))
        tables[name].attrs.update({"type": "roi_table", "fractal_table_version": "1"})
    tables.attrs["tables"] = ["FOV_ROI_table", "well_ROI_table"]
