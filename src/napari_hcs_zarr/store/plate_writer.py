"""Writing a zarr hierarchy of groups and image arrays into a :class:`PlateStore`."""

from __future__ import annotations

from typing import Any

import numpy as np

from napari_hcs_zarr.store.chunks import PlaneChunkWriter, chunk_prefix, write_plane_chunks
from napari_hcs_zarr.store.consolidate import consolidate_metadata
from napari_hcs_zarr.store.plate_store import PlateStore
from napari_hcs_zarr.store.zarr_documents import ArraySpec, array_documents, group_documents


class HierarchyWriter:
    """Groups, image arrays and their chunks, in one zarr format, in one store.

    Parameters
    ----------
    store
        Where the hierarchy goes.
    zarr_format
        2 or 3.
    """

    def __init__(self, store: PlateStore, zarr_format: int) -> None:
        self.store = store
        self.zarr_format = zarr_format

    def __reduce__(self):  # travels to dask.distributed workers with the plane jobs
        return (HierarchyWriter, (self.store, self.zarr_format))

    def create_group(self, key: str, attributes: dict[str, Any] | None = None) -> None:
        """Write the metadata of a group at ``key`` (``""``: the root)."""
        prefix = f"{key}/" if key else ""
        for name, data in group_documents(attributes or {}, self.zarr_format).items():
            self.store.write(prefix + name, data)

    def set_group_attributes(self, key: str, attributes: dict[str, Any]) -> None:
        """Replace the attributes of the group at ``key``, each document whole or not at all."""
        prefix = f"{key}/" if key else ""
        for name, data in group_documents(attributes, self.zarr_format).items():
            if name != ".zgroup":  # zarr v2 keeps the attributes apart
                self.store.replace(prefix + name, data)

    def create_image_array(
        self,
        key: str,
        *,
        shape: tuple[int, ...],
        chunks: tuple[int, ...],
        dtype: np.dtype,
        dimension_names: list[str],
        shards: tuple[int, ...] | None = None,
    ) -> None:
        """Write the metadata of an image array (Blosc LZ4, byte shuffle, fill value 0)."""
        spec = ArraySpec(
            self.zarr_format,
            tuple(shape),
            tuple(chunks),
            np.dtype(dtype).str,
            tuple(dimension_names) if self.zarr_format == 3 else None,
            tuple(shards) if shards is not None and self.zarr_format == 3 else None,
        )
        for name, data in array_documents(spec).items():
            self.store.write(f"{key}/{name}", data)

    def plane_chunk_writer(
        self,
        array_key: str,
        index: tuple[int, ...],
        grid: tuple[int, int],
        shard_grid: tuple[int, int] | None = None,
    ) -> PlaneChunkWriter:
        """A writer for the encoded chunks of the Y/X plane at ``index`` (``grid``: chunk
        rows and columns of the plane; ``shard_grid``: of a shard, None unsharded)."""
        return PlaneChunkWriter(
            self.store, chunk_prefix(array_key, self.zarr_format, index), grid, shard_grid
        )

    def write_plane(
        self,
        array_key: str,
        index: tuple[int, ...],
        plane: np.ndarray,
        chunk_yx: tuple[int, int],
        shard_grid: tuple[int, int] | None = None,
    ) -> None:
        """Write the Y/X plane at ``index`` of an array made by :meth:`create_image_array`."""
        write_plane_chunks(
            self.store, chunk_prefix(array_key, self.zarr_format, index), plane, chunk_yx, shard_grid
        )

    def consolidate(self) -> None:
        """Gather every node's metadata into the root (see :mod:`.consolidate`)."""
        consolidate_metadata(self.store, self.zarr_format)
