"""Conversion: a raw plate → stitched wells → mean pyramid → OME-Zarr plate in a store."""

from napari_hcs_zarr.convert.options import ConversionOptions, ConversionSummary, ProgressEvent
from napari_hcs_zarr.convert.run import (
    convert_plate,
    is_resumable,
    iter_convert,
    iter_convert_until,
    prepare_raw_plate,
)

__all__ = [
    "ConversionOptions",
    "ConversionSummary",
    "ProgressEvent",
    "convert_plate",
    "is_resumable",
    "iter_convert",
    "iter_convert_until",
    "prepare_raw_plate",
]
