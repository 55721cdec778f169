"""Reading plates: metadata as typed objects, the plate model, lazy plate arrays, and
what the layers of a plate hold (no napari here)."""

from napari_hcs_zarr.view.layers import PlateLayers, plate_layers
from napari_hcs_zarr.view.plate_array import PlateArray
from napari_hcs_zarr.view.plate_info import PlateInfo, plate_kind, read_plate_info
from napari_hcs_zarr.view.plate_model import PlateModel, UnreadablePixelsWarning


def open_plate(location, storage_options: dict | None = None) -> PlateModel:
    """The plate (or well, or image) at ``location`` (a path, a URL or a zarr store) as a
    :class:`PlateModel`; reads its metadata only."""
    return PlateModel.open(location, storage_options)


__all__ = [
    "PlateArray",
    "PlateInfo",
    "PlateLayers",
    "PlateModel",
    "UnreadablePixelsWarning",
    "open_plate",
    "plate_kind",
    "plate_layers",
    "read_plate_info",
]
