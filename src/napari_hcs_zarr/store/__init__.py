"""Plate bytes: the only code that reads or writes them.

A plate lives in a :class:`PlateStore` (a local folder, or any zarr store: memory, or the
fsspec store of a URL); metadata documents are zarr's own; chunks and shards are encoded
here and stored whole; reads of documents and chunks go through the same stores.
"""

from napari_hcs_zarr.store.plate_store import (
    LocalPlateStore,
    Location,
    PlateStore,
    ZarrPlateStore,
    open_store,
)
from napari_hcs_zarr.store.plate_writer import HierarchyWriter

__all__ = ["HierarchyWriter", "LocalPlateStore", "Location", "PlateStore", "ZarrPlateStore", "open_store"]
