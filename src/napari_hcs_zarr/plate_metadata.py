"""Reading the metadata of an OME-Zarr plate, well or image, without touching chunk data.

When the plate has consolidated metadata (``.zmetadata`` for zarr v2, the
``consolidated_metadata`` of the root ``zarr.json`` for zarr v3) the whole plate costs one
read. Otherwise the metadata documents of all wells, then all images, then all arrays
are fetched, one round per depth of the hierarchy: one after another while they come
from memory (the page cache answers a small file faster than a thread pool can hand it
out), and on many threads once reads turn out slow (a network file system, a cold disk).
"""

from __future__ import annotations

import gc
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from napari_hcs_zarr.errors import PlateFormatError
from napari_hcs_zarr.ngff import read_ome

_READ_THREADS = 16
#: Reads of one round made one after another before their pace is judged.
_PROBE_READS = 32
#: Mean seconds per document above which the rest of a round is read on threads.
_SLOW_READ_SECONDS = 0.0005


@dataclass
class DatasetInfo:
    """One stored resolution level of a multiscale image."""

    path: str  # relative to the plate root
    shape: tuple[int, ...]
    chunks: tuple[int, ...]
    dtype: np.dtype
    scale: tuple[float, ...]
    document: dict = field(default_factory=dict)  # the array's zarr metadata


@dataclass
class ImageInfo:
    """One multiscale image (a field of a well, or a label image)."""

    path: str  # relative to the plate root
    axes: list[dict[str, Any]]
    datasets: list[DatasetInfo]
    channels: list[dict[str, Any]] = field(default_factory=list)
    label_names: list[str] = field(default_factory=list)
    axis_names: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.axis_names = [str(a.get("name", "")) for a in self.axes]


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

    root: Path
    version: str
    name: str
    row_names: list[str]
    column_names: list[str]
    wells: list[WellInfo]
    problems: list[str] = field(default_factory=list)
    consolidated: bool = False


class MetadataSource:
    """Metadata documents of a zarr hierarchy on disk, by node path."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._root_text = os.fspath(root)
        self.zarr_format = 3 if (root / "zarr.json").is_file() else 2
        self._consolidated: dict[str, dict] | None = None
        self._loaded = False
        self._slow_storage: bool | None = None  # unknown until the first reads are timed

    @property
    def consolidated(self) -> bool:
        self._load_consolidated()
        return self._consolidated is not None

    def root_attributes(self) -> dict:
        """The root group's attributes, reading as little as possible (no consolidated
        metadata for zarr v2)."""
        if self.zarr_format == 2:
            path = self.root / ".zattrs"
            return _read_root_json(path) if path.is_file() else {}
        return _read_root_json(self.root / "zarr.json").get("attributes", {})

    def _load_consolidated(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if self.zarr_format == 2:
            path = self.root / ".zmetadata"
            if path.is_file():
                documents = _read_root_json(path).get("metadata", {})
                nodes: dict[str, dict] = {}
                for key, value in documents.items():
                    node_path, _, name = key.rpartition("/")
                    node = nodes.setdefault(node_path, {"attributes": {}})
                    if name == ".zattrs":
                        node["attributes"] = value
                    elif name == ".zarray":
                        node["array"] = value
                    elif name == ".zgroup":
                        node["group"] = True
                self._consolidated = nodes
        else:
            root_doc = _read_root_json(self.root / "zarr.json")
            consolidated = root_doc.get("consolidated_metadata")
            if isinstance(consolidated, dict) and "metadata" in consolidated:
                nodes = {"": _v3_node(root_doc)}
                for key, value in consolidated["metadata"].items():
                    nodes[key] = _v3_node(value)
                self._consolidated = nodes

    def node(self, path: str, kind: str = "any") -> dict | None:
        """``{"attributes": ..., "array": {...} or absent}``, or None when there is no node.

        ``kind`` (``"group"``, ``"array"`` or ``"any"``) says which zarr v2 documents are
        worth reading: a group's ``.zattrs``, an array's ``.zarray``, or both.
        """
        self._load_consolidated()
        if self._consolidated is not None:
            return self._consolidated.get(path)
        # Plain strings: thousands of nodes, and pathlib's joins would cost more than the reads.
        base = f"{self._root_text}/{path}" if path else self._root_text
        if self.zarr_format == 3:
            document = _read_json_if_present(f"{base}/zarr.json")
            return None if document is None else _v3_node(document)
        node: dict[str, Any] = {"attributes": {}}
        if kind != "group":
            array = _read_json_if_present(f"{base}/.zarray")
            if array is not None:
                node["array"] = array
                return node
            if kind == "array":
                return None
        attributes = _read_json_if_present(f"{base}/.zattrs")
        if attributes is not None:
            node["attributes"] = attributes
            return node
        return node if os.path.isfile(f"{base}/.zgroup") else None

    def nodes(self, paths: list[str], kind: str = "any") -> list[dict | None]:
        """Several nodes, in the order of ``paths``.

        Read one after another until the pace of the storage is known (from the first
        reads); on slow storage the rest, and every later round, go to a thread pool,
        where waiting on I/O overlaps.
        """
        self._load_consolidated()
        if self._consolidated is not None:
            return [self._consolidated.get(p) for p in paths]
        results: list[dict | None] = []
        started = time.perf_counter()
        for path in paths:
            if self._slow_storage:
                break
            results.append(self._safe_node(path, kind))
            if self._slow_storage is None and len(results) in (_PROBE_READS, len(paths)):
                self._slow_storage = (time.perf_counter() - started) / len(results) > _SLOW_READ_SECONDS
        rest = paths[len(results) :]
        if rest:
            with ThreadPoolExecutor(_READ_THREADS) as pool:
                results += pool.map(lambda p: self._safe_node(p, kind), rest)
        return results

    def _safe_node(self, path: str, kind: str) -> dict | None:
        try:
            return self.node(path, kind)
        except PlateFormatError as error:
            return {"error": str(error)}


def join_path(*parts: str) -> str:
    """A node path from parts, some of which may be empty (the root is ``""``)."""
    return "/".join(p.strip("/") for p in parts if p.strip("/"))


def _v3_node(document: dict) -> dict:
    node: dict[str, Any] = {"attributes": document.get("attributes", {})}
    if document.get("node_type") == "array":
        node["array"] = document
    return node


def _read_root_json(path: Path) -> dict:
    """A root metadata document, parsed once while unchanged: napari's reader selection
    and the reader both look at it, and with consolidated metadata it can be megabytes."""
    try:
        stat = path.stat()
    except OSError as error:
        raise PlateFormatError(path, f"unreadable metadata ({error.strerror or error})") from None
    return _read_json_cached(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _read_json_cached(path_text: str, mtime_ns: int, size: int) -> dict:
    del mtime_ns, size  # part of the cache key only
    return _read_json(Path(path_text))


def _read_json_if_present(path: str | Path) -> dict | None:
    """The JSON object at ``path``, or None when there is no such file (one open, no stat)."""
    try:
        with open(path, "rb") as handle:
            text = handle.read()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        raise PlateFormatError(path, f"unreadable metadata ({error})") from None
    try:
        value = json.loads(text)
    except ValueError as error:
        raise PlateFormatError(path, f"unreadable metadata ({error})") from None
    if not isinstance(value, dict):
        raise PlateFormatError(path, "metadata is not a JSON object")
    return value


def _read_json(path: Path) -> dict:
    value = _read_json_if_present(path)
    if value is None:
        raise PlateFormatError(path, "unreadable metadata (no such file)")
    return value


def _array_facts(array: dict) -> tuple[tuple[int, ...], tuple[int, ...], np.dtype]:
    """Shape, chunk shape (inner chunks for sharded arrays) and dtype of an array document."""
    shape = tuple(int(s) for s in array["shape"])
    if "chunk_grid" in array:  # zarr v3
        chunks = tuple(array["chunk_grid"]["configuration"]["chunk_shape"])
        for codec in array.get("codecs", []):
            if codec.get("name") == "sharding_indexed":
                chunks = tuple(codec["configuration"]["chunk_shape"])
        dtype = np.dtype(array["data_type"]) if isinstance(array["data_type"], str) else None
        if dtype is None:
            raise ValueError(f"unsupported data type {array['data_type']!r}")
    else:
        chunks = tuple(int(c) for c in array["chunks"])
        dtype = np.dtype(array["dtype"])
    return shape, chunks, dtype


def ome_kind(source: MetadataSource) -> str | None:
    """``"plate"``, ``"well"``, ``"image"`` or None for the hierarchy's root (one small read)."""
    _, ome = read_ome(source.root_attributes())
    if "plate" in ome:
        return "plate"
    if "well" in ome:
        return "well"
    if "multiscales" in ome:
        return "image"
    return None


def _image_infos(source: MetadataSource, paths: list[str], problems: list[str]) -> list[ImageInfo | None]:
    """Images at ``paths`` (two concurrent rounds: groups, then their arrays)."""
    groups = source.nodes(paths, "group")
    images: list[ImageInfo | None] = []
    pending: list[tuple[ImageInfo, list[str]]] = []
    for path, node in zip(paths, groups, strict=True):
        if node is None or "error" in node:
            problems.append(f"image {path}: " + (node or {}).get("error", "missing group"))
            images.append(None)
            continue
        _, ome = read_ome(node.get("attributes", {}))
        multiscales = ome.get("multiscales")
        if not multiscales or not isinstance(multiscales, list):
            problems.append(f"image {path}: no multiscales metadata")
            images.append(None)
            continue
        first = multiscales[0]
        axes = first.get("axes") or []
        axes = [a if isinstance(a, dict) else {"name": str(a)} for a in axes]
        omero = ome.get("omero") or {}
        info = ImageInfo(
            path=path,
            axes=axes,
            datasets=[],
            channels=list(omero.get("channels") or []),
            label_names=[],
        )
        dataset_paths = [d.get("path", "") for d in first.get("datasets", [])]
        scales = []
        for d in first.get("datasets", []):
            scale = None
            for transform in d.get("coordinateTransformations", []):
                if transform.get("type") == "scale":
                    scale = tuple(float(v) for v in transform.get("scale", []))
            scales.append(scale)
        info.datasets = [
            DatasetInfo(join_path(path, p), (), (), np.dtype("uint8"), s or ())
            for p, s in zip(dataset_paths, scales, strict=True)
        ]
        images.append(info)
        pending.append((info, [d.path for d in info.datasets]))
    array_paths = [p for _, paths_ in pending for p in paths_]
    array_nodes = dict(zip(array_paths, source.nodes(array_paths, "array"), strict=True))
    for info, _ in pending:
        for dataset in info.datasets:
            node = array_nodes.get(dataset.path)
            if not node or "array" not in node:
                problems.append(f"image {info.path}: dataset {dataset.path} has no array metadata")
                info.datasets = []
                break
            try:
                dataset.shape, dataset.chunks, dataset.dtype = _array_facts(node["array"])
                dataset.document = node["array"]
            except (KeyError, TypeError, ValueError) as error:
                problems.append(f"image {info.path}: dataset {dataset.path}: {error}")
                info.datasets = []
                break
            if not dataset.scale:
                dataset.scale = (1.0,) * len(dataset.shape)
    return [i if i is None or i.datasets else None for i in images]


def _label_infos(source: MetadataSource, images: list[ImageInfo], problems: list[str]) -> None:
    """Fill ``label_names`` of images that have a ``labels`` group."""
    paths = [join_path(image.path, "labels") for image in images]
    for image, node in zip(images, source.nodes(paths, "group"), strict=True):
        if node and "error" not in node:
            _, ome = read_ome(node.get("attributes", {}))
            labels = ome.get("labels") or node.get("attributes", {}).get("labels") or []
            image.label_names = [str(name) for name in labels]


def label_images(source: MetadataSource, images: list[ImageInfo], name: str) -> list[ImageInfo | None]:
    """The label image ``name`` of each image (None where it has none)."""
    paths = [join_path(image.path, "labels", name) for image in images]
    problems: list[str] = []
    return _image_infos(source, paths, problems)


def read_plate_info(root: str | Path) -> PlateInfo:
    """The metadata of a plate, a single well or a single image at ``root``.

    A well or an image becomes a one-well plate, so everything downstream sees plates.

    Raises
    ------
    PlateFormatError
        When ``root`` holds no OME-Zarr plate, well or image, or its top metadata is invalid.
    """
    with garbage_collection_paused():
        return _read_plate_info(Path(root))


@contextmanager
def garbage_collection_paused():
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


def _read_plate_info(root: Path) -> PlateInfo:
    source = MetadataSource(root)
    kind = ome_kind(source)
    if kind is None:
        raise PlateFormatError(root, "not an OME-Zarr plate, well or image")
    root_node = source.node("") or {}
    version, ome = read_ome(root_node.get("attributes", {}))
    problems: list[str] = []
    if kind == "plate":
        plate = ome["plate"]
        try:
            row_names = [str(r["name"]) for r in plate["rows"]]
            column_names = [str(c["name"]) for c in plate["columns"]]
            raw_wells = list(plate["wells"])
        except (KeyError, TypeError) as error:
            raise PlateFormatError(root, f"plate metadata lacks rows/columns/wells ({error})") from None
        wells = []
        for entry in raw_wells:
            well = _well_entry(entry, row_names, column_names, problems)
            if well is not None:
                wells.append(well)
        name = str(plate.get("name") or root.stem)
    elif kind == "well":
        row_names, column_names = [root.parent.name or "A"], [root.name or "1"]
        wells = [WellInfo("", 0, 0, f"{row_names[0]}{column_names[0]}")]
        name = root.stem
    else:
        row_names, column_names = [""], [""]
        wells = [WellInfo("", 0, 0, root.stem)]
        name = root.stem

    # Round 1: well groups -> image paths.
    if kind == "image":
        image_paths = [[""]]
    else:
        well_nodes = source.nodes([w.path for w in wells], "group")
        image_paths = []
        for well, node in zip(wells, well_nodes, strict=True):
            _, well_ome = read_ome((node or {}).get("attributes", {}))
            entries = (well_ome.get("well") or {}).get("images") or []
            paths = [join_path(well.path, str(e["path"])) for e in entries if "path" in e]
            if not paths:
                problems.append(f"well {well.name}: no images listed in its metadata")
            image_paths.append(paths)
    # Rounds 2 and 3: image groups, then their arrays.
    flat = [p for paths in image_paths for p in paths]
    infos = iter(_image_infos(source, flat, problems))
    for well, paths in zip(wells, image_paths, strict=True):
        well.images = [i for i in (next(infos) for _ in paths) if i is not None]
    all_images = [i for w in wells for i in w.images]
    _label_infos(source, all_images, problems)
    return PlateInfo(
        root=root,
        version=version or "0.4",
        name=name,
        row_names=row_names,
        column_names=column_names,
        wells=[w for w in wells if w.images],
        problems=problems,
        consolidated=source.consolidated,
    )


def _well_entry(
    entry: dict, row_names: list[str], column_names: list[str], problems: list[str]
) -> WellInfo | None:
    path = str(entry.get("path", ""))
    parts = path.split("/")
    row_index, column_index = entry.get("rowIndex"), entry.get("columnIndex")
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
