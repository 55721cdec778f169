"""Writing the chunks of one image plane: encoded here, stored whole (or in shards).

zarr's general write path costs more than the compression itself for the many writes
of a conversion; this encodes each chunk as zarr would (Blosc LZ4, little-endian, edge
chunks padded with the fill value 0) and hands whole chunk or shard objects to the store.
"""

from __future__ import annotations

import google_crc32c
import numpy as np

from napari_hcs_zarr.errors import StoreError
from napari_hcs_zarr.store.plate_store import PlateStore
from napari_hcs_zarr.store.zarr_documents import BLOSC


def encode_chunk(tile: np.ndarray, chunk_yx: tuple[int, int]) -> bytes:
    """The stored bytes of one chunk (blosc-lz4, little-endian); a tile smaller than
    ``chunk_yx`` (at the plane's bottom or right edge) is padded with the fill value 0."""
    if tile.shape != tuple(chunk_yx):
        padded = np.zeros(chunk_yx, dtype=tile.dtype)
        padded[: tile.shape[0], : tile.shape[1]] = tile
        tile = padded
    return BLOSC.encode(np.ascontiguousarray(tile, dtype=tile.dtype.newbyteorder("<")))


def chunk_prefix(array_key: str, zarr_format: int, index: tuple[int, ...]) -> str:
    """Key prefix of the chunks of the Y/X plane at ``index`` (``/`` separated keys)."""
    parts = [array_key] + (["c"] if zarr_format == 3 else []) + [str(i) for i in index]
    return "/".join(p for p in parts if p)


class PlaneChunkWriter:
    """Writes the encoded chunks of one Y/X plane of one array, in any order.

    Unsharded, each chunk is stored at ``<plane>/<cy>/<cx>`` when it is added. Sharded,
    chunk (cy, cx) belongs to shard ``<plane>/<cy // rows>/<cx // columns>`` for a shard
    of ``rows`` x ``columns`` chunks; a shard is stored as soon as all its chunks are in,
    in zarr's ``sharding_indexed`` layout: the inner chunks in row-major order, then their
    offsets and sizes as little-endian uint64 with a crc32c, at the end; places of an edge
    shard that lie outside the plane are marked empty (offset and size 2**64 - 1).

    Parameters
    ----------
    store
        Where the plate is.
    plane_prefix
        The plane's chunk key prefix (see :func:`chunk_prefix`).
    grid
        Chunk rows and columns of the plane; every chunk must be added.
    shard_grid
        Chunk rows and columns of one shard; None for plain chunks.
    """

    def __init__(
        self, store: PlateStore, plane_prefix: str, grid: tuple[int, int], shard_grid: tuple[int, int] | None
    ) -> None:
        self.store = store
        self.plane_prefix = plane_prefix
        self.grid = grid
        self.shard_grid = shard_grid
        self._encoded: dict[tuple[int, int], dict[tuple[int, int], bytes]] = {}

    def add(self, cy: int, cx: int, data: bytes) -> None:
        """Add the encoded chunk at chunk row ``cy``, column ``cx``."""
        if self.shard_grid is None:
            self.store.write(f"{self.plane_prefix}/{cy}/{cx}", data)
            return
        rows, columns = self.shard_grid
        shard = (cy // rows, cx // columns)
        inner = self._encoded.setdefault(shard, {})
        inner[cy % rows, cx % columns] = data
        if len(inner) == self._chunks_in(shard):
            self._write_shard(shard, self._encoded.pop(shard))

    def close(self) -> None:
        """Check that every chunk was added (each shard is written when complete)."""
        if self._encoded:
            missing = sorted(self._encoded)
            raise StoreError(
                self.store.uri(self.plane_prefix), f"shards {missing} were not given all their chunks"
            )

    def _chunks_in(self, shard: tuple[int, int]) -> int:
        """How many chunks of the plane fall in ``shard`` (fewer at the plane's edges)."""
        rows, columns = self.shard_grid
        in_y = min(rows, self.grid[0] - shard[0] * rows)
        in_x = min(columns, self.grid[1] - shard[1] * columns)
        return in_y * in_x

    def _write_shard(self, shard: tuple[int, int], inner: dict[tuple[int, int], bytes]) -> None:
        rows, columns = self.shard_grid
        table = np.full((rows, columns, 2), np.iinfo("<u8").max, dtype="<u8")
        offset = 0
        ordered = []
        for position in sorted(inner):
            data = inner[position]
            table[position] = (offset, len(data))
            offset += len(data)
            ordered.append(data)
        index_bytes = table.tobytes()
        checksum = np.uint32(google_crc32c.value(index_bytes)).astype("<u4").tobytes()
        self.store.write_parts(
            f"{self.plane_prefix}/{shard[0]}/{shard[1]}", [*ordered, index_bytes + checksum]
        )


def write_plane_chunks(
    store: PlateStore,
    plane_prefix: str,
    plane: np.ndarray,
    chunk_yx: tuple[int, int],
    shard_grid: tuple[int, int] | None = None,
) -> None:
    """Write a whole Y/X plane, chunk by chunk (into shards when ``shard_grid`` is given)."""
    ch, cw = chunk_yx
    h, w = plane.shape
    writer = PlaneChunkWriter(store, plane_prefix, (-(-h // ch), -(-w // cw)), shard_grid)
    for cy in range(writer.grid[0]):
        for cx in range(writer.grid[1]):
            tile = plane[cy * ch : (cy + 1) * ch, cx * cw : (cx + 1) * cw]
            writer.add(cy, cx, encode_chunk(tile, chunk_yx))
    writer.close()
