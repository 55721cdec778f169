"""One channel (or label image) of a whole plate at one level, as a lazy numpy-like array.

Indexing reads only the tiles (stored images placed on the plate) that the selection
touches, through a :class:`TileSource`, and returns numpy. No dask graph is built, so
an array of any size costs nothing until it is read.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np

from napari_hcs_zarr.view.plate_info import garbage_collection_paused

#: Wells whose chunks are at least this large are read on several threads (decoding
#: large chunks releases the GIL); small ones are read faster one after another.
_PARALLEL_CHUNK_BYTES = 2**20
#: Recent results kept per plate array (napari repeats requests while adding a layer).
_RESULT_CACHE_ITEMS = 4
_RESULT_CACHE_BYTES = 64 * 2**20

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Tile:
    """One stored image placed on the plate at one plate level."""

    array_path: str
    axis_names: tuple[str, ...]
    shape: tuple[int, ...]  # of the stored array
    stride: int  # plate level factor / stored dataset factor
    y0: int  # top-left on the plate level
    x0: int
    height: int  # extent on the plate level (clipped to the field slot)
    width: int
    single_chunk: bool  # the whole tile plane is one stored chunk
    chunk_bytes: int


class TileSource(Protocol):
    """What a :class:`PlateArray` reads its tiles through (the plate model)."""

    #: The plate's axes before y and x (``t``, ``z``), in order.
    lead_axes: list[str]

    def read_tile(self, tile: Tile, selection: tuple) -> np.ndarray:
        """The stored array of ``tile`` at ``selection`` (stored axis order), as numpy."""
        ...

    def map_concurrently(self, function: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """``map`` on the source's reading threads."""
        ...

    def report_unreadable(self, array_path: str, error: Exception) -> None:
        """Note (and warn once per array) that a tile's pixels could not be read."""
        ...


def _normalize_key(key: Any, shape: tuple[int, ...]) -> list[int | slice]:
    if not isinstance(key, tuple):
        key = (key,)
    if any(k is Ellipsis for k in key):
        i = key.index(Ellipsis)
        key = key[:i] + (slice(None),) * (len(shape) - len(key) + 1) + key[i + 1 :]
    key = key + (slice(None),) * (len(shape) - len(key))
    if len(key) != len(shape):
        raise IndexError(f"too many indices for a plate array of {len(shape)} dimensions")
    normalized: list[int | slice] = []
    for k, size in zip(key, shape, strict=True):
        if isinstance(k, slice):
            normalized.append(slice(*k.indices(size)))
        else:
            index = int(k)
            if not -size <= index < size:
                raise IndexError(f"index {index} is out of bounds for size {size}")
            normalized.append(index % size)
    return normalized


class PlateArray:
    """One channel (or one label image) of the whole plate at one level, read lazily.

    Shape: (lead axes..., y, x), the lead axes being t and/or z as the plate has them.
    Indexing returns numpy and reads only the wells the selection touches.
    """

    def __init__(
        self,
        source: TileSource,
        tiles: list[Tile],
        lead_sizes: list[int],
        shape_yx: tuple[int, int],
        dtype: np.dtype,
        channel: int | None,
    ) -> None:
        self._source = source
        self._tiles = tiles
        self._channel = channel
        self.shape = (*lead_sizes, *shape_yx)
        self.dtype = np.dtype(dtype)
        self.ndim = len(self.shape)
        self._y0 = np.array([t.y0 for t in tiles], dtype=np.int64)
        self._x0 = np.array([t.x0 for t in tiles], dtype=np.int64)
        self._y1 = self._y0 + np.array([t.height for t in tiles], dtype=np.int64)
        self._x1 = self._x0 + np.array([t.width for t in tiles], dtype=np.int64)
        self._results: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._results_lock = threading.Lock()

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    def __len__(self) -> int:
        return self.shape[0]

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        result = self[...]
        return result.astype(dtype) if dtype is not None else result

    def __getitem__(self, key: Any) -> np.ndarray:
        selection = _normalize_key(key, self.shape)
        # napari asks for the same region several times while adding a layer (slice,
        # thumbnail, refresh): answer repeats from memory. Results are read-only.
        cache_key = tuple((s.start, s.stop, s.step) if isinstance(s, slice) else s for s in selection)
        with self._results_lock:
            cached = self._results.get(cache_key)
            if cached is not None:
                self._results.move_to_end(cache_key)
                return cached
        with garbage_collection_paused():
            result, complete = self._read(selection)
        if complete and result.nbytes <= _RESULT_CACHE_BYTES:  # a failed read may succeed later
            result.setflags(write=False)
            with self._results_lock:
                self._results[cache_key] = result
                while len(self._results) > _RESULT_CACHE_ITEMS:
                    self._results.popitem(last=False)
        return result

    def _read(self, selection: list[int | slice]) -> tuple[np.ndarray, bool]:
        """The selection, and whether every stored block in it could be read."""
        *lead, ys, xs = selection
        if not isinstance(ys, slice) or not isinstance(xs, slice):
            # An integer y or x: read the row/column as a slice of one, then drop the axis.
            ys_s = ys if isinstance(ys, slice) else slice(ys, ys + 1, 1)
            xs_s = xs if isinstance(xs, slice) else slice(xs, xs + 1, 1)
            block = self[(*lead, ys_s, xs_s)]
            drop = (
                ...,
                0 if not isinstance(ys, slice) else slice(None),
                0 if not isinstance(xs, slice) else slice(None),
            )
            return block[drop], False  # derived from a cached read: not cached again
        if ys.step != 1 or xs.step != 1:
            block = self[(*lead, slice(ys.start, ys.stop), slice(xs.start, xs.stop))]
            return block[..., :: ys.step, :: xs.step], False
        lead_shape = [
            len(range(*s.indices(n))) for s, n in zip(lead, self.shape, strict=False) if isinstance(s, slice)
        ]
        out = np.zeros(
            (*lead_shape, max(ys.stop - ys.start, 0), max(xs.stop - xs.start, 0)), dtype=self.dtype
        )
        if out.size == 0:
            return out, True
        hits = np.flatnonzero(
            (self._y0 < ys.stop) & (self._y1 > ys.start) & (self._x0 < xs.stop) & (self._x1 > xs.start)
        )
        tiles = [self._tiles[i] for i in hits]
        failures: list[tuple[str, Exception]] = []
        if len(tiles) > 1 and tiles[0].chunk_bytes >= _PARALLEL_CHUNK_BYTES:
            results = list(
                self._source.map_concurrently(
                    lambda tile: self._read_tile(tile, lead, ys, xs, failures), tiles
                )
            )
        else:
            results = [self._read_tile(tile, lead, ys, xs, failures) for tile in tiles]
        for placement in results:
            if placement is not None:
                target, block = placement
                out[target] = block
        for array_path, error in failures:  # reported from the calling thread
            self._source.report_unreadable(array_path, error)
        return out, not failures

    def _read_tile(
        self,
        tile: Tile,
        lead: list[int | slice],
        ys: slice,
        xs: slice,
        failures: list[tuple[str, Exception]],
    ) -> tuple[tuple, np.ndarray] | None:
        """Where the tile's part of the selection goes and its pixels; None when the tile
        has nothing there, or its pixels cannot be read (then noted in ``failures``)."""
        y_a, y_b = max(ys.start, tile.y0), min(ys.stop, tile.y0 + tile.height)
        x_a, x_b = max(xs.start, tile.x0), min(xs.stop, tile.x0 + tile.width)
        sizes = dict(zip(tile.axis_names, tile.shape, strict=True))
        # Where the block goes, in plate axis order; and which plate axes the image lacks
        # (e.g. labels without t): those are broadcast.
        target: list[Any] = []
        stored_lead: dict[str, int | slice] = {}
        broadcast: list[int] = []
        for axis, wanted in zip(self._source.lead_axes, lead, strict=True):
            if axis not in sizes:
                if isinstance(wanted, slice):
                    broadcast.append(len(target))
                    target.append(slice(None))
                continue
            if isinstance(wanted, int):
                if wanted >= sizes[axis]:
                    return None
                stored_lead[axis] = wanted
                continue
            present = range(wanted.start, min(wanted.stop, sizes[axis]), wanted.step)
            if not len(present):
                return None
            stored_lead[axis] = slice(present.start, present.stop, present.step)
            target.append(slice(0, len(present)))
        stored_sel: list[Any] = []
        for axis, size in sizes.items():
            if axis == "c":
                if self._channel is None or self._channel >= size:
                    return None
                stored_sel.append(self._channel)
            elif axis == "y":
                stored_sel.append(
                    slice((y_a - tile.y0) * tile.stride, (y_b - tile.y0) * tile.stride, tile.stride)
                )
            elif axis == "x":
                stored_sel.append(
                    slice((x_a - tile.x0) * tile.stride, (x_b - tile.x0) * tile.stride, tile.stride)
                )
            else:
                stored_sel.append(stored_lead[axis])
        target += [slice(y_a - ys.start, y_b - ys.start), slice(x_a - xs.start, x_b - xs.start)]
        try:
            block = self._source.read_tile(tile, tuple(stored_sel))
        except Exception as error:  # a damaged chunk must not break napari's drawing
            failures.append((tile.array_path, error))
            return None
        if broadcast:
            block = np.expand_dims(block, tuple(broadcast))
        return tuple(target), block
