"""What a plate, well or image holds, read from its metadata alone (no chunk data).

The documents of all wells, then all images, then all arrays are fetched one round per
depth of the hierarchy (see :class:`~napari_hcs_zarr.store.metadata_reader.MetadataSource`),
and parsed into typed objects by :mod:`napari_hcs_zarr.ngff`. What cannot be read is
left out with a line in :attr:`PlateInfo.problems`; only a root that is no OME-Zarr
node at all is an error.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from napari_hcs_zarr.errors import NgffMetadataError, PlateFormatError
from napari_hcs_zarr.ngff import OmeMetadata, ome_kind, ome_objects, read_ome
from napari_hcs_zarr.ngff.model import Axis, Multiscale, Omero, OmeroChannel
from napari_hcs_zarr.store.metadata_reader import MetadataSource, ZarrNode, join_path
from napari_hcs_zarr.store.plate_store import Location, PlateStore, open_store


@dataclass
class DatasetInfo:
    """One stored resolution level of a multiscale image."""

    path: str  # relative to the plate root
    shape: tuple[int, ...]
    chunks: tuple[int, ...]
    dtype: np.dtype
    scale: tuple[float, ...]
    document: dict | None = None  # the array's zarr metadata


@dataclass
class ImageInfo:
    """One multiscale image (a field of a well, or a label image).

    Its ``omero`` object is kept as stored and parsed into :attr:`channels` when asked
    for: a plate's reader needs the channels of one image, and thousands have them.
    """

    path: str  # relative to the plate root
    axes: list[Axis]
    datasets: list[DatasetInfo]
    label_names: list[str] = field(default_factory=list)
    omero_document: Any = field(default=None, repr=False, compare=False)

    @property
    def axis_names(self) -> list[str]:
        return [a.name for a in self.axes]

    @cached_property
    def channels(self) -> list[OmeroChannel]:
        """Name, colour and window of each channel, from the ``omero`` metadata."""
        return list(Omero.from_json(self.omero_document).channels) if self.omero_document is not None else []


@dataclass
class WellInfo:
    """One occupied well and its images (fields)."""

    path: str
    row_index: int
    column_index: int
    name: str
    images: list[ImageInfo] = field(default_factory=list)


@dataclass
class PlateInfo:
    """Everything the reader needs to know about a plate, from metadata alone."""

    store: PlateStore
    version: str
    name: str
    row_names: list[str]
    column_names: list[str]
    wells: list[WellInfo]
    problems: list[str] = field(default_factory=list)
    consolidated: bool = False

    @property
    def location(self) -> str:
        return self.store.uri()


@contextmanager
def garbage_collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector.

    Parsing thousands of small JSON documents, or placing thousands of well tiles,
    allocates enough containers to set off full collections, each of which walks every
    object of the process (napari's are many: in a viewer they took more time than the
    reads). None of this work makes reference cycles.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _ome(node: ZarrNode | PlateFormatError | None) -> OmeMetadata | None:
    """The OME objects of a node; None when it has none. Raises what the node is."""
    if isinstance(node, PlateFormatError):
        raise node
    if node is None:
        return None
    found = read_ome(node.attributes)
    return None if found is None else found[1]


def root_kind(source: MetadataSource) -> str | None:
    """``"plate"``, ``"well"``, ``"image"`` or None for the hierarchy's root (one small read)."""
    return ome_kind(source.root_attributes())


def plate_kind(location: Location) -> str | None:
    """What the OME-Zarr node at ``location`` is (see :func:`ome_kind`); None when it is none."""
    try:
        return root_kind(MetadataSource(open_store(location)))
    except (PlateFormatError, OSError):
        return None


_UINT8 = np.dtype("uint8")


def _array_facts(array: dict) -> tuple[tuple[int, ...], tuple[int, ...], np.dtype]:
    """Shape, chunk shape (inner chunks for sharded arrays) and dtype of an array document."""
    shape = tuple(int(s) for s in array["shape"])
    if "chunk_grid" in array:  # zarr v3
        chunks = tuple(array["chunk_grid"]["configuration"]["chunk_shape"])
        for codec in array.get("codecs", []):
            if codec.get("name") == "sharding_indexed":
                chunks = tuple(codec["configuration"]["chunk_shape"])
        if not isinstance(array["data_type"], str):
            raise ValueError(f"unsupported data type {array['data_type']!r}")
        dtype = np.dtype(array["data_type"])
    else:
        chunks = tuple(int(c) for c in array["chunks"])
        dtype = np.dtype(array["dtype"])
    return shape, chunks, dtype


def _image_infos(source: MetadataSource, paths: list[str], problems: list[str]) -> list[ImageInfo | None]:
    """Images at ``paths`` (two rounds: groups, then their arrays)."""
    images: list[ImageInfo | None] = []
    for path, node in zip(paths, source.nodes(paths, "group"), strict=True):
        if isinstance(node, PlateFormatError):
            problems.append(f"image {path}: {node}")
            images.append(None)
            continue
        if node is None:
            problems.append(f"image {path}: missing group")
            images.append(None)
            continue
        objects = ome_objects(node.attributes)
        multiscales = objects.get("multiscales") if objects is not None else None
        if not multiscales or not isinstance(multiscales, list):
            problems.append(f"image {path}: no multiscales metadata")
            images.append(None)
            continue
        try:
            multiscale = Multiscale.from_json(multiscales[0])
        except NgffMetadataError as error:
            problems.append(f"image {path}: {error}")
            images.append(None)
            continue
        images.append(
            ImageInfo(
                path=path,
                axes=list(multiscale.axes),
                datasets=[
                    DatasetInfo(join_path(path, d.path), (), (), _UINT8, tuple(d.scale))
                    for d in multiscale.datasets
                ],
                omero_document=objects.get("omero"),
            )
        )
    pending = [i for i in images if i is not None]
    array_paths = [d.path for i in pending for d in i.datasets]
    array_nodes = dict(zip(array_paths, source.nodes(array_paths, "array"), strict=True))
    for info in pending:
        for dataset in info.datasets:
            node = array_nodes.get(dataset.path)
            if not isinstance(node, ZarrNode) or node.array is None:
                problems.append(f"image {info.path}: dataset {dataset.path} has no array metadata")
                info.datasets = []
                break
            try:
                dataset.shape, dataset.chunks, dataset.dtype = _array_facts(node.array)
                dataset.document = node.array
            except (KeyError, TypeError, ValueError) as error:
                problems.append(f"image {info.path}: dataset {dataset.path}: {error}")
                info.datasets = []
                break
            if not dataset.scale:
                dataset.scale = (1.0,) * len(dataset.shape)
    return [i if i is None or i.datasets else None for i in images]


def _label_infos(source: MetadataSource, images: list[ImageInfo]) -> None:
    """Fill ``label_names`` of images that have a ``labels`` group."""
    paths = [join_path(image.path, "labels") for image in images]
    for image, node in zip(images, source.nodes(paths, "group"), strict=True):
        try:
            ome = _ome(node)
        except (PlateFormatError, NgffMetadataError):
            continue
        if ome is not None and ome.labels:
            image.label_names = list(ome.labels)


def label_images(source: MetadataSource, images: list[ImageInfo], name: str) -> list[ImageInfo | None]:
    """The label image ``name`` of each image (None where it has none)."""
    paths = [join_path(image.path, "labels", name) for image in images]
    return _image_infos(source, paths, [])


def read_plate_info(location: Location | PlateStore, storage_options: dict | None = None) -> PlateInfo:
    """The metadata of a plate, a single well or a single image at ``location``.

    A well or an image becomes a one-well plate, so everything downstream sees plates.

    Raises
    ------
    PlateFormatError
        When ``location`` holds no OME-Zarr plate, well or image, or its top metadata is invalid.
    """
    with garbage_collection_paused():
        return _read_plate_info(open_store(location, storage_options=storage_options))


def _node_name(store: PlateStore, parent: bool = False) -> str:
    """The last (or second to last) part of the store's location: a well's column or row."""
    parts = [p for p in store.uri().replace("\\", "/").split("/") if p]
    index = -2 if parent else -1
    return parts[index] if len(parts) >= -index else ""


def _stem(store: PlateStore) -> str:
    name = _node_name(store)
    return name.rsplit(".", 1)[0] if "." in name else name


def _read_plate_info(store: PlateStore) -> PlateInfo:
    source = MetadataSource(store)
    where = store.uri()
    root = source.node("")
    try:
        found = read_ome(root.attributes) if root is not None else None
    except NgffMetadataError as error:
        raise PlateFormatError(where, str(error)) from None
    if found is None or found[1].kind is None:
        raise PlateFormatError(where, "not an OME-Zarr plate, well or image")
    version, ome = found
    problems: list[str] = []
    if ome.plate is not None:
        row_names, column_names = list(ome.plate.rows), list(ome.plate.columns)
        wells = [
            w for entry in ome.plate.wells if (w := _well_entry(entry, row_names, column_names, problems))
        ]
        name = ome.plate.name or _stem(store)
    elif ome.well is not None:
        row_names, column_names = [_node_name(store, parent=True) or "A"], [_node_name(store) or "1"]
        wells = [WellInfo("", 0, 0, f"{row_names[0]}{column_names[0]}")]
        name = _stem(store)
    else:
        row_names, column_names = [""], [""]
        wells = [WellInfo("", 0, 0, _stem(store))]
        name = _stem(store)

    # Round 1: well groups -> image paths.
    if ome.plate is None and ome.well is None:
        image_paths = [[""]]
    else:
        image_paths = []
        for well, node in zip(wells, source.nodes([w.path for w in wells], "group"), strict=True):
            try:
                well_ome = _ome(node)
            except (PlateFormatError, NgffMetadataError) as error:
                problems.append(f"well {well.name}: {error}")
                well_ome = None
            entries = well_ome.well.images if well_ome is not None and well_ome.well is not None else ()
            paths = [join_path(well.path, e.path) for e in entries]
            if not paths:
                problems.append(f"well {well.name}: no images listed in its metadata")
            image_paths.append(paths)
    # Rounds 2 and 3: image groups, then their arrays.
    flat = [p for paths in image_paths for p in paths]
    infos = iter(_image_infos(source, flat, problems))
    for well, paths in zip(wells, image_paths, strict=True):
        well.images = [i for i in (next(infos) for _ in paths) if i is not None]
    _label_infos(source, [i for w in wells for i in w.images])
    return PlateInfo(
        store=store,
        version=version,
        name=name,
        row_names=row_names,
        column_names=column_names,
        wells=[w for w in wells if w.images],
        problems=problems,
        consolidated=source.consolidated,
    )


def _well_entry(entry, row_names: list[str], column_names: list[str], problems: list[str]) -> WellInfo | None:
    path = entry.path
    parts = path.split("/")
    row_index, column_index = entry.row_index, entry.column_index
    # Older plates carry no indices: find them from the path.
    if row_index is None and len(parts) == 2 and parts[0] in row_names:
        row_index = row_names.index(parts[0])
    if column_index is None and len(parts) == 2 and parts[1] in column_names:
        column_index = column_names.index(parts[1])
    if not (isinstance(row_index, int) and 0 <= row_index < len(row_names)):
        problems.append(f"well {path}: rowIndex {row_index!r} is not a row of the plate; skipped")
        return None
    if not (isinstance(column_index, int) and 0 <= column_index < len(column_names)):
        problems.append(f"well {path}: columnIndex {column_index!r} is not a column of the plate; skipped")
        return None
    return WellInfo(path, row_index, column_index, f"{row_names[row_index]}{column_names[column_index]}")
