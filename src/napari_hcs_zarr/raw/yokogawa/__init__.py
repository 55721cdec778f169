"""Yokogawa acquisition folders: CellVoyager (CV7000, CV8000) and CQ1 / CQ3000."""

from napari_hcs_zarr.raw.raw_format import RawFormat
from napari_hcs_zarr.raw.yokogawa.parser import MLF_NAME, MRF_NAME, is_cellvoyager_folder, read_cellvoyager
from napari_hcs_zarr.raw.yokogawa.synthetic import write_synthetic_cellvoyager

CELLVOYAGER = RawFormat(
    name="Yokogawa CellVoyager / CQ",
    looks_for=f"{MRF_NAME} + {MLF_NAME}",
    detect=is_cellvoyager_folder,
    read=read_cellvoyager,
    write_synthetic=write_synthetic_cellvoyager,
)

__all__ = ["CELLVOYAGER", "read_cellvoyager", "write_synthetic_cellvoyager"]
