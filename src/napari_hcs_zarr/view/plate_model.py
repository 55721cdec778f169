"""A lazy model of a whole plate: every well on the plate grid, at every resolution level.

The plate is seen as one big image per channel. Each occupied well sits in a slot of the
full plate grid (empty rows and columns keep their place), the slot as large as the
largest well, the well's fields tiled inside it. The model places every stored image on
the plate as a :class:`~napari_hcs_zarr.view.plate_array.Tile` at each level and reads
tiles for the :class:`~napari_hcs_zarr.view.plate_array.PlateArray` of each level and
channel, so opening a plate of any size costs its metadata only.
"""

from __future__ import annotations

import math
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np
import zarr

from napari_hcs_zarr.errors import PlateFormatError
from napari_hcs_zarr.store.chunk_reader import direct_reader
from napari_hcs_zarr.store.metadata_reader import MetadataSource
from napari_hcs_zarr.store.plate_store import Location, PlateStore
from napari_hcs_zarr.view.plate_array import PlateArray, Tile
from napari_hcs_zarr.view.plate_info import (
    DatasetInfo,
    ImageInfo,
    PlateInfo,
    label_images,
    read_plate_info,
)

T = TypeVar("T")
R = TypeVar("R")

#: Largest texture side a GL implementation is guaranteed to take; the coarsest plate
#: level is made to fit it.
GL_TEXTURE_LIMIT = 16384
_SPATIAL = ("y", "x")


class UnreadablePixelsWarning(UserWarning):
    """Some stored pixel data of a plate could not be read; that region is shown empty."""


class _ChunkPlaneCache:
    """Whole tile planes that are a single chunk, kept so a chunk is read once."""

    def __init__(self, max_bytes: int = 512 * 2**20) -> None:
        self._items: OrderedDict[Any, np.ndarray] = OrderedDict()
        self._bytes = 0
        self._max = max_bytes
        self._lock = threading.Lock()

    def get(self, key: Any) -> np.ndarray | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Any, value: np.ndarray) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self._bytes += value.nbytes
            while self._bytes > self._max and self._items:
                _, old = self._items.popitem(last=False)
                self._bytes -= old.nbytes


class PlateModel:
    """A plate as lazy per-channel, per-level arrays (a
    :class:`~napari_hcs_zarr.view.plate_array.TileSource` for them).

    Parameters
    ----------
    info
        The plate's metadata (see :func:`~napari_hcs_zarr.view.plate_info.read_plate_info`).
    """

    def __init__(self, info: PlateInfo) -> None:
        self.info = info
        self.problems = list(info.problems)
        self.store: PlateStore = info.store
        self._group: zarr.Group | None = None
        self._arrays_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(8, thread_name_prefix="hcs-plate-read")
        self._cache = _ChunkPlaneCache()
        self._factor_cache: dict[str, list[int]] = {}
        self._image_tiles: list[list[Tile]] | None = None
        self._image_lead: list[int] = []
        self._datasets: dict[str, DatasetInfo] = {}
        self._readers: dict[str, Any] = {}
        self._unreadable: set[str] = set()
        self.template = self._choose_template()
        names = self.template.axis_names
        self.channel_axis = names.index("c") if "c" in names else None
        self.lead_axes = [n for n in names if n not in ("c", *_SPATIAL)]
        self._check_wells()
        self.factors = self._level_factors()
        self._layout()

    # ---- construction -----------------------------------------------------------------
    @classmethod
    def open(cls, location: Location | PlateStore, storage_options: dict | None = None) -> PlateModel:
        """Read the metadata of the plate (or well, or image) at ``location``: a path, a
        URL or a zarr store."""
        return cls(read_plate_info(location, storage_options))

    def _choose_template(self) -> ImageInfo:
        for well in self.info.wells:
            for image in well.images:
                return image
        raise PlateFormatError(self.info.location, "no well has a readable image")

    def _check_wells(self) -> None:
        template = self.template
        dtype = template.datasets[0].dtype
        channels = self.channel_count
        for well in self.info.wells:
            kept = []
            for image in well.images:
                if image.axis_names[-2:] != ["y", "x"] or set(image.axis_names) - {
                    "t",
                    "c",
                    "z",
                    "y",
                    "x",
                }:
                    self.problems.append(
                        f"well {well.name}: axes {image.axis_names} are not t,c,z,y,x; not shown"
                    )
                    continue
                if set(image.axis_names) != set(template.axis_names):
                    self.problems.append(
                        f"well {well.name}: axes {image.axis_names} differ from the plate's "
                        f"{template.axis_names}; not shown"
                    )
                    continue
                if image.datasets[0].dtype != dtype:
                    self.problems.append(
                        f"well {well.name}: pixel type {image.datasets[0].dtype} differs from "
                        f"{dtype}; shown converted"
                    )
                if self.channel_axis is not None:
                    count = image.datasets[0].shape[image.axis_names.index("c")]
                    if count != channels:
                        self.problems.append(
                            f"well {well.name}: {count} channels where the plate has {channels}; "
                            "missing channels are shown empty"
                        )
                kept.append(image)
            well.images = kept

    @property
    def channel_count(self) -> int:
        if self.channel_axis is None:
            return 1
        return self.template.datasets[0].shape[self.channel_axis]

    @property
    def dtype(self) -> np.dtype:
        return self.template.datasets[0].dtype

    def _dataset_factors(self, image: ImageInfo) -> list[int]:
        """Downsampling factor in y of each stored level, from the scale metadata."""
        cached = self._factor_cache.get(image.path)
        if cached is None:
            cached = self._factor_cache[image.path] = self._compute_dataset_factors(image)
        return cached

    @staticmethod
    def _compute_dataset_factors(image: ImageInfo) -> list[int]:
        y_axis = image.axis_names.index("y")
        base = image.datasets[0].scale[y_axis] or 1.0
        factors = []
        for dataset in image.datasets:
            factor = dataset.scale[y_axis] / base if dataset.scale else 1.0
            if not dataset.scale or factor < 1:
                factor = image.datasets[0].shape[-2] / max(dataset.shape[-2], 1)
            factors.append(max(1, round(factor)))
        return factors

    def _level_factors(self) -> list[int]:
        factors = sorted(set(self._dataset_factors(self.template)))
        return factors

    def _layout(self) -> None:
        """Slot sizes, well pitch, and the number of levels the plate needs."""
        fields = max(len(w.images) for w in self.info.wells) if self.info.wells else 1
        self.field_grid = (
            math.ceil(fields / math.ceil(math.sqrt(fields))),
            math.ceil(math.sqrt(fields)),
        )
        heights = [i.datasets[0].shape[-2] for w in self.info.wells for i in w.images]
        widths = [i.datasets[0].shape[-1] for w in self.info.wells for i in w.images]
        self.field_slot = (max(heights, default=1), max(widths, default=1))
        slot_h = self.field_grid[0] * self.field_slot[0]
        slot_w = self.field_grid[1] * self.field_slot[1]
        self.gap = max(1, max(slot_h, slot_w) // 20) if len(self.info.wells) > 1 else 0
        self.well_pitch = (slot_h + self.gap, slot_w + self.gap)
        self.shape_yx0 = (
            len(self.info.row_names) * self.well_pitch[0] - self.gap,
            len(self.info.column_names) * self.well_pitch[1] - self.gap,
        )
        while max(self.level_shape_yx(len(self.factors) - 1)) > GL_TEXTURE_LIMIT:
            self.factors.append(self.factors[-1] * 2)

    def level_shape_yx(self, level: int) -> tuple[int, int]:
        factor = self.factors[level]
        return (-(-self.shape_yx0[0] // factor), -(-self.shape_yx0[1] // factor))

    # ---- geometry -----------------------------------------------------------------------
    def well_origin(self, row_index: int, column_index: int) -> tuple[int, int]:
        """Top-left corner of a well's slot, in level-0 plate pixels."""
        return row_index * self.well_pitch[0], column_index * self.well_pitch[1]

    def well_labels(self) -> list[tuple[str, int, int]]:
        """(name, y, x) of every occupied well's slot corner, in level-0 plate pixels."""
        return [(w.name, *self.well_origin(w.row_index, w.column_index)) for w in self.info.wells]

    def _tiles(self, images_by_well: Sequence[Sequence[ImageInfo | None]], level: int) -> list[Tile]:
        factor = self.factors[level]
        tiles = []
        for well, images in zip(self.info.wells, images_by_well, strict=True):
            wy, wx = self.well_origin(well.row_index, well.column_index)
            for field_index, image in enumerate(images):
                if image is None or not image.datasets:
                    continue
                stored = self._dataset_factors(image)
                usable = [i for i, f in enumerate(stored) if f <= factor and factor % f == 0]
                if not usable:
                    continue
                dataset = image.datasets[usable[-1]]
                self._datasets[dataset.path] = dataset
                stride = factor // stored[usable[-1]]
                fr, fc = divmod(field_index, self.field_grid[1])
                y0 = (wy + fr * self.field_slot[0]) // factor
                x0 = (wx + fc * self.field_slot[1]) // factor
                slot_h = -(-self.field_slot[0] // factor)
                slot_w = -(-self.field_slot[1] // factor)
                height = min(-(-dataset.shape[-2] // stride), slot_h)
                width = min(-(-dataset.shape[-1] // stride), slot_w)
                single = dataset.chunks[-2] >= dataset.shape[-2] and dataset.chunks[-1] >= dataset.shape[-1]
                tiles.append(
                    Tile(
                        dataset.path,
                        tuple(image.axis_names),
                        dataset.shape,
                        stride,
                        y0,
                        x0,
                        height,
                        width,
                        single,
                        int(np.prod(dataset.chunks)) * dataset.dtype.itemsize,
                    )
                )
        return tiles

    def _lead_sizes(self, images: Sequence[ImageInfo]) -> list[int]:
        sizes = []
        for axis in self.lead_axes:
            sizes.append(
                max(
                    (i.datasets[0].shape[i.axis_names.index(axis)] for i in images if axis in i.axis_names),
                    default=1,
                )
            )
        return sizes

    # ---- arrays -------------------------------------------------------------------------
    def image_levels(self, channel: int) -> list[PlateArray]:
        """The plate of one channel at every level, finest first."""
        if self._image_tiles is None:
            images = [w.images for w in self.info.wells]
            self._image_tiles = [self._tiles(images, level) for level in range(len(self.factors))]
            self._image_lead = self._lead_sizes([i for w in images for i in w])
        return [
            PlateArray(self, tiles, self._image_lead, self.level_shape_yx(level), self.dtype, channel)
            for level, tiles in enumerate(self._image_tiles)
        ]

    @property
    def label_names(self) -> list[str]:
        names: list[str] = []
        for well in self.info.wells:
            for image in well.images:
                names += [n for n in image.label_names if n not in names]
        return names

    def label_levels(self, name: str) -> list[PlateArray]:
        """The label image ``name`` of every well on the plate grid, at every level."""
        source = MetadataSource(self.store)
        images = []
        for well in self.info.wells:
            with_label = [i for i in well.images if name in i.label_names]
            found = label_images(source, with_label, name) if with_label else []
            by_path = dict(zip((i.path for i in with_label), found, strict=True))
            images.append([by_path.get(i.path) for i in well.images])
        flat = [i for w in images for i in w if i is not None]
        if not flat:
            return []
        dtype = flat[0].datasets[0].dtype
        for image in flat:
            if "c" in image.axis_names and image.datasets[0].shape[image.axis_names.index("c")] > 1:
                self.problems.append(f"label {name} of {image.path}: several channels; the first is shown")
        lead_sizes = self._lead_sizes(flat)
        # A label image's channel axis, if any, has its labels at index 0.
        return [
            PlateArray(self, self._tiles(images, level), lead_sizes, self.level_shape_yx(level), dtype, 0)
            for level in range(len(self.factors))
        ]

    def scale(self) -> tuple[float, ...]:
        """Physical size of a level-0 plate pixel along each plate axis (lead axes, y, x)."""
        scale0 = self.template.datasets[0].scale
        names = self.template.axis_names
        return tuple(scale0[names.index(a)] for a in (*self.lead_axes, *_SPATIAL))

    def axis_units(self) -> tuple[str | None, ...]:
        units = {a.name: a.unit for a in self.template.axes}
        return tuple(units.get(a) for a in (*self.lead_axes, *_SPATIAL))

    def reader(self, path: str):
        """What reads the stored array at ``path``: its chunks directly when the encoding
        allows (see :mod:`~napari_hcs_zarr.store.chunk_reader`), else zarr."""
        reader = self._readers.get(path)
        if reader is None:
            dataset = self._datasets.get(path)
            if dataset is not None and dataset.document:
                reader = direct_reader(self.store, path, dataset.document)
            if reader is None:
                with self._arrays_lock:
                    if self._group is None:
                        self._group = zarr.open_group(self.store.zarr_store(), mode="r")
                reader = self._group[path]
            self._readers[path] = reader
        return reader

    def report_unreadable(self, array_path: str, error: Exception) -> None:
        """Record, and warn once per array, that pixel data could not be read; the region
        stays empty."""
        with self._arrays_lock:
            if array_path in self._unreadable:
                return
            self._unreadable.add(array_path)
        message = f"{self.store.uri(array_path)}: pixels not shown: {error}"
        self.problems.append(message)
        warnings.warn(message, UnreadablePixelsWarning, stacklevel=2)

    def map_concurrently(self, function: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        return self._pool.map(function, items)

    def read_tile(self, tile: Tile, selection: tuple) -> np.ndarray:
        """The stored array of ``tile`` at ``selection``; a tile plane that is one chunk is
        read whole once and cut from memory after that."""
        if not tile.single_chunk:
            return np.asarray(self.reader(tile.array_path)[selection])
        plane_key = tuple((s.start, s.stop) if isinstance(s, slice) else s for s in selection[:-2])
        key = (tile.array_path, plane_key)
        plane = self._cache.get(key)
        if plane is None:
            whole = tuple(
                s if not isinstance(s, slice) else slice(s.start, s.stop) for s in selection[:-2]
            ) + (slice(None), slice(None))
            plane = np.asarray(self.reader(tile.array_path)[whole])
            self._cache.put(key, plane)
        return plane[(..., selection[-2], selection[-1])]

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
