"""Fractal ROI tables (``FOV_ROI_table``, ``well_ROI_table``) of a stitched well image.

They let Fractal tasks and other downstream tools work per original camera field.
"""

from __future__ import annotations

from napari_hcs_zarr.raw.model import RawImage, RawPlate
from napari_hcs_zarr.store.plate_store import PlateStore
from napari_hcs_zarr.store.tables import TableWriter

COLUMNS = [
    "x_micrometer",
    "y_micrometer",
    "z_micrometer",
    "len_x_micrometer",
    "len_y_micrometer",
    "len_z_micrometer",
    "x_micrometer_original",
    "y_micrometer_original",
]
TABLE_NAMES = ["FOV_ROI_table", "well_ROI_table"]
_ROI_TABLE = {"type": "roi_table", "fractal_table_version": "1"}


def roi_rows(plate: RawPlate, image: RawImage) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """The rows of the two tables: one per field (``FOV_<index>``), one for the whole image."""
    z_um, y_um, x_um = plate.pixel_size_um
    depth = image.z_count * z_um
    fields = {
        f"FOV_{f.index}": [
            f.x_px * x_um,
            f.y_px * y_um,
            0.0,
            f.shape[1] * x_um,
            f.shape[0] * y_um,
            depth,
            f.x_um,
            f.y_um,
        ]
        for f in image.fields
    }
    height, width = image.image_shape_yx
    whole = {"well_1": [0.0, 0.0, 0.0, width * x_um, height * y_um, depth, 0.0, 0.0]}
    return fields, whole


def write_roi_tables(
    store: PlateStore, image_key: str, zarr_format: int, plate: RawPlate, image: RawImage
) -> None:
    """Write both tables under ``<image_key>/tables`` (a local image group of the plate)."""
    fields, whole = roi_rows(plate, image)
    writer = TableWriter(store, zarr_format)
    writer.group(f"{image_key}/tables", {"tables": TABLE_NAMES})
    for name, rows in zip(TABLE_NAMES, (fields, whole), strict=True):
        writer.anndata_table(f"{image_key}/tables/{name}", rows, COLUMNS, _ROI_TABLE)
