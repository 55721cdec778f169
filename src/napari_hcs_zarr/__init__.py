"""View and produce high-content-screening plates as OME-Zarr.

The package is one way through, a folder a stage: ``raw`` (vendor parsers → a neutral
raw plate) → ``convert`` (stitching, pyramid, the conversion run) → ``store`` (the only
code that touches plate bytes) → ``view`` (a plate as lazy arrays and layer
descriptions) → ``_napari`` (the only code that imports napari or Qt). ``ngff`` turns
the OME metadata objects into the documents of each NGFF version and back.

The public API is importable from here; it is loaded on first use, so that napari's
plugin discovery (which imports this package) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

#: Public name -> module that defines it.
_PUBLIC = {
    "convert_plate": "napari_hcs_zarr.convert",
    "iter_convert": "napari_hcs_zarr.convert",
    "is_resumable": "napari_hcs_zarr.convert",
    "ConversionOptions": "napari_hcs_zarr.convert",
    "ConversionSummary": "napari_hcs_zarr.convert",
    "ProgressEvent": "napari_hcs_zarr.convert",
    "open_plate": "napari_hcs_zarr.view",
    "PlateModel": "napari_hcs_zarr.view",
    "read_raw_plate": "napari_hcs_zarr.raw",
    "describe_raw_plate": "napari_hcs_zarr.raw",
    "register_format": "napari_hcs_zarr.raw",
    "RAW_FORMATS": "napari_hcs_zarr.raw",
    "RawFormat": "napari_hcs_zarr.raw",
    "RawPlate": "napari_hcs_zarr.raw",
    "RawWell": "napari_hcs_zarr.raw",
    "RawField": "napari_hcs_zarr.raw",
    "RawChannel": "napari_hcs_zarr.raw",
    "NGFF_VERSIONS": "napari_hcs_zarr.ngff",
    "open_store": "napari_hcs_zarr.store",
    "HcsZarrError": "napari_hcs_zarr.errors",
}
_RENAMED = {"NGFF_VERSIONS": "VERSIONS"}

__all__ = [
    "NGFF_VERSIONS",
    "RAW_FORMATS",
    "ConversionOptions",
    "ConversionSummary",
    "HcsZarrError",
    "PlateModel",
    "ProgressEvent",
    "RawFormat",
    "RawChannel",
    "RawField",
    "RawPlate",
    "RawWell",
    "__version__",
    "convert_plate",
    "describe_raw_plate",
    "is_resumable",
    "iter_convert",
    "open_plate",
    "open_store",
    "read_raw_plate",
    "register_format",
]

if TYPE_CHECKING:
    from napari_hcs_zarr.convert import (
        ConversionOptions,
        ConversionSummary,
        ProgressEvent,
        convert_plate,
        is_resumable,
        iter_convert,
    )
    from napari_hcs_zarr.errors import HcsZarrError
    from napari_hcs_zarr.ngff import VERSIONS as NGFF_VERSIONS
    from napari_hcs_zarr.raw import (
        RAW_FORMATS,
        RawChannel,
        RawField,
        RawFormat,
        RawPlate,
        RawWell,
        describe_raw_plate,
        read_raw_plate,
        register_format,
    )
    from napari_hcs_zarr.store import open_store
    from napari_hcs_zarr.view import PlateModel, open_plate


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'napari_hcs_zarr' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), _RENAMED.get(name, name))
    globals()[name] = value
    return value
