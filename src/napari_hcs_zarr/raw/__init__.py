"""Raw acquisitions: the neutral raw-plate model, the format registry, one sub-package
per vendor, and what they share (placement of fields, image-file loaders, synthetic data).
"""

from napari_hcs_zarr.raw.formats import (
    RAW_FORMATS,
    describe_raw_plate,
    raw_format_of,
    read_raw_plate,
    register_format,
    synthetic_format,
    unregister_format,
)
from napari_hcs_zarr.raw.model import PlaneKey, PlaneLoader, RawChannel, RawField, RawImage, RawPlate, RawWell
from napari_hcs_zarr.raw.raw_format import RawFormat

__all__ = [
    "RAW_FORMATS",
    "PlaneKey",
    "PlaneLoader",
    "RawChannel",
    "RawField",
    "RawFormat",
    "RawImage",
    "RawPlate",
    "RawWell",
    "describe_raw_plate",
    "raw_format_of",
    "read_raw_plate",
    "register_format",
    "synthetic_format",
    "unregister_format",
]
